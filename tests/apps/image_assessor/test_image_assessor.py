"""ImageAssessor in process, against the real cats app or small stubs served on 127.0.0.1."""

from __future__ import annotations

import io
import json
import random
import threading
from pathlib import Path

import cats
import image_assessor
import pytest
import requests
from image_assessor import ConfigError, Settings, load_settings, main
from werkzeug.wrappers import Request, Response

ALL = [f"{n}.jpg" for n in range(1, 11)]
LIST = "/cats/api/list-pictures/"
TOKEN = "assessor-token"


def listed(base: str) -> list[str]:
    return list(requests.get(base + LIST, timeout=5).json())


def assess(env: dict[str, str], seed: int = 7) -> tuple[int, list[dict], list[str]]:
    """Run main() once; return the exit code, the JSON lines on stdout and the lines on stderr."""
    out, err = io.StringIO(), io.StringIO()
    # No waiting between attempts: these tests count attempts, they do not time them.
    code = main(env, stdout=out, stderr=err, rng=random.Random(seed), backoff_factor=0)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue().splitlines()


@pytest.fixture
def cats_app(tmp_path):
    return cats.create_app(cats.DirStore(tmp_path / "pictures"), api_token=TOKEN)


@pytest.fixture
def cats_url(cats_app, serve) -> str:
    return serve(cats_app).url


class Flaky:
    """Answers the first `failures` requests with `status` (all of them when None), then delegates."""

    def __init__(self, app, status: int, failures: int | None):
        self.app, self.status, self.failures = app, status, failures
        self.seen: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            failing = self.failures is None or len(self.seen) < self.failures
            self.seen.append((request.method, request.path, self.status if failing else 0))
        if failing:
            return Response("busy", status=self.status)(environ, start_response)
        return self.app(environ, start_response)


def test_deletes_delete_count_pictures_chosen_among_those_listed(cats_url):
    code, lines, errors = assess({"ALB_URL": cats_url, "API_TOKEN": TOKEN, "DELETE_COUNT": "4"})

    assert code == 0, errors
    assert errors == []
    remaining = listed(cats_url)
    assert len(remaining) == 6
    removed = [line["picture"] for line in lines if line["message"] == "picture removed"]
    assert sorted(removed) == sorted(set(ALL) - set(remaining))
    summary = lines[-1]
    assert summary["message"] == "assessment finished"
    assert sorted(summary["removed"]) == sorted(removed)
    assert summary["remaining"] == 6
    assert all(line["level"] == "info" for line in lines)


def test_default_is_three_pictures(cats_url):
    code, _, _ = assess({"ALB_URL": cats_url + "/", "API_TOKEN": TOKEN})
    assert code == 0
    assert len(listed(cats_url)) == 7


def test_asking_for_more_than_remain_removes_the_rest_then_has_nothing_to_do(cats_url):
    code, lines, _ = assess({"ALB_URL": cats_url, "API_TOKEN": TOKEN, "DELETE_COUNT": "50"})
    assert code == 0
    assert sorted(lines[-1]["removed"]) == sorted(ALL)
    assert listed(cats_url) == []

    code, lines, _ = assess({"ALB_URL": cats_url, "API_TOKEN": TOKEN})
    assert code == 0
    assert lines[-1]["removed"] == []


def test_resetpictures_restores_every_picture_and_deletes_none(cats_url):
    assert assess({"ALB_URL": cats_url, "API_TOKEN": TOKEN, "DELETE_COUNT": "5"})[0] == 0
    assert len(listed(cats_url)) == 5

    code, lines, _ = assess({"ALB_URL": cats_url, "API_TOKEN": TOKEN, "RESETPICTURES": "1"})

    assert code == 0
    assert listed(cats_url) == ALL
    assert [line["message"] for line in lines] == ["pictures reset"]
    assert lines[0]["remaining"] == 10


def test_missing_or_wrong_token_fails_without_retrying(cats_app, serve):
    counting = Flaky(cats_app, status=503, failures=0)
    base = serve(counting).url

    for env in ({}, {"API_TOKEN": "not-it"}):
        counting.seen.clear()
        code, _, errors = assess({"ALB_URL": base, **env})
        assert code == 1
        assert len(errors) == 1
        assert "HTTP 401" in json.loads(errors[0])["message"]
        assert [method for method, _, _ in counting.seen] == ["GET", "POST"]  # one list, one delete
    assert listed(base) == ALL


@pytest.mark.parametrize("status", [502, 503, 504])
def test_transient_errors_are_retried_until_success(cats_app, serve, status):
    flaky = Flaky(cats_app, status=status, failures=2)
    base = serve(flaky).url

    code, lines, errors = assess({"ALB_URL": base, "API_TOKEN": TOKEN, "DELETE_COUNT": "2"})

    assert code == 0, errors
    assert [answer for _, _, answer in flaky.seen[:3]] == [status, status, 0]
    assert [path for _, path, _ in flaky.seen[:3]] == [LIST] * 3
    assert len(listed(base)) == 8
    assert len(lines[-1]["removed"]) == 2


def test_gives_up_after_max_attempts_with_one_line_reason(cats_app, serve):
    down = Flaky(cats_app, status=503, failures=None)
    base = serve(down).url

    code, lines, errors = assess({"ALB_URL": base, "MAX_ATTEMPTS": "3"})

    assert code == 1
    assert lines == []
    assert len(down.seen) == 3
    assert len(errors) == 1
    entry = json.loads(errors[0])
    assert entry["level"] == "error"
    assert "HTTP 503" in entry["message"]
    assert LIST in entry["message"]


def test_unreachable_api_exits_1_with_the_reason(closed_port):
    code, lines, errors = assess({"ALB_URL": f"http://127.0.0.1:{closed_port}", "MAX_ATTEMPTS": "2"})
    assert code == 1
    assert lines == []
    assert len(errors) == 1
    message = json.loads(errors[0])["message"]
    assert message.startswith(f"cats API unreachable at http://127.0.0.1:{closed_port}/cats/api/list-pictures/")
    assert "after 2 attempt(s)" in message
    assert "refused" in message.lower()


def test_slow_api_hits_the_timeout_on_every_attempt(serve):
    release = threading.Event()
    calls = []

    def hanging(environ, start_response):
        calls.append(Request(environ).path)
        release.wait(timeout=10)
        return Response("{}", mimetype="application/json")(environ, start_response)

    base = serve(hanging).url
    try:
        code, _, errors = assess({"ALB_URL": base, "HTTP_TIMEOUT": "0.2", "MAX_ATTEMPTS": "2"})
    finally:
        release.set()
    assert code == 1
    assert calls == [LIST, LIST]
    assert "timed out" in json.loads(errors[0])["message"].lower()


def test_picture_already_gone_is_not_an_error(serve):
    deletes = []

    def racing(environ, start_response):
        request = Request(environ)
        if request.path == LIST:
            return Response('{"1.jpg": "true", "2.jpg": "true"}', mimetype="application/json")(environ, start_response)
        deletes.append(request.path)
        return Response('{"error": "Not Found"}', status=404)(environ, start_response)

    code, lines, errors = assess({"ALB_URL": serve(racing).url, "DELETE_COUNT": "2"})

    assert code == 0, errors
    assert sorted(deletes) == ["/cats/api/delete-pictures/1", "/cats/api/delete-pictures/2"]
    assert [line["message"] for line in lines] == ["picture already gone"] * 2 + ["assessment finished"]
    assert lines[-1]["removed"] == []


def test_a_url_that_is_not_the_cats_api_is_reported(serve):
    def html(environ, start_response):
        return Response("<html>hello</html>", mimetype="text/html")(environ, start_response)

    code, _, errors = assess({"ALB_URL": serve(html).url})
    assert code == 1
    assert "is ALB_URL the cats API?" in json.loads(errors[0])["message"]


def test_missing_alb_url_exits_2_with_a_one_line_message():
    code, lines, errors = assess({})
    assert code == 2
    assert lines == []
    assert len(errors) == 1
    assert "ALB_URL is required" in json.loads(errors[0])["message"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ALB_URL", "not-a-url"),
        ("ALB_URL", "ftp://example.com"),
        ("ALB_URL", "http://"),
        ("DELETE_COUNT", "0"),
        ("DELETE_COUNT", "-2"),
        ("DELETE_COUNT", "three"),
        ("DELETE_COUNT", "1.5"),
        ("HTTP_TIMEOUT", "0"),
        ("HTTP_TIMEOUT", "nan"),
        ("HTTP_TIMEOUT", "inf"),
        ("MAX_ATTEMPTS", "0"),
        ("RESETPICTURES", "maybe"),
    ],
)
def test_invalid_settings_exit_2_naming_the_variable(key, value):
    env = {"ALB_URL": "http://cats.example.com", key: value}
    code, _, errors = assess(env)
    assert code == 2
    assert len(errors) == 1
    assert f"{key}={value!r}" in json.loads(errors[0])["message"]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        load_settings({"DELETE_COUNT": "x", "MAX_ATTEMPTS": "0"})
    message = str(caught.value)
    assert "ALB_URL is required" in message
    assert "DELETE_COUNT='x'" in message
    assert "MAX_ATTEMPTS='0'" in message


def test_settings_defaults_and_parsing():
    assert load_settings({"ALB_URL": " http://alb.example.com/ "}) == Settings(alb_url="http://alb.example.com")
    parsed = load_settings(
        {
            "ALB_URL": "https://alb.example.com",
            "RESETPICTURES": "1",
            "DELETE_COUNT": "5",
            "HTTP_TIMEOUT": "2.5",
            "MAX_ATTEMPTS": "6",
            "API_TOKEN": "t",
        }
    )
    assert parsed == Settings("https://alb.example.com", True, 5, "t", 2.5, 6)
    assert load_settings({"ALB_URL": "http://a", "RESETPICTURES": "0"}).reset is False


def test_image_definition(read_dockerfile):
    # Base image, locks, pip and user: tests/apps/test_dockerfiles.py checks those for every app.
    instructions = read_dockerfile(Path(image_assessor.__file__).parent / "Dockerfile")
    assert ("COPY", ". /app/image_assessor/") in instructions
    assert ("WORKDIR", "/app") in instructions
    cmd = [json.loads(args) for instruction, args in instructions if instruction == "CMD"]
    assert cmd == [["python", "-m", "image_assessor"]]

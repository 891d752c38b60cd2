"""The cats API over real HTTP on 127.0.0.1, with pictures in S3 (moto) or a local directory."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import cats
import pytest
import requests
from cats.logs import JsonFormatter
from cats.storage import ConfigError, DirStore, S3Store, bundled_pictures
from PIL import Image

ALL = [f"{n}.jpg" for n in range(1, 11)]
LIST = "/cats/api/list-pictures/"
RESET = "/cats/api/reset-pictures/"
PICTURES_DIR = Path(cats.__file__).parent / "pictures"
TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def delete_url(base: str, number: int | str) -> str:
    return f"{base}/cats/api/delete-pictures/{number}"


def listed(base: str) -> list[str]:
    response = requests.get(base + LIST, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body.values()) <= {"true"}
    return list(body)


def keys(bucket: str, prefix: str) -> list[str]:
    page = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in page.get("Contents", []))


@pytest.fixture
def s3_app(bucket, serve):
    """Call s3_app() to serve another instance of the app on the test's bucket (token TOKEN unless given)."""

    def start(token: str | None = TOKEN, *, read_only_public: bool = False):
        return serve(cats.create_app(S3Store(bucket), token, read_only_public=read_only_public)).url

    return start


def test_list_delete_reset_round_trip_against_s3(bucket, s3_app):
    base = s3_app()
    assert listed(base) == ALL  # numeric order, the workshop's shape
    assert keys(bucket, "backup/") == [f"backup/{name}" for name in sorted(ALL)]

    response = requests.post(delete_url(base, 4), headers=AUTH, timeout=5)
    assert response.status_code == 200
    assert response.json() == {"deleted": "4.jpg"}
    assert listed(base) == [name for name in ALL if name != "4.jpg"]
    assert "pictures/4.jpg" not in keys(bucket, "pictures/")
    assert len(keys(bucket, "backup/")) == 10

    again = requests.post(delete_url(base, 4), headers=AUTH, timeout=5)
    assert again.status_code == 404
    assert again.json()["error"] == "Not Found"

    reset = requests.post(base + RESET, headers=AUTH, timeout=5)
    assert reset.status_code == 200
    assert list(reset.json()) == ALL
    assert listed(base) == ALL


@pytest.mark.parametrize("number", [0, 11, 999])
def test_delete_unknown_picture_is_404_and_changes_nothing(s3_app, number):
    base = s3_app()
    response = requests.post(delete_url(base, number), headers=AUTH, timeout=5)
    assert response.status_code == 404
    assert "message" in response.json()
    assert listed(base) == ALL


def test_delete_non_numeric_picture_is_json_404(s3_app):
    base = s3_app()
    response = requests.post(delete_url(base, "abc"), headers=AUTH, timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")


def test_two_instances_on_one_bucket_see_the_same_pictures(s3_app):
    first, second = s3_app(), s3_app()
    assert requests.post(delete_url(first, 2), headers=AUTH, timeout=5).status_code == 200
    assert requests.post(delete_url(second, 7), headers=AUTH, timeout=5).status_code == 200

    expected = [name for name in ALL if name not in ("2.jpg", "7.jpg")]
    assert listed(first) == expected
    assert listed(second) == expected
    # What one instance deleted, the other can no longer delete or serve.
    assert requests.post(delete_url(second, 2), headers=AUTH, timeout=5).status_code == 404
    assert requests.get(f"{second}/cats/pictures/2.jpg", timeout=5).status_code == 404

    assert requests.post(second + RESET, headers=AUTH, timeout=5).status_code == 200
    assert listed(first) == ALL


def test_simultaneous_first_starts_seed_every_picture_once(bucket):
    starters = 4
    barrier = threading.Barrier(starters)
    published: list[list[str]] = []
    errors: list[BaseException] = []

    def start() -> None:
        store = S3Store(bucket)
        barrier.wait(timeout=10)
        try:
            published.append(store.seed(bundled_pictures()))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert sorted({name for names in published for name in names}) == sorted(ALL)
    assert keys(bucket, "pictures/") == sorted(f"pictures/{name}" for name in ALL)
    assert keys(bucket, "backup/") == sorted(f"backup/{name}" for name in ALL)


def test_restart_does_not_bring_back_deleted_pictures(bucket, s3_app):
    base = s3_app()
    assert requests.post(delete_url(base, 9), headers=AUTH, timeout=5).status_code == 200

    restarted = s3_app()  # a new task starting on the same bucket seeds again

    assert "9.jpg" not in listed(restarted)
    assert len(listed(base)) == 9


def test_token_guards_delete_and_reset_but_not_reads(s3_app):
    base = s3_app()
    attempts = [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Bearer s3cret-token-and-more"},
        {"Authorization": "Basic s3cret-token"},
        {"Authorization": "s3cret-token"},
    ]
    for headers in attempts:
        for url in (delete_url(base, 1), base + RESET):
            response = requests.post(url, headers=headers, timeout=5)
            assert response.status_code == 401, headers
            assert response.json()["error"] == "Unauthorized"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert listed(base) == ALL  # nothing changed

    assert requests.get(f"{base}/cats/", timeout=5).status_code == 200
    assert requests.get(f"{base}/cats/pictures/1.jpg", timeout=5).status_code == 200

    good = {"Authorization": "Bearer s3cret-token"}
    assert requests.post(delete_url(base, 1), headers=good, timeout=5).status_code == 200
    assert "1.jpg" not in listed(base)
    assert requests.post(base + RESET, headers={"Authorization": "bearer s3cret-token"}, timeout=5).ok
    assert listed(base) == ALL


@pytest.mark.parametrize("token", [None, "", "   ", "\t\n"])
def test_the_app_is_never_built_open(tmp_path, token):
    with pytest.raises(ConfigError, match=r"^API_TOKEN is not set: delete and reset would be open to anyone"):
        cats.create_app(DirStore(tmp_path), token)
    # Refused before anything was seeded.
    assert not list(tmp_path.rglob("*.jpg"))


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"API_TOKEN": "t", "READ_ONLY_PUBLIC": "true"}, "API_TOKEN and READ_ONLY_PUBLIC=true contradict each other"),
        ({"READ_ONLY_PUBLIC": "yes"}, "READ_ONLY_PUBLIC must be true or false, not 'yes'"),
        ({"READ_ONLY_PUBLIC": "false"}, "API_TOKEN is not set"),
        ({"API_TOKEN": "two words"}, "API_TOKEN must be visible ASCII characters without spaces"),
        ({"API_TOKEN": "jeton-\u00e9t\u00e9"}, "API_TOKEN must be visible ASCII characters without spaces"),
    ],
)
def test_unusable_access_settings_are_clear_errors(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        cats.app_from_env({"PICTURES_DIR": str(tmp_path), **environ})


@pytest.mark.parametrize("token", ["", "  "])
def test_gunicorn_refuses_to_start_without_a_token_in_one_line(tmp_path, token):
    apps = Path(cats.__file__).resolve().parents[1]
    run = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "python:cats.gunicorn_conf", "cats.wsgi:app"],
        cwd=apps,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(apps), "PICTURES_DIR": str(tmp_path), "API_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "cats: API_TOKEN is not set: delete and reset would be open to anyone; set API_TOKEN, "
        "or READ_ONLY_PUBLIC=true to serve a read-only API"
    ]
    assert run.stdout == ""
    assert not list(tmp_path.rglob("*.jpg"))


def test_module_entry_point_refuses_to_start_without_a_token(tmp_path):
    apps = Path(cats.__file__).resolve().parents[1]
    run = subprocess.run(
        [sys.executable, "-m", "cats"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(apps), "PICTURES_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2
    assert len(run.stderr.splitlines()) == 1
    assert run.stderr.startswith("cats: API_TOKEN is not set")


def test_read_only_public_refuses_every_mutation_to_everyone(s3_app):
    base = s3_app(token=None, read_only_public=True)
    for headers in ({}, {"Authorization": "Bearer anything"}, AUTH):
        for url in (delete_url(base, 1), base + RESET):
            response = requests.post(url, headers=headers, timeout=5)
            assert response.status_code == 403, (url, headers)
            assert response.json() == {
                "error": "Forbidden",
                "message": "this API is read-only (READ_ONLY_PUBLIC=true): pictures cannot be changed",
            }
    assert listed(base) == ALL
    assert requests.get(f"{base}/cats/pictures/1.jpg", timeout=5).status_code == 200
    assert requests.get(f"{base}/cats/", timeout=5).status_code == 200


def test_read_only_public_gunicorn_process_serves_reads_and_refuses_writes(cats_process, tmp_path):
    base = cats_process(PICTURES_DIR=str(tmp_path / "data"), READ_ONLY_PUBLIC="true")
    assert listed(base) == ALL
    assert requests.post(delete_url(base, 2), headers=AUTH, timeout=5).status_code == 403
    assert requests.post(base + RESET, timeout=5).status_code == 403
    assert (tmp_path / "data" / "pictures" / "2.jpg").exists()


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _csp(response) -> dict[str, str]:
    directives = [part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";")]
    return {name: value for name, value in directives}


def test_every_answer_carries_the_security_headers(s3_app):
    base = s3_app()
    answers = {
        "page": requests.get(f"{base}/cats/", timeout=5),
        "listing": requests.get(base + LIST, timeout=5),
        "picture": requests.get(f"{base}/cats/pictures/1.jpg", timeout=5),
        "stylesheet": requests.get(f"{base}/cats/static/cats.css", timeout=5),
        "health": requests.get(f"{base}/health", timeout=5),
        "not found": requests.get(f"{base}/cats/nothing-here", timeout=5),
        "unauthorized": requests.post(delete_url(base, 1), timeout=5),
        "wrong method": requests.get(base + RESET, timeout=5),
        "deleted": requests.post(delete_url(base, 1), headers=AUTH, timeout=5),
    }
    assert [answer.status_code for answer in answers.values()] == [200, 200, 200, 200, 200, 404, 401, 405, 200]
    for what, answer in answers.items():
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (what, name)
        assert _csp(answer) == {
            "default-src": "'none'",
            "img-src": "'self'",
            "style-src": "'self'",
            "base-uri": "'none'",
            "form-action": "'none'",
            "frame-ancestors": "'none'",
        }, what
        # Plain HTTP: HSTS would be ignored by browsers and wrong for a local run.
        assert "Strict-Transport-Security" not in answer.headers, what


def test_the_page_works_under_its_content_security_policy(s3_app):
    base = s3_app()
    html = requests.get(f"{base}/cats/", timeout=5).text
    # CSP allows no inline style or script: the page uses only its own stylesheet and pictures.
    assert "<style" not in html and "<script" not in html and " style=" not in html
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert sheets == ["/cats/static/cats.css"]
    sheet = requests.get(base + sheets[0], timeout=5)
    assert sheet.status_code == 200
    assert sheet.headers["Content-Type"].startswith("text/css")
    assert ".grid" in sheet.text
    assert all(src.startswith("/cats/pictures/") for src in re.findall(r'<img src="([^"]+)"', html))


def test_https_answers_add_strict_transport_security(s3_app):
    base = s3_app()
    # The ALB terminates TLS and says so in X-Forwarded-Proto (one trusted hop).
    response = requests.get(base + LIST, headers={"X-Forwarded-Proto": "https"}, timeout=5)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    "number",
    [
        "\u0661",  # ARABIC-INDIC DIGIT ONE
        "\uff11",  # FULLWIDTH DIGIT ONE
        "\u0967",  # DEVANAGARI DIGIT ONE
        "01",
        "007",
        "0",
        "+1",
        "1.0",
        "1%20",
        "%201",
        "1234567",
    ],
)
def test_picture_numbers_are_ascii_digits_without_leading_zeros(s3_app, number):
    base = s3_app()
    for response in (
        requests.post(delete_url(base, number), headers=AUTH, timeout=5),
        requests.get(f"{base}/cats/pictures/{number}.jpg", timeout=5),
    ):
        assert response.status_code == 404, response.url
        assert response.headers["Content-Type"].startswith("application/json")
    assert listed(base) == ALL
    # The same picture by its one real name.
    assert requests.get(f"{base}/cats/pictures/1.jpg", timeout=5).status_code == 200
    assert requests.get(f"{base}/cats/pictures/7.jpg", timeout=5).status_code == 200


@pytest.mark.parametrize("path", [RESET, "/cats/api/delete-pictures/3"])
def test_mutations_refuse_get(s3_app, path):
    base = s3_app()
    response = requests.get(base + path, timeout=5)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.json()["error"] == "Method Not Allowed"
    assert listed(base) == ALL


def test_page_shows_a_blank_slot_for_a_deleted_picture(s3_app):
    base = s3_app()
    assert requests.post(delete_url(base, 3), headers=AUTH, timeout=5).status_code == 200

    page = requests.get(f"{base}/cats/", timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.text
    images = re.findall(r'<img src="([^"]+)"', html)
    assert images == [f"/cats/pictures/{n}.jpg" for n in range(1, 11) if n != 3]
    slot_3 = re.search(r'<figure class="([^"]*)" id="slot-3"[^>]*>(.*?)</figure>', html, re.S)
    assert slot_3 is not None
    assert "blank" in slot_3.group(1).split()
    assert "<img" not in slot_3.group(2)
    assert "9 of 10 pictures remain" in html

    for src in images:
        picture = requests.get(base + src, timeout=5)
        assert picture.status_code == 200
        assert picture.headers["Content-Type"] == "image/jpeg"
        assert picture.content == (PICTURES_DIR / src.rsplit("/", 1)[1]).read_bytes()
    assert requests.get(f"{base}/cats/pictures/3.jpg", timeout=5).status_code == 404


def test_health_answers_ok(s3_app):
    response = requests.get(s3_app() + "/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_local_directory_backend(tmp_path, serve, aws_env):
    app = cats.app_from_env({"PICTURES_DIR": str(tmp_path / "data"), "API_TOKEN": TOKEN})
    base = serve(app).url
    assert listed(base) == ALL
    assert requests.post(delete_url(base, 10), headers=AUTH, timeout=5).status_code == 200
    assert not (tmp_path / "data" / "pictures" / "10.jpg").exists()
    assert (tmp_path / "data" / "backup" / "10.jpg").exists()

    restarted = serve(cats.app_from_env({"PICTURES_DIR": str(tmp_path / "data"), "API_TOKEN": TOKEN})).url
    assert listed(restarted) == ALL[:9]
    assert requests.post(restarted + RESET, headers=AUTH, timeout=5).status_code == 200
    assert listed(base) == ALL
    assert not [p for p in (tmp_path / "data").rglob(".tmp-*")]


def test_bucket_name_wins_over_pictures_dir(mock_s3, tmp_path):
    boto3.client("s3").create_bucket(Bucket="cats-pictures")
    app = cats.app_from_env({"BUCKET_NAME": "cats-pictures", "PICTURES_DIR": str(tmp_path), "API_TOKEN": TOKEN})
    assert app.test_client().get(LIST).status_code == 200
    assert keys("cats-pictures", "pictures/") == sorted(f"pictures/{name}" for name in ALL)
    assert not list(tmp_path.iterdir())


def test_no_storage_configured_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"BUCKET_NAME.*PICTURES_DIR"):
        cats.app_from_env({"API_TOKEN": "x"})


def test_storage_outage_answers_json_without_internals(mock_s3, serve):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="doomed")
    base = serve(cats.create_app(S3Store("doomed"), TOKEN)).url
    for item in s3.list_objects_v2(Bucket="doomed")["Contents"]:
        s3.delete_object(Bucket="doomed", Key=item["Key"])
    s3.delete_bucket(Bucket="doomed")

    for method, path in (("GET", LIST), ("GET", "/cats/"), ("POST", "/cats/api/delete-pictures/1")):
        response = requests.request(method, base + path, headers=AUTH, timeout=5)
        assert response.status_code == 503, path
        assert response.json() == {
            "error": "Service Unavailable",
            "message": "picture storage is unavailable, try again later",
        }
        assert "NoSuchBucket" not in response.text


def test_unexpected_error_answers_json_and_logs_the_exception(tmp_path, serve, caplog):
    class BrokenStore(DirStore):
        def remaining(self):
            raise RuntimeError("disk on fire")

    base = serve(cats.create_app(BrokenStore(tmp_path), TOKEN)).url
    with caplog.at_level(logging.ERROR, logger="cats"):
        response = requests.get(base + LIST, timeout=5)
    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error", "message": "the request could not be completed"}
    assert "disk on fire" not in response.text
    failures = [r for r in caplog.records if r.message == "unhandled error"]
    assert len(failures) == 1
    assert failures[0].exc_info[0] is RuntimeError


def test_requests_are_logged_with_fields(tmp_path, serve, caplog):
    base = serve(cats.create_app(DirStore(tmp_path), TOKEN)).url
    with caplog.at_level(logging.INFO, logger="cats"):
        requests.post(delete_url(base, 5), headers={"X-Forwarded-For": "203.0.113.9", **AUTH}, timeout=5)
        requests.get(base + "/health", timeout=5)
    logged = [r for r in caplog.records if r.message == "request"]
    assert [(r.method, r.path, r.status, r.client) for r in logged] == [
        ("POST", "/cats/api/delete-pictures/5", 200, "203.0.113.9")
    ]


def test_json_formatter_writes_one_parsable_line():
    formatter = JsonFormatter()
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.LogRecord("cats", logging.ERROR, __file__, 1, "failed %s", ("twice",), sys.exc_info())
    record.picture = "3.jpg"
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "error"
    assert entry["message"] == "failed twice"
    assert entry["picture"] == "3.jpg"
    assert "ValueError: bad" in entry["exception"]


def test_bundled_pictures_are_ten_small_distinct_jpegs():
    pictures = bundled_pictures()
    assert sorted(pictures) == sorted(ALL)
    assert len(set(pictures.values())) == 10
    for name, body in pictures.items():
        assert len(body) < 16_000, name
        with Image.open(io.BytesIO(body)) as image:
            assert image.format == "JPEG"
            assert image.size == (200, 150)


def test_module_entry_point_refuses_to_start_without_storage(tmp_path):
    apps = Path(cats.__file__).resolve().parents[1]
    run = subprocess.run(
        [sys.executable, "-m", "cats"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(apps), "API_TOKEN": TOKEN},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "cats: set BUCKET_NAME (S3 bucket) or PICTURES_DIR (local directory) to say where pictures live"
    ]

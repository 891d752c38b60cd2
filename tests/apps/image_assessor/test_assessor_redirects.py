"""ImageAssessor never follows a redirect: a 3xx from the API is a failed run, reported with its Location.

Real HTTP on 127.0.0.1: a stub cats API that answers the delete (or the listing) with a redirect, and a second
server, the redirect's target, that records anything that reaches it."""

from __future__ import annotations

import io
import json
import random
import threading

import pytest
from image_assessor import main
from werkzeug.wrappers import Request, Response

LIST = "/cats/api/list-pictures/"
TOKEN = "redirect-token"
REDIRECTS = (301, 302, 303, 307, 308)


class Recorder:
    """A WSGI app that answers 200 to everything and keeps (method, path, Authorization) of each request."""

    def __init__(self, body: str = '{"1.jpg": "true"}'):
        self.body = body
        self.seen: list[tuple[str, str, str | None]] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.seen.append((request.method, request.full_path.rstrip("?"), request.headers.get("Authorization")))
        return Response(self.body, mimetype="application/json")(environ, start_response)


class RedirectingApi(Recorder):
    """Lists two pictures; answers every path starting with `redirected` with `status` and a Location."""

    def __init__(self, status: int, location: str, redirected: str):
        super().__init__('{"1.jpg": "true", "2.jpg": "true"}')
        self.status, self.location, self.redirected = status, location, redirected

    def __call__(self, environ, start_response):
        request = Request(environ)
        if not request.path.startswith(self.redirected):
            return super().__call__(environ, start_response)
        with self._lock:
            self.seen.append((request.method, request.path, request.headers.get("Authorization")))
        response = Response("moved", status=self.status, headers={"Location": self.location})
        return response(environ, start_response)


def assess(env: dict[str, str]) -> tuple[int, list[dict], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(env, stdout=out, stderr=err, rng=random.Random(3), backoff_factor=0)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue().splitlines()


@pytest.mark.parametrize("status", REDIRECTS)
@pytest.mark.parametrize("target", ["same host", "other host"])
def test_a_redirected_delete_is_not_followed_and_fails_the_run(serve, status, target):
    elsewhere = Recorder()
    elsewhere_url = serve(elsewhere).url
    # The same-host target lists pictures with 200: following the redirect as a GET would look like success.
    location = (elsewhere_url if target == "other host" else "") + LIST
    api = RedirectingApi(status, location, "/cats/api/delete-pictures/")
    base = serve(api).url

    code, lines, errors = assess({"ALB_URL": base, "API_TOKEN": TOKEN, "DELETE_COUNT": "2"})

    assert code == 1
    assert lines == []  # nothing reported as removed
    assert len(errors) == 1
    message = json.loads(errors[0])["message"]
    assert f"answered HTTP {status} with Location {location!r}" in message
    assert "redirects are not followed" in message
    # One list, one delete (a POST, sent once), then the run stopped: no GET to the Location, no second delete.
    assert [(method, path.split("/")[3]) for method, path, _ in api.seen] == [
        ("GET", "list-pictures"),
        ("POST", "delete-pictures"),
    ]
    assert elsewhere.seen == []


@pytest.mark.parametrize("status", REDIRECTS)
def test_a_redirected_listing_fails_before_any_delete_and_the_token_goes_nowhere_else(serve, status):
    elsewhere = Recorder()
    location = serve(elsewhere).url + LIST
    api = RedirectingApi(status, location, LIST)
    base = serve(api).url

    code, lines, errors = assess({"ALB_URL": base, "API_TOKEN": TOKEN})

    assert code == 1
    assert lines == []
    assert json.loads(errors[0])["message"].startswith(f"GET {base}{LIST} answered HTTP {status} with Location")
    assert api.seen == [("GET", LIST, f"Bearer {TOKEN}")]
    assert elsewhere.seen == []


def test_reset_redirected_is_not_followed(serve):
    elsewhere = Recorder()
    api = RedirectingApi(307, serve(elsewhere).url + "/cats/api/reset-pictures/", "/cats/api/reset-pictures/")

    code, lines, errors = assess({"ALB_URL": serve(api).url, "API_TOKEN": TOKEN, "RESETPICTURES": "1"})

    assert code == 1
    assert lines == []
    assert "HTTP 307" in json.loads(errors[0])["message"]
    assert [(method, path) for method, path, _ in api.seen] == [("POST", "/cats/api/reset-pictures/")]
    assert elsewhere.seen == []


def test_credentials_in_a_location_are_redacted(serve):
    api = RedirectingApi(302, "http://admin:hunter2@127.0.0.1:9/x", LIST)

    code, _, errors = assess({"ALB_URL": serve(api).url})

    assert code == 1
    assert len(errors) == 1
    assert "hunter2" not in errors[0]
    assert "Location 'http://***@127.0.0.1:9/x'" in json.loads(errors[0])["message"]

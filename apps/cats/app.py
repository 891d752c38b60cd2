"""The cats picture API: list, delete and reset pictures, and a page that shows them."""

from __future__ import annotations

import hmac
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, Response, abort, g, jsonify, render_template, request
from werkzeug.exceptions import Forbidden, HTTPException, Unauthorized
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter

from .scorer import PictureScorer, scorer_from_env
from .storage import (
    PICTURE_NUMBER,
    ConfigError,
    PictureStore,
    StorageError,
    bundled_pictures,
    picture_number,
    store_from_env,
)

log = logging.getLogger("cats")

API = "/cats/api"
TOKEN_VARIABLE = "API_TOKEN"
READ_ONLY_VARIABLE = "READ_ONLY_PUBLIC"
# Visible ASCII without spaces: what a client can send after `Bearer ` in one header value.
_TOKEN_CHARACTERS = re.compile(r"^[!-~]+$")

# Sent on every answer. The page needs only its own stylesheet and pictures; nothing may frame it
# (clickjacking), run script in it, or learn which page linked elsewhere.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# Only on answers to HTTPS requests (RFC 6797 8.1: a browser ignores it over HTTP anyway).
HSTS = "max-age=31536000"


@dataclass(frozen=True)
class Access:
    """Who may delete and reset: holders of `token`, or nobody when the API is read-only public."""

    token: str | None
    read_only_public: bool


def check_access(api_token: str | None, read_only_public: bool) -> Access:
    """The access rule for a token and the read-only flag; raises ConfigError when neither is given."""
    # An empty or blank token is a missing one, never a token that matches an empty header.
    token = (api_token or "").strip() or None
    if read_only_public and token:
        raise ConfigError(
            f"{TOKEN_VARIABLE} and {READ_ONLY_VARIABLE}=true contradict each other: keep the token to allow "
            "delete and reset, or drop it for a read-only API"
        )
    if not read_only_public and not token:
        raise ConfigError(
            f"{TOKEN_VARIABLE} is not set: delete and reset would be open to anyone; set {TOKEN_VARIABLE}, "
            f"or {READ_ONLY_VARIABLE}=true to serve a read-only API"
        )
    if token and not _TOKEN_CHARACTERS.match(token):
        raise ConfigError(f"{TOKEN_VARIABLE} must be visible ASCII characters without spaces")
    return Access(token=token, read_only_public=read_only_public)


def access_from_env(environ: Mapping[str, str]) -> Access:
    """The access rule set by API_TOKEN and READ_ONLY_PUBLIC; raises ConfigError when neither is set."""
    flag = environ.get(READ_ONLY_VARIABLE, "").strip().lower()
    if flag not in ("", "true", "false"):
        raise ConfigError(f"{READ_ONLY_VARIABLE} must be true or false, not {environ[READ_ONLY_VARIABLE]!r}")
    return check_access(environ.get(TOKEN_VARIABLE), flag == "true")


class _PictureNumber(BaseConverter):
    """`<picture:number>`: only the numbers picture names use; anything else does not match (404)."""

    regex = PICTURE_NUMBER

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def _listing(names: list[str]) -> dict[str, str]:
    # The workshop's clients expect string values, not JSON booleans.
    return {name: "true" for name in names}


def _json_error(status: int, error: str, message: str) -> Response:
    response = jsonify(error=error, message=message)
    response.status_code = status
    return response


def create_app(
    store: PictureStore,
    api_token: str | None = None,
    *,
    read_only_public: bool = False,
    scorer: PictureScorer | None = None,
) -> Flask:
    """Build the app around `store`, seeding it with the bundled pictures it does not hold yet; `scorer`
    scores pictures (none: pictures are reported unscored).

    Delete and reset require `Authorization: Bearer <api_token>`; with `read_only_public` (and no token)
    they are refused to everyone (403). There is no open mode: without either, ConfigError.
    """
    access = check_access(api_token, read_only_public)
    scorer = scorer or PictureScorer(None)
    # The static folder sits under /cats/ because the load balancer forwards only /cats* here.
    app = Flask(__name__, static_url_path="/cats/static")
    app.json.sort_keys = False  # keep 1.jpg, 2.jpg, ..., 10.jpg in numeric order
    app.url_map.converters["picture"] = _PictureNumber
    # The ALB appends the client address to X-Forwarded-For; trust exactly that one hop.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    token = access.token.encode() if access.token else None

    published = store.seed(bundled_pictures())
    log.info(
        "pictures ready",
        extra={"store": store.description, "seeded": published, "auth": "bearer" if token else "read-only"},
    )

    def require_token() -> None:
        if token is None:
            raise Forbidden(f"this API is read-only ({READ_ONLY_VARIABLE}=true): pictures cannot be changed")
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token):
            raise Unauthorized("a valid 'Authorization: Bearer <token>' header is required")

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def secure_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = HSTS
        return response

    @app.after_request
    def log_request(response: Response) -> Response:
        # Health checks arrive every few seconds from each ALB node and would drown the useful lines.
        if request.path != "/health":
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
                    "client": request.remote_addr,
                },
            )
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        response = exc.get_response()
        response.set_data(jsonify(error=exc.name, message=exc.description).get_data())
        response.mimetype = "application/json"
        if exc.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="cats"'
        return response

    @app.errorhandler(StorageError)
    def storage_error(exc: StorageError) -> Response:
        log.error("storage unavailable", extra={"reason": str(exc)})
        return _json_error(503, "Service Unavailable", "picture storage is unavailable, try again later")

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.path})
        return _json_error(500, "Internal Server Error", "the request could not be completed")

    @app.get("/health")
    def health() -> Response:
        return jsonify(status="ok")

    @app.get(f"{API}/list-pictures/")
    def list_pictures() -> Response:
        return jsonify(_listing(store.remaining()))

    @app.post(f"{API}/delete-pictures/<picture:number>")
    def delete_picture(number: int) -> Response:
        require_token()
        name = f"{number}.jpg"
        if not store.delete(name):
            abort(404, f"{name} does not exist or was already deleted")
        log.info("picture deleted", extra={"picture": name})
        return jsonify(deleted=name)

    @app.post(f"{API}/reset-pictures/")
    def reset_pictures() -> Response:
        require_token()
        restored = store.reset()
        log.info("pictures reset", extra={"pictures": len(restored)})
        return jsonify(_listing(restored))

    @app.get(f"{API}/score-picture/<picture:number>")
    def score_picture(number: int) -> Response:
        name = f"{number}.jpg"
        body = store.read(name)
        if body is None:
            abort(404, f"{name} does not exist or was deleted")
        scored = scorer.score(body)
        if scored.score is None:
            return jsonify(picture=name, score=None, unavailable=scored.unavailable)
        return jsonify(picture=name, **scored.score)

    @app.get("/cats/")
    def page() -> str:
        remaining = set(store.remaining())
        slots = [(name, picture_number(name), name in remaining) for name in store.catalogue()]
        return render_template("cats.html", slots=slots, remaining=len(remaining))

    @app.get("/cats/pictures/<picture:number>.jpg")
    def picture(number: int) -> Response:
        body = store.read(f"{number}.jpg")
        if body is None:
            abort(404, f"{number}.jpg does not exist or was deleted")
        # Pictures come and go; a cached copy would hide a deletion.
        return Response(body, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})

    return app


def app_from_env(environ: Mapping[str, str] | None = None) -> Flask:
    """The app as configured by BUCKET_NAME or PICTURES_DIR, API_TOKEN or READ_ONLY_PUBLIC, and
    PICTURE_SCORER_URL."""
    environ = os.environ if environ is None else environ
    # Access first: a missing token is reported before any storage is touched.
    access = access_from_env(environ)
    return create_app(
        store_from_env(environ),
        access.token,
        read_only_public=access.read_only_public,
        scorer=scorer_from_env(environ),
    )

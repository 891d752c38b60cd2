"""The cats picture API: list, delete and reset pictures, and a page that shows them."""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Mapping

from flask import Flask, Response, abort, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, Unauthorized
from werkzeug.middleware.proxy_fix import ProxyFix

from .storage import PictureStore, StorageError, bundled_pictures, picture_number, store_from_env

log = logging.getLogger("cats")

API = "/cats/api"


def _listing(names: list[str]) -> dict[str, str]:
    # The workshop's clients expect string values, not JSON booleans.
    return {name: "true" for name in names}


def _json_error(status: int, error: str, message: str) -> Response:
    response = jsonify(error=error, message=message)
    response.status_code = status
    return response


def create_app(store: PictureStore, api_token: str | None = None) -> Flask:
    """Build the app around `store`, seeding it with the bundled pictures it does not hold yet.

    When `api_token` is set, delete and reset require `Authorization: Bearer <api_token>`.
    """
    app = Flask(__name__)
    app.json.sort_keys = False  # keep 1.jpg, 2.jpg, ..., 10.jpg in numeric order
    # The ALB appends the client address to X-Forwarded-For; trust exactly that one hop.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    token = api_token.encode() if api_token else None

    published = store.seed(bundled_pictures())
    log.info(
        "pictures ready",
        extra={"store": store.description, "seeded": published, "auth": "bearer" if token else "open"},
    )

    def require_token() -> None:
        if token is None:
            return
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token):
            raise Unauthorized("a valid 'Authorization: Bearer <token>' header is required")

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

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

    @app.post(f"{API}/delete-pictures/<int:number>")
    def delete_picture(number: int) -> Response:
        require_token()
        name = f"{number}.jpg"
        if picture_number(name) is None or not store.delete(name):
            abort(404, f"{name} does not exist or was already deleted")
        log.info("picture deleted", extra={"picture": name})
        return jsonify(deleted=name)

    @app.post(f"{API}/reset-pictures/")
    def reset_pictures() -> Response:
        require_token()
        restored = store.reset()
        log.info("pictures reset", extra={"pictures": len(restored)})
        return jsonify(_listing(restored))

    @app.get("/cats/")
    def page() -> str:
        remaining = set(store.remaining())
        slots = [(name, picture_number(name), name in remaining) for name in store.catalogue()]
        return render_template("cats.html", slots=slots, remaining=len(remaining))

    @app.get("/cats/pictures/<int:number>.jpg")
    def picture(number: int) -> Response:
        body = store.read(f"{number}.jpg")
        if body is None:
            abort(404, f"{number}.jpg does not exist or was deleted")
        # Pictures come and go; a cached copy would hide a deletion.
        return Response(body, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})

    return app


def app_from_env(environ: Mapping[str, str] | None = None) -> Flask:
    """The app as configured by BUCKET_NAME or PICTURES_DIR and API_TOKEN."""
    environ = os.environ if environ is None else environ
    return create_app(store_from_env(environ), api_token=environ.get("API_TOKEN") or None)

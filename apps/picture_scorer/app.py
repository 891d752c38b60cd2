"""The scorer's HTTP API: `POST /score` with a JPEG body answers its size and a score; `GET /health`."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from .jpeg import NotAJpeg, dimensions

log = logging.getLogger("picture_scorer")

# The score is the picture's pixels relative to a Full HD picture, at most 1: a thumbnail scores low.
REFERENCE_PIXELS = 1920 * 1080
# The cats pictures are a few hundred kilobytes; anything far larger is refused before it is read.
MAX_PICTURE_BYTES = 10 * 1024 * 1024


def score(data: bytes) -> dict[str, float | int]:
    """The picture's width, height and score; raises NotAJpeg for anything else."""
    width, height = dimensions(data)
    return {"width": width, "height": height, "score": round(min(1.0, width * height / REFERENCE_PIXELS), 3)}


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_PICTURE_BYTES

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        response = jsonify(error=exc.name, message=exc.description)
        response.status_code = exc.code or 500
        return response

    @app.get("/health")
    def health() -> Response:
        return jsonify(status="ok")

    @app.post("/score")
    def score_picture() -> Response | tuple[Response, int]:
        data = request.get_data(cache=False)
        try:
            result = score(data)
        except NotAJpeg as problem:
            return jsonify(error="Unprocessable Content", message=str(problem)), 422
        log.info("picture scored", extra={"bytes": len(data), **result})
        return jsonify(result)

    return app

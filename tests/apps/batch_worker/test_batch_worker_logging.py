"""Log records are single-line JSON objects carrying the bound and per-call fields."""

from __future__ import annotations

import io
import json
import logging

import pytest
from batch_worker import jsonlog


@pytest.fixture
def stream():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    jsonlog.configure("INFO", buffer)
    yield buffer
    root.handlers[:] = handlers
    root.setLevel(level)


def test_one_json_object_per_line_with_bound_and_extra_fields(stream) -> None:
    log = jsonlog.bind(logging.getLogger("batch_worker.test"), message_id="m-1").bind(key="a b.jsonl")

    log.info("object processed", extra={"stats": {"lines": 3}})
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        log.error("object failed", exc_info=True)
    log.debug("not at INFO")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["msg"] == "object processed" and first["level"] == "info"
    assert first["ts"].endswith("Z") and first["logger"] == "batch_worker.test"
    assert (first["message_id"], first["key"], first["stats"]) == ("m-1", "a b.jsonl", {"lines": 3})
    assert second["level"] == "error" and "ValueError: bad\nthing" in second["exc"]


def test_library_chatter_below_warning_is_dropped(stream) -> None:
    logging.getLogger("botocore.credentials").info("Found credentials in environment variables.")
    logging.getLogger("botocore.credentials").warning("credentials expire soon")

    assert [json.loads(line)["msg"] for line in stream.getvalue().splitlines()] == ["credentials expire soon"]

"""The task's memory from a loopback stand-in for the ECS task metadata endpoint (v4)."""

from __future__ import annotations

import http.server
import json
import logging
import threading
from collections.abc import Iterator

import pytest
from batch_worker.jsonlog import bind
from batch_worker.task_metadata import task_memory_mib

LOG = bind(logging.getLogger("test"))


@pytest.fixture
def metadata() -> Iterator[dict]:
    """Serves `state["body"]` at /v4/task; yields the state and the endpoint under "uri"."""
    state: dict = {"body": b"", "paths": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["paths"].append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(state["body"])))
            self.end_headers()
            self.wfile.write(state["body"])

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["uri"] = f"http://127.0.0.1:{server.server_address[1]}/v4"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_memory_is_read_from_the_task_limits(metadata) -> None:
    metadata["body"] = json.dumps({"Cluster": "c", "Limits": {"CPU": 1, "Memory": 2048}}).encode()
    assert task_memory_mib({"ECS_CONTAINER_METADATA_URI_V4": metadata["uri"]}, LOG) == 2048
    assert metadata["paths"] == ["/v4/task"]


@pytest.mark.parametrize("body", [b"not json", b'{"Limits": {}}', b'{"Limits": {"Memory": "2048"}}', b"[]"])
def test_a_bad_answer_leaves_the_memory_unknown(metadata, body: bytes, caplog) -> None:
    metadata["body"] = body
    assert task_memory_mib({"ECS_CONTAINER_METADATA_URI_V4": metadata["uri"]}, LOG) is None
    assert [r.msg for r in caplog.records] == ["task memory unknown"]


def test_outside_ecs_the_memory_is_unknown() -> None:
    assert task_memory_mib({}, LOG) is None

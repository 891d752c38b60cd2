"""ECS task scale-in protection against a loopback stand-in for the task-protection endpoint."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from batch_worker.jsonlog import bind
from batch_worker.protection import ScaleInProtection, expires_minutes_for

HOLD = {"ProtectionEnabled": True, "ExpiresInMinutes": 60}
RELEASE = {"ProtectionEnabled": False}


def test_protection_is_held_while_working_and_released_when_idle(pipeline, protection_endpoint) -> None:
    seen_while_working: list[list[dict]] = []

    def record(source, sink, ctx):
        seen_while_working.append([request["body"] for request in protection_endpoint.requests])
        sink.open(f"copies/{ctx.key}").write(source.read())

    for key in ("a.txt", "b.txt"):
        pipeline.upload(key, b"x")
        pipeline.notify(key)
    worker = pipeline.worker(record, ECS_AGENT_URI=protection_endpoint.url)

    assert worker.process_next() and worker.process_next()
    assert not worker.process_next()  # an empty poll: the task is idle

    # Protected before the first job starts, kept across back-to-back messages, released when idle.
    assert seen_while_working == [[HOLD], [HOLD]]
    assert [request["body"] for request in protection_endpoint.requests] == [HOLD, RELEASE]
    assert {request["path"] for request in protection_endpoint.requests} == {"/api/task-1/task-protection/v1/state"}
    assert {request["content_type"] for request in protection_endpoint.requests} == {"application/json"}
    assert pipeline.output_keys() == ["copies/a.txt", "copies/b.txt"]


def test_opting_out_makes_no_calls(pipeline, protection_endpoint) -> None:
    pipeline.upload("a.txt", b"x")
    pipeline.notify("a.txt")

    pipeline.worker("jsonl", ECS_AGENT_URI=protection_endpoint.url, SCALE_IN_PROTECTION="false").process_next()

    assert protection_endpoint.requests == []
    assert pipeline.queue_counts() == (0, 0)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, {"error": {"Code": "ServerException", "Message": "boom"}}),
        (200, {"failure": {"Arn": "arn:aws:ecs:task/1", "Reason": "TASK_NOT_VALID"}}),
    ],
    ids=["server-error", "refused"],
)
def test_endpoint_failures_are_logged_and_do_not_stop_the_work(
    pipeline, protection_endpoint, caplog, status, body
) -> None:
    protection_endpoint.status, protection_endpoint.body = status, body
    pipeline.upload("a.jsonl", b'{"stars": 1, "review_count": 1}\n')
    pipeline.notify("a.jsonl")

    pipeline.worker(ECS_AGENT_URI=protection_endpoint.url).process_next()

    assert pipeline.output_keys() == ["a.jsonl"]
    assert pipeline.queue_counts() == (0, 0)
    assert [request["body"] for request in protection_endpoint.requests] == [HOLD]
    warning = next(record for record in caplog.records if record.levelno == logging.WARNING)
    assert warning.protection == HOLD


def test_unreachable_endpoint_does_not_stop_the_work(pipeline, caplog) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    pipeline.upload("a.jsonl", b'{"stars": 1, "review_count": 1}\n')
    pipeline.notify("a.jsonl")

    pipeline.worker(ECS_AGENT_URI=f"http://127.0.0.1:{closed_port}/api/t").process_next()

    assert pipeline.output_keys() == ["a.jsonl"]
    assert any(record.msg == "scale-in protection call failed" for record in caplog.records)


@pytest.fixture
def malformed_endpoint():
    """An agent endpoint that answers every request with a line that is not an HTTP status line."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(b"NOT-HTTP garbage\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/api/t"
    finally:
        stopping.set()
        server.close()
        thread.join(timeout=5)


def test_a_malformed_agent_reply_is_logged_and_does_not_stop_the_work(pipeline, malformed_endpoint, caplog) -> None:
    pipeline.upload("a.jsonl", b'{"stars": 1, "review_count": 1}\n')
    pipeline.notify("a.jsonl")

    assert pipeline.worker(ECS_AGENT_URI=malformed_endpoint).process_next()

    assert pipeline.output_keys() == ["a.jsonl"]
    assert pipeline.queue_counts() == (0, 0)
    failures = [record for record in caplog.records if record.msg == "scale-in protection call failed"]
    assert [record.error.split(":")[0] for record in failures] == ["BadStatusLine"]


def test_protection_is_renewed_once_half_of_it_has_passed(protection_endpoint) -> None:
    now = [1000.0]
    protection = ScaleInProtection(protection_endpoint.url, 60, bind(logging.getLogger("t")), clock=lambda: now[0])

    protection.hold()
    now[0] += 29 * 60
    protection.hold()
    assert len(protection_endpoint.requests) == 1

    now[0] += 2 * 60
    protection.hold()
    assert [request["body"] for request in protection_endpoint.requests] == [HOLD, HOLD]


def test_a_failed_release_is_tried_again(protection_endpoint) -> None:
    protection = ScaleInProtection(protection_endpoint.url, 60, bind(logging.getLogger("t")))
    protection.hold()
    protection_endpoint.status = 503
    protection.release()
    protection_endpoint.status = 200
    protection.release()
    protection.release()

    assert [request["body"] for request in protection_endpoint.requests] == [HOLD, RELEASE, RELEASE]


@pytest.mark.parametrize(("interval", "minutes"), [(40, 60), (4 * 3600, 720), (12 * 3600, 2160)])
def test_a_period_outlasts_three_heartbeats(interval: float, minutes: int) -> None:
    assert expires_minutes_for(interval) == minutes

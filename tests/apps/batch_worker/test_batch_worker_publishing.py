"""Nothing is published once the message is given up: after the shutdown grace runs out, or after
the heartbeat finds the lease lost. Ordered with events, never with sleeps."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import pytest
from batch_worker import worker as worker_module
from batch_worker.lease import Lease
from botocore.exceptions import ClientError

from tests.apps.batch_worker.stub_clients import Wrapped

# How long a test waits for an event that must happen; only reached when the code under test is broken.
SAFETY = 30


class Recorder:
    """Wraps the SQS client: records visibility changes and signals the hand-back."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.handed_back = threading.Event()
        self.visibility: list[int] = []

    def change_message_visibility(self, **kwargs: Any) -> Any:
        self.visibility.append(kwargs["VisibilityTimeout"])
        result = self._sqs.change_message_visibility(**kwargs)
        if kwargs["VisibilityTimeout"] == 0:
            self.handed_back.set()
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)


def copy(source, sink, ctx):
    sink.open(f"out/{ctx.key}").write(source.read())


def test_grace_running_out_during_an_upload_publishes_nothing(pipeline) -> None:
    """The upload is still sending its last part when the grace runs out: the message is handed
    back, and when the part has gone up the commit is refused and the upload aborted."""
    pipeline.upload("a.txt", b"hello")
    pipeline.notify("a.txt")
    sqs = Recorder(pipeline.sqs)
    uploading, aborted = threading.Event(), threading.Event()

    def upload_part(**kwargs):
        uploading.set()
        assert sqs.handed_back.wait(SAFETY)  # the part is still on its way when the message goes back
        return pipeline.s3.upload_part(**kwargs)

    def abort_multipart_upload(**kwargs):
        result = pipeline.s3.abort_multipart_upload(**kwargs)
        aborted.set()
        return result

    worker = pipeline.worker(copy, SHUTDOWN_GRACE_SECONDS="0")
    worker._sqs = worker._heartbeat_sqs = sqs
    worker._s3 = Wrapped(pipeline.s3, upload_part=upload_part, abort_multipart_upload=abort_multipart_upload)
    threading.Thread(target=lambda: uploading.wait(SAFETY) and worker.stop(), daemon=True).start()

    worker.process_next()

    assert aborted.wait(SAFETY)
    assert sqs.visibility == [0]
    assert pipeline.output_keys() == []
    assert "Uploads" not in pipeline.s3.list_multipart_uploads(Bucket=pipeline.output_bucket)
    assert pipeline.queue_counts() == (1, 0)  # handed back, ready for another worker


def test_a_commit_under_way_is_waited_for_and_then_the_message_is_done(pipeline, monkeypatch) -> None:
    """The grace runs out while the outputs are being completed: the supervisor waits for that
    commit instead of handing the message back under it, and then deletes the message."""
    pipeline.upload("a.txt", b"hello")
    pipeline.notify("a.txt")
    sqs = Recorder(pipeline.sqs)
    completing, giving_up = threading.Event(), threading.Event()

    class ObservedLease(Lease):
        def give_up(self) -> None:
            giving_up.set()
            super().give_up()

    def complete_multipart_upload(**kwargs):
        completing.set()
        assert giving_up.wait(SAFETY)
        return pipeline.s3.complete_multipart_upload(**kwargs)

    monkeypatch.setattr(worker_module, "Lease", ObservedLease)
    worker = pipeline.worker(copy, SHUTDOWN_GRACE_SECONDS="0")
    worker._sqs = worker._heartbeat_sqs = sqs
    worker._s3 = Wrapped(pipeline.s3, complete_multipart_upload=complete_multipart_upload)
    threading.Thread(target=lambda: completing.wait(SAFETY) and worker.stop(), daemon=True).start()

    worker.process_next()

    assert giving_up.is_set()
    assert 0 not in sqs.visibility  # never handed back
    assert pipeline.output("out/a.txt") == b"hello"
    assert pipeline.queue_counts() == (0, 0)


def test_nothing_is_published_after_the_lease_is_lost(pipeline, caplog) -> None:
    pipeline.upload("a.txt", b"hello")
    pipeline.notify("a.txt")

    def change_message_visibility(**kwargs):
        raise ClientError({"Error": {"Code": "ReceiptHandleIsInvalid", "Message": "gone"}}, "ChangeMessageVisibility")

    def slow_copy(source, sink, ctx):
        out = sink.open(f"out/{ctx.key}")
        out.write(source.read())
        # The processor does not look at the cancellation: the commit must refuse on its own.
        assert ctx.cancelled.wait(SAFETY)

    worker = pipeline.worker(slow_copy, HEARTBEAT_INTERVAL="0.1")
    worker._heartbeat_sqs = Wrapped(pipeline.sqs, change_message_visibility=change_message_visibility)

    with caplog.at_level(logging.INFO):
        worker.process_next()

    assert pipeline.output_keys() == []
    assert "Uploads" not in pipeline.s3.list_multipart_uploads(Bucket=pipeline.output_bucket)
    assert pipeline.queue_counts() == (0, 1)  # neither deleted nor handed back: it is someone else's
    assert [r.msg for r in caplog.records if r.levelno >= logging.WARNING] == [
        "message lease lost; abandoning it",
        "message abandoned; it will be delivered again",
    ]


def test_a_failing_abort_does_not_hide_the_first_error(pipeline, caplog) -> None:
    pipeline.upload("a.txt", b"hello")
    pipeline.notify("a.txt")

    def broken(source, sink, ctx):
        sink.open("big").write(b"x" * (5 * 1024 * 1024))
        raise ValueError("the processor's own error")

    def abort_multipart_upload(**kwargs):
        raise ClientError({"Error": {"Code": "InternalError", "Message": "x"}}, "AbortMultipartUpload")

    worker = pipeline.worker(broken, part_size=5 * 1024 * 1024)
    worker._s3 = Wrapped(pipeline.s3, abort_multipart_upload=abort_multipart_upload)
    worker.process_next()

    failed = [r for r in caplog.records if r.msg == "object failed"]
    assert [(r.error_type, r.error) for r in failed] == [("ValueError", "the processor's own error")]
    assert [r.msg for r in caplog.records if r.msg.startswith("could not abort")] == [
        "could not abort an output upload"
    ]
    assert [r.error_type for r in caplog.records if r.msg.startswith("message failed")] == ["ValueError"]


@pytest.mark.parametrize("versioned", [False, True], ids=["etag", "version-id"])
def test_an_out_of_order_event_never_replaces_a_newer_output(pipeline, eventbridge_event, versioned) -> None:
    """Two events for one key handled in the wrong order: the older one's output must not win."""
    s3 = pipeline.s3
    if versioned:
        s3.put_bucket_versioning(Bucket=pipeline.input_bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=pipeline.input_bucket, Key="k.txt", Body=b"old")
    new = s3.put_object(Bucket=pipeline.input_bucket, Key="k.txt", Body=b"new")

    def event(put: dict, sequencer: str) -> str:
        doc = json.loads(eventbridge_event(pipeline.input_bucket, "k.txt"))
        doc["detail"]["object"].update({"etag": put["ETag"].strip('"'), "sequencer": sequencer})
        if versioned:
            doc["detail"]["object"]["version-id"] = put["VersionId"]
        return json.dumps(doc)

    worker = pipeline.worker(copy)
    pipeline.send(event(new, "0062E99A88DC407461"))
    assert worker.process_next()
    pipeline.send(event(old, "0062E99A88DC407460"))
    assert worker.process_next()

    assert pipeline.output("out/k.txt") == b"new"
    assert pipeline.queue_counts() == (0, 0)  # the stale event is done, not retried

"""Inputs read from the announced version and resumed after a broken body; outputs staged, then
published all together, conditionally, or not at all."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from batch_worker.jsonlog import bind
from batch_worker.lease import Cancelled, Lease
from batch_worker.messages import S3Object
from batch_worker.s3io import (
    MAX_RESUMES,
    META_COMMIT,
    META_ETAG,
    META_SEQUENCER,
    ObjectReader,
    S3Sink,
    SourceVersion,
    Superseded,
    open_object,
)
from botocore.exceptions import ClientError, EndpointConnectionError, ResponseStreamingError

from tests.apps.batch_worker.stub_clients import Wrapped

MIB = 1024 * 1024
# S3 (and moto) refuse parts below 5 MiB except the last one.
PART = 5 * MIB
LOG = bind(logging.getLogger("test"))


@pytest.fixture
def s3(aws):
    client, _ = aws
    client.create_bucket(Bucket="bw-out")
    return client


def held() -> Lease:
    return Lease(time.monotonic() + 3600)


def keys(s3: Any) -> list[str]:
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket="bw-out").get("Contents", []))


def server_error(operation: str, code: str = "InternalError", status: int = 500) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


def test_small_output_is_staged_and_appears_on_commit_with_its_source(s3) -> None:
    source = SourceVersion('"abc"', None, "0055AED6DCD90281E5")
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG, part_size=PART, source=source)
    writer = sink.open("a/b.txt", "text/plain")
    writer.write(b"hello ")
    writer.write(b"world")
    writer.stage()

    assert keys(s3) == []
    assert [upload["Key"] for upload in s3.list_multipart_uploads(Bucket="bw-out")["Uploads"]] == ["a/b.txt"]
    sink.commit(held())

    head = s3.head_object(Bucket="bw-out", Key="a/b.txt")
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"][META_ETAG] == "abc" and head["Metadata"][META_SEQUENCER] == "0055AED6DCD90281E5"
    assert s3.get_object(Bucket="bw-out", Key="a/b.txt")["Body"].read() == b"hello world"
    assert "Uploads" not in s3.list_multipart_uploads(Bucket="bw-out")


def test_an_empty_output_is_an_empty_object(s3) -> None:
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG, part_size=PART)
    sink.open("empty")
    sink.commit(held())
    assert s3.get_object(Bucket="bw-out", Key="empty")["Body"].read() == b""


def test_large_output_goes_up_in_parts_while_writing_and_appears_on_commit(s3) -> None:
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG, part_size=PART)
    writer = sink.open("big.bin")
    pieces = [bytes([index]) * (MIB + 17) for index in range(12)]
    for piece in pieces:
        writer.write(piece)

    uploads = s3.list_multipart_uploads(Bucket="bw-out").get("Uploads", [])
    assert [upload["Key"] for upload in uploads] == ["big.bin"]
    assert keys(s3) == []

    sink.commit(held())

    head = s3.head_object(Bucket="bw-out", Key="big.bin")
    assert head["ETag"].endswith('-3"')
    assert head["ContentLength"] == sum(map(len, pieces))
    assert s3.get_object(Bucket="bw-out", Key="big.bin")["Body"].read() == b"".join(pieces)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket="bw-out")


def test_abort_leaves_no_object_and_no_pending_upload(s3) -> None:
    s3.put_object(Bucket="bw-out", Key="big.bin", Body=b"previous result")
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG, part_size=PART)
    sink.open("big.bin").write(b"x" * (PART + 1))
    sink.open("small.bin").write(b"y")

    sink.abort(LOG)

    assert "Uploads" not in s3.list_multipart_uploads(Bucket="bw-out")
    assert s3.get_object(Bucket="bw-out", Key="big.bin")["Body"].read() == b"previous result"
    assert keys(s3) == ["big.bin"]


def test_a_failing_abort_is_logged_not_raised(s3, caplog) -> None:
    def refuse(**kwargs):
        raise server_error("AbortMultipartUpload")

    sink = S3Sink(Wrapped(s3, abort_multipart_upload=refuse), "bw-out", threading.Event(), LOG, part_size=PART)
    sink.open("big.bin").write(b"x" * PART)

    sink.abort(LOG)

    assert [record.output for record in caplog.records if record.levelno == logging.WARNING] == ["big.bin"]


def test_deletes_are_applied_only_on_commit(s3) -> None:
    s3.put_object(Bucket="bw-out", Key="stale", Body=b"old")
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG)
    sink.delete("stale")
    sink.delete("never-existed")

    assert s3.get_object(Bucket="bw-out", Key="stale")["Body"].read() == b"old"
    sink.commit(held())
    assert keys(s3) == []


def test_a_refused_delete_does_not_undo_the_new_outputs(s3, caplog) -> None:
    def delete_object(**kwargs):
        """The task role of a stack that grants s3:PutObject but not s3:DeleteObject."""
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, "DeleteObject")

    s3.put_object(Bucket="bw-out", Key="stale", Body=b"old")
    sink = S3Sink(Wrapped(s3, delete_object=delete_object), "bw-out", threading.Event(), LOG)
    sink.open("new").write(b"fresh")
    sink.delete("stale")

    sink.commit(held())

    assert s3.get_object(Bucket="bw-out", Key="new")["Body"].read() == b"fresh"
    assert [record.output for record in caplog.records if record.levelno == logging.WARNING] == ["stale"]


def test_one_key_cannot_be_both_written_and_deleted(s3) -> None:
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG)
    sink.open("k")
    with pytest.raises(ValueError, match="already used"):
        sink.delete("k")
    with pytest.raises(ValueError, match="already used"):
        sink.open("k")


def test_cancellation_stops_reads_writes_and_commit(s3) -> None:
    s3.put_object(Bucket="bw-out", Key="input", Body=b"0123456789")
    lease = held()
    reader = open_object(s3, S3Object("bw-out", "input", "ObjectCreated:Put"), lease.cancelled, LOG)
    sink = S3Sink(s3, "bw-out", lease.cancelled, LOG)
    writer = sink.open("output")

    assert isinstance(reader, ObjectReader) and reader.response["ContentLength"] == 10
    writer.write(reader.read(4))
    lease.give_up()

    with pytest.raises(Cancelled):
        reader.read(4)
    with pytest.raises(Cancelled):
        writer.write(b"more")
    with pytest.raises(Cancelled):
        sink.commit(lease)
    assert keys(s3) == ["input"]


def test_a_lapsed_lease_refuses_the_commit(s3) -> None:
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG)
    sink.open("out").write(b"x")
    with pytest.raises(Cancelled):
        sink.commit(Lease(time.monotonic() - 1))
    assert keys(s3) == []


def test_outputs_are_all_or_nothing_when_a_later_complete_fails(s3) -> None:
    real = s3.complete_multipart_upload

    def complete(**kwargs):
        if kwargs["Key"].startswith("thumbs/"):
            raise server_error("CompleteMultipartUpload")
        return real(**kwargs)

    sink = S3Sink(Wrapped(s3, complete_multipart_upload=complete), "bw-out", threading.Event(), LOG)
    sink.open("resized/a.jpg").write(b"big")
    sink.open("thumbs/a.jpg").write(b"small")

    with pytest.raises(ClientError, match="InternalError"):
        sink.commit(held())
    sink.abort(LOG)

    assert keys(s3) == []
    assert "Uploads" not in s3.list_multipart_uploads(Bucket="bw-out")


def test_a_complete_whose_answer_was_lost_counts_as_done(s3) -> None:
    real = s3.complete_multipart_upload
    calls = []

    def complete(**kwargs):
        calls.append(kwargs["Key"])
        real(**kwargs)  # S3 applied it ...
        raise EndpointConnectionError(endpoint_url="http://s3")  # ... and the answer never came back

    sink = S3Sink(Wrapped(s3, complete_multipart_upload=complete), "bw-out", threading.Event(), LOG)
    sink.open("out").write(b"done")

    sink.commit(held())

    assert calls == ["out"]
    assert s3.get_object(Bucket="bw-out", Key="out")["Body"].read() == b"done"


def test_a_failed_complete_is_not_mistaken_for_someone_elses_object(s3) -> None:
    def complete(**kwargs):
        # Another writer's object is there, but not the one this upload would have made.
        s3.put_object(Bucket="bw-out", Key=kwargs["Key"], Body=b"other", Metadata={META_COMMIT: "someone-else"})
        raise server_error("CompleteMultipartUpload", "PreconditionFailed", 412)

    sink = S3Sink(Wrapped(s3, complete_multipart_upload=complete), "bw-out", threading.Event(), LOG)
    sink.open("out").write(b"mine")

    with pytest.raises(ClientError, match="PreconditionFailed"):
        sink.commit(held())
    assert s3.get_object(Bucket="bw-out", Key="out")["Body"].read() == b"other"


def test_a_new_key_is_completed_only_if_still_absent(s3) -> None:
    real = s3.complete_multipart_upload

    def complete(**kwargs):
        # A concurrent writer creates the key between the check and the complete.
        s3.put_object(Bucket="bw-out", Key=kwargs["Key"], Body=b"theirs")
        return real(**kwargs)

    sink = S3Sink(Wrapped(s3, complete_multipart_upload=complete), "bw-out", threading.Event(), LOG)
    sink.open("out").write(b"ours")

    with pytest.raises(ClientError, match="PreconditionFailed"):
        sink.commit(held())
    assert s3.get_object(Bucket="bw-out", Key="out")["Body"].read() == b"theirs"


def test_a_replaced_key_is_completed_only_if_unchanged(s3) -> None:
    previous = s3.put_object(Bucket="bw-out", Key="out", Body=b"previous")["ETag"]
    seen = []
    real = s3.complete_multipart_upload

    def complete(**kwargs):
        seen.append({name: kwargs.get(name) for name in ("IfMatch", "IfNoneMatch")})
        return real(**kwargs)

    sink = S3Sink(Wrapped(s3, complete_multipart_upload=complete), "bw-out", threading.Event(), LOG)
    sink.open("out").write(b"new")
    sink.commit(held())

    # moto 5.2 does not check If-Match on CompleteMultipartUpload (S3 does): the condition sent is
    # the ETag of the object seen before the commit.
    assert seen == [{"IfMatch": previous, "IfNoneMatch": None}]
    assert s3.get_object(Bucket="bw-out", Key="out")["Body"].read() == b"new"


@pytest.mark.parametrize(
    ("theirs", "ours", "superseded"),
    [
        ("0055AED6DCD90281E6", "0055AED6DCD90281E5", True),
        ("0055AED6DCD90281E5", "0055AED6DCD90281E6", False),
        ("0055AED6DCD90281E5", "0055AED6DCD90281E5", False),
        # Right-padded with zeros before comparing: "…E5" is "…E50", after "…E4F".
        ("0055AED6DCD90281E5", "0055AED6DCD90281E4F", True),
    ],
)
def test_an_output_from_a_later_event_is_never_replaced(s3, theirs: str, ours: str, superseded: bool) -> None:
    s3.put_object(Bucket="bw-out", Key="out", Body=b"theirs", Metadata={META_SEQUENCER: theirs})
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG, source=SourceVersion('"e"', None, ours))
    sink.open("out").write(b"ours")

    if superseded:
        with pytest.raises(Superseded):
            sink.commit(held())
        sink.abort(LOG)
    else:
        sink.commit(held())
    assert s3.get_object(Bucket="bw-out", Key="out")["Body"].read() == (b"theirs" if superseded else b"ours")


class BreakingBody:
    """A GetObject body whose connection resets after `limit` bytes, as botocore reports it."""

    def __init__(self, body: Any, limit: int) -> None:
        self._body = body
        self._left = limit

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            raise ResponseStreamingError(error="Connection broken: ConnectionResetError(104)")
        data = self._body.read(self._left if size is None or size < 0 else min(size, self._left))
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._body.close()


def test_a_broken_body_is_resumed_with_a_range_on_the_same_version(s3) -> None:
    data = bytes(range(256)) * 40
    etag = s3.put_object(Bucket="bw-out", Key="input", Body=data)["ETag"]
    calls: list[dict] = []

    def get_object(**kwargs):
        calls.append({name: value for name, value in kwargs.items() if name not in ("Bucket", "Key")})
        response = s3.get_object(**kwargs)
        if len(calls) <= 2:  # the first response and the first resume break off after 1000 bytes
            response["Body"] = BreakingBody(response["Body"], 1000)
        return response

    obj = S3Object("bw-out", "input", "ObjectCreated:Put", etag=etag.strip('"'))
    reader = open_object(Wrapped(s3, get_object=get_object), obj, threading.Event(), LOG)
    got = b"".join(iter(lambda: reader.read(300), b""))

    assert got == data
    assert calls == [
        {"IfMatch": etag},
        {"IfMatch": etag, "Range": "bytes=1000-"},
        {"IfMatch": etag, "Range": "bytes=2000-"},
    ]


def test_resumes_are_bounded(s3) -> None:
    s3.put_object(Bucket="bw-out", Key="input", Body=b"x" * 100)
    calls = []

    def get_object(**kwargs):
        calls.append(kwargs)
        response = s3.get_object(**kwargs)
        response["Body"] = BreakingBody(response["Body"], 0)
        return response

    reader = open_object(Wrapped(s3, get_object=get_object), S3Object("bw-out", "input", "x"), threading.Event(), LOG)
    with pytest.raises(ResponseStreamingError):
        reader.read(10)
    assert len(calls) == 1 + MAX_RESUMES


def test_the_announced_version_is_read_even_after_an_overwrite(s3) -> None:
    s3.put_bucket_versioning(Bucket="bw-out", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="bw-out", Key="input", Body=b"first")
    s3.put_object(Bucket="bw-out", Key="input", Body=b"second")

    obj = S3Object("bw-out", "input", "x", version_id=first["VersionId"])
    reader = open_object(s3, obj, threading.Event(), LOG)

    assert reader.read() == b"first"
    assert reader.version.version_id == first["VersionId"]


def test_an_input_overwritten_since_its_event_is_superseded(s3) -> None:
    first = s3.put_object(Bucket="bw-out", Key="input", Body=b"first")
    s3.put_object(Bucket="bw-out", Key="input", Body=b"second")

    with pytest.raises(Superseded):
        open_object(s3, S3Object("bw-out", "input", "x", etag=first["ETag"].strip('"')), threading.Event(), LOG)

"""Output objects are either complete or absent: single put, multipart, abort, cancellation."""

from __future__ import annotations

import logging
import threading

import pytest
from batch_worker.jsonlog import bind
from batch_worker.s3io import Cancelled, ObjectReader, S3Sink, open_object
from botocore.exceptions import ClientError

MIB = 1024 * 1024
# S3 (and moto) refuse parts below 5 MiB except the last one.
PART = 5 * MIB
LOG = bind(logging.getLogger("test"))


@pytest.fixture
def s3(aws):
    client, _ = aws
    client.create_bucket(Bucket="bw-out")
    return client


def test_small_output_is_a_single_put(s3) -> None:
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG, part_size=PART)
    writer = sink.open("a/b.txt", "text/plain")
    writer.write(b"hello ")
    writer.write(b"world")

    assert "Contents" not in s3.list_objects_v2(Bucket="bw-out")
    sink.commit()

    head = s3.head_object(Bucket="bw-out", Key="a/b.txt")
    assert "-" not in head["ETag"]
    assert head["ContentType"] == "text/plain"
    assert s3.get_object(Bucket="bw-out", Key="a/b.txt")["Body"].read() == b"hello world"


def test_large_output_goes_up_in_parts_while_writing_and_appears_on_commit(s3) -> None:
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG, part_size=PART)
    writer = sink.open("big.bin")
    pieces = [bytes([index]) * (MIB + 17) for index in range(12)]
    for piece in pieces:
        writer.write(piece)

    uploads = s3.list_multipart_uploads(Bucket="bw-out").get("Uploads", [])
    assert [upload["Key"] for upload in uploads] == ["big.bin"]
    assert "Contents" not in s3.list_objects_v2(Bucket="bw-out")

    sink.commit()

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

    sink.abort()

    assert "Uploads" not in s3.list_multipart_uploads(Bucket="bw-out")
    assert s3.get_object(Bucket="bw-out", Key="big.bin")["Body"].read() == b"previous result"
    assert [item["Key"] for item in s3.list_objects_v2(Bucket="bw-out")["Contents"]] == ["big.bin"]


def test_deletes_are_applied_only_on_commit(s3) -> None:
    s3.put_object(Bucket="bw-out", Key="stale", Body=b"old")
    sink = S3Sink(s3, "bw-out", threading.Event(), LOG)
    sink.delete("stale")
    sink.delete("never-existed")

    assert s3.get_object(Bucket="bw-out", Key="stale")["Body"].read() == b"old"
    sink.commit()
    assert "Contents" not in s3.list_objects_v2(Bucket="bw-out")


def test_a_refused_delete_does_not_undo_the_new_outputs(s3, caplog) -> None:
    class NoDeletePermission:
        """The task role of a stack that grants s3:PutObject but not s3:DeleteObject."""

        def __getattr__(self, name):
            return getattr(s3, name)

        def delete_object(self, **kwargs):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, "DeleteObject")

    sink = S3Sink(NoDeletePermission(), "bw-out", threading.Event(), LOG)
    sink.open("new").write(b"fresh")
    sink.delete("stale")

    sink.commit()

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
    cancelled = threading.Event()
    reader, response = open_object(s3, "bw-out", "input", cancelled)
    sink = S3Sink(s3, "bw-out", cancelled, LOG)
    writer = sink.open("output")

    assert isinstance(reader, ObjectReader) and response["ContentLength"] == 10
    writer.write(reader.read(4))
    cancelled.set()

    with pytest.raises(Cancelled):
        reader.read(4)
    with pytest.raises(Cancelled):
        writer.write(b"more")
    with pytest.raises(Cancelled):
        sink.commit()
    assert [item["Key"] for item in s3.list_objects_v2(Bucket="bw-out")["Contents"]] == ["input"]

"""Streaming S3 input and all-or-nothing S3 output.

Input is read straight off the GetObject response in bounded chunks. Output is buffered up to a
part size and sent as multipart-upload parts while the processor runs, so memory stays flat
whatever the object size; the upload is completed only when the processor has succeeded and
aborted otherwise, so a reader never sees a partial object. Outputs smaller than one part are a
single PutObject.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .jsonlog import BoundLogger

# S3 accepts parts of 5 MiB to 5 GiB and at most 10,000 of them: 8 MiB parts allow 78 GiB outputs.
PART_SIZE = 8 * 1024 * 1024


class Cancelled(BaseException):
    """Raised from reads and writes once the worker abandons the message.

    A BaseException, so a processor's `except Exception` cannot swallow it.
    """


class ObjectReader(io.RawIOBase):
    """The GetObject body as a read-only, non-seekable stream that stops on cancellation."""

    def __init__(self, body: Any, cancelled: threading.Event) -> None:
        self._body = body
        self._cancelled = cancelled

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        if self._cancelled.is_set():
            raise Cancelled
        if size is None or size < 0:
            return self._body.read()
        return self._body.read(size)

    def readinto(self, buffer: Any, /) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


def open_object(client: Any, bucket: str, key: str, cancelled: threading.Event) -> tuple[ObjectReader, dict]:
    """Start a GetObject and return the streaming body with the response metadata."""
    response = client.get_object(Bucket=bucket, Key=key)
    return ObjectReader(response["Body"], cancelled), response


class S3Writer:
    """One output object; see the module docstring."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        content_type: str | None,
        part_size: int,
        cancelled: threading.Event,
    ) -> None:
        self.key = key
        self._client = client
        self._bucket = bucket
        self._extra = {"ContentType": content_type} if content_type else {}
        self._part_size = part_size
        self._cancelled = cancelled
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def write(self, data: bytes, /) -> int:
        if self._cancelled.is_set():
            raise Cancelled
        self._buffer += data
        while len(self._buffer) >= self._part_size:
            with memoryview(self._buffer) as view:
                part = bytes(view[: self._part_size])
            self._upload_part(part)
            del self._buffer[: self._part_size]
        return len(data)

    def _upload_part(self, data: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self.key, ChecksumAlgorithm="CRC32", **self._extra
            )["UploadId"]
        number = len(self._parts) + 1
        response = self._client.upload_part(
            Bucket=self._bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm="CRC32",
        )
        self._parts.append({"PartNumber": number, "ETag": response["ETag"], "ChecksumCRC32": response["ChecksumCRC32"]})

    def commit(self) -> None:
        if self._upload_id is None:
            self._client.put_object(Bucket=self._bucket, Key=self.key, Body=bytes(self._buffer), **self._extra)
        else:
            if self._buffer:
                self._upload_part(bytes(self._buffer))
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self.key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
            self._upload_id = None
        self._buffer = bytearray()

    def abort(self) -> None:
        self._buffer = bytearray()
        if self._upload_id is not None:
            upload_id, self._upload_id = self._upload_id, None
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=self.key, UploadId=upload_id)


class S3Sink:
    """The outputs of one input object, applied together by `commit` or dropped by `abort`."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        cancelled: threading.Event,
        log: BoundLogger,
        part_size: int = PART_SIZE,
    ) -> None:
        self._client = client
        self._log = log
        self._bucket = bucket
        self._cancelled = cancelled
        self._part_size = part_size
        self._writers: dict[str, S3Writer] = {}
        self._deletes: list[str] = []

    def open(self, key: str, content_type: str | None = None) -> S3Writer:
        if key in self._writers or key in self._deletes:
            raise ValueError(f"output {key!r} is already used by this input")
        writer = S3Writer(self._client, self._bucket, key, content_type, self._part_size, self._cancelled)
        self._writers[key] = writer
        return writer

    def delete(self, key: str) -> None:
        if key in self._writers or key in self._deletes:
            raise ValueError(f"output {key!r} is already used by this input")
        self._deletes.append(key)

    @property
    def keys(self) -> list[str]:
        return list(self._writers)

    def commit(self) -> None:
        # Publishing after the message was handed back would race the worker that now owns it.
        if self._cancelled.is_set():
            raise Cancelled
        pending = list(self._writers.values())
        try:
            while pending:
                pending[0].commit()
                pending.pop(0)
        except BaseException:
            for writer in pending:
                writer.abort()
            raise
        for key in self._deletes:
            try:
                self._client.delete_object(Bucket=self._bucket, Key=key)
            except (ClientError, BotoCoreError) as exc:
                # The new outputs are complete and a retry would fail the same way (typically a
                # task role without s3:DeleteObject), so a stale output is reported, not fatal.
                self._log.warning("could not delete a stale output", extra={"output": key, "error": str(exc)})

    def abort(self) -> None:
        """Abort every unfinished multipart upload; the first failure is raised after trying all."""
        failure: Exception | None = None
        for writer in self._writers.values():
            try:
                writer.abort()
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

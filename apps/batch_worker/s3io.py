"""Streaming S3 input and staged, conditional S3 output.

Input is read straight off the GetObject response in bounded chunks, pinned to the version the
event announced (VersionId, else If-Match on its ETag). A connection that breaks mid-body is
resumed with a Range request on the same version, a bounded number of times, so a reset costs a
request rather than a receive.

Every output is a multipart upload: its parts are uploaded while the processor runs (memory stays
flat whatever the size) and the last one when it returns, so no output is visible yet. Only then,
inside the lease's publishing section, are the uploads completed, one CompleteMultipartUpload after
another with no data left to send. Each complete is conditional: If-None-Match `*` for a new key,
If-Match on the ETag seen for a replaced one, and an output built from a later input event (by S3's
sequencer, kept in the output's metadata) is never replaced by one built from an earlier event. S3
has no multi-object transaction: a reader may see the outputs of one input appear a few
milliseconds apart; if a complete fails, outputs this commit created are deleted again.
"""

from __future__ import annotations

import contextlib
import io
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from .jsonlog import BoundLogger
from .lease import Cancelled, Lease
from .messages import S3Object, sequencer_order

# S3 accepts parts of 5 MiB to 5 GiB (the last one may be smaller) and at most 10,000 of them:
# 8 MiB parts allow 78 GiB outputs.
PART_SIZE = 8 * 1024 * 1024
# Resumes of one GetObject after its body broke off; each one also gets the SDK's own retries.
MAX_RESUMES = 5
# How botocore's StreamingBody reports a body that broke off: urllib3's ProtocolError (reset,
# IncompleteRead) as ResponseStreamingError, its ReadTimeoutError as ReadTimeoutError, and fewer
# bytes than Content-Length as IncompleteReadError.
_BROKEN_BODY = (ResponseStreamingError, IncompleteReadError, ReadTimeoutError)
# Output metadata (x-amz-meta-*): which input event the output was built from, and which commit
# wrote it, so a complete whose answer was lost can be recognised.
META_SEQUENCER = "source-sequencer"
META_ETAG = "source-etag"
META_VERSION = "source-version-id"
META_COMMIT = "commit"


class Superseded(Exception):
    """The input changed after its event was sent, or the outputs already come from a later event:
    a later message carries the work, so this one is done."""


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _quoted(etag: str) -> str:
    return etag if etag.startswith('"') else f'"{etag}"'


@dataclass(frozen=True)
class SourceVersion:
    """The exact input an output is built from."""

    etag: str | None
    version_id: str | None
    sequencer: str | None

    def metadata(self) -> dict[str, str]:
        fields = {META_ETAG: self.etag, META_VERSION: self.version_id, META_SEQUENCER: self.sequencer}
        return {name: value.strip('"') for name, value in fields.items() if value}


class ObjectReader(io.RawIOBase):
    """The GetObject body as a read-only, non-seekable stream that stops on cancellation and
    resumes where it broke off."""

    def __init__(
        self, client: Any, obj: S3Object, cancelled: threading.Event, log: BoundLogger, max_resumes: int
    ) -> None:
        self._client = client
        self._bucket, self._key = obj.bucket, obj.key
        self._cancelled = cancelled
        self._log = log
        self._resumes_left = max_resumes
        self._offset = 0
        if obj.version_id:
            self._pin: dict[str, str] = {"VersionId": obj.version_id}
        elif obj.etag:
            self._pin = {"IfMatch": _quoted(obj.etag)}
        else:
            self._pin = {}
        self.response = self._get()
        # Whatever the event said, resumes must read the bytes of this very response.
        version = self.response.get("VersionId")
        self._pin = {"VersionId": version} if version else {"IfMatch": self.response["ETag"]}
        self._body = self.response["Body"]
        self.version = SourceVersion(self.response.get("ETag"), version, obj.sequencer)

    def _get(self, **extra: str) -> dict:
        try:
            return self._client.get_object(Bucket=self._bucket, Key=self._key, **self._pin, **extra)
        except ClientError as exc:
            if _code(exc) == "PreconditionFailed" or _status(exc) == 412:
                raise Superseded(f"s3://{self._bucket}/{self._key} was overwritten after the event") from exc
            raise

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        while True:
            if self._cancelled.is_set():
                raise Cancelled
            try:
                data = self._body.read() if size is None or size < 0 else self._body.read(size)
            except _BROKEN_BODY as exc:
                self._resume(exc)
                continue
            self._offset += len(data)
            return data

    def _resume(self, exc: Exception) -> None:
        if self._resumes_left <= 0:
            raise exc
        self._resumes_left -= 1
        self._log.warning(
            "input stream broke off; resuming", extra={"offset": self._offset, "error": f"{type(exc).__name__}: {exc}"}
        )
        with contextlib.suppress(Exception):  # the broken connection is discarded either way
            self._body.close()
        self._body = self._get(Range=f"bytes={self._offset}-")["Body"]

    def readinto(self, buffer: Any, /) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


def open_object(
    client: Any, obj: S3Object, cancelled: threading.Event, log: BoundLogger, max_resumes: int = MAX_RESUMES
) -> ObjectReader:
    """Start a GetObject of the announced version; `reader.response` has its metadata."""
    return ObjectReader(client, obj, cancelled, log, max_resumes)


class S3Writer:
    """One output object, staged as a multipart upload; see the module docstring."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        content_type: str | None,
        part_size: int,
        cancelled: threading.Event,
        source: SourceVersion,
    ) -> None:
        self.key = key
        self._client = client
        self._bucket = bucket
        self._commit_id = uuid.uuid4().hex
        self._extra: dict[str, Any] = {"Metadata": {**source.metadata(), META_COMMIT: self._commit_id}}
        if content_type:
            self._extra["ContentType"] = content_type
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
        if self._cancelled.is_set():
            raise Cancelled
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

    def stage(self) -> None:
        """Upload what is left as the last part (a multipart upload has at least one part, which may
        be empty or under 5 MiB when it is the last)."""
        if self._buffer or not self._parts:
            self._upload_part(bytes(self._buffer))
        self._buffer = bytearray()

    def complete(self, conditions: dict[str, str]) -> str:
        """Make the object visible, if `conditions` hold; returns its ETag.

        A complete whose answer was lost (connection reset, a 5xx after S3 applied it, or an SDK
        retry that then finds the upload gone or the key taken) is recognised by the commit id in
        the object's metadata, so work that is done is not reported as failed."""
        try:
            response = self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self.key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
                **conditions,
            )
        except Exception:
            etag = self._committed_etag()
            if etag is None:
                raise
        else:
            etag = response["ETag"]
        self._upload_id = None
        return etag

    def _committed_etag(self) -> str | None:
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=self.key)
        except (ClientError, BotoCoreError):
            return None
        return head["ETag"] if head.get("Metadata", {}).get(META_COMMIT) == self._commit_id else None

    def abort(self) -> None:
        self._buffer = bytearray()
        if self._upload_id is not None:
            upload_id, self._upload_id = self._upload_id, None
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=self.key, UploadId=upload_id)


class S3Sink:
    """The outputs of one input object, published together by `commit` or dropped by `abort`."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        cancelled: threading.Event,
        log: BoundLogger,
        part_size: int = PART_SIZE,
        source: SourceVersion | None = None,
    ) -> None:
        self._client = client
        self._log = log
        self._bucket = bucket
        self._cancelled = cancelled
        self._part_size = part_size
        self._source = source or SourceVersion(None, None, None)
        self._writers: dict[str, S3Writer] = {}
        self._deletes: list[str] = []

    def open(self, key: str, content_type: str | None = None) -> S3Writer:
        if key in self._writers or key in self._deletes:
            raise ValueError(f"output {key!r} is already used by this input")
        writer = S3Writer(self._client, self._bucket, key, content_type, self._part_size, self._cancelled, self._source)
        self._writers[key] = writer
        return writer

    def delete(self, key: str) -> None:
        if key in self._writers or key in self._deletes:
            raise ValueError(f"output {key!r} is already used by this input")
        self._deletes.append(key)

    @property
    def keys(self) -> list[str]:
        return list(self._writers)

    def commit(self, lease: Lease) -> None:
        """Publish every output, or none; raises Superseded when a later input's outputs are there."""
        for writer in self._writers.values():
            writer.stage()
        current = {key: self._current(key) for key in [*self._writers, *self._deletes]}
        for key, head in current.items():
            if self._is_newer(head):
                raise Superseded(f"{key} is already built from a later event of this input")
        created: list[tuple[str, str]] = []
        with lease.publishing():
            try:
                for key, writer in self._writers.items():
                    head = current[key]
                    conditions = {"IfMatch": head["ETag"]} if head else {"IfNoneMatch": "*"}
                    etag = writer.complete(conditions)
                    if head is None:
                        created.append((key, etag))
            except BaseException:
                self._roll_back(created)
                raise
            for key in self._deletes:
                if current[key] is not None:
                    self._delete(key, current[key]["ETag"])

    def _current(self, key: str) -> dict | None:
        try:
            return self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if _status(exc) == 404:
                return None
            raise

    def _is_newer(self, head: dict | None) -> bool:
        theirs = (head or {}).get("Metadata", {}).get(META_SEQUENCER)
        ours = self._source.sequencer
        return bool(theirs and ours) and sequencer_order(theirs) > sequencer_order(ours)  # type: ignore[arg-type]

    def _roll_back(self, created: Iterable[tuple[str, str]]) -> None:
        """Delete the outputs this commit created, each only while it is still the one we wrote."""
        for key, etag in created:
            try:
                self._client.delete_object(Bucket=self._bucket, Key=key, IfMatch=etag)
            except (ClientError, BotoCoreError) as exc:
                self._log.error("could not roll back an output", extra={"output": key, "error": str(exc)})

    def _delete(self, key: str, etag: str) -> None:
        try:
            self._client.delete_object(Bucket=self._bucket, Key=key, IfMatch=etag)
        except (ClientError, BotoCoreError) as exc:
            # The new outputs are complete and a retry would fail the same way (typically a task
            # role without s3:DeleteObject), so a stale output is reported, not fatal.
            self._log.warning("could not delete a stale output", extra={"output": key, "error": str(exc)})

    def abort(self, log: BoundLogger) -> None:
        """Abort every unfinished multipart upload; failures are logged, never raised, so they cannot
        hide the error that led here."""
        for writer in self._writers.values():
            try:
                writer.abort()
            except Exception as exc:
                log.warning("could not abort an output upload", extra={"output": writer.key, "error": str(exc)})

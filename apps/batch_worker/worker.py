"""The receive → process → delete loop.

One message at a time: a message can hold hours of work, and every message received but not yet
started would sit invisible in this task while idle tasks (or new ones scaled out for the backlog)
could have taken it. It also keeps one heartbeat, one lease and one shutdown decision per task.

Work runs in a separate thread so the main thread stays free to notice SIGTERM, wait out the
grace period and hand the message back.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .config import Config
from .heartbeat import VisibilityHeartbeat
from .jsonlog import BoundLogger, bind
from .lease import Cancelled, Lease
from .messages import MessageError, S3Object, parse_message
from .processors import Context, PermanentInputError, Processor
from .protection import ScaleInProtection, expires_minutes_for
from .s3io import PART_SIZE, S3Sink, Superseded, open_object

_SUPERVISE_SECONDS = 0.2
# After giving a message back, how long to let the work thread abort its uploads before exiting.
_ABANDON_WAIT_SECONDS = 3.0
_MAX_BACKOFF_SECONDS = 30.0
# The message attribute that carries why a message was sent to the dead-letter queue. SQS allows
# attribute values up to the 256 KiB message size; a reason is kept far shorter.
REASON_ATTRIBUTE = "FailureReason"
_MAX_REASON_CHARS = 1000
# Characters SQS refuses in message attributes (it allows #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD
# and above); an S3 key in the reason may hold any of them.
_NOT_SQS_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Worker:
    def __init__(
        self,
        config: Config,
        *,
        sqs: Any,
        s3: Any,
        processor: Processor,
        part_size: int = PART_SIZE,
        log: BoundLogger | None = None,
        heartbeat_sqs: Any = None,
        memory_mib: int | None = None,
    ) -> None:
        """`heartbeat_sqs`: the client for visibility extensions, if it should differ from `sqs`
        (shorter timeouts and no SDK retries: the heartbeat retries on its own against the lease).
        `memory_mib`: the task's memory, when known, for processors that bound what one input takes."""
        self.config = config
        self._memory_mib = memory_mib
        self._sqs = sqs
        self._heartbeat_sqs = heartbeat_sqs or sqs
        self._s3 = s3
        self._processor = processor
        self._part_size = part_size
        self._log = log or bind(logging.getLogger(__name__))
        agent_uri = config.ecs_agent_uri if config.scale_in_protection else None
        self._protection = ScaleInProtection(agent_uri, expires_minutes_for(config.heartbeat_interval), self._log)
        self._stopping = False
        self._receive_failures = 0

    def stop(self) -> None:
        """Ask the loop to end; safe to call from a signal handler (it only sets a flag)."""
        self._stopping = True

    def run(self) -> None:
        self._log.info(
            "worker started",
            extra={
                "queue_url": self.config.queue_url,
                "output_bucket": self.config.output_bucket,
                "processor": self.config.processor,
                "scale_in_protection": self._protection.enabled,
            },
        )
        while not self._stopping:
            self.process_next()
        # No protection release here: ECS ignores it for a task being stopped, and the stop
        # timeout is better spent handing the message back.
        self._log.info("worker stopped")

    def process_next(self) -> bool:
        """Receive at most one message and deal with it; True if one was handled."""
        # The visibility timeout of a receive runs from when SQS answers, which is after this.
        sent = time.monotonic()
        message = self._receive()
        if message is None:
            self._protection.release()
            return False
        if self._stopping:
            self._release(message, self._message_log(message))
            return False
        self._protection.hold()
        self._handle(message, Lease(sent + self.config.visibility_timeout))
        return True

    def _receive(self) -> dict | None:
        self._log.debug("receiving")  # marks every poll, so a log reader knows the worker holds no message
        try:
            response = self._sqs.receive_message(
                QueueUrl=self.config.queue_url,
                MaxNumberOfMessages=1,
                WaitTimeSeconds=self.config.wait_time_seconds,
                VisibilityTimeout=self.config.visibility_timeout,
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            )
        except (ClientError, BotoCoreError) as exc:
            self._receive_failures += 1
            delay = min(_MAX_BACKOFF_SECONDS, 2.0 ** (self._receive_failures - 1))
            self._log.error("receive failed", extra={"error": str(exc), "retry_in_seconds": delay})
            self._sleep(delay)
            return None
        self._receive_failures = 0
        messages = response.get("Messages", [])
        if not messages:
            return None
        # Logged before anything else happens to the message, so an observer reading the log knows
        # which receive (and which attempt of that message) this worker is on.
        self._message_log(messages[0]).info("message received")
        return messages[0]

    def _message_log(self, message: dict) -> BoundLogger:
        return self._log.bind(
            message_id=message["MessageId"],
            receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", 0)),
        )

    def _handle(self, message: dict, lease: Lease) -> None:
        log = self._message_log(message)
        job = _Job(self._process_message, message, lease, log)
        heartbeat = VisibilityHeartbeat(
            self._heartbeat_sqs,
            self.config.queue_url,
            message["ReceiptHandle"],
            lease=lease,
            timeout=self.config.visibility_timeout,
            interval=self.config.heartbeat_interval,
            log=log,
            on_beat=self._protection.hold,
        )
        with heartbeat:
            job.start()
            finished = self._supervise(job, log)
            if not finished:
                # Nothing may be published once the message is handed back: refuse any commit
                # from now on, and let one already under way (no data left to send) end first.
                lease.give_up()
        if not finished and job.done.is_set() and job.error is None:
            finished = True  # that commit was the last step: the work is complete
        if not finished:
            self._release(message, log)
            job.done.wait(_ABANDON_WAIT_SECONDS)
        elif job.error is None:
            self._delete(message, log)
        elif isinstance(job.error, Cancelled):
            log.warning("message abandoned; it will be delivered again")
        elif isinstance(job.error, (MessageError, PermanentInputError)):
            self._dead_letter(message, job.error, log)
        else:
            # Left in the queue: it comes back after the visibility timeout and, once the queue's
            # maxReceiveCount is reached, moves to the dead-letter queue.
            log.warning(
                "message failed; left for retry or the dead-letter queue",
                extra={"error": str(job.error), "error_type": type(job.error).__name__},
            )

    def _supervise(self, job: _Job, log: BoundLogger) -> bool:
        """Wait for the job; False if shutdown was requested and the grace period ran out."""
        deadline: float | None = None
        while not job.done.wait(_SUPERVISE_SECONDS):
            if self._stopping and deadline is None:
                grace = self.config.shutdown_grace_seconds
                log.info("shutdown requested; finishing the current message", extra={"grace_seconds": grace})
                deadline = time.monotonic() + grace
            if deadline is not None and time.monotonic() >= deadline:
                return False
        return True

    def _process_message(self, message: dict, lease: Lease, log: BoundLogger) -> None:
        parsed = parse_message(message["Body"])
        for reason in parsed.ignored:
            log.info("event ignored", extra={"reason": reason})
        # An input that can never be processed does not stop the other objects of the message.
        refused: list[str] = []
        for obj in parsed.objects:
            reason = self._skip_reason(obj)
            if reason:
                log.info("object skipped", extra={"bucket": obj.bucket, "key": obj.key, "reason": reason})
                continue
            try:
                self._process_object(obj, message["MessageId"], lease, log.bind(bucket=obj.bucket, key=obj.key))
            except PermanentInputError as exc:
                refused.append(f"s3://{obj.bucket}/{obj.key}: {exc}")
        if refused:
            raise PermanentInputError("; ".join(refused))

    def _skip_reason(self, obj: S3Object) -> str | None:
        if obj.key.endswith("/"):
            return "folder placeholder"
        if obj.bucket == self.config.output_bucket:
            # Outputs would announce themselves as new inputs, without end.
            return "object is in the output bucket"
        if not self.config.accepts(obj.key):
            return "key does not match INPUT_PREFIXES / INPUT_SUFFIXES"
        return None

    def _process_object(self, obj: S3Object, message_id: str, lease: Lease, log: BoundLogger) -> None:
        started = time.monotonic()
        cancelled = lease.cancelled
        sink: S3Sink | None = None
        try:
            source = open_object(self._s3, obj, cancelled, log)
            response = source.response
            sink = S3Sink(self._s3, self.config.output_bucket, cancelled, log, self._part_size, source.version)
            ctx = Context(
                bucket=obj.bucket,
                key=obj.key,
                size=response.get("ContentLength"),
                content_type=response.get("ContentType"),
                message_id=message_id,
                log=log,
                cancelled=cancelled,
                memory_mib=self._memory_mib,
            )
            log.info("processing object", extra={"size": ctx.size})
            with source:
                stats = self._processor(source, sink, ctx)
            sink.commit(lease)
        except Superseded as exc:
            if sink is not None:
                sink.abort(log)
            log.info("object superseded; a later event carries it", extra={"reason": str(exc)})
            return
        except BaseException as exc:
            if sink is not None:
                sink.abort(log)
            if isinstance(exc, PermanentInputError):
                log.error("object cannot be processed", extra={"reason": str(exc)})
            elif not isinstance(exc, Cancelled):
                log.error(
                    "object failed",
                    extra={"error": str(exc), "error_type": type(exc).__name__},
                    exc_info=exc,
                )
            raise
        log.info(
            "object processed",
            extra={
                "outputs": sink.keys,
                "seconds": round(time.monotonic() - started, 3),
                "stats": dict(stats or {}),
            },
        )

    def _delete(self, message: dict, log: BoundLogger) -> None:
        try:
            self._sqs.delete_message(QueueUrl=self.config.queue_url, ReceiptHandle=message["ReceiptHandle"])
        except (ClientError, BotoCoreError) as exc:
            # The outputs are complete; a redelivery only rewrites them with the same content.
            log.error("message done but not deleted", extra={"error": str(exc)})
            return
        log.info("message done")

    def _dead_letter(self, message: dict, error: Exception, log: BoundLogger) -> None:
        """Send a message that no retry can help straight to the dead-letter queue, with the reason
        as a message attribute, then delete it here; if that fails it stays in the queue and gets
        there through the redrive policy."""
        queue_url = self.config.dead_letter_queue_url
        if queue_url is None:
            # The records of the redrive path, as log readers know them.
            if isinstance(error, MessageError):
                log.error(
                    "unrecognised message; left for the dead-letter queue",
                    extra={"error": str(error), "body": message["Body"][:500]},
                )
            else:
                log.warning(
                    "message failed; left for retry or the dead-letter queue",
                    extra={"error": str(error), "error_type": type(error).__name__},
                )
            return
        reason = _NOT_SQS_TEXT.sub("?", f"{type(error).__name__}: {error}"[:_MAX_REASON_CHARS])
        try:
            self._sqs.send_message(
                QueueUrl=queue_url,
                MessageBody=message["Body"],
                MessageAttributes={
                    REASON_ATTRIBUTE: {"DataType": "String", "StringValue": reason},
                    "SourceMessageId": {"DataType": "String", "StringValue": message["MessageId"]},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            log.error(
                "could not send to the dead-letter queue; left for redrive",
                extra={"reason": reason, "error": str(exc)},
            )
            return
        log.error("message cannot be processed; sent to the dead-letter queue", extra={"reason": reason})
        self._delete(message, log)

    def _release(self, message: dict, log: BoundLogger) -> None:
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self.config.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        except (ClientError, BotoCoreError) as exc:
            log.warning("could not release the message; it returns after its timeout", extra={"error": str(exc)})
            return
        log.info("message released for another worker")

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(max(0.0, min(_SUPERVISE_SECONDS, deadline - time.monotonic())))


class _Job:
    """Runs the work in a daemon thread: if it must be abandoned at shutdown it cannot keep the
    process alive."""

    def __init__(self, target: Any, *args: Any) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(target, *args), name="job", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self, target: Any, *args: Any) -> None:
        try:
            target(*args)
        except BaseException as exc:
            self.error = exc
        finally:
            self.done.set()

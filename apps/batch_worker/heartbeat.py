"""Keeps a message invisible to other consumers for as long as its work goes on.

SQS hands a message to another consumer once its visibility timeout lapses. Instead of a timeout
sized for the longest job (which would also delay the retry of a crashed one), a background thread
pushes the timeout forward every HEARTBEAT_INTERVAL seconds and records the new deadline in the
lease. A failed beat is retried quickly, with jittered exponential backoff, and always before the
deadline; the message is given up only when SQS says it is no longer ours or the deadline has
passed. SQS caps the total at 12 hours from the first receipt.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from .jsonlog import BoundLogger
from .lease import Lease

# The message is no longer ours: deleted, received again by another consumer, or past the
# 12-hour limit. Further beats cannot succeed.
_LOST = frozenset(
    {
        "ReceiptHandleIsInvalid",
        "MessageNotInflight",
        "AWS.SimpleQueueService.MessageNotInflight",
        "InvalidParameterValue",
    }
)
# Retries of a failed beat: 0.1 s doubling to at most 5 s, each drawn from its upper half (jitter
# keeps workers that failed together from retrying together), never later than half the time left.
RETRY_BASE_SECONDS = 0.1
RETRY_CAP_SECONDS = 5.0


def retry_delay(failures: int, remaining: float, jitter: float) -> float:
    """Seconds to wait after `failures` consecutive failed beats with `remaining` seconds of lease
    left; `jitter` is drawn from [0, 1)."""
    backoff = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** (failures - 1)) * (0.5 + jitter / 2)
    return max(0.0, min(backoff, remaining / 2))


class VisibilityHeartbeat:
    """Context manager: beats from `__enter__` until `__exit__`, which waits for the thread."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        receipt_handle: str,
        *,
        lease: Lease,
        timeout: int,
        interval: float,
        log: BoundLogger,
        on_beat: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._receipt_handle = receipt_handle
        self._lease = lease
        self._timeout = timeout
        self._interval = interval
        self._log = log
        self._on_beat = on_beat
        self._clock = clock
        self._jitter = jitter
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="visibility-heartbeat", daemon=True)
        self.beats = 0

    def __enter__(self) -> VisibilityHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def run(self, wait: Callable[[float], bool] | None = None) -> None:
        """The beat loop; `wait(seconds)` returns True when it is time to stop (tests drive it)."""
        wait = wait or self._stop.wait
        delay = min(self._interval, self._lease.remaining() / 2)
        failures = 0
        while not wait(delay):
            try:
                if self._beat():
                    failures, delay = 0, self._interval
                    continue
            except _LeaseLost:
                return
            except Exception as exc:  # a heartbeat that dies silently would let the lease lapse
                self._log.warning("visibility extension failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            failures += 1
            remaining = self._lease.remaining()
            if remaining <= 0:
                self._log.error("message lease lapsed; abandoning it", extra={"failed_beats": failures})
                self._lease.lose()
                return
            delay = retry_delay(failures, remaining, self._jitter())
            self._log.info("retrying the visibility extension", extra={"retry_in_seconds": round(delay, 3)})

    def _beat(self) -> bool:
        sent = self._clock()
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self._queue_url, ReceiptHandle=self._receipt_handle, VisibilityTimeout=self._timeout
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") in _LOST:
                self._log.error("message lease lost; abandoning it", extra={"error": str(exc)})
                self._lease.lose()
                raise _LeaseLost from exc
            raise
        # The new timeout runs from when SQS applied it, which is no earlier than when it was sent.
        self._lease.extend(sent + self._timeout)
        self.beats += 1
        if self._on_beat is not None:
            try:
                self._on_beat()
            except Exception as exc:
                self._log.warning("heartbeat callback failed", extra={"error": f"{type(exc).__name__}: {exc}"})
        return True


class _LeaseLost(Exception):
    pass

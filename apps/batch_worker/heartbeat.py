"""Keeps a message invisible to other consumers for as long as its work goes on.

SQS hands a message to another consumer once its visibility timeout lapses. Instead of a timeout
sized for the longest job (which would also delay the retry of a crashed one), a background thread
pushes the timeout forward every HEARTBEAT_INTERVAL seconds. SQS caps the total at 12 hours from
the first receipt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .jsonlog import BoundLogger

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


class VisibilityHeartbeat:
    """Context manager: beats from `__enter__` until `__exit__`, which waits for the thread."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        receipt_handle: str,
        *,
        timeout: int,
        interval: float,
        log: BoundLogger,
        on_lost: Callable[[], None],
        on_beat: Callable[[], None] | None = None,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._receipt_handle = receipt_handle
        self._timeout = timeout
        self._interval = interval
        self._log = log
        self._on_lost = on_lost
        self._on_beat = on_beat
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="visibility-heartbeat", daemon=True)
        self.beats = 0

    def __enter__(self) -> VisibilityHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._sqs.change_message_visibility(
                    QueueUrl=self._queue_url,
                    ReceiptHandle=self._receipt_handle,
                    VisibilityTimeout=self._timeout,
                )
                self.beats += 1
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in _LOST:
                    self._log.error("message lease lost; abandoning it", extra={"error": str(exc)})
                    self._on_lost()
                    return
                self._log.warning("visibility extension failed; retrying", extra={"error": str(exc)})
            except BotoCoreError as exc:
                self._log.warning("visibility extension failed; retrying", extra={"error": str(exc)})
            if self._on_beat is not None:
                self._on_beat()

"""The lease on the message being worked on: until when it is ours, and the gate through which its
outputs are published.

SQS hides a received message until its visibility timeout runs out; the heartbeat pushes that
deadline forward. Once the worker gives the message up (the shutdown grace ran out, or the heartbeat
found the lease lost or lapsed) another consumer may receive it, so nothing may be published from
then on. Publishing is one short critical section, the CompleteMultipartUpload calls of an input's
outputs, every byte of which is already uploaded: `publishing()` enters it only while the lease
holds, and `give_up()` waits for a section already entered to end, so that handing a message back
never overlaps a commit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Cancelled(BaseException):
    """Raised from reads, writes and commits once the worker gives up the message.

    A BaseException, so a processor's `except Exception` cannot swallow it.
    """


class Lease:
    def __init__(self, deadline: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        """`deadline`: when the visibility timeout of the receive runs out, on `clock`."""
        self.cancelled = threading.Event()
        self._clock = clock
        self._deadline = deadline
        self._given_up = False
        self._publishing = False
        self._condition = threading.Condition()

    @property
    def deadline(self) -> float:
        return self._deadline

    def remaining(self) -> float:
        return self._deadline - self._clock()

    def extend(self, deadline: float) -> None:
        """A visibility extension succeeded; `deadline` is measured from before the call was sent."""
        with self._condition:
            self._deadline = max(self._deadline, deadline)

    def lose(self) -> None:
        """The message is no longer ours (the heartbeat says so): refuse any later publishing."""
        with self._condition:
            self._given_up = True
        self.cancelled.set()

    def give_up(self) -> None:
        """Refuse any later publishing and wait for a commit already under way to end, so that the
        message can be handed back with nothing published afterwards."""
        with self._condition:
            self._given_up = True
            self.cancelled.set()
            while self._publishing:
                self._condition.wait()

    @contextmanager
    def publishing(self) -> Iterator[None]:
        """The commit's critical section; raises Cancelled unless the lease still holds."""
        with self._condition:
            if self._given_up or self.remaining() <= 0:
                raise Cancelled
            self._publishing = True
        try:
            yield
        finally:
            with self._condition:
                self._publishing = False
                self._condition.notify_all()

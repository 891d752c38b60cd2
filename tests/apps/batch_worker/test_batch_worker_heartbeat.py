"""The heartbeat against a stub SQS on a fake clock: beats move the lease deadline, failed beats are
retried quickly and before the deadline, and the message is given up only when it is really gone."""

from __future__ import annotations

import logging

import pytest
from batch_worker.heartbeat import RETRY_CAP_SECONDS, VisibilityHeartbeat, retry_delay
from batch_worker.jsonlog import bind
from batch_worker.lease import Lease
from botocore.exceptions import ClientError, EndpointConnectionError

LOG = bind(logging.getLogger("test"))
TIMEOUT = 30
INTERVAL = 10


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class StubSqs:
    """Answers each ChangeMessageVisibility with the next outcome: None for success, or an exception."""

    def __init__(self, clock: Clock, outcomes: list[BaseException | None]) -> None:
        self._clock = clock
        self._outcomes = outcomes
        self.calls: list[float] = []

    def change_message_visibility(self, **kwargs) -> dict:
        assert kwargs["VisibilityTimeout"] == TIMEOUT
        self.calls.append(self._clock.now)
        outcome = self._outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return {}


def drive(outcomes: list[BaseException | None], *, on_beat=None) -> tuple[Lease, StubSqs, list[float], Clock]:
    """Runs the beat loop until the outcomes are used up; returns the lease, the stub and the waits."""
    clock = Clock()
    lease = Lease(clock.now + TIMEOUT, clock=clock)
    sqs = StubSqs(clock, outcomes)
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        if not sqs._outcomes:
            return True
        waits.append(seconds)
        clock.now += seconds
        return False

    heartbeat = VisibilityHeartbeat(
        sqs,
        "q",
        "r",
        lease=lease,
        timeout=TIMEOUT,
        interval=INTERVAL,
        log=LOG,
        on_beat=on_beat,
        clock=clock,
        jitter=lambda: 0.5,
    )
    heartbeat.run(wait)
    return lease, sqs, waits, clock


def throttled() -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "ChangeMessageVisibility")


def test_each_beat_moves_the_deadline_from_when_it_was_sent() -> None:
    lease, sqs, waits, _ = drive([None, None])
    assert waits == [INTERVAL, INTERVAL]
    assert lease.deadline == sqs.calls[-1] + TIMEOUT


def test_a_failed_beat_is_retried_quickly_with_backoff() -> None:
    lease, sqs, waits, _ = drive([throttled(), EndpointConnectionError(endpoint_url="x"), RuntimeError("odd"), None])
    assert waits == [INTERVAL, retry_delay(1, 20, 0.5), retry_delay(2, 20 - waits[1], 0.5), waits[3]]
    assert waits[1] < waits[2] < waits[3] < 1
    assert lease.deadline == sqs.calls[-1] + TIMEOUT
    assert not lease.cancelled.is_set()


def test_the_message_is_given_up_only_once_the_deadline_has_passed(caplog) -> None:
    lease, sqs, waits, clock = drive([throttled()] * 200)
    assert lease.cancelled.is_set()
    # Every retry came before the deadline, and the last failure was the one at or after it.
    assert all(call < lease.deadline for call in sqs.calls[:-1])
    assert clock.now >= lease.deadline
    assert max(waits[1:]) <= RETRY_CAP_SECONDS
    assert [r.msg for r in caplog.records if r.levelno == logging.ERROR] == ["message lease lapsed; abandoning it"]


def test_retries_never_wait_past_half_the_time_left() -> None:
    assert retry_delay(30, remaining=1.0, jitter=0.99) == 0.5
    assert retry_delay(1, remaining=100, jitter=0.0) == pytest.approx(0.05)


@pytest.mark.parametrize("code", ["ReceiptHandleIsInvalid", "MessageNotInflight"])
def test_a_lost_message_is_given_up_at_once(code: str) -> None:
    gone = ClientError({"Error": {"Code": code, "Message": "gone"}}, "ChangeMessageVisibility")
    lease, sqs, _, _ = drive([gone, None, None])
    assert lease.cancelled.is_set()
    assert len(sqs.calls) == 1


def test_a_failing_beat_callback_is_logged_and_the_beats_go_on(caplog) -> None:
    def on_beat() -> None:
        raise OSError("agent unreachable")

    lease, sqs, _, _ = drive([None, None], on_beat=on_beat)
    assert len(sqs.calls) == 2 and not lease.cancelled.is_set()
    assert [r.msg for r in caplog.records if r.levelno == logging.WARNING] == ["heartbeat callback failed"] * 2

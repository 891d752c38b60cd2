"""A local stand-in for EventBridge Scheduler: fires a job on the same schedule expression as the stack.

The expression is the one the stack deploys (already normalised by the settings: `@every 2m` is
`rate(2 minutes)`). A rate runs every interval counted from the schedule's start date, or from when
the ticker started; cron and at expressions run at their next occurrence in the schedule's time zone
(`ecs_workloads.schedule_expression.next_occurrence`). Runs outside start/end dates are skipped, and a
disabled schedule keeps ticking without starting anything, as a DISABLED schedule does.

Whether the schedule is enabled is asked of its `Switch` at every occurrence. The local system's switch is
the schedule's State in moto (`local.control_plane`), so `ecs-workloads pause` stops the runs here as it
does in AWS; on its own a ticker keeps the state in memory.

`speed` runs a simulated clock faster than real time: at 60, one scheduled minute passes in one real
second, so `rate(2 minutes)` fires every 2 s and a cron still fires at its (simulated) minutes.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ecs_workloads.schedule_expression import next_occurrence
from stack.jobs import ScheduleSettings

_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int | None:
    """Seconds between runs of a `rate(...)` expression; None for cron and at."""
    match = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression)
    return int(match[1]) * _UNIT_SECONDS[match[2]] if match else None


class SimulatedClock:
    """Wall-clock time that runs `speed` times faster than real time from the moment it is created."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed: {speed} — a positive number")
        self.speed = speed
        self._real_start = time.monotonic()
        self._start = datetime.now(UTC)

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._real_start) * self.speed)

    def real_seconds_until(self, moment: datetime) -> float:
        return max(0.0, (moment - self.now()).total_seconds() / self.speed)


class Switch(Protocol):
    """Where the schedule's ENABLED/DISABLED state lives."""

    def enabled(self) -> bool: ...

    def set(self, enabled: bool) -> None: ...


class MemorySwitch:
    """A schedule state kept in memory, for a ticker on its own."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = threading.Event()
        self.set(enabled)

    def enabled(self) -> bool:
        return self._enabled.is_set()

    def set(self, enabled: bool) -> None:
        if enabled:
            self._enabled.set()
        else:
            self._enabled.clear()


class Ticker:
    """Calls `fire(run_number, scheduled_time)` at every occurrence of the schedule, one run at a time."""

    def __init__(
        self,
        name: str,
        settings: ScheduleSettings,
        clock: SimulatedClock,
        fire: Callable[[int, datetime], None],
        on_skip: Callable[[datetime, str], None] | None = None,
        switch: Switch | None = None,
    ) -> None:
        self.name = name
        self.expression = settings.schedule
        self.timezone = settings.timezone
        self._start = datetime.fromisoformat(settings.start_date) if settings.start_date else None
        self._end = datetime.fromisoformat(settings.end_date) if settings.end_date else None
        self._clock = clock
        self._fire = fire
        self._on_skip = on_skip
        self._switch = switch if switch is not None else MemorySwitch(settings.enabled)
        # Re-entrant: a run may disable its own schedule.
        self._idle = threading.RLock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"ticker-{name}", daemon=True)
        self.runs = 0
        self.error: BaseException | None = None

    @property
    def enabled(self) -> bool:
        return self._switch.enabled()

    def describe(self) -> str:
        interval = rate_seconds(self.expression)
        real = f"every {interval / self._clock.speed:g} s real time" if interval else "at its next occurrences"
        state = "enabled" if self.enabled else "disabled"
        return f"{self.expression} ({self.timezone}), {real}, {state}"

    def start(self) -> None:
        self._origin = self._clock.now()
        self._thread.start()

    def disable(self) -> None:
        """Pause the schedule; returns once a run in progress has finished."""
        self._switch.set(False)
        with self._idle:
            pass

    def enable(self) -> None:
        self._switch.set(True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)

    def _next(self, after: datetime) -> datetime | None:
        interval = rate_seconds(self.expression)
        if interval is None:
            return next_occurrence(self.expression, after, self.timezone)
        origin = self._start or self._origin
        elapsed = max(0.0, (after - origin).total_seconds())
        return origin + timedelta(seconds=(int(elapsed // interval) + 1) * interval)

    def _run(self) -> None:
        try:
            after = self._clock.now()
            while not self._stop.is_set():
                moment = self._next(after)
                if moment is None or (self._end is not None and moment > self._end):
                    return
                if self._stop.wait(self._clock.real_seconds_until(moment)):
                    return
                after = moment
                if self._start is not None and moment < self._start:
                    continue
                if not self.enabled:
                    if self._on_skip is not None:
                        self._on_skip(moment, "schedule disabled")
                    continue
                with self._idle:
                    if self.enabled:
                        self.runs += 1
                        self._fire(self.runs, moment)
                # A run longer than the interval makes the ticker skip the occurrences it missed.
                after = max(after, self._clock.now())
        except BaseException as exc:
            self.error = exc

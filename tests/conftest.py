"""Fixtures every test shares."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ecs_workloads.scheduled_ecs_task import ScheduledEcsTask

# Whether a schedule's start date has passed depends on "now"; every test sees the same one, so the start
# dates the tests write (2030 and later) are sent whatever day the suite runs.
TEST_NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ScheduledEcsTask, "clock", staticmethod(lambda: TEST_NOW))

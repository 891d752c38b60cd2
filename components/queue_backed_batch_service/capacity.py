"""The capacity maths of the backlog policy: how many tasks each backlog runs."""

from __future__ import annotations

import math
from typing import NamedTuple

# Application Auto Scaling's default quota of step adjustments per step scaling policy.
MAX_STEP_ADJUSTMENTS = 20


class CapacityStep(NamedTuple):
    """Backlogs from `min_backlog` to `max_backlog` (inclusive; None: no upper end) run `tasks` tasks."""

    min_backlog: int
    max_backlog: int | None
    tasks: int


def capacity_steps(messages_per_task: int, max_tasks: int) -> list[CapacityStep]:
    """The step table of the backlog policy: `ceil(backlog / messages_per_task)` tasks, capped at `max_tasks`.

    One step per task count up to the 20 steps a policy may hold; beyond that the steps are spread evenly
    between 1 and `max_tasks` and each rounds up to its own count, so the service never runs short.
    """
    if max_tasks <= MAX_STEP_ADJUSTMENTS:
        levels = list(range(1, max_tasks + 1))
    else:
        spread = MAX_STEP_ADJUSTMENTS - 1
        levels = [1] + [1 + math.ceil(i * (max_tasks - 1) / spread) for i in range(1, spread + 1)]
    steps = []
    previous = 0
    for index, tasks in enumerate(levels):
        last = index == len(levels) - 1
        steps.append(CapacityStep(previous * messages_per_task + 1, None if last else tasks * messages_per_task, tasks))
        previous = tasks
    return steps

"""How many tasks one run of a job starts: the job's own count, or enough for its queue's backlog.

A pure function, so that every runner of jobs (the job API's state machine, a local ticker) counts the
same way. The limits are the ECS Scheduler's, where the job API comes from: at least `taskCount`, one task
per `messagesPerTask` waiting messages (rounded up), at most `maxCount`, and never more than
`TASK_LIMIT`.
"""

from __future__ import annotations

import math

TASK_LIMIT = 50
"""No run starts more tasks than this, whatever a job asks."""
RETRY_LIMIT = 10
"""No failed task is started again more than this many times in one run, whatever a job asks."""
TASKS_STARTED = "tasksStarted"
"""The key of a run's output (the Step Functions execution's) that holds how many tasks it started."""
TASK_RESULTS = "tasks"
"""The key of a run's output that lists each task it ran: `taskArn`, `exitCodes` (one per container) and
`attempts`."""


def tasks_to_start(
    *, task_count: int, max_count: int, queue_depth: int | None = None, messages_per_task: int = 1
) -> int:
    """Tasks for one run. `queue_depth` is the trigger queue's visible messages, None for a job without a
    trigger; an empty queue starts `task_count` tasks, which may be none."""
    if task_count < 0 or max_count < 1 or messages_per_task < 1 or (queue_depth or 0) < 0:
        raise ValueError(
            f"task_count {task_count} must be 0 or more, max_count {max_count} and messages_per_task "
            f"{messages_per_task} 1 or more, queue_depth {queue_depth} not negative"
        )
    wanted = task_count if queue_depth is None else max(task_count, math.ceil(queue_depth / messages_per_task))
    return min(wanted, max_count, TASK_LIMIT)

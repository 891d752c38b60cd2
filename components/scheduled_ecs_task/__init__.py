"""A container run on a schedule: EventBridge Scheduler starts a Fargate task on the cluster, with retries,
a dead-letter queue and an alert for runs that fail."""

from .args import (
    SCHEDULED_ECS_TASK_ARGS,
    SCHEDULED_ECS_TASK_NAMES,
    ScheduledEcsTaskArgs,
    run_environment_problem,
    utc_timestamp,
    validate_scheduled_task_args,
)
from .component import ScheduledEcsTask
from .failed_run import failed_run_pattern

__all__ = [
    "SCHEDULED_ECS_TASK_ARGS",
    "SCHEDULED_ECS_TASK_NAMES",
    "ScheduledEcsTask",
    "ScheduledEcsTaskArgs",
    "failed_run_pattern",
    "run_environment_problem",
    "utc_timestamp",
    "validate_scheduled_task_args",
]

"""EventBridge Scheduler: a schedule retries failed starts and keeps what it cannot start."""

from __future__ import annotations

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import SCHEDULE
from .values import get


# No AWS control; what CDK does not expose (aws-cdk#13659).
@rule(
    "scheduler-retry-and-dlq",
    "EventBridge Scheduler schedules have a retry policy and a dead-letter queue.",
    enforcement=MANDATORY,
    resource_types=SCHEDULE,
    control="none",
)
def check_schedule_retry_and_dlq(schedule: ResourceView, context: StackContext) -> list[str]:
    target = schedule.props.get("target") or {}
    problems = []
    if not get(target, "deadLetterConfig", "arn"):
        problems.append("target.deadLetterConfig is not set: runs Scheduler cannot start are lost silently")
    if not target.get("retryPolicy"):
        problems.append("target.retryPolicy is not set")
    return problems

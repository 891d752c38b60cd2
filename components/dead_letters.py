"""The dead-letter queue a shape keeps for work that could not be done, and the alarm that says so.

Shared by `ScheduledEcsTask` (runs EventBridge Scheduler could not start) and `QueueBackedBatchService`
(messages that failed the workers `max_receive_count` times). The logical names are the caller's: each
shape kept the names of its first release, and a new name would replace the queue and lose its messages.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from .options import child, stateful

# SQS keeps a message at most 14 days (MessageRetentionPeriod, 60 to 1,209,600 seconds): the longest
# time anyone has to look at a failure.
DLQ_RETENTION_SECONDS = 14 * 24 * 3600


def dead_letter_queue(parent: pulumi.Resource, name: str, *, protect_data: bool) -> aws.sqs.Queue:
    """An encrypted (SSE-SQS) queue `<name>-dlq` that keeps messages as long as SQS allows."""
    return aws.sqs.Queue(
        f"{name}-dlq",
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        sqs_managed_sse_enabled=True,
        opts=stateful(parent, protect_data),
    )


def dead_letter_alarm(
    parent: pulumi.Resource,
    logical_name: str,
    queue: aws.sqs.Queue,
    *,
    description: str,
    notify: Sequence[pulumi.Input[str]] | None,
    period_seconds: int,
) -> aws.cloudwatch.MetricAlarm:
    """Alarms (and clears) when the dead-letter queue holds any message; `notify` gets both transitions.
    SQS publishes its metrics to CloudWatch every minute, so any period from 60 seconds works."""
    actions = list(notify) if notify else None
    return aws.cloudwatch.MetricAlarm(
        logical_name,
        alarm_description=description,
        namespace="AWS/SQS",
        metric_name="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue.name},
        statistic="Maximum",
        period=period_seconds,
        evaluation_periods=1,
        threshold=0,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
        alarm_actions=actions,
        ok_actions=actions,
        opts=child(parent),
    )

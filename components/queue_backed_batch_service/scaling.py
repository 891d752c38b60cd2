"""Scaling on the backlog, and the alarms that say the pipeline is stuck.

Scaling follows the backlog (visible + in-flight messages) with CloudWatch alarms and Application Auto
Scaling step policies that set an exact task count, so one message wakes a service that sits at zero,
capacity tracks `ceil(backlog / messages_per_task)`, and the service returns to `min_tasks` after an
idle period. Busy workers hold ECS task scale-in protection, so lowering the count never stops one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ..dead_letters import dead_letter_alarm
from ..options import child
from .capacity import CapacityStep

# SQS and EventBridge publish these metrics every minute: one period is the quickest a change is seen.
PERIOD_SECONDS = 60
_HALF_MESSAGE = 0.5


def backlog_scaling(
    parent: pulumi.Resource,
    name: str,
    target: aws.appautoscaling.Target,
    queue: aws.sqs.Queue,
    rule: aws.cloudwatch.EventRule | None,
    steps: list[CapacityStep],
    *,
    min_tasks: int,
    idle_minutes: int,
) -> None:
    """Two alarms on the same demand figure, each driving an ExactCapacity step policy.

    Demand is the backlog (visible + in-flight messages, so a message being worked on keeps its task)
    and, with the S3 route, also the messages the rule delivered this minute: SQS publishes no metrics
    for a queue that has been idle for hours and resumes late, while the rule's Invocations arrive
    within the minute. Missing data counts as zero.

    Both thresholds sit half a message off the whole-number demand (step bounds are relative to the
    threshold), so no datapoint ever lands on a bound and which side of a bound is inclusive never matters.

    - backlog alarm, demand > 0.5 (one message or more) on one 1-minute datapoint: the step table sets
      the count to ceil(demand / messages_per_task). CloudWatch re-invokes scaling actions every minute
      while the alarm stays in ALARM, so the count follows the backlog down as well as up; ECS then stops
      idle tasks only, because busy workers hold scale-in protection.
    - idle alarm, demand < 0.5 (none) on `idle_minutes` consecutive datapoints (missing data counts as
      idle): sets `min_tasks`. The two alarms cannot be in ALARM together, so the policies never fight.
    """
    queries = _demand_queries(queue, rule)
    backlog_policy = _exact_capacity_policy(
        parent,
        f"{name}-backlog-policy",
        target,
        [
            aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs(
                # Relative to the 0.5 threshold, demand d sits at d - 0.5: inside [min - 1, max) exactly
                # when min <= d <= max.
                metric_interval_lower_bound=str(step.min_backlog - 1),
                metric_interval_upper_bound=None if step.max_backlog is None else str(step.max_backlog),
                scaling_adjustment=step.tasks,
            )
            for step in steps
        ],
    )
    aws.cloudwatch.MetricAlarm(
        f"{name}-backlog",
        alarm_description=f"{name}: messages waiting or in progress; sets tasks to ceil(backlog / per task)",
        comparison_operator="GreaterThanThreshold",
        threshold=_HALF_MESSAGE,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
        metric_queries=queries,
        alarm_actions=[backlog_policy.arn],
        opts=child(parent),
    )
    idle_policy = _exact_capacity_policy(
        parent,
        f"{name}-idle-policy",
        target,
        [
            aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs(
                metric_interval_upper_bound="0", scaling_adjustment=min_tasks
            )
        ],
    )
    aws.cloudwatch.MetricAlarm(
        f"{name}-idle",
        alarm_description=f"{name}: no messages for {idle_minutes} minutes; back to {min_tasks} tasks",
        comparison_operator="LessThanThreshold",
        threshold=_HALF_MESSAGE,
        evaluation_periods=idle_minutes,
        datapoints_to_alarm=idle_minutes,
        treat_missing_data="breaching",
        metric_queries=queries,
        alarm_actions=[idle_policy.arn],
        opts=child(parent),
    )


def queue_alarms(
    parent: pulumi.Resource,
    name: str,
    queue: aws.sqs.Queue,
    dead_letters: aws.sqs.Queue,
    *,
    max_age_seconds: int,
    notify: Sequence[pulumi.Input[str]] | None,
) -> None:
    """Alarms when messages wait in the dead-letter queue, and when the oldest queued message is too old."""
    dead_letter_alarm(
        parent,
        f"{name}-dlq-not-empty",
        dead_letters,
        description=f"{name}: messages failed {name} workers repeatedly and wait in the dead-letter queue",
        notify=notify,
        period_seconds=PERIOD_SECONDS,
    )
    actions = list(notify) if notify else None
    aws.cloudwatch.MetricAlarm(
        f"{name}-oldest-message",
        alarm_description=f"{name}: the oldest queued message is older than {max_age_seconds} s",
        namespace="AWS/SQS",
        metric_name="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": queue.name},
        statistic="Maximum",
        period=PERIOD_SECONDS,
        evaluation_periods=1,
        comparison_operator="GreaterThanThreshold",
        threshold=max_age_seconds,
        treat_missing_data="notBreaching",
        alarm_actions=actions,
        ok_actions=actions,
        opts=child(parent),
    )


def _exact_capacity_policy(
    parent: pulumi.Resource,
    logical_name: str,
    target: aws.appautoscaling.Target,
    steps: list[aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs],
) -> aws.appautoscaling.Policy:
    return aws.appautoscaling.Policy(
        logical_name,
        policy_type="StepScaling",
        resource_id=target.resource_id,
        scalable_dimension=target.scalable_dimension,
        service_namespace=target.service_namespace,
        step_scaling_policy_configuration=aws.appautoscaling.PolicyStepScalingPolicyConfigurationArgs(
            adjustment_type="ExactCapacity",
            metric_aggregation_type="Maximum",
            # One metric period, so a changed backlog is acted on at the next evaluation.
            cooldown=PERIOD_SECONDS,
            step_adjustments=steps,
        ),
        opts=child(parent),
    )


def _demand_queries(
    queue: aws.sqs.Queue, rule: aws.cloudwatch.EventRule | None
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    def metric(query_id: str, namespace: str, metric_name: str, stat: str, dimensions: dict[str, Any]):
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=namespace, metric_name=metric_name, stat=stat, period=PERIOD_SECONDS, dimensions=dimensions
            ),
            return_data=False,
        )

    queries = [
        metric("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", {"QueueName": queue.name}),
        metric("inflight", "AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "Maximum", {"QueueName": queue.name}),
    ]
    backlog = "FILL(visible, 0) + FILL(inflight, 0)"
    if rule is None:
        return [
            *queries,
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="demand", expression=backlog, label="Backlog", return_data=True
            ),
        ]
    # Invocations is only published for minutes with deliveries.
    queries.append(metric("delivered", "AWS/Events", "Invocations", "Sum", {"RuleName": rule.name}))
    return [
        *queries,
        aws.cloudwatch.MetricAlarmMetricQueryArgs(id="backlog", expression=backlog, label="Backlog", return_data=False),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="deliveries", expression="FILL(delivered, 0)", label="Delivered by the rule", return_data=False
        ),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="demand",
            expression="MAX([backlog, deliveries])",
            label="Backlog or messages delivered this minute",
            return_data=True,
        ),
    ]

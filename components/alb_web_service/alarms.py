"""Alarms of a web service: the share of requests the tasks answer 5xx, and tasks failing health checks.

They notify the alarm topic when there is one, and a deployment with `rollback_on_alarm` fails and rolls
back when either fires during it. With a traffic shift both target groups count: the new revision's tasks
sit in whichever group is idle.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from ..error_rate_alarm import RequestCounts, error_rate_alarm
from ..options import child
from .args import ALB_WEB_SERVICE_ARGS, AlbWebServiceArgs


def alarms(
    parent: pulumi.Resource,
    name: str,
    args: AlbWebServiceArgs,
    lb_arn_suffix: pulumi.Input[str],
    target_groups: list[aws.lb.TargetGroup],
) -> list[pulumi.Output[str]]:
    """Creates the two alarms; returns their names."""
    topic = [args["alarm_topic_arn"]] if "alarm_topic_arn" in args else None
    threshold = ALB_WEB_SERVICE_ARGS.value(args, "error_rate_alarm_percent")
    # One group keeps the query ids it always had; two get a numbered id each.
    ids = [""] if len(target_groups) == 1 else [str(index) for index in range(len(target_groups))]

    def unhealthy_metric(query_id: str, group: aws.lb.TargetGroup) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace="AWS/ApplicationELB",
                metric_name="UnHealthyHostCount",
                dimensions={"TargetGroup": group.arn_suffix, "LoadBalancer": lb_arn_suffix},
                stat="Maximum",
                period=60,
            ),
        )

    error_rate = error_rate_alarm(
        parent,
        name,
        sources=[
            RequestCounts(
                namespace="AWS/ApplicationELB",
                errors_metric="HTTPCode_Target_5XX_Count",
                requests_metric="RequestCount",
                dimensions={"TargetGroup": group.arn_suffix, "LoadBalancer": lb_arn_suffix},
            )
            for group in target_groups
        ],
        threshold=threshold,
        description=f"{name}: more than {threshold}% of requests answered 5xx by the tasks",
        topic=topic,
    )
    unhealthy_description = f"{name}: tasks failing the load balancer health check"
    common: dict[str, Any] = {
        "comparison_operator": "GreaterThanThreshold",
        "threshold": 0,
        "evaluation_periods": 3,
        "treat_missing_data": "notBreaching",
        "alarm_actions": topic,
        "ok_actions": topic,
        "opts": child(parent),
    }
    if len(target_groups) == 1:
        unhealthy = aws.cloudwatch.MetricAlarm(
            f"{name}-unhealthy-tasks",
            alarm_description=unhealthy_description,
            namespace="AWS/ApplicationELB",
            metric_name="UnHealthyHostCount",
            dimensions={"TargetGroup": target_groups[0].arn_suffix, "LoadBalancer": lb_arn_suffix},
            statistic="Maximum",
            period=60,
            **common,
        )
    else:
        unhealthy = aws.cloudwatch.MetricAlarm(
            f"{name}-unhealthy-tasks",
            alarm_description=unhealthy_description,
            metric_queries=[
                *(unhealthy_metric(f"unhealthy{i}", group) for i, group in zip(ids, target_groups, strict=True)),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="worst",
                    # MAX of an array of time series is a series of the largest value at each time.
                    expression="MAX([" + ", ".join(f"FILL(unhealthy{i}, 0)" for i in ids) + "])",
                    label="Unhealthy tasks",
                    return_data=True,
                ),
            ],
            **common,
        )
    return [error_rate.name, unhealthy.name]

"""Alarms of a web service: the share of requests the tasks answer 5xx, and tasks failing health checks.

They notify the alarm topic when there is one, and a deployment with `rollback_on_alarm` fails and rolls
back when either fires during it. With a traffic shift both target groups count: the new revision's tasks
sit in whichever group is idle.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

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

    def metric(
        query_id: str, metric_name: str, group: aws.lb.TargetGroup, stat: str
    ) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace="AWS/ApplicationELB",
                metric_name=metric_name,
                dimensions={"TargetGroup": group.arn_suffix, "LoadBalancer": lb_arn_suffix},
                stat=stat,
                period=60,
            ),
        )

    if len(target_groups) == 1:
        # The ALB publishes no 5xx datapoint for a minute without errors; FILL makes that 0 %.
        rate = "100 * FILL(errors, 0) / requests"
    else:
        # A group without traffic publishes no RequestCount either; FILL keeps the other group's rate.
        errors = " + ".join(f"FILL(errors{i}, 0)" for i in ids)
        requests = " + ".join(f"FILL(requests{i}, 0)" for i in ids)
        rate = f"100 * ({errors}) / ({requests})"
    error_rate = aws.cloudwatch.MetricAlarm(
        f"{name}-5xx-rate",
        alarm_description=f"{name}: more than {threshold}% of requests answered 5xx by the tasks",
        metric_queries=[
            *(
                query
                for i, group in zip(ids, target_groups, strict=True)
                for query in (
                    metric(f"errors{i}", "HTTPCode_Target_5XX_Count", group, "Sum"),
                    metric(f"requests{i}", "RequestCount", group, "Sum"),
                )
            ),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="rate", expression=rate, label="Target 5xx %", return_data=True
            ),
        ],
        comparison_operator="GreaterThanThreshold",
        threshold=threshold,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        treat_missing_data="notBreaching",
        alarm_actions=topic,
        ok_actions=topic,
        opts=child(parent),
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
                *(
                    metric(f"unhealthy{i}", "UnHealthyHostCount", group, "Maximum")
                    for i, group in zip(ids, target_groups, strict=True)
                ),
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

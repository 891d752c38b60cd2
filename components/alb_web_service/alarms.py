"""Alarms of a web service: the share of requests the tasks answer 5xx, and tasks failing health checks."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ..options import child
from .args import ALB_WEB_SERVICE_ARGS, AlbWebServiceArgs


def alarms(
    parent: pulumi.Resource,
    name: str,
    args: AlbWebServiceArgs,
    lb_arn_suffix: pulumi.Input[str],
    target_group: aws.lb.TargetGroup,
) -> None:
    topic = [args["alarm_topic_arn"]]
    dimensions = {"TargetGroup": target_group.arn_suffix, "LoadBalancer": lb_arn_suffix}
    threshold = ALB_WEB_SERVICE_ARGS.value(args, "error_rate_alarm_percent")

    def metric(query_id: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace="AWS/ApplicationELB",
                metric_name=metric_name,
                dimensions=dimensions,
                stat="Sum",
                period=60,
            ),
        )

    aws.cloudwatch.MetricAlarm(
        f"{name}-5xx-rate",
        alarm_description=f"{name}: more than {threshold}% of requests answered 5xx by the tasks",
        metric_queries=[
            metric("errors", "HTTPCode_Target_5XX_Count"),
            metric("requests", "RequestCount"),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="rate",
                # The ALB publishes no 5xx datapoint for a minute without errors; FILL makes that 0 %.
                expression="100 * FILL(errors, 0) / requests",
                label="Target 5xx %",
                return_data=True,
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
    aws.cloudwatch.MetricAlarm(
        f"{name}-unhealthy-tasks",
        alarm_description=f"{name}: tasks failing the load balancer health check",
        namespace="AWS/ApplicationELB",
        metric_name="UnHealthyHostCount",
        dimensions=dimensions,
        statistic="Maximum",
        period=60,
        evaluation_periods=3,
        comparison_operator="GreaterThanThreshold",
        threshold=0,
        treat_missing_data="notBreaching",
        alarm_actions=topic,
        ok_actions=topic,
        opts=child(parent),
    )

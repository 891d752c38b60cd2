"""Target-tracking autoscaling of the service's task count: on CPU, on ALB requests per task, or both."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ..target_tracking import TrackedMetric, target_tracking
from .args import WebAutoscalingArgs


def autoscaling(
    parent: pulumi.Resource,
    name: str,
    target: aws.appautoscaling.Target,
    *,
    scaling: WebAutoscalingArgs,
    lb_arn_suffix: pulumi.Input[str],
    target_group: aws.lb.TargetGroup,
) -> None:
    metrics: list[TrackedMetric] = []
    if "cpu_target_percent" in scaling:
        metrics.append(TrackedMetric("cpu", "ECSServiceAverageCPUUtilization", scaling["cpu_target_percent"]))
    if "requests_per_target" in scaling:
        # ALBRequestCountPerTarget is labelled `<load balancer suffix>/<target group suffix>`.
        per_target = pulumi.Output.concat(lb_arn_suffix, "/", target_group.arn_suffix)
        metrics.append(
            TrackedMetric("requests", "ALBRequestCountPerTarget", scaling["requests_per_target"], per_target)
        )
    target_tracking(parent, name, target, scaling=scaling, metrics=metrics)

"""Target-tracking autoscaling of the service's task count: on CPU, on ALB requests per task, or both."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ..options import child
from .args import WEB_AUTOSCALING_ARGS, WebAutoscalingArgs


def autoscaling(
    parent: pulumi.Resource,
    name: str,
    target: aws.appautoscaling.Target,
    *,
    scaling: WebAutoscalingArgs,
    lb_arn_suffix: pulumi.Input[str],
    target_group: aws.lb.TargetGroup,
) -> None:
    metrics: list[tuple[str, str, float, pulumi.Input[str] | None]] = []
    if "cpu_target_percent" in scaling:
        metrics.append(("cpu", "ECSServiceAverageCPUUtilization", scaling["cpu_target_percent"], None))
    if "requests_per_target" in scaling:
        # ALBRequestCountPerTarget is labelled `<load balancer suffix>/<target group suffix>`.
        per_target = pulumi.Output.concat(lb_arn_suffix, "/", target_group.arn_suffix)
        metrics.append(("requests", "ALBRequestCountPerTarget", scaling["requests_per_target"], per_target))
    for role, metric, value, label in metrics:
        aws.appautoscaling.Policy(
            f"{name}-scale-{role}",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=value,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type=metric, resource_label=label
                ),
                scale_in_cooldown=WEB_AUTOSCALING_ARGS.value(scaling, "scale_in_cooldown"),
                scale_out_cooldown=WEB_AUTOSCALING_ARGS.value(scaling, "scale_out_cooldown"),
            ),
            opts=child(parent),
        )

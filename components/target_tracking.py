"""Target-tracking autoscaling of a service's task count, shared by the services that scale on metrics
(`AlbWebService` on CPU and ALB requests, `BackendService` on CPU and memory).

The bounds and cooldowns are declared here once; each service's autoscaling declaration takes them and
adds its own targets. One policy per metric on one scalable target: Application Auto Scaling scales out
when any policy asks and in only when all agree (Application Auto Scaling User Guide, "Target tracking
scaling policies": multiple policies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .arguments import Integer, Number
from .options import child
from .validation import ArgumentProblems

# ECS services run at most 1000 tasks by default (Amazon ECS service quotas: tasks per service).
TASK_COUNT = Integer(low=1, high=1000)
"""`min_tasks` and `max_tasks` (target tracking cannot start from zero tasks: there is no metric)."""
# Cooldowns are seconds; an hour bounds a typo (Application Auto Scaling takes any non-negative value).
SCALE_IN_COOLDOWN = Integer(low=0, high=3600, default=300)
SCALE_OUT_COOLDOWN = Integer(low=0, high=3600, default=60)
UTILIZATION_PERCENT = Number(low=0, high=100, low_open=True)
"""A CPU or memory utilization target, in percent of what the tasks reserve."""


def scaling_bounds(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """`max_tasks` is at least `min_tasks`."""
    if args["max_tasks"] < args["min_tasks"]:
        problems.add(f"{prefix}max_tasks", args["max_tasks"], f"at least min_tasks ({args['min_tasks']})")


def at_least_one_target(first: str, second: str) -> Any:
    """A rule: the autoscaling mapping gives `first`, `second` or both (a policy needs a metric)."""

    def rule(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
        if first not in args and second not in args:
            problems.add(prefix.removesuffix(".") or "autoscaling", dict(args), f"give {first}, {second} or both")

    return rule


def desired_count_within_autoscaling(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """A given initial task count (`deployment.desired_count`) lies within the `autoscaling` bounds, which
    would move it there at once. Reads only values their own specs accept, so it can run beside them."""
    autoscaling, deployment = args.get("autoscaling"), args.get("deployment")
    if not isinstance(autoscaling, dict) or not isinstance(deployment, dict):
        return
    desired = deployment.get("desired_count")
    low, high = autoscaling.get("min_tasks"), autoscaling.get("max_tasks")
    if TASK_COUNT.problem(low) or TASK_COUNT.problem(high) or not isinstance(low, int) or not isinstance(high, int):
        return
    if not isinstance(desired, int) or isinstance(desired, bool):
        return
    if not low <= desired <= high:
        problems.add(
            f"{prefix}deployment.desired_count", desired, f"within autoscaling min_tasks..max_tasks ({low}..{high})"
        )


def initial_deployment(deployment: Mapping[str, Any], scaling: Mapping[str, Any] | None) -> dict[str, Any]:
    """The service's deployment arguments; an autoscaled service starts at `min_tasks` unless told otherwise."""
    chosen = dict(deployment)
    if scaling is not None:
        chosen.setdefault("desired_count", scaling["min_tasks"])
    return chosen


@dataclass(frozen=True)
class TrackedMetric:
    """One target-tracking policy: `<name>-scale-<role>` holding `metric` near `value`."""

    role: str
    metric: str
    """An Application Auto Scaling predefined metric type, such as ECSServiceAverageCPUUtilization."""
    value: float
    label: pulumi.Input[str] | None = None
    """The resource label the metric needs (ALBRequestCountPerTarget), else None."""


def target_tracking(
    parent: pulumi.Resource,
    name: str,
    target: aws.appautoscaling.Target,
    *,
    scaling: Mapping[str, Any],
    metrics: Sequence[TrackedMetric],
) -> None:
    """One policy per metric on the service's scalable target (`fargate_service.scaling_target`, which the
    service creates, so scheduled actions can share it); `scaling` holds optionally the two cooldowns."""
    for tracked in metrics:
        aws.appautoscaling.Policy(
            f"{name}-scale-{tracked.role}",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=tracked.value,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type=tracked.metric, resource_label=tracked.label
                ),
                scale_in_cooldown=scaling.get("scale_in_cooldown", SCALE_IN_COOLDOWN.default),
                scale_out_cooldown=scaling.get("scale_out_cooldown", SCALE_OUT_COOLDOWN.default),
            ),
            opts=child(parent),
        )

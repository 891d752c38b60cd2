"""Scheduled scaling of a service: cron actions that set its scalable target's min and max at wall-clock times.

Every service shape takes `scheduled_scaling`, a list of actions, and hands it with the scalable target to
`scheduled_actions`. An action is Application Auto Scaling's PutScheduledAction: at each run of its cron, in
its time zone, the target's minimum and maximum become the action's, and the service's task count is moved
into the new range ("if the current capacity is below the minimum capacity, Application Auto Scaling scales
out to the minimum capacity. If the current capacity is above the maximum capacity, [it] scales in to the
maximum capacity": ScalableTargetAction, botocore application-autoscaling 2016-02-06). Between runs the
scaling policies, if any, work inside that range.

An action's min and max must lie within what the shape lets its target's min and max be (`ScalingBounds`):
a shape whose policies cannot start from zero tasks does not allow a minimum of zero.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import MISSING, Arguments, Integer, NestedList, Parsed, Spec, Text
from .fargate_service import SERVICE_DEPLOYMENT_ARGS, ServiceDeploymentArgs, scaling_target
from .options import child
from .schedule_expression import normalize_cron_expression, validate_timezone
from .target_tracking import TASK_COUNT
from .validation import ArgumentProblems

# ScheduledActionName (PutScheduledAction, botocore application-autoscaling 2016-02-06): 1 to 256 characters,
# no leading or trailing space, no control characters and none of `:`, `/` and `|`. This narrower pattern
# also keeps the name usable in the action's logical name.
ACTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Application Auto Scaling quotas: at most 200 scheduled actions per scalable target.
MAX_ACTIONS = 200
_COUNT = SERVICE_DEPLOYMENT_ARGS["desired_count"]
assert isinstance(_COUNT, Integer)


class ScheduledScalingActionArgs(TypedDict, total=False):
    """One scheduled action: at each run of `schedule` in `timezone`, the service's min and max task counts."""

    name: Required[str]
    """Name of the action, unique among the service's actions."""
    schedule: Required[str]
    """When the action runs: `cron(<minute> <hour> <day-of-month> <month> <day-of-week> <year>)`, a 5-field
    Unix cron or a shorthand such as `@daily`; times are wall-clock times in `timezone`."""
    timezone: str
    """IANA time zone of the schedule's times, such as `Europe/London`; daylight saving is followed."""
    min_capacity: Required[int]
    """Fewest tasks from this run on; a lower count is scaled out to it."""
    max_capacity: Required[int]
    """Most tasks from this run on; a higher count is scaled in to it. At least `min_capacity`."""


def _min_within_max(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    # PutScheduledAction refuses a maximum below the minimum ("Maximum capacity cannot be less than minimum").
    if args["min_capacity"] > args["max_capacity"]:
        problems.add(f"{prefix}min_capacity", args["min_capacity"], f"at most max_capacity ({args['max_capacity']})")


SCHEDULED_SCALING_ACTION_ARGS = Arguments(
    ScheduledScalingActionArgs,
    {
        "name": Text(
            pattern=ACTION_NAME,
            shape="letters, digits, '.', '_' or '-', starting with a letter or digit",
            max_length=256,
        ),
        # Schedule (PutScheduledAction): at(), rate() or cron() with six fields; only cron recurs at set times.
        "schedule": Parsed(parse=normalize_cron_expression, shape="a cron schedule string"),
        # Timezone (PutScheduledAction): an IANA time zone name; UTC when not given.
        "timezone": Parsed(
            parse=validate_timezone, shape="an IANA time zone name such as Europe/London", default="UTC"
        ),
        "min_capacity": replace(_COUNT, default=MISSING),
        "max_capacity": replace(_COUNT, default=MISSING),
    },
    rules=[_min_within_max],
)

SCHEDULED_SCALING = NestedList(
    arguments=SCHEDULED_SCALING_ACTION_ARGS, max_items=MAX_ACTIONS, default=[], otherwise="no scheduled actions"
)
"""The `scheduled_scaling` argument of every service shape."""


@dataclass(frozen=True)
class ScalingBounds:
    """What a shape lets its scalable target's min and max be, and the argument each bound comes from."""

    min_spec: Spec
    min_field: str
    max_spec: Spec
    max_field: str


def check_scheduled_scaling(
    actions: Any, bounds: ScalingBounds, problems: ArgumentProblems, field: str = "scheduled_scaling"
) -> None:
    """The rules across a shape's actions, once each action passed its own declaration: unique names, and
    min and max within the shape's bounds."""
    if not isinstance(actions, list) or any(not isinstance(action, dict) for action in actions):
        return
    seen: dict[str, int] = {}
    for index, action in enumerate(actions):
        where = f"{field}[{index}]"
        name = action.get("name")
        if isinstance(name, str) and name in seen:
            problems.add(
                f"{where}.name", name, f"unique among the service's scheduled actions ({field}[{seen[name]}] has it)"
            )
        elif isinstance(name, str):
            seen[name] = index
        for key, spec, source in (
            ("min_capacity", bounds.min_spec, bounds.min_field),
            ("max_capacity", bounds.max_spec, bounds.max_field),
        ):
            value = action.get(key)
            if _COUNT.accepts(value) and not spec.accepts(value):
                problems.add(f"{where}.{key}", value, f"{spec.allowed()}, as {source} allows here")


def scheduled_scaling_bounds(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """The rule of a service shape with target tracking (`autoscaling.min_tasks`/`max_tasks`, `TASK_COUNT`) and
    a fixed `deployment.desired_count` otherwise: scheduled actions set the scalable target's min and max,
    with autoscaling within what its task counts allow, without it within what the desired count allows."""
    if "autoscaling" in args:
        bounds = ScalingBounds(TASK_COUNT, "autoscaling.min_tasks", TASK_COUNT, "autoscaling.max_tasks")
    else:
        bounds = ScalingBounds(_COUNT, "deployment.desired_count", _COUNT, "deployment.desired_count")
    check_scheduled_scaling(args.get("scheduled_scaling"), bounds, problems, f"{prefix}scheduled_scaling")


def service_scaling_target(
    parent: pulumi.Resource,
    name: str,
    *,
    cluster_name: pulumi.Input[str],
    service: aws.ecs.Service,
    deployment: ServiceDeploymentArgs,
    scaling: Mapping[str, Any] | None,
    schedule: Sequence[ScheduledScalingActionArgs],
) -> aws.appautoscaling.Target | None:
    """The scalable target of a service with target tracking (`scaling`, its `min_tasks` and `max_tasks`) or a
    schedule, else None. Without autoscaling the schedule alone moves the count: the target starts at the
    fixed count."""
    if scaling is None and not schedule:
        return None
    fixed = SERVICE_DEPLOYMENT_ARGS.value(deployment, "desired_count")
    return scaling_target(
        parent,
        name,
        cluster_name=cluster_name,
        service=service,
        min_tasks=scaling["min_tasks"] if scaling is not None else fixed,
        max_tasks=scaling["max_tasks"] if scaling is not None else fixed,
        scheduled=bool(schedule),
    )


def scheduled_actions(
    parent: pulumi.Resource, name: str, target: aws.appautoscaling.Target, actions: Sequence[ScheduledScalingActionArgs]
) -> list[aws.appautoscaling.ScheduledAction]:
    """One ScheduledAction per action on `target`, each created after the one before."""
    created: list[aws.appautoscaling.ScheduledAction] = []
    for action in actions:
        created.append(
            aws.appautoscaling.ScheduledAction(
                f"{name}-schedule-{action['name']}",
                # Unique per scalable target (ScheduledActionName), so the action's own name needs no suffix.
                name=action["name"],
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                schedule=normalize_cron_expression(action["schedule"]),
                timezone=SCHEDULED_SCALING_ACTION_ARGS.value(action, "timezone"),
                scalable_target_action=aws.appautoscaling.ScheduledActionScalableTargetActionArgs(
                    min_capacity=action["min_capacity"], max_capacity=action["max_capacity"]
                ),
                # Application Auto Scaling refuses concurrent changes to one scalable target
                # (ConcurrentUpdateException: "You already have a pending update to an Auto Scaling resource",
                # hashicorp/terraform#14258, hashicorp/terraform-provider-aws#17915): one action at a time.
                opts=child(parent, depends_on=[created[-1]] if created else [target]),
            )
        )
    return created

"""How a long-running service rolls out a new revision: ECS's own deployment controller with the `rolling`,
`blue_green`, `canary` or `linear` strategy, deployment alarms that roll back, and lifecycle hooks.

This module holds what does not depend on the load balancer, so every service shape reads the same
arguments: their declaration and rules, the service's `deploymentConfiguration` and `alarms` inputs, and
the ECS infrastructure role that shifts traffic and invokes the hooks. The shape adds the statements for
its own traffic resources (an ALB's target groups and listener rules) to that role.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, Check, Flag, Integer, Items, NestedList, OneOf, Rule, Text
from .iam import policy_document, service_assume_role_policy
from .options import child
from .validation import ArgumentProblems

# The strategy names callers write, and the DeploymentStrategy enum value each becomes (ecs service model,
# DeploymentConfiguration.strategy: ROLLING | BLUE_GREEN | LINEAR | CANARY).
STRATEGIES = {"rolling": "ROLLING", "blue_green": "BLUE_GREEN", "canary": "CANARY", "linear": "LINEAR"}
ROLLING = "rolling"
_SHIFTING = [name for name in STRATEGIES if name != ROLLING]
SHIFTING_STRATEGIES = ", ".join(_SHIFTING[:-1]) + " or " + _SHIFTING[-1]
"""The strategies that shift traffic between two revisions, as messages name them."""
# ecs service model, DeploymentLifecycleHook.lifecycleStages (DeploymentLifecycleHookStage enum).
LIFECYCLE_STAGES = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
)
# A Lambda function ARN, optionally with a version or alias (Lambda API reference, FunctionArn pattern;
# function names are 1 to 64 letters, digits, hyphens and underscores).
LAMBDA_FUNCTION_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]+))?"
)
# CanaryConfiguration.canaryPercent: "multiples of 0.1 from 0.1 to 100.0"; LinearConfiguration.stepPercent:
# "multiples of 0.1 from 3.0 to 100.0" (ecs service model).
CANARY_PERCENT = (0.1, 100.0)
LINEAR_STEP_PERCENT = (3.0, 100.0)
# bakeTimeInMinutes, canaryBakeTimeInMinutes, stepBakeTimeInMinutes: "0 to 1440 minutes (24 hours)".
BAKE_MINUTES = Integer(low=0, high=1440)


def _tenths_within(bounds: tuple[float, float], *, default: float) -> Check:
    low, high = bounds

    def test(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        # Multiples of 0.1, compared in tenths so 2.3 (2.2999...) still counts as one.
        return low <= value <= high and abs(value * 10 - round(value * 10)) < 1e-9

    return Check(test=test, says=f"a multiple of 0.1 from {low:g} to {high:g}", default=default)


class LifecycleHookArgs(TypedDict):
    """A Lambda function ECS invokes at the given stages of a deployment; its answer continues or rolls back."""

    function_arn: pulumi.Input[str]
    """ARN of the Lambda function (ECS may invoke exactly this ARN)."""
    stages: list[str]
    """Deployment stages at which ECS invokes the function."""


LIFECYCLE_HOOK_ARGS = Arguments(
    LifecycleHookArgs,
    {
        "function_arn": Text(
            pattern=LAMBDA_FUNCTION_ARN,
            shape="a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])",
        ),
        "stages": Items(item=OneOf(values=LIFECYCLE_STAGES), unique=True),
    },
)


class DeploymentStrategyArgs(TypedDict, total=False):
    """How ECS replaces a service's tasks with a new revision, and when it rolls back."""

    strategy: str
    """`rolling` replaces tasks in place; `blue_green` starts the new revision beside the old and shifts all
    traffic at once; `canary` shifts `canary_percent` first, then the rest; `linear` shifts `linear_step_percent`
    at a time."""
    bake_time_minutes: int
    """Minutes both revisions keep running after all traffic has shifted, so a rollback is instant."""
    canary_percent: float
    """Share of production traffic the new revision gets first (`canary` only)."""
    canary_bake_minutes: int
    """Minutes the canary share runs before the rest of the traffic shifts (`canary` only)."""
    linear_step_percent: float
    """Share of production traffic shifted at each step (`linear` only)."""
    linear_step_bake_minutes: int
    """Minutes between steps (`linear` only)."""
    lifecycle_hooks: list[LifecycleHookArgs]
    """Lambda functions run at deployment stages (not with `rolling`)."""
    rollback_on_alarm: bool
    """Fail and roll back a deployment when one of the service's alarms fires during it."""


def _only_with(strategy: str, fields: Sequence[str]) -> Rule:
    def rule(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
        chosen = DEPLOYMENT_STRATEGY_ARGS.value(args, "strategy")
        for key in fields:
            if key in args and chosen != strategy:
                problems.add(f"{prefix}{key}", args[key], f"only with strategy {strategy} (strategy is {chosen})")

    return rule


def _not_rolling(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    if DEPLOYMENT_STRATEGY_ARGS.value(args, "strategy") != ROLLING:
        return
    for key in ("bake_time_minutes", "lifecycle_hooks"):
        if key in args and args[key] != []:
            problems.add(f"{prefix}{key}", args[key], f"only with strategy {SHIFTING_STRATEGIES}")


DEPLOYMENT_STRATEGY_ARGS = Arguments(
    DeploymentStrategyArgs,
    {
        "strategy": OneOf(values=tuple(STRATEGIES), default=ROLLING, what="deployment strategy"),
        # Long enough for the service's alarms (3 of 5 one-minute periods) to fire and roll back.
        "bake_time_minutes": replace(BAKE_MINUTES, default=5),
        # The canary and linear defaults are ECS's own (ecs service model, CanaryConfiguration, LinearConfiguration).
        "canary_percent": _tenths_within(CANARY_PERCENT, default=5.0),
        "canary_bake_minutes": replace(BAKE_MINUTES, default=10),
        "linear_step_percent": _tenths_within(LINEAR_STEP_PERCENT, default=10.0),
        "linear_step_bake_minutes": replace(BAKE_MINUTES, default=6),
        "lifecycle_hooks": NestedList(arguments=LIFECYCLE_HOOK_ARGS, default=[]),
        "rollback_on_alarm": Flag(default=True),
    },
    rules=[
        _only_with("canary", ("canary_percent", "canary_bake_minutes")),
        _only_with("linear", ("linear_step_percent", "linear_step_bake_minutes")),
        _not_rolling,
    ],
)


def shifts_traffic(strategy: Mapping[str, Any]) -> bool:
    """Whether ECS runs two revisions side by side and moves traffic between them (every strategy but rolling)."""
    return DEPLOYMENT_STRATEGY_ARGS.value(strategy, "strategy") != ROLLING


@dataclass(frozen=True)
class Rollout:
    """The `aws.ecs.Service` inputs a strategy decides."""

    deployment_configuration: aws.ecs.ServiceDeploymentConfigurationArgs
    alarms: aws.ecs.ServiceAlarmsArgs | None


def rollout(
    strategy: DeploymentStrategyArgs,
    *,
    alarm_names: Sequence[pulumi.Input[str]],
    role_arn: pulumi.Input[str] | None,
) -> Rollout:
    """The service's deployment configuration; `role_arn` is the infrastructure role, which the hooks use too."""
    value = DEPLOYMENT_STRATEGY_ARGS.value
    chosen = value(strategy, "strategy")
    managed = chosen != ROLLING
    # The provider types the three minute counts as strings; the API takes integers (plan conformance converts).
    configuration = aws.ecs.ServiceDeploymentConfigurationArgs(
        strategy=STRATEGIES[chosen],
        # bakeTimeInMinutes: "You must provide this parameter when you use the BLUE_GREEN deployment strategy".
        bake_time_in_minutes=str(value(strategy, "bake_time_minutes")) if managed else None,
        canary_configuration=(
            aws.ecs.ServiceDeploymentConfigurationCanaryConfigurationArgs(
                canary_percent=value(strategy, "canary_percent"),
                canary_bake_time_in_minutes=str(value(strategy, "canary_bake_minutes")),
            )
            if chosen == "canary"
            else None
        ),
        linear_configuration=(
            aws.ecs.ServiceDeploymentConfigurationLinearConfigurationArgs(
                step_percent=value(strategy, "linear_step_percent"),
                step_bake_time_in_minutes=str(value(strategy, "linear_step_bake_minutes")),
            )
            if chosen == "linear"
            else None
        ),
        lifecycle_hooks=[
            aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs(
                hook_target_arn=hook["function_arn"], role_arn=role_arn, lifecycle_stages=hook["stages"]
            )
            for hook in value(strategy, "lifecycle_hooks")
        ]
        or None,
    )
    alarms = None
    # A shape without an alarm to watch (a backend that reports no HTTP status codes) leaves it out.
    if value(strategy, "rollback_on_alarm") and alarm_names:
        alarms = aws.ecs.ServiceAlarmsArgs(alarm_names=list(alarm_names), enable=True, rollback=True)
    return Rollout(configuration, alarms)


@dataclass(frozen=True)
class InfrastructureRole:
    """The role ECS assumes, and its policy, which the service must wait for: ECS checks the role's
    permissions when it creates the service."""

    arn: pulumi.Output[str]
    policy: aws.iam.RolePolicy


def infrastructure_role(
    parent: pulumi.Resource,
    name: str,
    strategy: DeploymentStrategyArgs,
    traffic_statements: list[dict[str, Any]],
    description: str = "ECS shifts this service's traffic between revisions and runs its deployment hooks",
) -> InfrastructureRole:
    """The role ECS assumes to shift traffic (the shape's `traffic_statements`) and to invoke the hooks.

    In place of the AWS managed AmazonECSInfrastructureRolePolicyForLoadBalancers, whose statements allow any
    target group, listener and rule in the account, this role's inline policy names this service's own."""
    role = aws.iam.Role(
        f"{name}-deploy-role",
        description=description,
        # "Amazon ECS infrastructure IAM role for load balancers": trusted by ecs.amazonaws.com.
        assume_role_policy=service_assume_role_policy("ecs.amazonaws.com"),
        opts=child(parent),
    )
    functions = [hook["function_arn"] for hook in DEPLOYMENT_STRATEGY_ARGS.value(strategy, "lifecycle_hooks")]
    # "Permissions required for Lambda functions in Amazon ECS blue/green deployments": lambda:InvokeFunction.
    hooks = (
        [{"Sid": "InvokeHooks", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": functions}]
        if functions
        else []
    )
    policy = aws.iam.RolePolicy(
        f"{name}-deploy-policy", role=role.id, policy=policy_document([*traffic_statements, *hooks]), opts=child(parent)
    )
    return InfrastructureRole(role.arn, policy)

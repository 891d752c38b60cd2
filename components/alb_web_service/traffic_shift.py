"""The ALB side of a traffic-shifting deployment (`blue_green`, `canary`, `linear`): the two target groups
the production and test rules forward to, and what the service's load balancer entry tells ECS about them.

ECS registers the new revision's tasks in the target group that is idle, then moves the rules' weights
from one group to the other ("Application Load Balancer resources for blue/green deployments"). The
strategy itself, its alarms and hooks, and the infrastructure role are `deployment_strategy`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ..deployment_strategy import DeploymentStrategyArgs, InfrastructureRole, infrastructure_role


@dataclass(frozen=True)
class TargetGroups:
    """The service's target group, and the alternate one when traffic shifts between revisions."""

    primary: aws.lb.TargetGroup
    alternate: aws.lb.TargetGroup | None = None

    @property
    def all(self) -> list[aws.lb.TargetGroup]:
        return [self.primary] if self.alternate is None else [self.primary, self.alternate]


def forward(groups: TargetGroups) -> aws.lb.ListenerRuleActionArgs:
    """Forward to the service: with an alternate group, a weighted forward that starts all on the primary,
    the form ECS rewrites when it shifts traffic."""
    if groups.alternate is None:
        return aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=groups.primary.arn)
    return aws.lb.ListenerRuleActionArgs(
        type="forward",
        forward=aws.lb.ListenerRuleActionForwardArgs(
            target_groups=[
                aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=groups.primary.arn, weight=100),
                aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=groups.alternate.arn, weight=0),
            ]
        ),
    )


def traffic_statements(
    groups: TargetGroups, listener_arn: pulumi.Input[str], rules: list[aws.lb.ListenerRule]
) -> list[dict[str, Any]]:
    """What AmazonECSInfrastructureRolePolicyForLoadBalancers allows ECS for an ALB, scoped to this service's
    target groups, listener and rules."""
    return [
        {
            # The Describe actions have no resource-level permissions (Service Authorization Reference,
            # Elastic Load Balancing V2: no resource types for DescribeListeners, DescribeRules,
            # DescribeTargetGroups, DescribeTargetHealth).
            "Sid": "ReadLoadBalancing",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetHealth",
            ],
            "Resource": "*",
        },
        {
            "Sid": "RegisterTasks",
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            "Resource": [group.arn for group in groups.all],
        },
        {
            "Sid": "ShiftTraffic",
            "Effect": "Allow",
            "Action": "elasticloadbalancing:ModifyRule",
            "Resource": [rule.arn for rule in rules],
        },
        {
            # The managed policy's ALBModifyListeners statement, on the one listener that holds the rules.
            "Sid": "ModifyListener",
            "Effect": "Allow",
            "Action": "elasticloadbalancing:ModifyListener",
            "Resource": listener_arn,
        },
    ]


@dataclass(frozen=True)
class TrafficShift:
    """The load balancer entry's advanced configuration, and the role ECS shifts traffic with."""

    advanced_configuration: aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs
    role: InfrastructureRole


def traffic_shift(
    parent: pulumi.Resource,
    name: str,
    strategy: DeploymentStrategyArgs,
    groups: TargetGroups,
    listener_arn: pulumi.Input[str],
    production_rule: aws.lb.ListenerRule,
    test_rule: aws.lb.ListenerRule | None,
) -> TrafficShift:
    assert groups.alternate is not None
    rules = [production_rule] if test_rule is None else [production_rule, test_rule]
    role = infrastructure_role(parent, name, strategy, traffic_statements(groups, listener_arn, rules))
    return TrafficShift(
        aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
            alternate_target_group_arn=groups.alternate.arn,
            production_listener_rule=production_rule.arn,
            test_listener_rule=test_rule.arn if test_rule is not None else None,
            role_arn=role.arn,
        ),
        role,
    )

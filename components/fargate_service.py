"""The long-running half of the shared building block: an ECS service over a `FargateWorkload`.

`AlbWebService` and `QueueBackedBatchService` both run their workload as a service; this module is the
one place that decides deployment safety, placement, capacity and how autoscaling owns the desired count.
"""

from __future__ import annotations

from typing import TypedDict

import pulumi
import pulumi_aws as aws

from .capacity import ON_DEMAND, CapacityWeights, capacity_strategy, validate_capacity
from .fargate_workload import FargateWorkload
from .network import WorkloadPlacement
from .options import child
from .validation import ArgumentProblems


class ServiceDeploymentArgs(TypedDict, total=False):
    """How a service's tasks are placed and rolled out."""

    desired_count: int
    """Tasks to run when autoscaling is off, 0 to 1000. Default 1."""
    capacity: CapacityWeights
    """FARGATE / FARGATE_SPOT weights. Default on-demand FARGATE."""
    min_healthy_percent: int
    """Lower bound of running tasks during a deployment, 0 to 100. Default 100."""
    max_percent: int
    """Upper bound of running tasks during a deployment, 100 to 200. Default 200."""
    enable_execute_command: bool
    """Allow `aws ecs execute-command` into tasks (adds the SSM channel permissions to the task role).
    Default false."""


def validate_deployment(problems: ArgumentProblems, prefix: str, args: ServiceDeploymentArgs) -> ServiceDeploymentArgs:
    """Returns the deployment to check further, or an empty one when it is not a mapping."""
    args = problems.mapping(prefix.removesuffix("."), args, ServiceDeploymentArgs)
    if args is None:
        return {}
    bounds = (("desired_count", 0, 1000, 1), ("min_healthy_percent", 0, 100, 100), ("max_percent", 100, 200, 200))
    problems.integers(args, bounds, prefix)
    validate_capacity(problems, f"{prefix}capacity", args.get("capacity", ON_DEMAND))
    flag = args.get("enable_execute_command", False)
    problems.check(isinstance(flag, bool), f"{prefix}enable_execute_command", flag, "true or false")
    return args


def create_service(
    parent: pulumi.Resource,
    name: str,
    *,
    cluster_arn: pulumi.Input[str],
    workload: FargateWorkload,
    placement: WorkloadPlacement,
    deployment: ServiceDeploymentArgs,
    autoscaled: bool,
    load_balancers: list[aws.ecs.ServiceLoadBalancerArgs] | None = None,
    health_check_grace_period_seconds: int | None = None,
    depends_on: list[pulumi.Resource] | None = None,
) -> aws.ecs.Service:
    """Creates the ECS service; with `autoscaled`, Application Auto Scaling owns the desired count."""
    if deployment.get("enable_execute_command", False):
        workload.grant("exec", _exec_statements())
    strategy = capacity_strategy(deployment.get("capacity", ON_DEMAND))
    return aws.ecs.Service(
        f"{name}-service",
        cluster=cluster_arn,
        task_definition=workload.task_definition_arn,
        desired_count=deployment.get("desired_count", 1),
        capacity_provider_strategies=[aws.ecs.ServiceCapacityProviderStrategyArgs(**entry) for entry in strategy],
        network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=placement["subnet_ids"],
            security_groups=[workload.security_group_id],
            assign_public_ip=placement["assign_public_ip"],
        ),
        deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
        deployment_minimum_healthy_percent=deployment.get("min_healthy_percent", 100),
        deployment_maximum_percent=deployment.get("max_percent", 200),
        enable_execute_command=deployment.get("enable_execute_command", False),
        load_balancers=load_balancers,
        health_check_grace_period_seconds=health_check_grace_period_seconds,
        propagate_tags="TASK_DEFINITION",
        enable_ecs_managed_tags=True,
        wait_for_steady_state=False,
        # When autoscaling owns the count, a later `pulumi up` must not reset it to the initial value.
        opts=child(parent, ignore_changes=["desiredCount"] if autoscaled else None, depends_on=depends_on),
    )


def scaling_target(
    parent: pulumi.Resource,
    name: str,
    *,
    cluster_name: pulumi.Input[str],
    service: aws.ecs.Service,
    min_tasks: int,
    max_tasks: int,
) -> aws.appautoscaling.Target:
    """The Application Auto Scaling target over the service's desired count."""
    return aws.appautoscaling.Target(
        f"{name}-scaling-target",
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.concat("service/", cluster_name, "/", service.name),
        min_capacity=min_tasks,
        max_capacity=max_tasks,
        opts=child(parent),
    )


def _exec_statements() -> list[dict]:
    return [
        {
            "Sid": "EcsExecChannel",
            "Effect": "Allow",
            "Action": [
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
            # The Session Manager message channels have no resource-level permissions.
            "Resource": "*",
        }
    ]

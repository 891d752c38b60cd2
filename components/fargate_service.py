"""The long-running half of the shared building block: an ECS service over a `FargateWorkload`.

`AlbWebService`, `BackendService` and `QueueBackedBatchService` run their workload as a service; this module is the
one place that decides deployment safety, placement, capacity and how autoscaling owns the desired count.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, Integer
from .capacity import CAPACITY, CapacityProviderFacts, CapacityWeights, capacity_strategy
from .deployment_strategy import Rollout
from .fargate_workload import FargateWorkload
from .network import WorkloadPlacement
from .options import child
from .task_placement import (
    PLACEMENT_CONSTRAINTS,
    PLACEMENT_STRATEGIES,
    PlacementConstraint,
    PlacementStrategy,
    strategies,
)


class AutoscaledDeploymentArgs(TypedDict, total=False):
    """How a service's tasks are placed and rolled out when autoscaling owns their count
    (`QueueBackedBatchService`); `ServiceDeploymentArgs` adds the count."""

    capacity: CapacityWeights
    """FARGATE / FARGATE_SPOT weights, or the cluster's EC2 capacity providers by name."""
    placement_strategies: list[PlacementStrategy]
    """How tasks are placed on EC2 instances, in order; not on Fargate or Managed Instances."""
    placement_constraints: list[PlacementConstraint]
    """Which EC2 instances tasks may run on; not on Fargate or Managed Instances."""
    min_healthy_percent: int
    """Lower bound of running tasks during a deployment, in percent of the desired count."""
    max_percent: int
    """Upper bound of running tasks during a deployment, in percent of the desired count."""


class ServiceDeploymentArgs(AutoscaledDeploymentArgs, total=False):
    """How a service's tasks are placed and rolled out."""

    desired_count: int
    """Tasks to run when autoscaling is off."""


SERVICE_DEPLOYMENT_ARGS = Arguments(
    ServiceDeploymentArgs,
    {
        # CreateService takes any desired count; a thousand tasks bounds a typo.
        "desired_count": Integer(low=0, high=1000, default=1),
        "capacity": CAPACITY,
        "placement_strategies": PLACEMENT_STRATEGIES,
        "placement_constraints": PLACEMENT_CONSTRAINTS,
        # DeploymentConfiguration (ECS API reference): with the rolling update deployment controller,
        # minimumHealthyPercent is at most 100 and maximumPercent at least 100; 200 bounds a typo.
        "min_healthy_percent": Integer(low=0, high=100, default=100),
        "max_percent": Integer(low=100, high=200, default=200),
    },
)


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
    providers: dict[str, CapacityProviderFacts] | None = None,
    rollout: Rollout | None = None,
    service_connect: aws.ecs.ServiceServiceConnectConfigurationArgs | None = None,
) -> aws.ecs.Service:
    """Creates the ECS service; with `autoscaled`, Application Auto Scaling owns the desired count. `rollout`
    is the deployment strategy's configuration (`deployment_strategy.rollout`); without it, a rolling update."""
    value = SERVICE_DEPLOYMENT_ARGS.value
    strategy = capacity_strategy(value(deployment, "capacity"), providers)
    on_ec2 = workload.compatibility == "EC2"
    network = None
    if workload.network_mode == "awsvpc":
        network = aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=placement["subnet_ids"],
            security_groups=[workload.security_group_id],
            # Only Fargate tasks get public IPs; on instances they leave through the subnet's NAT.
            assign_public_ip=placement["assign_public_ip"] and workload.compatibility == "FARGATE",
        )
    return aws.ecs.Service(
        f"{name}-service",
        cluster=cluster_arn,
        task_definition=workload.task_definition_arn,
        desired_count=value(deployment, "desired_count"),
        capacity_provider_strategies=[aws.ecs.ServiceCapacityProviderStrategyArgs(**entry) for entry in strategy],
        network_configuration=network,
        ordered_placement_strategies=(
            [
                aws.ecs.ServiceOrderedPlacementStrategyArgs(**entry)
                for entry in strategies(deployment.get("placement_strategies"))
            ]
            if on_ec2
            else None
        ),
        placement_constraints=(
            [aws.ecs.ServicePlacementConstraintArgs(**entry) for entry in deployment["placement_constraints"]]
            if on_ec2 and "placement_constraints" in deployment
            else None
        ),
        # "Amazon ECS deployment failure detection": the circuit breaker and deployment alarms both work with
        # rolling and blue/green deployments; either can fail (and roll back) a deployment.
        deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
        deployment_configuration=rollout.deployment_configuration if rollout else None,
        alarms=rollout.alarms if rollout else None,
        deployment_minimum_healthy_percent=value(deployment, "min_healthy_percent"),
        deployment_maximum_percent=value(deployment, "max_percent"),
        enable_execute_command=workload.execute_command,
        load_balancers=load_balancers,
        health_check_grace_period_seconds=health_check_grace_period_seconds,
        service_connect_configuration=service_connect,
        # The tasks carry the task definition's tags (the component's and the stack's default tags) and
        # ECS's own cluster/service tags. CreateService propagateTags is TASK_DEFINITION, SERVICE or NONE
        # (default NONE: tasks untagged); enableECSManagedTags needs propagateTags set.
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
    scheduled: bool = False,
) -> aws.appautoscaling.Target:
    """The Application Auto Scaling target over the service's desired count; with `scheduled`, scheduled
    actions own its min and max once it exists."""
    return aws.appautoscaling.Target(
        f"{name}-scaling-target",
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.concat("service/", cluster_name, "/", service.name),
        min_capacity=min_tasks,
        max_capacity=max_tasks,
        # A scheduled action changes the target's min and max in place (RegisterScalableTarget); a later
        # `pulumi up --refresh` would otherwise put the registered values back in the middle of a scheduled
        # window (terraform-aws-modules/terraform-aws-ecs#422).
        opts=child(parent, ignore_changes=["minCapacity", "maxCapacity"] if scheduled else None),
    )

"""The ECS cluster every workload of a stack runs on."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, OneOf
from .capacity import CAPACITY, CapacityWeights, capacity_strategy
from .options import child
from .outputs import register_declared_outputs
from .tags import TAGS, with_tags
from .validation import ArgumentProblems


class EcsClusterArgs(TypedDict, total=False):
    """Arguments of `EcsCluster`."""

    container_insights: str
    """CloudWatch Container Insights level: `enhanced` adds task-level metrics at extra cost. It cannot be
    turned off: the dashboards and alarms rely on it."""
    default_capacity: CapacityWeights
    """Capacity provider strategy for tasks that do not name their own."""
    tags: dict[str, str]
    """Tags of the cluster."""


ECS_CLUSTER_ARGS = Arguments(
    EcsClusterArgs,
    {
        # ClusterSetting `containerInsights` takes enhanced, enabled or disabled (ECS API reference).
        "container_insights": OneOf(values=("enabled", "enhanced"), default="enabled"),
        "default_capacity": CAPACITY,
        "tags": TAGS,
    },
)


class EcsCluster(pulumi.ComponentResource):
    """An ECS cluster with Container Insights and the FARGATE and FARGATE_SPOT capacity providers."""

    name: pulumi.Output[str]
    """The cluster's name; it resolves once both capacity providers are attached."""
    arn: pulumi.Output[str]
    """The cluster's ARN; it resolves once both capacity providers are attached."""

    def __init__(self, name: str, args: EcsClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        _validate(args)
        default_capacity = ECS_CLUSTER_ARGS.value(args, "default_capacity")
        super().__init__("ecs-workloads:cluster:EcsCluster", name, None, with_tags(args.get("tags"), opts))
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[
                aws.ecs.ClusterSettingArgs(
                    name="containerInsights", value=ECS_CLUSTER_ARGS.value(args, "container_insights")
                )
            ],
            opts=child(self),
        )
        capacity = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity",
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(**entry)
                for entry in capacity_strategy(default_capacity)
            ],
            opts=child(self),
        )
        # Services that name a capacity provider fail until it is attached, so both outputs carry
        # a dependency on the attachment.
        self.name = capacity.cluster_name
        self.arn = pulumi.Output.all(cluster.arn, capacity.id).apply(lambda values: values[0])
        register_declared_outputs(self)


def _validate(args: Any) -> None:
    problems = ArgumentProblems("EcsCluster")
    ECS_CLUSTER_ARGS.check(args, problems)
    problems.raise_if_any()

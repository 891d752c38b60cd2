"""The ECS cluster every workload of a stack runs on."""

from __future__ import annotations

from typing import Literal, TypedDict

import pulumi
import pulumi_aws as aws

from .capacity import ON_DEMAND, CapacityWeights, capacity_strategy, validate_capacity
from .validation import ArgumentProblems


class EcsClusterArgs(TypedDict, total=False):
    """Arguments of `EcsCluster`."""

    container_insights: Literal["enabled", "enhanced"]
    """CloudWatch Container Insights level. Default `enabled` (`enhanced` adds task-level metrics at
    extra cost). It cannot be turned off: the dashboards and alarms rely on it."""
    default_capacity: CapacityWeights
    """Capacity provider strategy for tasks that do not name their own. Default on-demand FARGATE."""


class EcsCluster(pulumi.ComponentResource):
    """An ECS cluster with Container Insights and the FARGATE and FARGATE_SPOT capacity providers.

    Outputs: `name`, `arn`.
    """

    name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: EcsClusterArgs | None = None, opts: pulumi.ResourceOptions | None = None):
        problems = ArgumentProblems("EcsCluster")
        args = problems.mapping("", {} if args is None else args, EcsClusterArgs)
        if args is None:
            problems.raise_if_any()
        insights = args.get("container_insights", "enabled")
        problems.check(insights in ("enabled", "enhanced"), "container_insights", insights, "enabled or enhanced")
        default_capacity = args.get("default_capacity", ON_DEMAND)
        validate_capacity(problems, "default_capacity", default_capacity)
        problems.raise_if_any()

        super().__init__("ecs-workloads:cluster:EcsCluster", name, None, opts)
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value=insights)],
            opts=pulumi.ResourceOptions(parent=self),
        )
        capacity = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity",
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=capacity_strategy(default_capacity),
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Services that name a capacity provider fail until it is attached, so both outputs carry
        # a dependency on the attachment.
        self.name = capacity.cluster_name
        self.arn = pulumi.Output.all(cluster.arn, capacity.id).apply(lambda values: values[0])
        self.register_outputs({"name": self.name, "arn": self.arn})

"""The ECS cluster every workload of a stack runs on."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from collections.abc import Mapping
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, Flag, Nested, NestedList, OneOf, Text
from .auto_scaling_capacity import (
    AUTO_SCALING_CAPACITY_ARGS,
    PROVIDER_NAME,
    AutoScalingCapacityArgs,
    AutoScalingCapacityProvider,
    ClusterAutoScalingArgs,
)
from .capacity import CAPACITY, CapacityProviderFacts, CapacityWeights, capacity_strategy
from .managed_instances_capacity import (
    MANAGED_INSTANCES_CAPACITY_ARGS,
    ClusterManagedInstancesArgs,
    ManagedInstancesCapacityArgs,
    ManagedInstancesCapacityProvider,
)
from .network import WORKLOAD_PLACEMENT_ARGS, WorkloadPlacement
from .options import child, component_type, with_former_type
from .outputs import register_declared_outputs
from .tags import TAGS, with_tags
from .validation import ArgumentProblems


class ClusterCapacityProvider(TypedDict, total=False):
    """One EC2 capacity provider of the cluster: an Auto Scaling group or ECS Managed Instances."""

    name: Required[str]
    """The provider's name in the cluster, which workloads' capacity weights use; the ECS name adds the
    project and stack."""
    auto_scaling: ClusterAutoScalingArgs
    """An Auto Scaling group of ECS-optimized instances (give this or `managed_instances`)."""
    managed_instances: ClusterManagedInstancesArgs
    """ECS Managed Instances (give this or `auto_scaling`)."""


_SET_BY_CLUSTER = {
    "cluster_name": "the cluster's own; remove it",
    "provider_name": "comes from name; remove it",
    "tags": "the cluster's tags apply; remove it",
}


_PLACEMENT = {"placement": "the cluster's placement"}


def _one_kind(args: Mapping[str, Any], problems: Any, prefix: str) -> None:
    if ("auto_scaling" in args) == ("managed_instances" in args):
        problems.add(
            f"{prefix}auto_scaling", args.get("auto_scaling"), "give exactly one of auto_scaling and managed_instances"
        )


CLUSTER_CAPACITY_PROVIDER_ARGS = Arguments(
    ClusterCapacityProvider,
    {
        # Kept short: the ECS name is `<name>-<project>-<stack>`, and it names the provider's children.
        "name": Text(
            pattern=PROVIDER_NAME,
            shape="letters, digits, - and _, not starting with aws, ecs or fargate",
            max_length=24,
        ),
        "auto_scaling": Nested(
            arguments=AUTO_SCALING_CAPACITY_ARGS.refusing(_SET_BY_CLUSTER, ClusterAutoScalingArgs).defaulting(
                _PLACEMENT
            ),
            otherwise="none",
        ),
        "managed_instances": Nested(
            arguments=MANAGED_INSTANCES_CAPACITY_ARGS.refusing(_SET_BY_CLUSTER, ClusterManagedInstancesArgs).defaulting(
                _PLACEMENT
            ),
            otherwise="none",
        ),
    },
    rules=[_one_kind],
)


class EcsClusterArgs(TypedDict, total=False):
    """Arguments of `EcsCluster`."""

    container_insights: str
    """CloudWatch Container Insights level: `enhanced` adds task-level metrics at extra cost. It cannot be
    turned off: the dashboards and alarms rely on it."""
    default_capacity: CapacityWeights
    """Capacity provider strategy for tasks that do not name their own."""
    capacity_providers: list[ClusterCapacityProvider]
    """EC2 capacity providers beside FARGATE and FARGATE_SPOT, each named."""
    placement: WorkloadPlacement
    """VPC and subnets of the EC2 capacity providers' instances, unless each gives its own `placement`."""
    service_connect: bool
    """Create a Cloud Map HTTP namespace and make it the cluster's Service Connect default, so backends
    (`BackendService`) publish in it and their clients resolve them through it."""
    tags: dict[str, str]
    """Tags of the cluster."""


def _placement_with_providers(args: Mapping[str, Any], problems: Any, prefix: str) -> None:
    for entry in args.get("capacity_providers", []):
        kind = "auto_scaling" if "auto_scaling" in entry else "managed_instances"
        if "placement" not in args and "placement" not in entry.get(kind, {}):
            problems.add(
                f"{prefix}placement",
                None,
                f"required unless each capacity provider has its own ({entry['name']} has none)",
            )
            break
    names = [entry["name"] for entry in args.get("capacity_providers", [])]
    for index, name in enumerate(names):
        if name in names[:index]:
            problems.add(f"{prefix}capacity_providers[{index}].name", name, "a name used once")


def _named_defaults(args: Mapping[str, Any], problems: Any, prefix: str) -> None:
    names = {entry["name"] for entry in args.get("capacity_providers", [])}
    for index, entry in enumerate(args.get("default_capacity", {}).get("providers", [])):
        if entry["name"] not in names:
            problems.add(
                f"{prefix}default_capacity.providers[{index}].name",
                entry["name"],
                f"one of the cluster's capacity_providers: {', '.join(sorted(names)) or 'none given'}",
            )


ECS_CLUSTER_ARGS = Arguments(
    EcsClusterArgs,
    {
        # ClusterSetting `containerInsights` takes enhanced, enabled or disabled (ECS API reference).
        "container_insights": OneOf(values=("enabled", "enhanced"), default="enabled"),
        "default_capacity": CAPACITY,
        "capacity_providers": NestedList(arguments=CLUSTER_CAPACITY_PROVIDER_ARGS, default=[], otherwise="none"),
        "placement": Nested(arguments=WORKLOAD_PLACEMENT_ARGS, otherwise="none"),
        "service_connect": Flag(default=False),
        "tags": TAGS,
    },
    rules=[_placement_with_providers, _named_defaults],
)


class EcsCluster(pulumi.ComponentResource):
    """An ECS cluster with Container Insights and the FARGATE and FARGATE_SPOT capacity providers."""

    name: pulumi.Output[str]
    """The cluster's name; it resolves once both capacity providers are attached."""
    arn: pulumi.Output[str]
    """The cluster's ARN; it resolves once both capacity providers are attached."""
    service_connect_namespace_arn: pulumi.Output[str] | None
    """ARN of the Cloud Map HTTP namespace of Service Connect; none without `service_connect`."""

    def __init__(self, name: str, args: EcsClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        _validate(args)
        default_capacity = ECS_CLUSTER_ARGS.value(args, "default_capacity")
        super().__init__(
            component_type("EcsCluster"), name, None, with_former_type("EcsCluster", with_tags(args.get("tags"), opts))
        )
        namespace = None
        if ECS_CLUSTER_ARGS.value(args, "service_connect"):
            # Service Connect publishes in an HTTP namespace (ECS Developer Guide, "Service Connect
            # concepts"): API discovery only, no Route 53 private zone. Autonamed `<name>-namespace-<hex>`,
            # within CreateHttpNamespace Name's printable ASCII of up to 1024 characters, never an ARN.
            namespace = aws.servicediscovery.HttpNamespace(
                f"{name}-namespace",
                description="Service Connect names of the cluster's services",
                opts=child(self),
            )
        self.service_connect_namespace_arn = namespace.arn if namespace is not None else None
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[
                aws.ecs.ClusterSettingArgs(
                    name="containerInsights", value=ECS_CLUSTER_ARGS.value(args, "container_insights")
                )
            ],
            service_connect_defaults=(
                aws.ecs.ClusterServiceConnectDefaultsArgs(namespace=namespace.arn) if namespace is not None else None
            ),
            opts=child(self),
        )
        self._capacity = {
            entry["name"]: _capacity_provider(self, name, entry, cluster.name, args.get("placement"))
            for entry in ECS_CLUSTER_ARGS.value(args, "capacity_providers")
        }
        capacity = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity",
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT", *(p["provider_name"] for p in self._capacity.values())],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(**entry)
                for entry in capacity_strategy(default_capacity, self._capacity)
            ],
            opts=child(self),
        )
        # Services that name a capacity provider fail until it is attached, so both outputs carry
        # a dependency on the attachment.
        self.name = capacity.cluster_name
        self.arn = pulumi.Output.all(cluster.arn, capacity.id).apply(lambda values: values[0])
        register_declared_outputs(self)

    @property
    def capacity_providers(self) -> dict[str, CapacityProviderFacts]:
        """The EC2 capacity providers by their name in the cluster, as the shapes' `capacity_providers` take them."""
        return dict(self._capacity)


def _capacity_provider(
    parent: pulumi.Resource,
    name: str,
    entry: ClusterCapacityProvider,
    cluster_name: pulumi.Output[str],
    placement: WorkloadPlacement | None,
) -> CapacityProviderFacts:
    # Unique per stack, and the stack's name makes it unique in the region, which ASG providers must be.
    own = {
        "cluster_name": cluster_name,
        "provider_name": f"{entry['name']}-{pulumi.get_project()}-{pulumi.get_stack()}",
    }
    child_name = f"{name}-{entry['name']}"
    if "auto_scaling" in entry:
        asg: AutoScalingCapacityArgs = {"placement": placement, **entry["auto_scaling"], **own}  # type: ignore[typeddict-item]
        return AutoScalingCapacityProvider(child_name, asg, child(parent)).facts()
    managed: ManagedInstancesCapacityArgs = {"placement": placement, **entry["managed_instances"], **own}  # type: ignore[typeddict-item]
    return ManagedInstancesCapacityProvider(child_name, managed, child(parent)).facts()


def _validate(args: Any) -> None:
    problems = ArgumentProblems("EcsCluster")
    ECS_CLUSTER_ARGS.check(args, problems)
    problems.raise_if_any()

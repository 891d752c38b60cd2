"""`ManagedInstancesCapacityProvider`: EC2 capacity that ECS launches, patches and retires itself.

ECS Managed Instances picks instance types from requirements (vCPU and memory ranges, CPU makers, GPUs)
rather than a list, and runs them with an infrastructure role it assumes (ECS Developer Guide, "Amazon ECS
Managed Instances"). The instance profile's role holds AWS's managed policy for it; the infrastructure role
holds AWS's managed policy plus `iam:PassRole` on that one role, as AWS's policy passes only roles named
`ecsInstanceRole*` and Pulumi autonames ours (ECS Developer Guide, "Amazon ECS Managed Instances instance
profile").
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from collections.abc import Mapping
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, Identifier, Integer, Items, Nested, OneOf
from .auto_scaling_capacity import PROVIDER_NAME_SPEC
from .capacity import CapacityProviderFacts
from .iam import policy_document, service_assume_role_policy
from .network import WORKLOAD_PLACEMENT_ARGS, WorkloadPlacement
from .options import child, component_type, with_former_type
from .outputs import register_declared_outputs
from .security_groups import egress_only_group
from .tags import TAGS, with_tags
from .validation import ArgumentProblems

INFRASTRUCTURE_POLICY = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForManagedInstances"
INSTANCE_POLICY = "arn:aws:iam::aws:policy/AmazonECSInstanceRolePolicyForManagedInstances"
# InstanceRequirements.cpuManufacturers (ECS API reference) by the architecture they make.
CPU_MANUFACTURERS = {"X86_64": ["intel", "amd"], "ARM64": ["amazon-web-services"]}
# InstanceRequirements.acceleratorNames (ECS API reference) that are NVIDIA GPUs.
GPU_NAMES = ("a100", "a10g", "h100", "k80", "l4", "l40s", "m60", "t4", "v100")


class ManagedInstancesOptionsArgs(TypedDict, total=False):
    """What instances ECS Managed Instances may choose and how they are bought. Both
    `ManagedInstancesCapacityArgs` and `ClusterManagedInstancesArgs` extend it."""

    min_vcpus: Required[int]
    """Fewest vCPUs an instance type may have."""
    max_vcpus: int
    """Most vCPUs an instance type may have."""
    min_memory_mib: Required[int]
    """Least memory an instance type may have, in MiB."""
    max_memory_mib: int
    """Most memory an instance type may have, in MiB."""
    architecture: str
    """CPU architecture of the instances (it chooses the CPU makers: Intel and AMD, or AWS Graviton)."""
    gpus: int
    """GPUs an instance must have (NVIDIA); none when absent."""
    gpu_names: list[str]
    """GPU models allowed, e.g. `t4`, `a10g`; any NVIDIA GPU when absent."""
    capacity_option: str
    """How the instances are bought: ON_DEMAND or SPOT."""
    storage_gib: int
    """Size of each instance's volume for tasks, in GiB."""


class ManagedInstancesCapacityArgs(ManagedInstancesOptionsArgs, total=False):
    """Arguments of `ManagedInstancesCapacityProvider`: what instances ECS may choose and how they are bought."""

    cluster_name: Required[pulumi.Input[str]]
    """Cluster the provider belongs to (Managed Instances providers are created in their cluster)."""
    provider_name: Required[str]
    """Name of the ECS capacity provider."""
    placement: Required[WorkloadPlacement]
    """VPC and subnets of the instances; use subnets with NAT, as the instances get no public IP."""
    tags: dict[str, str]
    """Tags of the provider's resources."""


class ClusterManagedInstancesArgs(ManagedInstancesOptionsArgs, total=False):
    """A Managed Instances provider as `EcsCluster` creates it: the cluster, the provider's name and the
    tags are the cluster's, and the placement defaults to the cluster's."""

    placement: WorkloadPlacement
    """VPC and subnets of the instances; use subnets with NAT, as the instances get no public IP."""


def _ranges(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    for low, high in (("min_vcpus", "max_vcpus"), ("min_memory_mib", "max_memory_mib")):
        if high in args and args[high] < args[low]:
            problems.add(f"{prefix}{high}", args[high], f"at least {low} ({args[low]})")
    if "gpu_names" in args and "gpus" not in args:
        problems.add(f"{prefix}gpu_names", args["gpu_names"], "only with gpus")
    if "gpus" in args and MANAGED_INSTANCES_CAPACITY_ARGS.value(args, "architecture") != "X86_64":
        problems.add(f"{prefix}gpus", args["gpus"], "NVIDIA GPU instances are X86_64 here; set architecture X86_64")


MANAGED_INSTANCES_CAPACITY_ARGS = Arguments(
    ManagedInstancesCapacityArgs,
    {
        "cluster_name": Identifier(shape="the cluster name"),
        "provider_name": PROVIDER_NAME_SPEC,
        "placement": Nested(arguments=WORKLOAD_PLACEMENT_ARGS),
        # VCpuCountRange and MemoryMiBRange (ECS API reference): minimums of at least 1 and 1,024 MiB here.
        "min_vcpus": Integer(low=1, high=448),
        "max_vcpus": Integer(low=1, high=448, otherwise="no upper bound"),
        "min_memory_mib": Integer(low=1024, high=24_576 * 1024),
        "max_memory_mib": Integer(low=1024, high=24_576 * 1024, otherwise="no upper bound"),
        "architecture": OneOf(values=("X86_64", "ARM64"), default="X86_64"),
        # AcceleratorCountRequest: 0 or more; the largest GPU instances have 8 (p4d, p5).
        "gpus": Integer(low=1, high=8, otherwise="none"),
        "gpu_names": Items(item=OneOf(values=GPU_NAMES), unique=True, otherwise="any NVIDIA GPU"),
        # InstanceLaunchTemplate.capacityOptionType: ON_DEMAND, SPOT (or RESERVED, with reservations).
        "capacity_option": OneOf(values=("ON_DEMAND", "SPOT"), default="ON_DEMAND"),
        # ManagedInstancesStorageConfiguration.storageSizeGiB: at least 1; 30 matches the ASG root volume.
        "storage_gib": Integer(low=1, high=16384, default=30),
        "tags": TAGS,
    },
    rules=[_ranges],
)


class ManagedInstancesCapacityProvider(pulumi.ComponentResource):
    """An ECS Managed Instances capacity provider with its infrastructure role and instance profile."""

    provider_name: pulumi.Output[str]
    """Name of the ECS capacity provider, for capacity provider strategies."""
    security_group_id: pulumi.Output[str]
    """Security group of the instances."""
    infrastructure_role_arn: pulumi.Output[str]
    """ARN of the role ECS assumes to launch and retire the instances."""

    def __init__(
        self, name: str, args: ManagedInstancesCapacityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = ArgumentProblems("ManagedInstancesCapacityProvider")
        MANAGED_INSTANCES_CAPACITY_ARGS.check(args, problems)
        problems.raise_if_any()
        super().__init__(
            component_type("ManagedInstancesCapacityProvider"),
            name,
            None,
            with_former_type("ManagedInstancesCapacityProvider", with_tags(args.get("tags"), opts)),
        )
        value = MANAGED_INSTANCES_CAPACITY_ARGS.value
        placement = args["placement"]
        self._args = args

        instance_role = aws.iam.Role(
            f"{name}-instance-role",
            assume_role_policy=service_assume_role_policy("ec2.amazonaws.com"),
            opts=child(self),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-instance-policy", role=instance_role.name, policy_arn=INSTANCE_POLICY, opts=child(self)
        )
        profile = aws.iam.InstanceProfile(f"{name}-instance-profile", role=instance_role.name, opts=child(self))

        infrastructure_role = aws.iam.Role(
            f"{name}-infrastructure-role",
            assume_role_policy=service_assume_role_policy("ecs.amazonaws.com"),
            opts=child(self),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-infrastructure-policy",
            role=infrastructure_role.name,
            policy_arn=INFRASTRUCTURE_POLICY,
            opts=child(self),
        )
        aws.iam.RolePolicy(
            f"{name}-infrastructure-pass-role",
            role=infrastructure_role.id,
            policy=policy_document(
                [
                    {
                        "Sid": "PassInstanceRole",
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": instance_role.arn,
                        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                    }
                ]
            ),
            opts=child(self),
        )

        security_group = egress_only_group(
            self,
            name,
            placement["vpc_id"],
            holds=f"ECS Managed Instances of {name}",
            reaches="Outbound to ECS, ECR and the image registries",
        )

        requirements = aws.ecs.CapacityProviderManagedInstancesProviderInstanceLaunchTemplateInstanceRequirementsArgs
        launch = aws.ecs.CapacityProviderManagedInstancesProviderInstanceLaunchTemplateArgs
        gpus = args.get("gpus")
        provider = aws.ecs.CapacityProvider(
            f"{name}-provider",
            name=args["provider_name"],
            cluster=args["cluster_name"],
            managed_instances_provider=aws.ecs.CapacityProviderManagedInstancesProviderArgs(
                infrastructure_role_arn=infrastructure_role.arn,
                propagate_tags="CAPACITY_PROVIDER",
                instance_launch_template=launch(
                    ec2_instance_profile_arn=profile.arn,
                    capacity_option_type=value(args, "capacity_option"),
                    network_configuration=(
                        aws.ecs.CapacityProviderManagedInstancesProviderInstanceLaunchTemplateNetworkConfigurationArgs(
                            subnets=placement["subnet_ids"], security_groups=[security_group.id]
                        )
                    ),
                    storage_configuration=(
                        aws.ecs.CapacityProviderManagedInstancesProviderInstanceLaunchTemplateStorageConfigurationArgs(
                            storage_size_gib=value(args, "storage_gib")
                        )
                    ),
                    instance_requirements=requirements(
                        vcpu_count=aws.ecs.CapacityProviderManagedInstancesProviderInstanceLaunchTemplateInstanceRequirementsVcpuCountArgs(
                            min=args["min_vcpus"], max=args.get("max_vcpus")
                        ),
                        memory_mib=aws.ecs.CapacityProviderManagedInstancesProviderInstanceLaunchTemplateInstanceRequirementsMemoryMibArgs(
                            min=args["min_memory_mib"], max=args.get("max_memory_mib")
                        ),
                        cpu_manufacturers=CPU_MANUFACTURERS[value(args, "architecture")],
                        accelerator_count=(
                            aws.ecs.CapacityProviderManagedInstancesProviderInstanceLaunchTemplateInstanceRequirementsAcceleratorCountArgs(
                                min=gpus
                            )
                            if gpus
                            else None
                        ),
                        accelerator_types=["gpu"] if gpus else None,
                        accelerator_manufacturers=["nvidia"] if gpus else None,
                        accelerator_names=args.get("gpu_names"),
                    ),
                ),
            ),
            opts=child(self),
        )
        self.provider_name = provider.name
        self.security_group_id = security_group.id
        self.infrastructure_role_arn = infrastructure_role.arn
        register_declared_outputs(self)

    def facts(self) -> CapacityProviderFacts:
        """What a workload placed on this provider is checked against: the requirements' upper bounds."""
        args = self._args
        return CapacityProviderFacts(
            provider_name=self.provider_name,
            kind="managed_instances",
            architecture=MANAGED_INSTANCES_CAPACITY_ARGS.value(args, "architecture"),
            gpus=args.get("gpus", 0),
            cpu_units=args.get("max_vcpus", 0) * 1024,
            memory_mib=args.get("max_memory_mib", 0),
            security_group_id=self.security_group_id,
        )

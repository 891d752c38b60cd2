"""`AutoScalingCapacityProvider`: ECS container instances in an EC2 Auto Scaling group, scaled by ECS.

The instances boot the ECS-optimized Amazon Linux 2023 AMI that AWS publishes in a public SSM parameter
(the launch template resolves it at each launch: EC2 User Guide, "Use a Systems Manager parameter instead
of an AMI ID"), take IMDSv2 only with a hop limit of 1, encrypt their gp3 root volume and carry a role with
only what the ECS agent, Session Manager and the CloudWatch agent need. No SSH unless asked for.
ECS owns the group's size through managed scaling, and managed termination protection with instance
scale-in protection keeps ECS from losing an instance that still runs tasks; managed draining moves tasks
off an instance before Auto Scaling ends it.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import base64
import ipaddress
import re
from collections.abc import Mapping
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, Check, Identifier, Integer, Items, Nested, Text
from .capacity import CapacityProviderFacts, instance_facts
from .iam import service_assume_role_policy
from .instance_types import INSTANCE_TYPE, ami_parameter, architecture, has_gpus
from .network import WORKLOAD_PLACEMENT_ARGS, WorkloadPlacement
from .options import child, component_type, with_former_type
from .outputs import register_declared_outputs
from .security_groups import egress_only_group
from .tags import TAGS, with_tags
from .validation import ArgumentProblems, cidr_networks

# The ephemeral range the ECS agent draws bridge-mode host ports from, set on every instance so the load
# balancer's security group rule can name it (ECS agent configuration `ECS_DYNAMIC_HOST_PORT_RANGE`; the
# Linux default `ip_local_port_range` is 32768-60999).
DYNAMIC_HOST_PORTS = (32768, 60999)
# The root device of the ECS-optimized AL2023 AMIs; its snapshot is 30 GiB, the least a volume may be.
ROOT_DEVICE = "/dev/xvda"
ROOT_VOLUME_MIN_GIB = 30
# CreateCapacityProvider name: letters, digits, - and _, not starting with aws, ecs or fargate.
PROVIDER_NAME = re.compile(r"^(?!(aws|ecs|fargate))[A-Za-z0-9_-]+$", re.IGNORECASE)
# A capacity provider's name, whichever kind it is (CreateCapacityProvider: up to 255 characters).
PROVIDER_NAME_SPEC = Text(
    pattern=PROVIDER_NAME, shape="letters, digits, - and _, not starting with aws, ecs or fargate", max_length=255
)
# What the instance role holds: the ECS agent's registration, image pulls and awslogs; Session Manager;
# the CloudWatch agent. AWS managed policies, kept in step by AWS as the agents change.
INSTANCE_ROLE_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
)


class AutoScalingGroupArgs(TypedDict, total=False):
    """The Auto Scaling group of a capacity provider: its instances and how ECS scales them. Both
    `AutoScalingCapacityArgs` and `ClusterAutoScalingArgs` extend it."""

    instance_types: Required[list[str]]
    """Instance types, all of one architecture and all with or all without GPUs (one AMI serves them);
    the first is preferred for on-demand capacity."""
    on_demand_base: int
    """Instances always on-demand before `on_demand_percentage` applies."""
    on_demand_percentage: int
    """Percent of the instances above `on_demand_base` that are on-demand; the rest are Spot
    (price-capacity-optimized allocation)."""
    min_size: int
    """Fewest instances in the group."""
    max_size: int
    """Most instances in the group."""
    desired_capacity: int
    """Instances at creation; ECS managed scaling owns the number afterwards."""
    target_capacity_percent: int
    """Managed scaling target: the share of the instances' capacity that tasks should use (100 leaves no
    spare instance; lower keeps headroom for faster task starts)."""
    root_volume_gib: int
    """Size of the encrypted gp3 root volume, which also holds the images."""
    key_name: str
    """EC2 key pair for SSH. Default none: use Session Manager."""
    ssh_cidrs: list[str]
    """CIDR blocks admitted on port 22; only with `key_name`, never the whole internet."""


class AutoScalingCapacityArgs(AutoScalingGroupArgs, total=False):
    """Arguments of `AutoScalingCapacityProvider`: the instances and how ECS scales them."""

    cluster_name: Required[pulumi.Input[str]]
    """Cluster the instances join (the user data writes it to /etc/ecs/ecs.config)."""
    provider_name: Required[str]
    """Name of the ECS capacity provider, unique in the region (CreateCapacityProvider)."""
    placement: Required[WorkloadPlacement]
    """VPC and subnets of the instances; `assign_public_ip` gives them a public IP (subnets without NAT)."""
    tags: dict[str, str]
    """Tags of the provider's resources."""


class ClusterAutoScalingArgs(AutoScalingGroupArgs, total=False):
    """An Auto Scaling group provider as `EcsCluster` creates it: the cluster, the provider's name and the
    tags are the cluster's, and the placement defaults to the cluster's."""

    placement: WorkloadPlacement
    """VPC and subnets of the instances; `assign_public_ip` gives them a public IP (subnets without NAT)."""


def _cidr_blocks(value: Any) -> bool:
    networks = cidr_networks(value)
    return networks is not None and all(network.prefixlen > 0 for network in networks)


def _is_instance_type(value: Any) -> bool:
    return isinstance(value, str) and INSTANCE_TYPE.match(value) is not None


def _one_ami(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    types = args["instance_types"]
    kinds = {(architecture(t), has_gpus(t)) for t in types}
    if len(kinds) > 1:
        problems.add(
            f"{prefix}instance_types",
            types,
            "types of one architecture, all with or all without GPUs (one launch template, one AMI)",
        )
    elif ("ARM64", True) in kinds:
        problems.add(f"{prefix}instance_types", types, "x86_64 GPU types: ECS publishes no arm64 GPU AMI")


def _sizes(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    value = AUTO_SCALING_CAPACITY_ARGS.value
    low, high = value(args, "min_size"), value(args, "max_size")
    if low > high:
        problems.add(f"{prefix}min_size", low, f"at most max_size ({high})")
    desired = args.get("desired_capacity")
    if desired is not None and not low <= desired <= high:
        problems.add(f"{prefix}desired_capacity", desired, f"from min_size ({low}) to max_size ({high})")


def _ssh(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    if "ssh_cidrs" in args and "key_name" not in args:
        problems.add(f"{prefix}ssh_cidrs", args["ssh_cidrs"], "only with key_name (no key, no SSH)")


AUTO_SCALING_CAPACITY_ARGS = Arguments(
    AutoScalingCapacityArgs,
    {
        "cluster_name": Identifier(shape="the cluster name"),
        "provider_name": PROVIDER_NAME_SPEC,
        "placement": Nested(arguments=WORKLOAD_PLACEMENT_ARGS),
        # MixedInstancesPolicy overrides: up to 40 instance types (autoscaling service model).
        "instance_types": Items(
            item=Check(test=_is_instance_type, says="an instance type such as m7g.large"),
            max_items=40,
            unique=True,
        ),
        # InstancesDistribution: OnDemandBaseCapacity any, OnDemandPercentageAboveBaseCapacity 0-100.
        "on_demand_base": Integer(low=0, high=1000, default=0),
        "on_demand_percentage": Integer(low=0, high=100, default=100),
        "min_size": Integer(low=0, high=1000, default=0),
        "max_size": Integer(low=1, high=1000, default=2),
        "desired_capacity": Integer(low=0, high=1000, otherwise="min_size; then managed scaling decides"),
        # ManagedScaling.targetCapacity (ECS API reference): 1 to 100.
        "target_capacity_percent": Integer(low=1, high=100, default=100),
        # gp3 volumes are 1 to 16,384 GiB (EC2 User Guide, "Amazon EBS volume types"); the AMI needs 30.
        "root_volume_gib": Integer(low=ROOT_VOLUME_MIN_GIB, high=16384, default=ROOT_VOLUME_MIN_GIB),
        "key_name": Text(max_length=255, otherwise="none (Session Manager instead of SSH)"),
        "ssh_cidrs": Check(
            test=_cidr_blocks,
            says="a non-empty list of CIDR blocks, none of them 0.0.0.0/0 or ::/0",
            otherwise="none",
        ),
        "tags": TAGS,
    },
    rules=[_one_ami, _sizes, _ssh],
)


class AutoScalingCapacityProvider(pulumi.ComponentResource):
    """An ECS capacity provider over an Auto Scaling group of ECS-optimized instances."""

    provider_name: pulumi.Output[str]
    """Name of the ECS capacity provider, for capacity provider strategies."""
    auto_scaling_group_name: pulumi.Output[str]
    """Name of the Auto Scaling group."""
    security_group_id: pulumi.Output[str]
    """Security group of the instances (bridge-mode tasks are reached through it)."""
    instance_role_name: pulumi.Output[str]
    """Name of the instances' role."""

    def __init__(self, name: str, args: AutoScalingCapacityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = ArgumentProblems("AutoScalingCapacityProvider")
        AUTO_SCALING_CAPACITY_ARGS.check(args, problems)
        problems.raise_if_any()
        super().__init__(
            component_type("AutoScalingCapacityProvider"),
            name,
            None,
            with_former_type("AutoScalingCapacityProvider", with_tags(args.get("tags"), opts)),
        )
        value = AUTO_SCALING_CAPACITY_ARGS.value
        types = list(args["instance_types"])
        placement = args["placement"]
        self._types = types

        role = aws.iam.Role(
            f"{name}-instance-role",
            assume_role_policy=service_assume_role_policy("ec2.amazonaws.com"),
            opts=child(self),
        )
        for index, policy_arn in enumerate(INSTANCE_ROLE_POLICIES):
            aws.iam.RolePolicyAttachment(
                f"{name}-instance-policy-{index}", role=role.name, policy_arn=policy_arn, opts=child(self)
            )
        profile = aws.iam.InstanceProfile(f"{name}-instance-profile", role=role.name, opts=child(self))

        security_group = egress_only_group(
            self,
            name,
            placement["vpc_id"],
            holds=f"ECS container instances of {name}",
            reaches="Outbound to ECS, ECR, SSM and the image registries",
        )
        for index, cidr in enumerate(args.get("ssh_cidrs", [])):
            version = ipaddress.ip_network(cidr).version
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-ssh-{index}",
                security_group_id=security_group.id,
                ip_protocol="tcp",
                from_port=22,
                to_port=22,
                cidr_ipv4=cidr if version == 4 else None,
                cidr_ipv6=cidr if version == 6 else None,
                description="SSH from an allowed network",
                opts=child(self),
            )

        template = aws.ec2.LaunchTemplate(
            f"{name}-launch-template",
            # Resolved by EC2 at each launch, so new instances get the AMI AWS currently recommends.
            image_id=f"resolve:ssm:{ami_parameter(types)}",
            iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile.arn),
            # IMDSv2 only; a hop limit of 1 keeps bridge-mode containers (one hop further) away from the
            # instance's credentials, and the agent blocks awsvpc tasks (ECS_AWSVPC_BLOCK_IMDS).
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name=ROOT_DEVICE,
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=value(args, "root_volume_gib"),
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            network_interfaces=[
                aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                    device_index=0,
                    associate_public_ip_address="true" if placement["assign_public_ip"] else "false",
                    security_groups=[security_group.id],
                    delete_on_termination="true",
                )
            ],
            key_name=args.get("key_name"),
            user_data=pulumi.Output.from_input(args["cluster_name"]).apply(_user_data),
            update_default_version=True,
            opts=child(self),
        )

        spot = value(args, "on_demand_percentage") < 100
        group = aws.autoscaling.Group(
            f"{name}-asg",
            min_size=value(args, "min_size"),
            max_size=value(args, "max_size"),
            desired_capacity=args.get("desired_capacity", value(args, "min_size")),
            vpc_zone_identifiers=placement["subnet_ids"],
            mixed_instances_policy=aws.autoscaling.GroupMixedInstancesPolicyArgs(
                launch_template=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs(
                    launch_template_specification=(
                        aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs(
                            launch_template_id=template.id, version="$Latest"
                        )
                    ),
                    overrides=[
                        aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArgs(instance_type=t)
                        for t in types
                    ],
                ),
                instances_distribution=aws.autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs(
                    on_demand_allocation_strategy="prioritized",
                    on_demand_base_capacity=value(args, "on_demand_base"),
                    on_demand_percentage_above_base_capacity=value(args, "on_demand_percentage"),
                    spot_allocation_strategy="price-capacity-optimized",
                ),
            ),
            # Managed termination protection needs instance scale-in protection (ECS Developer Guide,
            # "Managed termination protection"): ECS lifts it from an instance once its tasks are gone.
            protect_from_scale_in=True,
            # Spot: launch a replacement when EC2 signals a rebalance recommendation, before the interruption.
            capacity_rebalance=spot,
            # ECS adds this tag when managed scaling is on; declaring it keeps `pulumi up` from removing it.
            tags=[aws.autoscaling.GroupTagArgs(key="AmazonECSManaged", value="", propagate_at_launch=True)],
            # ECS managed scaling owns the desired count once the group exists.
            opts=child(self, ignore_changes=["desiredCapacity"]),
        )

        provider = aws.ecs.CapacityProvider(
            f"{name}-provider",
            name=args["provider_name"],
            auto_scaling_group_provider=aws.ecs.CapacityProviderAutoScalingGroupProviderArgs(
                auto_scaling_group_arn=group.arn,
                managed_termination_protection="ENABLED",
                managed_draining="ENABLED",
                managed_scaling=aws.ecs.CapacityProviderAutoScalingGroupProviderManagedScalingArgs(
                    status="ENABLED",
                    target_capacity=value(args, "target_capacity_percent"),
                    minimum_scaling_step_size=1,
                    maximum_scaling_step_size=10,
                    instance_warmup_period=300,
                ),
            ),
            opts=child(self),
        )
        self.provider_name = provider.name
        self.auto_scaling_group_name = group.name
        self.security_group_id = security_group.id
        self.instance_role_name = role.name
        register_declared_outputs(self)

    def facts(self) -> CapacityProviderFacts:
        """What a workload placed on this provider is checked against and connected through."""
        return instance_facts(self.provider_name, "auto_scaling", self._types, self.security_group_id)


def _user_data(cluster_name: str) -> str:
    """Joins the cluster with task IAM roles, Spot draining and awsvpc tasks kept off the metadata service
    (ECS Developer Guide, "Amazon ECS container agent configuration")."""
    low, high = DYNAMIC_HOST_PORTS
    script = "\n".join(
        [
            "#!/bin/bash",
            "cat >> /etc/ecs/ecs.config <<'EOF'",
            f"ECS_CLUSTER={cluster_name}",
            "ECS_ENABLE_TASK_IAM_ROLE=true",
            "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true",
            "ECS_AWSVPC_BLOCK_IMDS=true",
            f"ECS_DYNAMIC_HOST_PORT_RANGE={low}-{high}",
            "EOF",
            "",
        ]
    )
    return base64.b64encode(script.encode()).decode()

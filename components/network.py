"""Where workloads and load balancers live: a new VPC or an existing one."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import functools
import ipaddress
import re
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_awsx as awsx

from .arguments import Arguments, Check, Flag, Identifier, Integer, Items, Nested, OneOf
from .options import component_type, with_former_type
from .outputs import register_declared_outputs
from .tags import TAGS, with_tags
from .validation import ArgumentProblems

_NAT_STRATEGIES: dict[str, awsx.ec2.NatGatewayStrategy] = {
    "none": awsx.ec2.NatGatewayStrategy.NONE,
    "single": awsx.ec2.NatGatewayStrategy.SINGLE,
    "one-per-az": awsx.ec2.NatGatewayStrategy.ONE_PER_AZ,
}
# AWS takes VPC blocks from /16 to /28 (VPC CIDR blocks, Amazon VPC User Guide); awsx splits a new VPC
# into a public and a private subnet per zone, and below /24 those leave too few addresses for tasks.
VPC_PREFIX_SHORTEST = 16
VPC_PREFIX_LONGEST = 24


class ExistingVpcArgs(TypedDict):
    """An existing VPC to place workloads in instead of creating one."""

    vpc_id: pulumi.Input[str]
    """The VPC id."""
    public_subnet_ids: list[pulumi.Input[str]]
    """Subnets with a route to an internet gateway, for internet-facing load balancers."""
    private_subnet_ids: NotRequired[list[pulumi.Input[str]]]
    """Subnets with outbound access through NAT. When given, workloads run here without a public IP."""


VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
"""A VPC id as EC2 issues them: `vpc-` and 8 (older) or 17 hex digits."""
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
"""A subnet id as EC2 issues them: `subnet-` and 8 (older) or 17 hex digits."""

EXISTING_VPC_ARGS = Arguments(
    ExistingVpcArgs,
    {
        "vpc_id": Identifier(shape="a VPC id"),
        "public_subnet_ids": Items(item=Identifier(shape="a subnet id")),
        "private_subnet_ids": Items(item=Identifier(shape="a subnet id"), min_items=0, default=[]),
    },
)


class NetworkArgs(TypedDict, total=False):
    """Arguments of `Network`. Give `existing`, or leave it out to create a VPC."""

    existing: ExistingVpcArgs
    """Use this VPC instead of creating one."""
    cidr_block: str
    """CIDR block of a new VPC."""
    availability_zones: int
    """How many availability zones a new VPC spans."""
    nat_strategy: str
    """NAT gateways of a new VPC: `none` (workloads get public IPs in public subnets; no NAT cost),
    `single`, or `one-per-az`."""
    tags: dict[str, str]
    """Tags of the VPC and everything awsx creates in it (subnets, route tables, gateways)."""


def _is_vpc_cidr(cidr: Any) -> bool:
    if not isinstance(cidr, str):
        return False
    try:
        return VPC_PREFIX_SHORTEST <= ipaddress.IPv4Network(cidr).prefixlen <= VPC_PREFIX_LONGEST
    except ValueError:
        return False


_NEW_VPC_ONLY = ("cidr_block", "availability_zones", "nat_strategy")


def _new_vpc_options_only_for_a_new_vpc(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    if "existing" in args:
        for key in _NEW_VPC_ONLY:
            if key in args:
                problems.add(f"{prefix}{key}", args[key], "only for a new VPC, not an existing one; remove it")


NETWORK_ARGS = Arguments(
    NetworkArgs,
    {
        "existing": Nested(arguments=EXISTING_VPC_ARGS, otherwise="a new VPC is created"),
        "cidr_block": Check(
            default="10.0.0.0/16",
            test=_is_vpc_cidr,
            says=f"an IPv4 CIDR block from /{VPC_PREFIX_SHORTEST} to /{VPC_PREFIX_LONGEST} such as 10.0.0.0/16",
        ),
        # An ALB needs subnets in at least two zones (CreateLoadBalancer); no region has more than six.
        "availability_zones": Integer(low=2, high=6, default=2),
        "nat_strategy": OneOf(values=tuple(_NAT_STRATEGIES), default="none"),
        "tags": TAGS,
    },
    rules=[_new_vpc_options_only_for_a_new_vpc],
)


class WorkloadPlacement(TypedDict):
    """Where a Fargate workload's tasks run: `Network.placement()` gives it, the shapes take it."""

    vpc_id: pulumi.Input[str]
    """VPC of the tasks' security group."""
    subnet_ids: pulumi.Input[list[str]]
    """Subnets the tasks run in."""
    assign_public_ip: bool
    """Whether tasks get a public IP: their only way out when the subnets have no NAT."""


WORKLOAD_PLACEMENT_ARGS = Arguments(
    WorkloadPlacement,
    {
        "vpc_id": Identifier(shape="a VPC id"),
        "subnet_ids": Items(item=Identifier(shape="a subnet id")),
        "assign_public_ip": Flag(),
    },
)


class Network(pulumi.ComponentResource):
    """A VPC (new via awsx, or existing) and the placement decisions derived from it."""

    vpc_id: pulumi.Output[str]
    """The VPC's id."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Subnets with a route to the internet gateway."""
    private_subnet_ids: pulumi.Output[list[str]]
    """Subnets behind NAT; none without NAT."""
    workload_subnet_ids: pulumi.Output[list[str]]
    """Where tasks run: the private subnets when there are any, else the public ones."""
    load_balancer_subnet_ids: pulumi.Output[list[str]]
    """Where internet-facing load balancers go: the public subnets."""
    assign_public_ip: bool
    """Whether tasks need a public IP: true when they run in the public subnets."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = ArgumentProblems("Network")
        NETWORK_ARGS.check(args, problems)
        problems.raise_if_any()
        tags = NETWORK_ARGS.value(args, "tags")
        super().__init__(component_type("Network"), name, None, with_former_type("Network", with_tags(tags, opts)))
        existing = args.get("existing")
        if existing is not None:
            self.vpc_id = pulumi.Output.from_input(existing["vpc_id"])
            self.public_subnet_ids = pulumi.Output.all(*existing["public_subnet_ids"])
            private = EXISTING_VPC_ARGS.value(existing, "private_subnet_ids")
            self.private_subnet_ids = pulumi.Output.all(*private)
            has_private = bool(private)
            self._subnet_count = len(private or existing["public_subnet_ids"])
        else:
            strategy = NETWORK_ARGS.value(args, "nat_strategy")
            has_private = strategy != "none"
            # awsx makes one subnet of each kind in each Availability Zone.
            self._subnet_count = NETWORK_ARGS.value(args, "availability_zones")
            self._create_vpc(name, args, _NAT_STRATEGIES[strategy], has_private, tags)
        self.assign_public_ip = not has_private
        self.workload_subnet_ids = self.private_subnet_ids if has_private else self.public_subnet_ids
        self.load_balancer_subnet_ids = self.public_subnet_ids
        register_declared_outputs(self)

    def _create_vpc(
        self,
        name: str,
        args: NetworkArgs,
        strategy: awsx.ec2.NatGatewayStrategy,
        has_private: bool,
        tags: dict[str, str],
    ) -> None:
        # Without NAT a private subnet could not reach ECR or CloudWatch, so none is created.
        specs = [awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PUBLIC)]
        if has_private:
            specs.append(awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PRIVATE))
        vpc = awsx.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=NETWORK_ARGS.value(args, "cidr_block"),
            number_of_availability_zones=NETWORK_ARGS.value(args, "availability_zones"),
            nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=strategy),
            subnet_specs=specs,
            subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
            enable_dns_hostnames=True,
            # awsx creates the VPC's children in its provider process, out of reach of the tagging
            # transformation; it copies the Vpc's own `tags` to each of them (awsx/ec2/vpc.ts: the VPC,
            # internet gateway, subnets, route tables, EIPs and NAT gateways), so a subnet spec's `tags`
            # would only repeat them.
            tags=tags or None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.vpc_id = vpc.vpc_id
        # awsx types the id lists as sequences; they are lists.
        self.public_subnet_ids = cast("pulumi.Output[list[str]]", vpc.public_subnet_ids)
        self.private_subnet_ids = cast("pulumi.Output[list[str]]", vpc.private_subnet_ids)

    def placement(self) -> WorkloadPlacement:
        # The subnets as a list of known length, each an Output: a workload that creates an EFS file system
        # puts a mount target in each, and resources cannot be created inside an apply.
        subnet_ids = [
            self.workload_subnet_ids.apply(functools.partial(_nth, index)) for index in range(self._subnet_count)
        ]
        return WorkloadPlacement(
            vpc_id=self.vpc_id,
            # Pulumi resolves Outputs nested in a list input; the Input type does not say so.
            subnet_ids=cast("pulumi.Input[list[str]]", subnet_ids),
            assign_public_ip=self.assign_public_ip,
        )


def _nth(index: int, ids: list[str]) -> str:
    return ids[index]

"""Where workloads and load balancers live: a new VPC or an existing one."""

from __future__ import annotations

import ipaddress
from typing import Any, Literal, NotRequired, TypedDict

import pulumi
import pulumi_awsx as awsx

from .validation import ArgumentProblems, is_id, is_id_list, is_int_in, is_known

NatStrategy = Literal["none", "single", "one-per-az"]
_NAT_STRATEGIES: dict[str, awsx.ec2.NatGatewayStrategy] = {
    "none": awsx.ec2.NatGatewayStrategy.NONE,
    "single": awsx.ec2.NatGatewayStrategy.SINGLE,
    "one-per-az": awsx.ec2.NatGatewayStrategy.ONE_PER_AZ,
}


class ExistingVpcArgs(TypedDict):
    """An existing VPC to place workloads in instead of creating one."""

    vpc_id: pulumi.Input[str]
    """The VPC id. Required."""
    public_subnet_ids: list[pulumi.Input[str]]
    """Subnets with a route to an internet gateway, for internet-facing load balancers. Required."""
    private_subnet_ids: NotRequired[list[pulumi.Input[str]]]
    """Subnets with outbound access through NAT. When given, workloads run here without a public IP.
    Default: none, and workloads run in the public subnets with a public IP."""


class NetworkArgs(TypedDict, total=False):
    """Arguments of `Network`. Give `existing`, or leave it out to create a VPC."""

    existing: ExistingVpcArgs
    """Use this VPC instead of creating one. Default: create a VPC."""
    cidr_block: str
    """CIDR block of a new VPC. Default `10.0.0.0/16`."""
    availability_zones: int
    """How many availability zones a new VPC spans, 2 to 6. Default 2."""
    nat_strategy: NatStrategy
    """NAT gateways of a new VPC: `none` (workloads get public IPs in public subnets; no NAT cost),
    `single`, or `one-per-az`. Default `none`."""


class WorkloadPlacement(TypedDict):
    """What a Fargate workload needs to know about the network."""

    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    assign_public_ip: bool


# What embedded workload arguments are checked with in place of `placement.vpc_id`, which is checked on its own.
PLACEMENT_VPC = "vpc-from-placement"


class Network(pulumi.ComponentResource):
    """A VPC (new via awsx, or existing) and the placement decisions derived from it.

    Outputs: `vpc_id`, `public_subnet_ids`, `private_subnet_ids`, `workload_subnet_ids`,
    `assign_public_ip` (plain bool) and `load_balancer_subnet_ids`.
    """

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    workload_subnet_ids: pulumi.Output[list[str]]
    load_balancer_subnet_ids: pulumi.Output[list[str]]
    assign_public_ip: bool

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        _validate(args)
        super().__init__("ecs-workloads:network:Network", name, None, opts)
        existing = args.get("existing")
        if existing is not None:
            self.vpc_id = pulumi.Output.from_input(existing["vpc_id"])
            self.public_subnet_ids = pulumi.Output.all(*existing["public_subnet_ids"])
            private = existing.get("private_subnet_ids") or []
            self.private_subnet_ids = pulumi.Output.all(*private)
            has_private = bool(private)
        else:
            strategy = args.get("nat_strategy", "none")
            has_private = strategy != "none"
            # Without NAT a private subnet could not reach ECR or CloudWatch, so none is created.
            specs = [awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PUBLIC)]
            if has_private:
                specs.append(awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PRIVATE))
            vpc = awsx.ec2.Vpc(
                f"{name}-vpc",
                cidr_block=args.get("cidr_block", "10.0.0.0/16"),
                number_of_availability_zones=args.get("availability_zones", 2),
                nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=_NAT_STRATEGIES[strategy]),
                subnet_specs=specs,
                subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
                enable_dns_hostnames=True,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.vpc_id = vpc.vpc_id
            self.public_subnet_ids = vpc.public_subnet_ids
            self.private_subnet_ids = vpc.private_subnet_ids
        self.assign_public_ip = not has_private
        self.workload_subnet_ids = self.private_subnet_ids if has_private else self.public_subnet_ids
        self.load_balancer_subnet_ids = self.public_subnet_ids
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "workload_subnet_ids": self.workload_subnet_ids,
                "assign_public_ip": self.assign_public_ip,
            }
        )

    def placement(self) -> WorkloadPlacement:
        return WorkloadPlacement(
            vpc_id=self.vpc_id, subnet_ids=self.workload_subnet_ids, assign_public_ip=self.assign_public_ip
        )


def _validate(args: NetworkArgs) -> None:
    problems = ArgumentProblems("Network")
    given = problems.mapping("", args, NetworkArgs)
    if given is None:
        problems.raise_if_any()
    if "existing" in given:
        for key in ("cidr_block", "availability_zones", "nat_strategy"):
            problems.check(key not in given, key, given.get(key), "only for a new VPC; remove it or `existing`")
        existing = problems.mapping("existing", given["existing"], ExistingVpcArgs)
        if existing is not None:
            vpc_id = existing.get("vpc_id")
            problems.check(is_id(vpc_id), "existing.vpc_id", vpc_id, "a VPC id (required)")
            publics = existing.get("public_subnet_ids")
            problems.check(
                is_id_list(publics), "existing.public_subnet_ids", publics, "a list of at least one subnet id"
            )
            privates = existing.get("private_subnet_ids", [])
            problems.check(is_id_list(privates, 0), "existing.private_subnet_ids", privates, "a list of subnet ids")
    else:
        cidr = given.get("cidr_block", "10.0.0.0/16")
        problems.check(_is_vpc_cidr(cidr), "cidr_block", cidr, "an IPv4 CIDR block from /16 to /24 such as 10.0.0.0/16")
        azs = given.get("availability_zones", 2)
        problems.check(is_int_in(azs, 2, 6), "availability_zones", azs, "an integer from 2 to 6")
        strategy = given.get("nat_strategy", "none")
        problems.check(
            isinstance(strategy, str) and strategy in _NAT_STRATEGIES,
            "nat_strategy",
            strategy,
            "one of none, single, one-per-az",
        )
    problems.raise_if_any()


def _is_vpc_cidr(cidr: Any) -> bool:
    """The range the stack settings allow: smaller VPCs leave awsx too few addresses per subnet."""
    if not is_known(cidr):
        return True
    if not isinstance(cidr, str):
        return False
    try:
        return 16 <= ipaddress.IPv4Network(cidr).prefixlen <= 24
    except ValueError:
        return False


def validate_placement(problems: ArgumentProblems, field: str, placement: Any) -> None:
    """The same checks for every component that places tasks; `Network.placement()` always passes them."""
    if placement is None:
        problems.add(field, None, "required: vpc_id, subnet_ids and assign_public_ip (Network.placement())")
        return
    placement = problems.mapping(field, placement, WorkloadPlacement)
    if placement is None:
        return
    vpc_id = placement.get("vpc_id")
    problems.check(is_id(vpc_id), f"{field}.vpc_id", vpc_id, "a VPC id (required)")
    subnets = placement.get("subnet_ids")
    problems.check(is_id_list(subnets), f"{field}.subnet_ids", subnets, "a list of subnet ids (required)")
    flag = placement.get("assign_public_ip")
    problems.check(isinstance(flag, bool), f"{field}.assign_public_ip", flag, "true or false (required)")

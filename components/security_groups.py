"""The security group every task or instance group starts with: all outbound, no inbound."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from .options import child


def egress_only_group(
    parent: pulumi.Resource, name: str, vpc_id: pulumi.Input[str], *, holds: str, reaches: str
) -> aws.ec2.SecurityGroup:
    """`<name>-sg` with one egress rule `<name>-egress` to anywhere; ingress stays closed until a component adds
    a rule from a named source. `holds` says what the group is on, `reaches` what the egress is for."""
    group = aws.ec2.SecurityGroup(
        f"{name}-sg",
        description=f"{holds}; ingress only where a component adds it",
        vpc_id=vpc_id,
        opts=child(parent),
    )
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-egress",
        security_group_id=group.id,
        ip_protocol="-1",
        cidr_ipv4="0.0.0.0/0",
        description=reaches,
        opts=child(parent),
    )
    return group

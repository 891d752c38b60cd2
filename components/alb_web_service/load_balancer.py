"""The service's own Application Load Balancer and its security group, or the shared one it joins.

Either way the rest of the component sees the same `LoadBalancer` facts: ARN, ARN suffix, DNS name,
security group and URL.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..options import child
from .args import ALB_WEB_SERVICE_ARGS, AlbWebServiceArgs, SharedListenerArgs


@dataclass(frozen=True)
class LoadBalancer:
    """What the listeners, the task security group rules, scaling and alarms need of the load balancer."""

    arn: pulumi.Input[str]
    arn_suffix: pulumi.Input[str]
    dns_name: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    url: pulumi.Input[str]
    zone_id: pulumi.Input[str] | None = None
    """Only for an own load balancer: the alias record's target zone."""


def wants_https(args: AlbWebServiceArgs) -> bool:
    return "certificate_arn" in args or "domain_name" in args


def shared_load_balancer(shared: SharedListenerArgs) -> LoadBalancer:
    return LoadBalancer(
        arn=shared["load_balancer_arn"],
        arn_suffix=shared["load_balancer_arn_suffix"],
        dns_name=shared["load_balancer_dns_name"],
        security_group_id=shared["load_balancer_security_group_id"],
        url=shared["url"],
    )


def own_load_balancer(parent: pulumi.Resource, name: str, args: AlbWebServiceArgs) -> LoadBalancer:
    """The ALB with a security group that admits the allowed CIDRs on 80 (and 443 with TLS)."""
    https = wants_https(args)
    security_group = aws.ec2.SecurityGroup(
        f"{name}-alb-sg",
        description=f"Load balancer of {name}",
        vpc_id=args["placement"]["vpc_id"],
        opts=child(parent),
    )
    ports = (80, 443) if https else (80,)
    cidrs = ALB_WEB_SERVICE_ARGS.value(args, "allowed_cidrs")
    for port in ports:
        for cidr in cidrs:
            network = ipaddress.ip_network(cidr)
            family = "cidr_ipv4" if network.version == 4 else "cidr_ipv6"
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-alb-in-{port}-{_slug(network)}",
                security_group_id=security_group.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=f"Clients from {cidr}",
                opts=child(parent),
                **{family: cidr},
            )
    access_logs = None
    if "access_logs_bucket" in args:
        access_logs = aws.lb.LoadBalancerAccessLogsArgs(
            bucket=args["access_logs_bucket"], prefix=args.get("access_logs_prefix"), enabled=True
        )
    alb = aws.lb.LoadBalancer(
        f"{name}-alb",
        load_balancer_type="application",
        internal=ALB_WEB_SERVICE_ARGS.value(args, "internal"),
        subnets=args["load_balancer_subnet_ids"],
        security_groups=[security_group.id],
        drop_invalid_header_fields=True,
        idle_timeout=ALB_WEB_SERVICE_ARGS.value(args, "idle_timeout"),
        enable_deletion_protection=ALB_WEB_SERVICE_ARGS.value(args, "protect_data"),
        access_logs=access_logs,
        opts=child(parent),
    )
    domain = args.get("domain_name")
    if domain is not None:
        url = pulumi.Output.from_input(f"https://{domain}")
    else:
        url = pulumi.Output.concat("https://" if https else "http://", alb.dns_name)
    return LoadBalancer(
        arn=alb.arn,
        arn_suffix=alb.arn_suffix,
        dns_name=alb.dns_name,
        security_group_id=security_group.id,
        url=url,
        zone_id=alb.zone_id,
    )


def connect_to_tasks(
    parent: pulumi.Resource,
    name: str,
    lb: LoadBalancer,
    tasks_security_group_id: pulumi.Input[str],
    ports: tuple[int, int],
    role: str = "tasks",
) -> None:
    """The ALB talks to the tasks on their ports only, and the tasks hear only the ALB: on the container
    port in awsvpc mode, on the host ports of the instances' security group (`role` "instances-<provider>")
    in bridge mode."""
    low, high = ports
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-alb-to-{role}",
        security_group_id=lb.security_group_id,
        referenced_security_group_id=tasks_security_group_id,
        ip_protocol="tcp",
        from_port=low,
        to_port=high,
        description=f"To {name} tasks",
        opts=child(parent),
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-{role}-from-alb",
        security_group_id=tasks_security_group_id,
        referenced_security_group_id=lb.security_group_id,
        ip_protocol="tcp",
        from_port=low,
        to_port=high,
        description="From the load balancer only",
        opts=child(parent),
    )


def _slug(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """A resource-name part per CIDR, so adding or removing one CIDR leaves the other rules alone."""
    text = re.sub(r"[^0-9a-f]+", "-", str(network).lower()).strip("-")
    return f"v{network.version}-{text}"

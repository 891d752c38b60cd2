"""The target group the load balancer forwards to: the tasks by IP (or instance and host port in bridge
mode), health-checked over HTTP."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ..options import child
from .args import ALB_WEB_SERVICE_ARGS, AlbWebServiceArgs


def target_group(
    parent: pulumi.Resource, name: str, args: AlbWebServiceArgs, port: int, *, target_type: str, suffix: str = "-tg"
) -> aws.lb.TargetGroup:
    """`ip` targets for awsvpc tasks; `instance` targets for bridge-mode tasks, which ECS registers with
    their instance and host port (Elastic Load Balancing, "Target groups for your Application Load Balancers").
    A traffic-shifting strategy takes a second one of the same settings under another `suffix`."""
    value = ALB_WEB_SERVICE_ARGS.value
    stickiness = None
    if "stickiness_duration" in args:
        stickiness = aws.lb.TargetGroupStickinessArgs(
            type="lb_cookie", cookie_duration=args["stickiness_duration"], enabled=True
        )
    return aws.lb.TargetGroup(
        f"{name}{suffix}",
        target_type=target_type,
        port=port,
        protocol="HTTP",
        vpc_id=args["placement"]["vpc_id"],
        deregistration_delay=value(args, "deregistration_delay"),
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            enabled=True,
            path=value(args, "health_check_path"),
            matcher=value(args, "health_check_matcher"),
            interval=value(args, "health_check_interval"),
            healthy_threshold=value(args, "healthy_threshold"),
            unhealthy_threshold=value(args, "unhealthy_threshold"),
            timeout=value(args, "health_check_timeout"),
            protocol="HTTP",
            port="traffic-port",
        ),
        stickiness=stickiness,
        opts=child(parent),
    )

"""Listeners of an own load balancer, the certificate HTTPS uses, and the path rule that routes to the service."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..options import child
from .args import ALB_WEB_SERVICE_ARGS, AlbWebServiceArgs
from .load_balancer import LoadBalancer, wants_https

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class Routing:
    """The listeners created (by protocol), the listener that forwards to the service, and the resources
    the ECS service must wait for: ECS refuses a target group that no listener uses yet."""

    listener_arns: dict[str, pulumi.Output[str]]
    forwarding_listener_arn: pulumi.Output[str]
    ready: list[pulumi.Resource]


def own_listeners(
    parent: pulumi.Resource, name: str, args: AlbWebServiceArgs, lb: LoadBalancer, target_group: aws.lb.TargetGroup
) -> Routing:
    """Port 80 forwards, or with TLS redirects to 443, which forwards; with `path_patterns` only the rule
    forwards and everything else answers 404."""
    if "path_patterns" in args:
        # Paths of other services (or none) answer 404 instead of reaching this one.
        routed = aws.lb.ListenerDefaultActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="text/plain", message_body="Not found", status_code="404"
            ),
        )
    else:
        routed = aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)

    certificate_arn = _certificate(parent, name, args, lb) if wants_https(args) else None
    if certificate_arn is None:
        http = aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=lb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[routed],
            opts=child(parent),
        )
        arns = {"http": http.arn}
        forwarding = http
        created: list[pulumi.Resource] = [http]
    else:
        https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=lb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=certificate_arn,
            default_actions=[routed],
            opts=child(parent),
        )
        http = aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=lb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port="443", status_code="HTTP_301"
                    ),
                )
            ],
            opts=child(parent),
        )
        arns = {"http": http.arn, "https": https.arn}
        forwarding = https
        created = [https, http]
    if "path_patterns" in args:
        created.append(path_rule(parent, name, args, forwarding.arn, target_group))
    return Routing(arns, forwarding.arn, created)


def shared_listener_routing(
    parent: pulumi.Resource, name: str, args: AlbWebServiceArgs, target_group: aws.lb.TargetGroup
) -> Routing:
    """Only a path rule on the shared listener; the listeners belong to the load balancer's owner."""
    listener_arn = pulumi.Output.from_input(args["shared_listener"]["listener_arn"])
    return Routing({}, listener_arn, [path_rule(parent, name, args, listener_arn, target_group)])


def path_rule(
    parent: pulumi.Resource,
    name: str,
    args: AlbWebServiceArgs,
    listener_arn: pulumi.Input[str],
    target_group: aws.lb.TargetGroup,
) -> aws.lb.ListenerRule:
    return aws.lb.ListenerRule(
        f"{name}-rule",
        listener_arn=listener_arn,
        priority=ALB_WEB_SERVICE_ARGS.value(args, "priority"),
        conditions=[
            aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=args["path_patterns"])
            )
        ],
        actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=target_group.arn)],
        opts=child(parent),
    )


def _certificate(parent: pulumi.Resource, name: str, args: AlbWebServiceArgs, lb: LoadBalancer) -> pulumi.Output[str]:
    if "certificate_arn" in args:
        return pulumi.Output.from_input(args["certificate_arn"])
    domain, zone = args["domain_name"], args["hosted_zone_id"]
    # A domain is only served from an own load balancer, which always knows its zone.
    assert lb.zone_id is not None
    certificate = aws.acm.Certificate(
        f"{name}-certificate",
        domain_name=domain,
        validation_method="DNS",
        opts=child(parent),
    )
    # One domain without alternative names has exactly one validation record.
    option = certificate.domain_validation_options[0]
    record = aws.route53.Record(
        f"{name}-certificate-validation-record",
        zone_id=zone,
        name=option.resource_record_name,
        type=option.resource_record_type,
        records=[option.resource_record_value],
        ttl=300,
        # A certificate re-created for the same domain gets the same CNAME.
        allow_overwrite=True,
        opts=child(parent),
    )
    validation = aws.acm.CertificateValidation(
        f"{name}-certificate-validation",
        certificate_arn=certificate.arn,
        validation_record_fqdns=[record.fqdn],
        opts=child(parent),
    )
    aws.route53.Record(
        f"{name}-alias",
        zone_id=zone,
        name=domain,
        type="A",
        aliases=[aws.route53.RecordAliasArgs(name=lb.dns_name, zone_id=lb.zone_id, evaluate_target_health=True)],
        opts=child(parent),
    )
    # The listener takes the ARN from the validation, so it waits until the certificate is issued.
    return validation.certificate_arn

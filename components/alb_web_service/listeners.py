"""Listeners of an own load balancer, the certificate HTTPS uses, and the path rule that routes to the service."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..options import child
from .args import ALB_WEB_SERVICE_ARGS, RULE_CONDITIONS, TEST_RULE_OFFSET, AlbWebServiceArgs, routes_by_rule
from .load_balancer import LoadBalancer, wants_https
from .traffic_shift import TargetGroups, forward

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class Routing:
    """The listeners created (by protocol), the listener that forwards to the service, and the resources
    the ECS service must wait for: ECS refuses a target group that no listener uses yet."""

    listener_arns: dict[str, pulumi.Output[str]]
    forwarding_listener_arn: pulumi.Output[str]
    ready: list[pulumi.Resource]
    production_rule: aws.lb.ListenerRule | None = None
    """The rule that forwards production traffic, when one does (`path_patterns` or a traffic shift)."""
    test_rule: aws.lb.ListenerRule | None = None
    """The rule that forwards requests with the test header, with `test_traffic_header`."""


def own_listeners(
    parent: pulumi.Resource, name: str, args: AlbWebServiceArgs, lb: LoadBalancer, groups: TargetGroups
) -> Routing:
    """Port 80 forwards, or with TLS redirects to 443, which forwards; with `path_patterns` (or a traffic
    shift) only the rules forward and everything else answers 404."""
    by_rule = routes_by_rule(args)
    if by_rule:
        # Paths of other services (or none) answer 404 instead of reaching this one.
        routed = aws.lb.ListenerDefaultActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="text/plain", message_body="Not found", status_code="404"
            ),
        )
    else:
        routed = aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=groups.primary.arn)

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
    if not by_rule:
        return Routing(arns, forwarding.arn, created)
    production, test = service_rules(parent, name, args, forwarding.arn, groups)
    return Routing(arns, forwarding.arn, [*created, production], production, test)


def shared_listener_routing(
    parent: pulumi.Resource, name: str, args: AlbWebServiceArgs, groups: TargetGroups
) -> Routing:
    """Only the service's rules on the shared listener; the listeners belong to the load balancer's owner."""
    listener_arn = pulumi.Output.from_input(args["shared_listener"]["listener_arn"])
    production, test = service_rules(parent, name, args, listener_arn, groups)
    return Routing({}, listener_arn, [production], production, test)


def service_rules(
    parent: pulumi.Resource, name: str, args: AlbWebServiceArgs, listener_arn: pulumi.Input[str], groups: TargetGroups
) -> tuple[aws.lb.ListenerRule, aws.lb.ListenerRule | None]:
    """The production rule and, with `test_traffic_header`, the test rule ECS sends test traffic through."""
    production = path_rule(parent, name, args, listener_arn, groups)
    if "test_traffic_header" not in args:
        return production, None
    header = aws.lb.ListenerRuleConditionArgs(
        http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
            # HttpHeaderConditionConfig.Values: "*" matches any value of the header.
            http_header_name=args["test_traffic_header"],
            values=["*"],
        )
    )
    test = path_rule(
        parent,
        name,
        args,
        listener_arn,
        groups,
        suffix="-test-rule",
        priority_offset=TEST_RULE_OFFSET,
        extra_conditions=(header,),
    )
    return production, test


# A traffic-shifting service without `path_patterns` still needs a rule for ECS to rewrite: all paths.
ALL_PATHS = "/*"


def path_rule(
    parent: pulumi.Resource,
    name: str,
    args: AlbWebServiceArgs,
    listener_arn: pulumi.Input[str],
    groups: TargetGroups,
    *,
    suffix: str = "-rule",
    priority_offset: int = 0,
    extra_conditions: tuple[aws.lb.ListenerRuleConditionArgs, ...] = (),
) -> aws.lb.ListenerRule:
    """The rule that forwards the service's paths; a test rule is the same with a header condition."""
    return aws.lb.ListenerRule(
        f"{name}{suffix}",
        listener_arn=listener_arn,
        priority=ALB_WEB_SERVICE_ARGS.value(args, "priority") - priority_offset,
        conditions=[*_conditions(args), *extra_conditions],
        actions=[forward(groups)],
        # During and after a deployment ECS sets the weights of the two target groups itself ("Application
        # Load Balancer resources for blue/green deployments"); a later `pulumi up` must not set them back.
        opts=child(parent, ignore_changes=["actions"] if groups.alternate is not None else None),
    )


def _conditions(args: AlbWebServiceArgs) -> list[aws.lb.ListenerRuleConditionArgs]:
    """One condition per routing argument given: a rule holds at most one path-pattern, host-header and
    source-ip condition each (elbv2 RuleCondition), and at least one condition, all paths when nothing else."""
    conditions = []
    if "path_patterns" in args or not any(key in args for key in RULE_CONDITIONS):
        conditions.append(
            aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=args.get("path_patterns", [ALL_PATHS]))
            )
        )
    if "host_header" in args:
        conditions.append(
            aws.lb.ListenerRuleConditionArgs(
                host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[args["host_header"]])
            )
        )
    if "source_cidrs" in args:
        # SourceIpConditionConfig: the client's address as the ALB sees it, not X-Forwarded-For.
        conditions.append(
            aws.lb.ListenerRuleConditionArgs(
                source_ip=aws.lb.ListenerRuleConditionSourceIpArgs(values=list(args["source_cidrs"]))
            )
        )
    return conditions


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

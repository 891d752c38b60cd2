"""Load balancing: ALBs drop invalid headers, serve HTTPS with a modern TLS policy (HTTP redirects to it),
are deletion-protected in production and write access logs."""

from __future__ import annotations

import re

from .framework import ADVISORY, MANDATORY, ResourceView, StackContext, rule
from .resource_types import LISTENERS, LOAD_BALANCERS
from .values import as_list, get, known, named

_RECOMMENDED_TLS = re.compile(r"^ELBSecurityPolicy-TLS13-1-[23]-")


def _is_application(lb: ResourceView) -> bool:
    return lb.props.get("loadBalancerType", "application") == "application"


# Security Hub ELB.4.
@rule(
    "elb-drop-invalid-headers",
    "Application Load Balancers drop invalid HTTP headers.",
    enforcement=MANDATORY,
    resource_types=LOAD_BALANCERS,
    control="Security Hub ELB.4",
)
def check_drop_invalid_headers(lb: ResourceView, context: StackContext) -> list[str]:
    if not _is_application(lb) or lb.props.get("dropInvalidHeaderFields") is True:
        return []
    return ["dropInvalidHeaderFields is not true"]


def _redirects_to_https(listener: ResourceView) -> bool:
    actions = as_list(listener.props.get("defaultActions"))
    return bool(actions) and all(
        get(a, "type") == "redirect" and get(a, "redirect", "protocol") == "HTTPS" for a in actions
    )


def _siblings(listener: ResourceView, context: StackContext) -> list[ResourceView]:
    """Listeners of the same load balancer (including `listener`), by ARN or, in preview, by origin."""
    listeners = context.of_type(LISTENERS)
    arn = known(listener.props, "loadBalancerArn")
    if arn is not None:
        return [r for r in listeners if known(r.props, "loadBalancerArn") == arn]
    origin = set(listener.references.get("loadBalancerArn", ()))
    return [listener] + [
        r for r in listeners if r is not listener and origin & set(r.references.get("loadBalancerArn", ()))
    ]


# Security Hub ELB.1, where the load balancer has HTTPS.
@rule(
    "elb-http-redirects-to-https",
    "HTTP listeners of a load balancer that serves HTTPS redirect to HTTPS.",
    enforcement=MANDATORY,
    resource_types=LISTENERS,
    control="Security Hub ELB.1",
    cross_resource=True,
)
def check_http_redirects(listener: ResourceView, context: StackContext) -> list[str]:
    if listener.props.get("protocol") != "HTTP" or _redirects_to_https(listener):
        return []
    if any(s.props.get("protocol") == "HTTPS" for s in _siblings(listener, context)):
        return ["the load balancer serves HTTPS, but this HTTP listener does not redirect to it"]
    return []


# Security Hub ELB.1 for internet-facing load balancers without a certificate; dev may use HTTP.
@rule(
    "elb-https-in-production",
    "Internet-facing load balancers serve HTTPS.",
    enforcement=MANDATORY,
    resource_types=LISTENERS,
    control="Security Hub ELB.1",
    cross_resource=True,
    advisory_outside_production=True,
)
def check_https_in_production(listener: ResourceView, context: StackContext) -> list[str]:
    if listener.props.get("protocol") != "HTTP" or _redirects_to_https(listener):
        return []
    if any(s.props.get("protocol") == "HTTPS" for s in _siblings(listener, context)):
        return []  # reported by elb-http-redirects-to-https
    balancers = named(listener, "loadBalancerArn", context.of_type(LOAD_BALANCERS))
    if balancers and all(lb.props.get("internal") is True for lb in balancers):
        return []
    return ["an internet-facing load balancer serves plain HTTP; give it a certificate (HTTPS with redirect)"]


# Security Hub ELB.17.
@rule(
    "elb-tls-policy",
    "HTTPS listeners use a TLS 1.2+ security policy (`ELBSecurityPolicy-TLS13-1-2-*` or `-1-3-*`).",
    enforcement=MANDATORY,
    resource_types=LISTENERS,
    control="Security Hub ELB.17",
)
def check_tls_policy(listener: ResourceView, context: StackContext) -> list[str]:
    if listener.props.get("protocol") != "HTTPS":
        return []
    policy = listener.props.get("sslPolicy")
    if isinstance(policy, str) and _RECOMMENDED_TLS.match(policy):
        return []
    return [f"sslPolicy {policy!r} is not a TLS 1.2+ policy (e.g. ELBSecurityPolicy-TLS13-1-2-2021-06)"]


# Security Hub ELB.6; dev stacks are torn down freely.
@rule(
    "elb-deletion-protection",
    "Load balancers have deletion protection.",
    enforcement=MANDATORY,
    resource_types=LOAD_BALANCERS,
    control="Security Hub ELB.6",
    advisory_outside_production=True,
)
def check_deletion_protection(lb: ResourceView, context: StackContext) -> list[str]:
    return [] if lb.props.get("enableDeletionProtection") is True else ["enableDeletionProtection is not true"]


# Security Hub ELB.5. Advisory: needs a log bucket the stack does not create by default.
@rule(
    "elb-access-logs",
    "Load balancers write access logs.",
    enforcement=ADVISORY,
    resource_types=LOAD_BALANCERS,
    control="Security Hub ELB.5",
)
def check_access_logs(lb: ResourceView, context: StackContext) -> list[str]:
    logs = lb.props.get("accessLogs") or {}
    if logs.get("enabled") is True and logs.get("bucket"):
        return []
    return ["access logs are off (accessLogs with a bucket and enabled true)"]

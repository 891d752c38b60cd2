"""EC2 networking: security groups admit the whole internet only on the web ports."""

from __future__ import annotations

from typing import Any

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import INGRESS_RULES, SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_RULE
from .values import as_list, get

_ANYWHERE = ("0.0.0.0/0", "::/0")
_OPEN_PORTS = (80, 443)


def _open_rule_problem(cidrs: list[Any], protocol: Any, from_port: Any, to_port: Any) -> str | None:
    open_to = [c for c in cidrs if c in _ANYWHERE]
    if not open_to:
        return None
    if str(protocol) in ("-1", "all"):
        return f"all traffic open to {', '.join(open_to)}"
    if from_port == to_port and from_port in _OPEN_PORTS:
        return None
    return f"ports {from_port}-{to_port} open to {', '.join(open_to)}; only 80 and 443 may be"


# Security Hub EC2.18 (authorised ports 80 and 443) and EC2.19.
@rule(
    "ec2-no-open-ingress",
    "Security groups admit the whole internet only on ports 80 and 443.",
    enforcement=MANDATORY,
    resource_types=INGRESS_RULES,
    control="Security Hub EC2.18/EC2.19",
)
def check_no_open_ingress(resource: ResourceView, context: StackContext) -> list[str]:
    props = resource.props
    if resource.type == SECURITY_GROUP_INGRESS_RULE:
        ingress = [([props.get("cidrIpv4"), props.get("cidrIpv6")], props.get("ipProtocol"), props)]
    elif resource.type == SECURITY_GROUP_RULE:
        if props.get("type") != "ingress":
            return []
        ingress = [
            (as_list(props.get("cidrBlocks")) + as_list(props.get("ipv6CidrBlocks")), props.get("protocol"), props)
        ]
    else:
        ingress = [
            (as_list(get(r, "cidrBlocks")) + as_list(get(r, "ipv6CidrBlocks")), get(r, "protocol"), r)
            for r in as_list(props.get("ingress"))
        ]
    problems = []
    for cidrs, protocol, entry in ingress:
        problem = _open_rule_problem(cidrs, protocol, get(entry, "fromPort"), get(entry, "toPort"))
        if problem:
            problems.append(problem)
    return problems

"""The guardrails every stack must pass, as plain Python over resource inputs, grouped by AWS service.

Each rule is a check `(resource, context) -> [violation messages]` with its id, description, enforcement,
control and resource types declared on it (`@rule(...)`, see `framework`). The Pulumi policy pack
(`policy/__main__.py`) and the offline evaluation of a recorded plan (`policy/evaluate.py`) run these same
functions, so a rule that passes in the tests passes in `pulumi preview --policy-pack policy`.
"""

from __future__ import annotations

from . import (
    cloudwatch,
    ec2,
    ecr,
    ecs,
    efs,
    elb,
    iam,
    instances,
    kms,
    protection,
    s3,
    scheduler,
    sqs_sns,
    stepfunctions,
    tags,
)
from .framework import (
    ADVISORY,
    MANDATORY,
    PROJECT,
    Check,
    Enforcement,
    ResourceView,
    Rule,
    StackContext,
    Violation,
    rule,
    rules_of,
    run_rules,
)
from .values import UnknownValueError, identities, known, refers_to

# The order of the table in docs/guardrails.md and of the pack's policies.
MODULES = (
    s3,
    sqs_sns,
    ecs,
    efs,
    elb,
    ec2,
    instances,
    iam,
    ecr,
    protection,
    scheduler,
    stepfunctions,
    kms,
    cloudwatch,
    tags,
)
RULES: tuple[Rule, ...] = tuple(r for module in MODULES for r in rules_of(module))

__all__ = [
    "ADVISORY",
    "MANDATORY",
    "MODULES",
    "PROJECT",
    "RULES",
    "Check",
    "Enforcement",
    "ResourceView",
    "Rule",
    "StackContext",
    "UnknownValueError",
    "Violation",
    "identities",
    "known",
    "refers_to",
    "rule",
    "rules_of",
    "run_rules",
]

"""IAM: identity policies grant no wildcard actions and name the resources of data services."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import IDENTITY_POLICIES, ROLE
from .values import as_list, document, get, statements

# Services that hold data: a statement granting their actions must name the resources.
_DATA_SERVICES = ("s3", "sqs", "sns", "dynamodb", "secretsmanager", "ssm", "kms", "logs", "ecr")
# Data-service actions that have no resource-level permissions, so `*` is the only possible resource.
_NO_RESOURCE_LEVEL = frozenset(
    {
        "ecr:getauthorizationtoken",
        "s3:listallmybuckets",
        "sqs:listqueues",
        "sns:listtopics",
        "secretsmanager:getrandompassword",
        "secretsmanager:listsecrets",
        "ssm:describeparameters",
        "kms:listkeys",
        "kms:listaliases",
        "kms:createkey",
        "logs:describeloggroups",
        # Vended-log delivery, which a Step Functions state machine's logging needs: no resource-level
        # permissions (Step Functions Developer Guide, "IAM policies for logging to CloudWatch Logs": "*").
        "logs:createlogdelivery",
        "logs:getlogdelivery",
        "logs:updatelogdelivery",
        "logs:deletelogdelivery",
        "logs:listlogdeliveries",
        "logs:putresourcepolicy",
        "logs:describeresourcepolicies",
        "dynamodb:listtables",
    }
)


def _identity_documents(resource: ResourceView) -> list[tuple[str, Any]]:
    if resource.type == ROLE:
        return [
            (f"inline policy {get(p, 'name') or '?'}", document(get(p, "policy")))
            for p in as_list(resource.props.get("inlinePolicies"))
        ]
    return [("policy", document(resource.props.get("policy")))]


def _allow_statements(resource: ResourceView) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for where, policy in _identity_documents(resource):
        for index, statement in enumerate(statements(policy)):
            if statement.get("Effect") == "Allow":
                yield f"{where} statement {statement.get('Sid', index)}", statement


# Security Hub IAM.21 (customer managed policies), applied to inline role policies too.
@rule(
    "iam-no-wildcard-actions",
    "IAM policies (managed, inline, role inline) allow no wildcard actions (`*`, `service:*`) and no NotAction.",
    enforcement=MANDATORY,
    resource_types=IDENTITY_POLICIES,
    control="Security Hub IAM.21",
)
def check_no_wildcard_actions(resource: ResourceView, context: StackContext) -> list[str]:
    problems = []
    for label, statement in _allow_statements(resource):
        if "NotAction" in statement:
            problems.append(f"{label}: Allow with NotAction grants every other action")
        wild = [a for a in as_list(statement.get("Action")) if isinstance(a, str) and (a == "*" or a.endswith(":*"))]
        if wild:
            problems.append(f"{label}: wildcard actions {', '.join(wild)}")
    return problems


# No AWS control (least privilege, as the design requires): data services name their resources.
@rule(
    "iam-data-resources-scoped",
    "IAM statements on data services (S3, SQS, SNS, DynamoDB, Secrets Manager, SSM, KMS, Logs, ECR) "
    "name their resources instead of `*`, except actions without resource-level permissions.",
    enforcement=MANDATORY,
    resource_types=IDENTITY_POLICIES,
    control="none",
)
def check_data_resources_scoped(resource: ResourceView, context: StackContext) -> list[str]:
    problems = []
    for label, statement in _allow_statements(resource):
        if "*" not in as_list(statement.get("Resource")):
            continue
        data = [
            a
            for a in as_list(statement.get("Action"))
            if isinstance(a, str) and a.split(":")[0].lower() in _DATA_SERVICES and a.lower() not in _NO_RESOURCE_LEVEL
        ]
        if data:
            problems.append(f"{label}: {', '.join(data)} on Resource *; name the exact ARNs")
    return problems

"""The JSON documents inside requests, checked where AWS has a schema for them.

- IAM policies (identity, trust and resource policies): IAM policy grammar, IAM User Guide
  "IAM JSON policy elements reference" (Version 2012-10-17 or 2008-10-17; Effect Allow|Deny; each statement
  has Action or NotAction, and a resource policy a Principal). Action names are checked against the service's
  real operations in its botocore model; `_PERMISSION_ONLY` lists the few actions that have no API operation
  of that name (Service Authorization Reference, each service's "Actions defined by ..." table).
- Event patterns: EventBridge User Guide "Event patterns" (a JSON object whose leaves are arrays).
- Redrive policies: SQS Developer Guide "Using dead-letter queues" (deadLetterTargetArn, maxReceiveCount 1–1000).
- ECR lifecycle policies: ECR User Guide "Lifecycle policy parameters".
- Dashboards: CloudWatch API Reference "Dashboard Body Structure and Syntax" (a `widgets` array).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from typing import Any

from . import model, state_machine
from .model import Finding

# IAM service prefix -> botocore service name, for the prefixes the program's policies use.
_SERVICES = {
    "ecr": "ecr",
    "ecs": "ecs",
    "iam": "iam",
    "kms": "kms",
    "logs": "logs",
    "s3": "s3",
    "secretsmanager": "secretsmanager",
    "sns": "sns",
    "sqs": "sqs",
    "sts": "sts",
    "events": "events",
    "scheduler": "scheduler",
    "cloudwatch": "cloudwatch",
    "ssm": "ssm",
    "elasticloadbalancing": "elbv2",
    "application-autoscaling": "application-autoscaling",
    "ec2": "ec2",
    "firehose": "firehose",
    "lambda": "lambda",
    "elasticfilesystem": "efs",
    "states": "stepfunctions",
    "xray": "xray",
}
# Actions that authorize something other than one API operation of the same name (Service Authorization
# Reference): s3:ListBucket authorizes ListObjects/ListObjectsV2, s3:GetObjectVersion a versioned GetObject,
# iam:PassRole the handing of a role to a service; the elasticfilesystem:Client* actions ("Actions,
# resources, and condition keys for Amazon Elastic File System") authorize NFS clients' mounts, writes and
# root access, not an API call.
_PERMISSION_ONLY = frozenset(
    {
        "s3:ListBucket",
        "s3:GetObjectVersion",
        "s3:ListBucketVersions",
        "iam:PassRole",
        "elasticfilesystem:ClientMount",
        "elasticfilesystem:ClientWrite",
        "elasticfilesystem:ClientRootAccess",
        # "Actions, resources, and condition keys for Amazon CloudWatch Logs": the vended-log delivery actions
        # Step Functions logging needs are permissions only.
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
    }
)
# Services with actions but no botocore model, their actions from the Service Authorization Reference:
# "Actions, resources, and condition keys for Amazon Message Gateway Service" (prefix ssmmessages):
# the four channel actions, the ones ECS Exec needs (ECS Developer Guide, "ECS Exec", IAM permissions required).
_UNMODELLED_ACTIONS = {
    "ssmmessages": frozenset({"CreateControlChannel", "CreateDataChannel", "OpenControlChannel", "OpenDataChannel"})
}
_VERSIONS = ("2012-10-17", "2008-10-17")
_EFFECTS = ("Allow", "Deny")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def action_problem(action: str) -> str | None:
    """Why `action` names no real action, or None."""
    if action == "*" or action in _PERMISSION_ONLY:
        return None
    prefix, _, name = action.partition(":")
    if prefix in _UNMODELLED_ACTIONS:
        return None if name in _UNMODELLED_ACTIONS[prefix] else f"{action} is not a {prefix} action"
    service = _SERVICES.get(prefix)
    if service is None:
        return f"service prefix {prefix!r} is not one the check knows"
    if name == "*":
        return None
    names = model.operation_names(service)
    if any(ch in name for ch in "*?"):
        return None if fnmatch.filter(names, name) else f"{action} matches no {prefix} action"
    return None if name in names else f"{action} is not a {prefix} action"


def policy(text: str, path: str, resource_policy: bool) -> list[Finding]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return [Finding(path, text[:60], f"not JSON: {error}")]
    found: list[Finding] = []
    if document.get("Version") not in _VERSIONS:
        found.append(Finding(f"{path}.Version", document.get("Version"), f"must be one of {', '.join(_VERSIONS)}"))
    for index, statement in enumerate(_as_list(document.get("Statement", []))):
        at = f"{path}.Statement[{index}]"
        if statement.get("Effect") not in _EFFECTS:
            found.append(Finding(f"{at}.Effect", statement.get("Effect"), "must be Allow or Deny"))
        actions = statement.get("Action", statement.get("NotAction"))
        if actions is None:
            found.append(Finding(f"{at}.Action", None, "a statement needs Action or NotAction"))
        for action in _as_list(actions or []):
            problem = action_problem(action)
            if problem:
                found.append(Finding(f"{at}.Action", action, problem))
        if resource_policy and "Principal" not in statement and "NotPrincipal" not in statement:
            found.append(Finding(f"{at}.Principal", None, "a resource or trust policy statement needs a Principal"))
        if not resource_policy and "Principal" in statement:
            found.append(Finding(f"{at}.Principal", statement["Principal"], "an identity policy has no Principal"))
    return found


def _pattern_leaves(node: Any, path: str) -> list[Finding]:
    if not isinstance(node, dict):
        return [Finding(path, node, "an event pattern level must be an object")]
    found: list[Finding] = []
    for key, value in node.items():
        at = f"{path}.{key}"
        if key == "$or":
            for index, branch in enumerate(_as_list(value)):
                found.extend(_pattern_leaves(branch, f"{at}[{index}]"))
        elif isinstance(value, dict):
            found.extend(_pattern_leaves(value, at))
        elif not isinstance(value, list) or not value:
            found.append(Finding(at, value, "event pattern values must be non-empty arrays"))
    return found


def event_pattern(text: str, path: str) -> list[Finding]:
    return _pattern_leaves(json.loads(text), path)


def redrive_policy(text: str, path: str) -> list[Finding]:
    document = json.loads(text)
    found = []
    if not str(document.get("deadLetterTargetArn", "")).startswith("arn:aws:sqs:"):
        found.append(Finding(f"{path}.deadLetterTargetArn", document.get("deadLetterTargetArn"), "must be a queue ARN"))
    count = document.get("maxReceiveCount")
    if not isinstance(count, int) or not 1 <= count <= 1000:
        found.append(Finding(f"{path}.maxReceiveCount", count, "must be a whole number from 1 to 1000"))
    return found


def ecr_lifecycle(text: str, path: str) -> list[Finding]:
    found = []
    for index, rule in enumerate(json.loads(text).get("rules", [])):
        at = f"{path}.rules[{index}]"
        selection = rule.get("selection", {})
        if selection.get("tagStatus") not in ("tagged", "untagged", "any"):
            found.append(Finding(f"{at}.selection.tagStatus", selection.get("tagStatus"), "tagged|untagged|any"))
        if selection.get("countType") not in ("imageCountMoreThan", "sinceImagePushed"):
            found.append(
                Finding(f"{at}.selection.countType", selection.get("countType"), "imageCountMoreThan|sinceImagePushed")
            )
        if rule.get("action", {}).get("type") != "expire":
            found.append(Finding(f"{at}.action.type", rule.get("action", {}).get("type"), "must be expire"))
    return found


def dashboard(text: str, path: str) -> list[Finding]:
    widgets = json.loads(text).get("widgets")
    return [] if isinstance(widgets, list) else [Finding(f"{path}.widgets", widgets, "a dashboard body needs widgets")]


CHECKS: dict[str, Callable[[str, str], list[Finding]]] = {
    "state-machine": state_machine.check,
    "iam-policy": lambda text, path: policy(text, path, resource_policy=False),
    "trust-policy": lambda text, path: policy(text, path, resource_policy=True),
    "resource-policy": lambda text, path: policy(text, path, resource_policy=True),
    "event-pattern": event_pattern,
    "redrive-policy": redrive_policy,
    "ecr-lifecycle": ecr_lifecycle,
    "dashboard": dashboard,
}

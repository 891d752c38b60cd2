"""Data protection across services: in production, what holds data survives `pulumi destroy` and removal."""

from __future__ import annotations

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import STATEFUL


# No AWS control; the project's data-protection convention.
@rule(
    "stateful-resources-protected",
    "In production, buckets, queues, log groups, ECR repositories, Secrets Manager secrets and EFS file systems "
    "are protected, "
    "retained on delete and not force-deleted.",
    enforcement=MANDATORY,
    resource_types=STATEFUL,
    control="none",
)
def check_stateful_protected(resource: ResourceView, context: StackContext) -> list[str]:
    if not context.is_production:
        return []
    problems = []
    if not resource.protect:
        problems.append("not protected (protect=True): `pulumi destroy` would delete its data")
    if resource.retain_on_delete is False:
        problems.append("retainOnDelete is not set: removing it from the program deletes its data")
    for flag in ("forceDestroy", "forceDelete"):
        if resource.props.get(flag) is True:
            problems.append(f"{flag} is true: deletion would empty it first")
    return problems

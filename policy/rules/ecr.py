"""ECR: repositories scan images on push and expire old ones."""

from __future__ import annotations

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import LIFECYCLE_POLICY, REPOSITORY
from .values import get, pointing_at


# Security Hub ECR.1.
@rule(
    "ecr-scan-on-push",
    "ECR repositories scan images on push.",
    enforcement=MANDATORY,
    resource_types=REPOSITORY,
    control="Security Hub ECR.1",
)
def check_scan_on_push(repository: ResourceView, context: StackContext) -> list[str]:
    if get(repository.props, "imageScanningConfiguration", "scanOnPush") is True:
        return []
    return ["imageScanningConfiguration.scanOnPush is not true"]


# Security Hub ECR.3.
@rule(
    "ecr-lifecycle-policy",
    "ECR repositories have a lifecycle policy.",
    enforcement=MANDATORY,
    resource_types=REPOSITORY,
    control="Security Hub ECR.3",
    cross_resource=True,
)
def check_lifecycle_policy(repository: ResourceView, context: StackContext) -> list[str]:
    if pointing_at(repository, context, LIFECYCLE_POLICY, "repository"):
        return []
    return ["no LifecyclePolicy: old images accumulate (and are billed) forever"]

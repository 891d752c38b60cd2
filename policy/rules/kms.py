"""KMS: symmetric keys rotate."""

from __future__ import annotations

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import KMS_KEY


# Security Hub KMS.4.
@rule(
    "kms-key-rotation",
    "Symmetric KMS keys rotate their key material yearly.",
    enforcement=MANDATORY,
    resource_types=KMS_KEY,
    control="Security Hub KMS.4",
)
def check_key_rotation(key: ResourceView, context: StackContext) -> list[str]:
    spec = key.props.get("customerMasterKeySpec") or key.props.get("keySpec") or "SYMMETRIC_DEFAULT"
    if spec != "SYMMETRIC_DEFAULT" or key.props.get("enableKeyRotation") is True:
        return []  # AWS rotates only symmetric encryption keys
    return ["enableKeyRotation is not true"]

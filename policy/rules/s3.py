"""S3: buckets are private, encrypted and TLS-only; bucket policies grant nobody anonymous access."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import BUCKET_ENCRYPTION, BUCKET_POLICY, BUCKETS, PUBLIC_ACCESS_BLOCK
from .values import as_list, document, get, pointing_at, statements

_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
_SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")


def _bucket_policies(bucket: ResourceView, context: StackContext) -> list[Any]:
    documents = [document(p.props.get("policy")) for p in pointing_at(bucket, context, BUCKET_POLICY, "bucket")]
    inline = bucket.props.get("policy")
    if inline:
        documents.append(document(inline))
    return documents


# Security Hub S3.8 (bucket level; S3.1 is the account-level equivalent).
@rule(
    "s3-bucket-public-access-blocked",
    "S3 buckets have a public access block with all four settings on.",
    enforcement=MANDATORY,
    resource_types=BUCKETS,
    control="Security Hub S3.8",
    cross_resource=True,
)
def check_public_access_block(bucket: ResourceView, context: StackContext) -> list[str]:
    blocks = pointing_at(bucket, context, PUBLIC_ACCESS_BLOCK, "bucket")
    if not blocks:
        return ["no BucketPublicAccessBlock for this bucket; add one with all four settings true"]
    problems = []
    for block in blocks:
        off = [flag for flag in _BLOCK_FLAGS if block.props.get(flag) is not True]
        if off:
            problems.append(f"BucketPublicAccessBlock {block.name} leaves {', '.join(off)} off; set all four to true")
    return problems


# Security Hub S3.4 / Config rule s3-bucket-server-side-encryption-enabled. S3 encrypts new objects by
# default since 2023; the rule keeps the key choice explicit in the program.
@rule(
    "s3-bucket-encrypted",
    "S3 buckets declare default server-side encryption.",
    enforcement=MANDATORY,
    resource_types=BUCKETS,
    control="Security Hub S3.4",
    cross_resource=True,
)
def check_bucket_encryption(bucket: ResourceView, context: StackContext) -> list[str]:
    algorithms = [
        get(
            bucket.props,
            "serverSideEncryptionConfiguration",
            "rule",
            "applyServerSideEncryptionByDefault",
            "sseAlgorithm",
        )
    ]
    for config in pointing_at(bucket, context, BUCKET_ENCRYPTION, "bucket"):
        for encryption_rule in as_list(config.props.get("rules")):
            algorithms.append(get(encryption_rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
    if any(a in _SSE_ALGORITHMS for a in algorithms):
        return []
    return [
        "no default encryption configured (BucketServerSideEncryptionConfiguration with sseAlgorithm "
        f"{' / '.join(_SSE_ALGORITHMS)})"
    ]


def _denies_insecure_transport(statement: Mapping[str, Any]) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    value = get(statement, "Condition", "Bool", "aws:SecureTransport")
    return any(str(v).lower() == "false" for v in as_list(value))


# Security Hub S3.5.
@rule(
    "s3-bucket-tls-only",
    "S3 bucket policies deny requests that do not use TLS.",
    enforcement=MANDATORY,
    resource_types=BUCKETS,
    control="Security Hub S3.5",
    cross_resource=True,
)
def check_bucket_tls_only(bucket: ResourceView, context: StackContext) -> list[str]:
    for policy in _bucket_policies(bucket, context):
        if any(_denies_insecure_transport(s) for s in statements(policy)):
            return []
    return ['no bucket policy statement denies requests with "aws:SecureTransport": "false"']


def _is_public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS"))


# Security Hub S3.2 / S3.3 (public read / write), on the policy as written.
@rule(
    "s3-bucket-policy-not-public",
    "S3 bucket policies do not allow anyone (Principal *) without a condition.",
    enforcement=MANDATORY,
    resource_types=BUCKET_POLICY,
    control="Security Hub S3.2/S3.3",
)
def check_bucket_policy_not_public(policy: ResourceView, context: StackContext) -> list[str]:
    parsed = document(policy.props.get("policy"))
    if parsed is None:
        return ["policy is not a JSON document"]
    return [
        f"statement {s.get('Sid', index)} allows anyone (Principal *) without a condition"
        for index, s in enumerate(statements(parsed))
        if s.get("Effect") == "Allow" and _is_public_principal(s.get("Principal")) and not s.get("Condition")
    ]

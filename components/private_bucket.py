"""The S3 bucket every component creates: private, encrypted, TLS-only, with tidy lifecycle rules."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, Flag, Integer
from .iam import policy_document
from .options import child, component_type, stateful, with_former_type
from .outputs import register_declared_outputs
from .tags import TAGS, with_tags
from .validation import ArgumentProblems


class PrivateBucketArgs(TypedDict, total=False):
    """Arguments of `PrivateBucket`."""

    protect_data: bool
    """Protect and retain the bucket; otherwise it is emptied on destroy."""
    expiry_days: int
    """Delete objects this many days after creation."""
    tags: dict[str, str]
    """Tags of the bucket."""


PRIVATE_BUCKET_ARGS = Arguments(
    PrivateBucketArgs,
    {
        "protect_data": Flag(default=False),
        # S3 takes any positive number of days; ten years bounds a typo such as 36500.
        "expiry_days": Integer(low=1, high=3650, otherwise="objects are kept"),
        "tags": TAGS,
    },
)


class PrivateBucket(pulumi.ComponentResource):
    """A bucket with public access blocked, SSE-S3 encryption, a TLS-only policy, incomplete multipart
    uploads aborted after 7 days and optional expiry."""

    name: pulumi.Output[str]
    """The bucket's name."""
    arn: pulumi.Output[str]
    """The bucket's ARN."""

    def __init__(self, name: str, args: PrivateBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = ArgumentProblems("PrivateBucket")
        PRIVATE_BUCKET_ARGS.check(args, problems)
        problems.raise_if_any()
        super().__init__(
            component_type("PrivateBucket"),
            name,
            None,
            with_former_type("PrivateBucket", with_tags(args.get("tags"), opts)),
        )
        protect = PRIVATE_BUCKET_ARGS.value(args, "protect_data")
        expiry = args.get("expiry_days")

        # The bucket carries the component's own name: it is the thing the component stands for.
        bucket = aws.s3.Bucket(name, force_destroy=not protect, opts=stateful(self, protect))
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child(self),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    # SSE-S3: no key policy to manage and no kms:* grants for the tasks.
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=child(self),
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=policy_document(
                [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ]
            ),
            # S3 rejects concurrent changes to a bucket's access settings.
            opts=child(self, depends_on=[public_access]),
        )
        # A task stopped in the middle of a multipart upload leaves parts that are billed until aborted.
        rules = [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="abort-incomplete-uploads",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=7
                ),
            )
        ]
        if expiry is not None:
            rules.append(
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-objects",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=expiry),
                )
            )
        aws.s3.BucketLifecycleConfiguration(f"{name}-lifecycle", bucket=bucket.id, rules=rules, opts=child(self))
        self.name = bucket.bucket
        self.arn = bucket.arn
        register_declared_outputs(self)

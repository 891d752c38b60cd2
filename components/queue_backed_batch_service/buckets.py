"""The pipeline's input and output buckets: new private buckets, or existing ones left as they are."""

from __future__ import annotations

from typing import NamedTuple

import pulumi
import pulumi_aws as aws

from ..options import child
from ..private_bucket import PrivateBucket, PrivateBucketArgs


class Bucket(NamedTuple):
    name: pulumi.Output[str]
    arn: pulumi.Output[str]


def pipeline_bucket(
    parent: pulumi.Resource,
    logical_name: str,
    existing: pulumi.Input[str] | None,
    expiry_days: int | None,
    *,
    protect_data: bool,
) -> Bucket:
    """A new private, encrypted, TLS-only bucket; an existing bucket stays as its owner configured it."""
    if existing is not None:
        partition = aws.get_partition_output().partition
        name = pulumi.Output.from_input(existing)
        return Bucket(name, pulumi.Output.concat("arn:", partition, ":s3:::", name))
    args: PrivateBucketArgs = {"protect_data": protect_data}
    if expiry_days is not None:
        args["expiry_days"] = expiry_days
    bucket = PrivateBucket(logical_name, args, opts=child(parent))
    return Bucket(bucket.name, bucket.arn)

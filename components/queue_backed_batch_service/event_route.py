"""The route from the input bucket to the queue: S3 → EventBridge → SQS.

Rather than an S3 notification straight to SQS: EventBridge can match suffixes ignoring case, and it
never sends the s3:TestEvent that a direct notification posts to the queue when it is configured.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from ..options import child
from .buckets import Bucket
from .queue_access import allow_service_to_send


def object_created_pattern(bucket_name: pulumi.Input[str], prefixes: list[str], suffixes: list[str]) -> dict[str, Any]:
    """EventBridge pattern for objects created in the bucket (PutObject, POST, CopyObject and
    CompleteMultipartUpload all emit "Object Created").

    A pattern cannot require both a prefix and a suffix of the same field, so with both the rule matches
    the prefixes: they are case-sensitive like the task role's read grant, and a key the worker could not
    read never reaches the queue. The worker's INPUT_SUFFIXES then deletes keys with other suffixes unread.
    """
    detail: dict[str, Any] = {"bucket": {"name": [bucket_name]}}
    if prefixes:
        detail["object"] = {"key": [{"prefix": prefix} for prefix in prefixes]}
    elif suffixes:
        detail["object"] = {"key": [{"suffix": {"equals-ignore-case": suffix}} for suffix in suffixes]}
    return {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": detail}


def object_created_route(
    parent: pulumi.Resource,
    name: str,
    bucket: Bucket,
    queue: aws.sqs.Queue,
    prefixes: list[str],
    suffixes: list[str],
) -> aws.cloudwatch.EventRule:
    """Sends the bucket's events to EventBridge and queues those the rule matches; returns the rule."""
    aws.s3.BucketNotification(f"{name}-input-to-eventbridge", bucket=bucket.name, eventbridge=True, opts=child(parent))
    rule = aws.cloudwatch.EventRule(
        f"{name}-object-created",
        description=f"Objects created in the input bucket of {name}",
        event_pattern=pulumi.Output.json_dumps(object_created_pattern(bucket.name, prefixes, suffixes)),
        opts=child(parent),
    )
    account_id = aws.get_caller_identity_output().account_id
    queue_policy = allow_service_to_send(
        parent,
        name,
        queue,
        sid="OnlyTheObjectCreatedRule",
        service="events.amazonaws.com",
        condition={
            "ArnEquals": {"aws:SourceArn": rule.arn},
            "StringEquals": {"aws:SourceAccount": account_id},
        },
    )
    aws.cloudwatch.EventTarget(
        f"{name}-to-queue", rule=rule.name, arn=queue.arn, opts=child(parent, depends_on=[queue_policy])
    )
    return rule

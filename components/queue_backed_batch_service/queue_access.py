"""The queue policy that lets one AWS service deliver to the work queue, and only from the given sources."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from ..iam import policy_document
from ..options import child


def allow_service_to_send(
    parent: pulumi.Resource, name: str, queue: aws.sqs.Queue, *, sid: str, service: str, condition: dict[str, Any]
) -> aws.sqs.QueuePolicy:
    """`service` (a service principal) may sqs:SendMessage to `queue` only under `condition`."""
    return aws.sqs.QueuePolicy(
        f"{name}-queue-policy",
        queue_url=queue.url,
        policy=policy_document(
            [
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sqs:SendMessage",
                    "Resource": queue.arn,
                    "Condition": condition,
                }
            ]
        ),
        opts=child(parent),
    )

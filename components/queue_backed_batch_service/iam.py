"""What the workers may do: consume their own queue, read their inputs, write their outputs, and hold
scale-in protection on their own tasks. Each statement names the exact resources."""

from __future__ import annotations

from typing import Any

import pulumi

from .buckets import Bucket


def worker_statements(
    queue_arn: pulumi.Output[str],
    dlq_arn: pulumi.Output[str],
    input_bucket: Bucket | None,
    output: Bucket,
    prefixes: list[str],
    cluster_arn: pulumi.Output[str],
) -> list[dict[str, Any]]:
    """The task role's statements; reading is limited to `prefixes` (the whole bucket without them)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ConsumeOwnQueue",
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
            ],
            "Resource": queue_arn,
        },
        {
            "Sid": "DeadLetterUnprocessableInputs",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": dlq_arn,
        },
        {
            "Sid": "WriteOutputBucket",
            "Effect": "Allow",
            # DeleteObject: a re-processed input replaces its earlier outputs, e.g. drops a stale error report,
            # and a failed commit removes the outputs it had created. GetObject: HeadObject reads the current
            # output's source metadata before a conditional commit, and recognises a commit whose answer was lost.
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject"],
            "Resource": pulumi.Output.concat(output.arn, "/*"),
        },
        {
            "Sid": "FindOwnOutputs",
            "Effect": "Allow",
            # Without s3:ListBucket, S3 answers HeadObject of a missing key with 403 instead of 404, and a
            # new output could not be told from a refused read.
            "Action": "s3:ListBucket",
            "Resource": output.arn,
        },
        {
            "Sid": "HoldScaleInProtectionWhileBusy",
            "Effect": "Allow",
            "Action": ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"],
            # Tasks of this cluster: arn:...:task/<cluster-name>/<task-id>.
            "Resource": cluster_arn.apply(lambda arn: arn.replace(":cluster/", ":task/", 1) + "/*"),
        },
    ]
    if input_bucket is not None:
        statements.insert(
            1,
            {
                "Sid": "ReadInputObjects",
                "Effect": "Allow",
                # GetObjectVersion: in a versioned input bucket the worker reads the version its event announced.
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": [pulumi.Output.concat(input_bucket.arn, "/", prefix, "*") for prefix in prefixes or [""]],
            },
        )
    return statements

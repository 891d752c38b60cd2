"""IAM policy documents built from Outputs, so statements can name the exact ARNs they grant."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from .json_document import json_document


def policy_document(statements: pulumi.Input[list[dict[str, Any]]]) -> pulumi.Output[str]:
    if isinstance(statements, pulumi.Output):
        # Its value arrives plain; awaiting it as a leaf would lift every statement field into an Output.
        return statements.apply(policy_document)
    return json_document({"Version": "2012-10-17", "Statement": statements})


def service_assume_role_policy(service: str) -> pulumi.Output[str]:
    """Trust policy for an AWS service principal, limited to this account (confused-deputy guard)."""
    account_id = aws.get_caller_identity_output().account_id
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ]
    )

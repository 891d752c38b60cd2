"""IAM policy documents built from Outputs, so statements can name the exact ARNs they grant."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws


def policy_document(statements: pulumi.Input[list[dict[str, Any]]]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})


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

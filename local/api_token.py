"""The cats API token as the stack makes it, in moto: Secrets Manager generates the value into a secret,
and the processes receive what ECS would resolve from `secrets[].valueFrom` at task start."""

from __future__ import annotations

import uuid

from ecs_workloads.generated_secret import random_password_request

from .aws import Aws


def create_token_secret(aws: Aws, prefix: str = "cats-api-token") -> str:
    """A new secret holding a value Secrets Manager generated with the stack's rules; returns its ARN."""
    secrets = aws.client("secretsmanager")
    value = secrets.get_random_password(**random_password_request())["RandomPassword"]
    return secrets.create_secret(Name=f"{prefix}-{uuid.uuid4().hex[:7]}", SecretString=value)["ARN"]


def resolve_secret(aws: Aws, arn: str) -> str:
    """The secret's current value, as the ECS agent reads it with the execution role's GetSecretValue."""
    return aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]

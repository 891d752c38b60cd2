"""The container definition and the execution role's statements of a `FargateWorkload`."""

from __future__ import annotations

import re
from typing import Any

import pulumi

from ..json_document import resolved
from .args import (
    CONTAINER_HEALTH_CHECK_ARGS,
    FARGATE_WORKLOAD_ARGS,
    SECRETS_MANAGER_REFERENCE,
    SSM_PARAMETER_ARN,
    FargateWorkloadArgs,
)

_ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)")
# A complete secret ARN ends in the hyphen and six random characters Secrets Manager appends to the name;
# without them the ARN is partial, and Secrets Manager reads a name ending like that as complete
# (GetSecretValue SecretId, secretsmanager service model).
_COMPLETE_SECRET_ARN = re.compile(r"-[A-Za-z0-9]{6}$")
SCRATCH_VOLUME = "scratch"


def ecr_repository_arn(image: str) -> str | None:
    """A private ECR image given by URI still needs pull permission on its repository."""
    match = _ECR_IMAGE.match(image)
    if not match:
        return None
    account, region, repository = match.groups()
    return f"arn:aws:ecr:{region}:{account}:repository/{repository}"


def execution_statements(
    log_group_arn: pulumi.Input[str], repository_arn: pulumi.Input[str] | None, secrets: dict[str, Any]
) -> pulumi.Output[list[dict[str, Any]]]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            # One apply rather than Output.concat, which makes an Output of every part, twice.
            "Resource": pulumi.Output.from_input(log_group_arn).apply(lambda arn: f"{arn}:log-stream:*"),
        }
    ]
    if repository_arn is not None:
        statements += [
            {
                "Sid": "EcrAuth",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                # GetAuthorizationToken has no resource-level permissions.
                "Resource": "*",
            },
            {
                "Sid": "PullOwnImage",
                "Effect": "Allow",
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                "Resource": repository_arn,
            },
        ]
    # Secret ARNs may be Outputs, so which service each belongs to is decided once they are known.
    secret_statements = pulumi.Output.all(*secrets.values()).apply(_secret_statements)
    return resolved([statements, secret_statements], lambda parts: parts[0] + parts[1])


def _secret_statements(arns: list[str]) -> list[dict[str, Any]]:
    parameters = sorted(arn for arn in arns if SSM_PARAMETER_ARN.match(arn))
    secret_arns = sorted({secret_resource(arn) for arn in arns if arn not in parameters})
    statements = []
    if parameters:
        statements.append(
            {"Sid": "ReadListedParameters", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameters}
        )
    if secret_arns:
        statements.append(
            {
                "Sid": "ReadListedSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arns,
            }
        )
    return statements


def secret_resource(reference: str) -> str:
    """The IAM resource that lets ECS resolve the Secrets Manager `valueFrom` `reference`. IAM authorizes
    GetSecretValue on the secret's own ARN, so a JSON key, version stage or version id is cut off; a partial
    ARN gets the six-character wildcard `-??????` that the Secrets Manager User Guide ("Permissions policy
    examples": secret ARNs end in a hyphen and six random characters) gives for matching a secret by name."""
    match = SECRETS_MANAGER_REFERENCE.match(reference)
    if match is None:
        # Validation admits only SSM parameters and these; an Output's value is checked here, at deploy time.
        raise ValueError(f"not a Secrets Manager secret reference: {reference}")
    arn = match[1]
    return arn if _COMPLETE_SECRET_ARN.search(arn) else f"{arn}-??????"


def container_definition(
    args: FargateWorkloadArgs,
    container_name: str,
    image_uri: pulumi.Input[str],
    log_group_name: pulumi.Input[str],
    region: pulumi.Input[str],
    readonly: bool,
) -> dict[str, Any]:
    value = FARGATE_WORKLOAD_ARGS.value
    container: dict[str, Any] = {
        "name": container_name,
        "image": image_uri,
        "essential": True,
        "privileged": False,
        "readonlyRootFilesystem": readonly,
        "stopTimeout": value(args, "stop_timeout"),
        # An init process reaps zombies and forwards SIGTERM, so graceful shutdown works.
        "linuxParameters": {"initProcessEnabled": True},
        "environment": [{"name": k, "value": v} for k, v in sorted(value(args, "environment").items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(value(args, "secrets").items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": region,
                "awslogs-stream-prefix": container_name,
            },
        },
    }
    if "command" in args:
        container["command"] = args["command"]
    if "entry_point" in args:
        container["entryPoint"] = args["entry_point"]
    if "user" in args:
        container["user"] = args["user"]
    if "port" in args:
        mapping: dict[str, Any] = {"containerPort": args["port"], "protocol": "tcp"}
        if value(args, "network_mode") == "bridge":
            # hostPort 0: ECS picks a free port from the instance's ephemeral range for each task.
            mapping["hostPort"] = args.get("host_port", 0)
        container["portMappings"] = [mapping]
    if "gpus" in args:
        container["resourceRequirements"] = [{"type": "GPU", "value": str(args["gpus"])}]
    if "memory_reservation" in args:
        container["memoryReservation"] = args["memory_reservation"]
    if "health_check" in args:
        check = args["health_check"]
        health = CONTAINER_HEALTH_CHECK_ARGS.value
        container["healthCheck"] = {
            "command": check["command"],
            "interval": health(check, "interval"),
            "timeout": health(check, "timeout"),
            "retries": health(check, "retries"),
            "startPeriod": health(check, "start_period"),
        }
    if readonly:
        container["mountPoints"] = [{"sourceVolume": SCRATCH_VOLUME, "containerPath": "/tmp", "readOnly": False}]
    return container

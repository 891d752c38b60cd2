"""The container definition and the execution role's statements of a `FargateWorkload`."""

from __future__ import annotations

import re
from typing import Any

import pulumi

from ..json_document import resolved
from .args import (
    CONTAINER_DEPENDENCY_ARGS,
    CONTAINER_HEALTH_CHECK_ARGS,
    FARGATE_WORKLOAD_ARGS,
    SECRETS_MANAGER_REFERENCE,
    SIDECAR_ARGS,
    SSM_PARAMETER_ARN,
    FargateWorkloadArgs,
    SidecarContainer,
)
from .log_routing import Route

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


def exec_statements() -> list[dict[str, Any]]:
    """What the task role needs for ECS Exec: the Session Manager channels the ECS agent opens for
    `execute-command` (ECS Developer Guide, "Monitor Amazon ECS containers with ECS Exec", IAM permissions)."""
    return [
        {
            "Sid": "EcsExecChannel",
            "Effect": "Allow",
            "Action": [
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
            # The Session Manager message channels have no resource-level permissions.
            "Resource": "*",
        }
    ]


def secret_references(args: FargateWorkloadArgs) -> list[pulumi.Input[str]]:
    """Every container's secret references: what the execution role may read, and nothing else."""
    value = FARGATE_WORKLOAD_ARGS.value
    references = list(value(args, "secrets").values())
    for sidecar in value(args, "sidecars"):
        references += SIDECAR_ARGS.value(sidecar, "secrets").values()
    return references


def sidecar_repository_arns(args: FargateWorkloadArgs) -> list[str]:
    """The private ECR repositories of the sidecars' images, which the execution role pulls from too."""
    images = (sidecar["image"] for sidecar in FARGATE_WORKLOAD_ARGS.value(args, "sidecars"))
    return sorted({arn for image in images if isinstance(image, str) and (arn := ecr_repository_arn(image))})


def execution_statements(
    log_group_arn: pulumi.Input[str],
    repository_arns: list[pulumi.Input[str]],
    secrets: list[pulumi.Input[str]],
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
    if repository_arns:
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
                # One repository is written as one ARN, as the policies deployed before sidecars have it.
                "Resource": repository_arns[0] if len(repository_arns) == 1 else repository_arns,
            },
        ]
    # Secret ARNs may be Outputs, so which service each belongs to is decided once they are known.
    secret_statements = pulumi.Output.all(*secrets).apply(_secret_statements)
    return resolved([statements, secret_statements], lambda parts: parts[0] + parts[1])


def _secret_statements(arns: list[str]) -> list[dict[str, Any]]:
    parameters = sorted({arn for arn in arns if SSM_PARAMETER_ARN.match(arn)})
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


def scratch_volume(container_name: str, main: bool) -> str:
    """The writable `/tmp` of a read-only container; each container has its own, so none reads another's
    scratch files. The main container's keeps its first name, which deployed task definitions carry."""
    return SCRATCH_VOLUME if main else f"{SCRATCH_VOLUME}-{container_name}"


def container_definitions(
    args: FargateWorkloadArgs,
    container_name: str,
    image_uri: pulumi.Input[str],
    log_group_name: pulumi.Input[str],
    region: pulumi.Input[str],
    route: Route | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The main container, then each sidecar in the order given, then the log router when the logs are
    routed, and the scratch volumes they mount."""
    containers = [container_definition(args, container_name, image_uri, log_group_name, region, route)]
    for sidecar in FARGATE_WORKLOAD_ARGS.value(args, "sidecars"):
        containers.append(sidecar_definition(args, sidecar, log_group_name, region, route))
    if route is not None:
        _wait_for_router(containers, route)
        containers.append(router_definition(args, route, log_group_name, region))
    volumes = [mount["sourceVolume"] for container in containers for mount in container.get("mountPoints", [])]
    return containers, volumes


def container_definition(
    args: FargateWorkloadArgs,
    container_name: str,
    image_uri: pulumi.Input[str],
    log_group_name: pulumi.Input[str],
    region: pulumi.Input[str],
    route: Route | None = None,
) -> dict[str, Any]:
    value = FARGATE_WORKLOAD_ARGS.value
    container = _common(args, container_name, image_uri, log_group_name, region, args, essential=True, route=route)
    if "port" in args:
        mapping: dict[str, Any] = {"containerPort": args["port"], "protocol": "tcp"}
        if value(args, "network_mode") == "bridge":
            # hostPort 0: ECS picks a free port from the instance's ephemeral range for each task.
            mapping["hostPort"] = args.get("host_port", 0)
        if "port_name" in args:
            mapping["name"] = args["port_name"]
        if "app_protocol" in args:
            mapping["appProtocol"] = args["app_protocol"]
        container["portMappings"] = [mapping]
    if "gpus" in args:
        container["resourceRequirements"] = [{"type": "GPU", "value": str(args["gpus"])}]
    if "memory_reservation" in args:
        container["memoryReservation"] = args["memory_reservation"]
    _finish(container, args, container_name, main=True)
    return container


def sidecar_definition(
    args: FargateWorkloadArgs,
    sidecar: SidecarContainer,
    log_group_name: pulumi.Input[str],
    region: pulumi.Input[str],
    route: Route | None = None,
) -> dict[str, Any]:
    """A sidecar as ECS takes it: logged like the main container, under its own stream prefix."""
    value = SIDECAR_ARGS.value
    name = sidecar["name"]
    essential = value(sidecar, "essential")
    container = _common(sidecar, name, sidecar["image"], log_group_name, region, args, essential=essential, route=route)
    if "port" in sidecar:
        mapping: dict[str, Any] = {"containerPort": sidecar["port"], "protocol": "tcp"}
        if FARGATE_WORKLOAD_ARGS.value(args, "network_mode") == "bridge":
            mapping["hostPort"] = 0
        container["portMappings"] = [mapping]
    for key in ("cpu", "memory"):
        if key in sidecar:
            container[key] = sidecar[key]
    _finish(container, sidecar, name, main=False)
    return container


def _common(
    given: Any,
    name: str,
    image: pulumi.Input[str],
    log_group_name: pulumi.Input[str],
    region: pulumi.Input[str],
    workload: FargateWorkloadArgs,
    *,
    essential: bool,
    route: Route | None = None,
) -> dict[str, Any]:
    """What every container of the task has: its image, unprivileged and (by default) read-only, an init
    process, its environment and secrets, and its logs: in the workload's log group, or through the log
    router when given a route."""
    value = FARGATE_WORKLOAD_ARGS.value
    container = {
        "name": name,
        "image": image,
        "essential": essential,
        "privileged": False,
        "readonlyRootFilesystem": value(given, "readonly_root_filesystem"),
        # One stop timeout for the task: ECS stops the containers together.
        "stopTimeout": value(workload, "stop_timeout"),
        # An init process reaps zombies and forwards SIGTERM, so graceful shutdown works.
        "linuxParameters": {"initProcessEnabled": True},
        "environment": [{"name": k, "value": v} for k, v in sorted(value(given, "environment").items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(value(given, "secrets").items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": region,
                "awslogs-stream-prefix": name,
            },
        },
    }
    if route is not None:
        container["logConfiguration"] = route.log_configuration(name)
    return container


def router_definition(
    args: FargateWorkloadArgs, route: Route, log_group_name: pulumi.Input[str], region: pulumi.Input[str]
) -> dict[str, Any]:
    """The FireLens log router: what every container has (read-only with its own scratch `/tmp`, where
    Fluent Bit's s3 output buffers: its store_dir is /tmp/fluent-bit/s3), its own logs by awslogs."""
    container = _common({}, route.name, "", log_group_name, region, args, essential=True)
    container.update(route.router_fields())
    _finish(container, {}, route.name, main=False)
    return container


def _wait_for_router(containers: list[dict[str, Any]], route: Route) -> None:
    """Each container whose logs go through the router starts after it (and ECS stops it before)."""
    for container in containers:
        waits = container.setdefault("dependsOn", [])
        if all(entry["containerName"] != route.name for entry in waits):
            waits.append(route.dependency())


def _finish(container: dict[str, Any], given: Any, name: str, *, main: bool) -> None:
    """The fields both kinds of container take from their own arguments, after their kind's own."""
    if "command" in given:
        container["command"] = given["command"]
    if "entry_point" in given:
        container["entryPoint"] = given["entry_point"]
    if "user" in given:
        container["user"] = given["user"]
    if "health_check" in given:
        check = given["health_check"]
        health = CONTAINER_HEALTH_CHECK_ARGS.value
        container["healthCheck"] = {
            "command": check["command"],
            "interval": health(check, "interval"),
            "timeout": health(check, "timeout"),
            "retries": health(check, "retries"),
            "startPeriod": health(check, "start_period"),
        }
    if "depends_on" in given:
        container["dependsOn"] = [
            {"containerName": entry["container"], "condition": CONTAINER_DEPENDENCY_ARGS.value(entry, "condition")}
            for entry in given["depends_on"]
        ]
    if container["readonlyRootFilesystem"]:
        container["mountPoints"] = [
            {"sourceVolume": scratch_volume(name, main), "containerPath": "/tmp", "readOnly": False}
        ]

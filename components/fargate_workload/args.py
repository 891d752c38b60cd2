"""What a `FargateWorkload` takes: each argument's facts, declared once, and the rules that tie them."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Required, TypedDict

import pulumi

from ..arguments import MISSING, Arguments, Check, Flag, Identifier, Integer, Items, Nested, NestedList, OneOf, Text
from ..fargate_sizes import FARGATE_MEMORY_BY_CPU, FARGATE_MEMORY_RANGE, fargate_memory_problem
from ..job_fields import ENV_NAME, SECRET_LOOKING_NAME
from ..name_limits import ECR_REPOSITORY, IAM_ROLE, IAM_ROLE_POLICY, LOG_GROUP, SECURITY_GROUP, ComponentNames
from ..service_connect import APP_PROTOCOL, PORT_NAME
from ..tags import TAGS
from ..validation import ArgumentProblems, is_known
from .container_order import ContainerFacts, order_problems
from .log_routing import LOG_ROUTING_ARGS, LogRouting, router_facts
from .volumes import EFS_VOLUMES, EfsVolume, efs_volumes_fit, subnets_for_mount_targets, volume_names_fit

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
SSM_PARAMETER_ARN = re.compile(r"^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/.+$")
# A Secrets Manager `valueFrom` (ECS Developer Guide, "Pass Secrets Manager secrets through Amazon ECS
# environment variables"): the secret's ARN, optionally followed by `:json-key:version-stage:version-id`,
# all three colons present and each part possibly empty (`...:secret:name-AbCdEf:username::`). Group 1 is
# the secret's own ARN, which is what IAM authorizes GetSecretValue on; secret names are letters, digits
# and /_+=.@- (CreateSecret Name, secretsmanager service model).
SECRETS_MANAGER_REFERENCE = re.compile(
    r"^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+)(?::[^:]*:[^:]*:[^:]*)?$"
)
# RegisterTaskDefinition: family and container names are up to 255 letters, digits, hyphens and underscores.
_ECS_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_USER = re.compile(r"^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$")


class ContainerHealthCheck(TypedDict, total=False):
    """A container health check run by the ECS agent."""

    command: Required[list[str]]
    """The check, e.g. `["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]`."""
    interval: int
    """Seconds between checks."""
    timeout: int
    """Seconds before a check counts as failed."""
    retries: int
    """Consecutive failures before the container is unhealthy."""
    start_period: int
    """Grace seconds after start before failures count."""


def _is_check_command(value: Any) -> bool:
    return isinstance(value, list) and len(value) >= 2 and value[0] in ("CMD", "CMD-SHELL")


# HealthCheck (ECS API reference): interval 5-300 s, timeout 2-60 s, retries 1-10, startPeriod 0-300 s.
CONTAINER_HEALTH_CHECK_ARGS = Arguments(
    ContainerHealthCheck,
    {
        "command": Check(test=_is_check_command, says='a list starting with "CMD" or "CMD-SHELL" and the check'),
        "interval": Integer(low=5, high=300, default=30),
        "timeout": Integer(low=2, high=60, default=5),
        "retries": Integer(low=1, high=10, default=3),
        "start_period": Integer(low=0, high=300, default=0),
    },
)


class ContainerDependency(TypedDict, total=False):
    """A container that must reach a condition before this one starts (and, reversed, stop after it)."""

    container: Required[str]
    """Name of the awaited container: the main container or a sidecar."""
    condition: str
    """START (it has started), COMPLETE (it has exited), SUCCESS (it has exited with 0) or HEALTHY (its
    health check passes)."""


CONTAINER_DEPENDENCY_ARGS = Arguments(
    ContainerDependency,
    {
        "container": Text(pattern=_ECS_NAME, shape="a container name", max_length=255),
        # ContainerDependency.condition (ECS API reference, enum ContainerCondition).
        "condition": OneOf(values=("START", "COMPLETE", "SUCCESS", "HEALTHY"), default="START"),
    },
)

DEPENDS_ON = NestedList(arguments=CONTAINER_DEPENDENCY_ARGS, min_items=1, otherwise="none: starts with the others")


class SidecarContainer(TypedDict, total=False):
    """A further container of the task (a collector, a proxy, a one-off migration) beside the main one."""

    name: Required[str]
    """Container name, unique in the task."""
    image: Required[pulumi.Input[str]]
    """Image URI."""
    command: list[str]
    """Container command."""
    entry_point: list[str]
    """Container entry point."""
    environment: dict[str, pulumi.Input[str]]
    """Plain environment variables. Names that look like credentials are refused: use `secrets`."""
    secrets: dict[str, pulumi.Input[str]]
    """Environment variables resolved by ECS at start-up from SSM parameter or Secrets Manager ARNs; the
    execution role may read these too."""
    port: int
    """Container port (TCP) it listens on, unique in the task."""
    health_check: ContainerHealthCheck
    """Container health check (needed for another container to wait on it with HEALTHY)."""
    cpu: int
    """CPU units reserved for it out of the task's `cpu`."""
    memory: int
    """Hard memory limit in MiB out of the task's `memory`."""
    essential: bool
    """Stop the task when this container stops. Off for a container that runs to completion."""
    user: str
    """User (`uid[:gid]` or name) it runs as."""
    readonly_root_filesystem: bool
    """Mount its root filesystem read-only, with its own writable scratch volume at `/tmp`."""
    depends_on: list[ContainerDependency]
    """Containers that must reach a condition before this one starts."""


class BackendWorkloadArgs(TypedDict, total=False):
    """The workload as `BackendService` embeds it: what runs and how it is sized, secured and logged. The
    shape gives the VPC, subnets and data protection, and the backend names and speaks the port itself.
    `EmbeddedWorkloadArgs` and `FargateWorkloadArgs` extend it."""

    image: pulumi.Input[str]
    """Container image URI. Give this or `build_context`."""
    build_context: str
    """Directory with a Dockerfile; the image is built during `pulumi up` and pushed to a new ECR
    repository (scan on push). Give this or `image`."""
    dockerfile: str
    """The Dockerfile of a `build_context` build, when it is not `<build_context>/Dockerfile` (an image
    built from the repository root names its own)."""
    image_retention_count: int
    """Images kept in the ECR repository created for `build_context`."""
    family: str
    """Task definition family, unique per stack."""
    container_name: str
    """Name of the container."""
    cpu: int
    """CPU units."""
    memory: int
    """Memory in MiB; must be valid for `cpu` on Fargate."""
    cpu_architecture: str
    """CPU architecture (ARM64 is about 20% cheaper)."""
    compatibility: str
    """Where the task definition runs (requiresCompatibilities): FARGATE, EC2 (Auto Scaling group capacity)
    or MANAGED_INSTANCES."""
    network_mode: str
    """`awsvpc` (each task its own network interface and security group) or, on EC2 only, `bridge`
    (Docker's bridge on the instance; tasks are reached on a host port through the instances' security group)."""
    host_port: int
    """Bridge mode: the instance port mapped to `port`. Default: a dynamic port from the ephemeral range,
    so several tasks fit on one instance."""
    gpus: int
    """GPUs reserved for the container (resourceRequirements GPU); not on Fargate."""
    memory_reservation: int
    """Container-level soft memory limit in MiB (memoryReservation): what placement reserves, while
    `memory` stays the hard limit."""
    ephemeral_storage_gib: int
    """Task storage in GiB."""
    command: list[str]
    """Container command."""
    entry_point: list[str]
    """Container entry point."""
    environment: dict[str, pulumi.Input[str]]
    """Plain environment variables. Names that look like credentials are refused: use `secrets`."""
    secrets: dict[str, pulumi.Input[str]]
    """Environment variables resolved by ECS at start-up from SSM parameter or Secrets Manager ARNs.
    The execution role may read exactly these."""
    port: int
    """Container port (TCP) the workload listens on."""
    health_check: ContainerHealthCheck
    """Container health check."""
    stop_timeout: int
    """Seconds between SIGTERM and SIGKILL when a task stops."""
    readonly_root_filesystem: bool
    """Mount the root filesystem read-only; a writable scratch volume is mounted at `/tmp`."""
    user: str
    """User (`uid[:gid]` or name) the container runs as."""
    depends_on: list[ContainerDependency]
    """Sidecars that must reach a condition before the main container starts."""
    enable_execute_command: bool
    """Allow `aws ecs execute-command` into every container of the tasks: the task role gets the Session
    Manager channel permissions, and services and schedules start their tasks with ECS Exec on."""
    sidecars: list[SidecarContainer]
    """Further containers of the task, started after what they depend on and logged like the main one."""
    log_routing: LogRouting
    """Route every container's logs through a FireLens log router (AWS for Fluent Bit) to CloudWatch Logs,
    S3 or Firehose; the task role may write to that destination only."""
    efs_volumes: list[EfsVolume]
    """EFS file systems, existing or created, mounted over TLS with the task role as IAM identity."""
    log_retention_days: int
    """CloudWatch Logs retention in days."""
    tags: dict[str, str]
    """Tags of the workload's resources (roles, log group, security group, task definition, repository)."""


class EmbeddedWorkloadArgs(BackendWorkloadArgs, total=False):
    """The workload as `AlbWebService`, `QueueBackedBatchService` and `ScheduledEcsTask` embed it: every
    field of `FargateWorkloadArgs` but `vpc_id`, `subnet_ids` (from the shape's placement) and `protect_data`
    (the shape's own)."""

    port_name: str
    """Name of the port mapping of `port`, by which ECS Service Connect publishes it."""
    app_protocol: str
    """Application protocol of the named port, which Service Connect's proxy speaks and measures."""


class FargateWorkloadArgs(EmbeddedWorkloadArgs, total=False):
    """Arguments of `FargateWorkload`: what runs and how it is sized, secured and logged."""

    vpc_id: Required[pulumi.Input[str]]
    """VPC of the workload's security group (a shape takes it from its placement)."""
    subnet_ids: list[pulumi.Input[str]]
    """Subnets of the tasks, where a file system that `efs_volumes` creates gets its mount targets (a shape
    takes them from its placement)."""
    protect_data: bool
    """Protect and retain the log group and ECR repository on delete."""


def _is_image_uri(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and " " not in value


def _is_non_root_user(value: Any) -> bool:
    return isinstance(value, str) and _USER.match(value) is not None and value.split(":")[0] not in ("0", "root")


def _is_mapping(value: Any) -> bool:
    return isinstance(value, dict)


def _one_image_source(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    if ("image" in args) == ("build_context" in args):
        problems.add(f"{prefix}image", args.get("image"), "give exactly one of image and build_context")
    if "dockerfile" in args and "build_context" not in args:
        problems.add(f"{prefix}dockerfile", args["dockerfile"], "only with build_context")


def _fargate_size(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    if FARGATE_WORKLOAD_ARGS.value(args, "compatibility") != "FARGATE":
        return
    memory = FARGATE_WORKLOAD_ARGS.value(args, "memory")
    problem = fargate_memory_problem(FARGATE_WORKLOAD_ARGS.value(args, "cpu"), memory)
    if problem:
        problems.add(f"{prefix}memory", memory, problem)


def where_it_runs(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """What only some capacity accepts (RegisterTaskDefinition and the ECS Developer Guide's task definition
    differences by launch type)."""
    value = FARGATE_WORKLOAD_ARGS.value
    compatibility = value(args, "compatibility")
    mode = value(args, "network_mode")
    if mode == "bridge" and compatibility != "EC2":
        problems.add(f"{prefix}network_mode", mode, f"awsvpc on {compatibility}; bridge runs on EC2 capacity only")
    if "host_port" in args and mode != "bridge":
        problems.add(f"{prefix}host_port", args["host_port"], "only with network_mode bridge")
    if "gpus" in args and compatibility == "FARGATE":
        problems.add(f"{prefix}gpus", args["gpus"], "no GPUs on Fargate; place the workload on EC2 capacity with GPUs")
    if "ephemeral_storage_gib" in args and compatibility != "FARGATE":
        problems.add(
            f"{prefix}ephemeral_storage_gib",
            args["ephemeral_storage_gib"],
            "Fargate only; EC2 tasks use the instance's volume",
        )
    reservation = args.get("memory_reservation")
    if reservation is not None and reservation > value(args, "memory"):
        problems.add(f"{prefix}memory_reservation", reservation, f"at most memory ({value(args, 'memory')})")


def _named_port(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    # PortMapping.appProtocol applies to a named mapping only (ECS API reference, PortMapping).
    if "app_protocol" in args and "port_name" not in args:
        problems.add(f"{prefix}app_protocol", args["app_protocol"], "only with port_name")


def host_port_needs_port(args: Any, problems: ArgumentProblems, prefix: str = "") -> None:
    """A host port maps the container's `port`; without one it would map nothing. Not a declaration rule:
    a shape that sets the port itself (the stack's web service) is checked once the port is known."""
    if not isinstance(args, dict) or "port" in args:
        return
    for key in ("host_port", "port_name"):
        if key in args:
            problems.add(f"{prefix}{key}", args[key], "only with a port (the container port it maps)")


def environment_entries(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """Each bad `environment` or `secrets` entry, its value hidden where the name looks like a credential."""
    environment = FARGATE_WORKLOAD_ARGS.value(args, "environment")
    secrets = FARGATE_WORKLOAD_ARGS.value(args, "secrets")
    for key in environment:
        if not _is_env_name(key):
            problems.add(f"{prefix}environment.{key}", environment[key], "names are letters, digits and _")
        elif SECRET_LOOKING_NAME.search(key):
            problems.add(
                f"{prefix}environment.{key}",
                "<hidden>",
                "looks like a credential; pass it in `secrets` as an SSM parameter or Secrets Manager ARN",
            )
    for key, arn in secrets.items():
        if not _is_env_name(key):
            problems.add(f"{prefix}secrets.{key}", arn, "names are letters, digits and _")
        if is_known(arn) and not (isinstance(arn, str) and _is_secret_reference(arn)):
            problems.add(
                f"{prefix}secrets.{key}",
                arn,
                "an SSM parameter ARN or a Secrets Manager secret ARN, optionally with "
                ":json-key:version-stage:version-id",
            )
        if key in environment:
            problems.add(f"{prefix}secrets.{key}", arn, "also set in environment; a name must be one or the other")


def _is_secret_reference(arn: str) -> bool:
    return bool(SSM_PARAMETER_ARN.match(arn) or SECRETS_MANAGER_REFERENCE.match(arn))


def _is_env_name(key: Any) -> bool:
    return isinstance(key, str) and bool(ENV_NAME.match(key))


_STRING = Check(test=lambda value: isinstance(value, str), says="a string")
_IMAGE = Check(test=_is_image_uri, says="an image URI such as public.ecr.aws/org/app:1.2", otherwise="none")
_CONTAINER_NAME = Text(pattern=_ECS_NAME, shape="letters, digits, - and _", max_length=255)
_COMMAND = Items(item=_STRING, otherwise="the image's CMD")
_ENTRY_POINT = Items(item=_STRING, otherwise="the image's ENTRYPOINT")
_ENVIRONMENT = Check(default={}, test=_is_mapping, says="a mapping of variable names to values")
_SECRETS = Check(default={}, test=_is_mapping, says="a mapping of variable names to secret ARNs")
# Non-privileged ports only: the containers run as a non-root user.
_PORT = Integer(low=1024, high=65535, otherwise="none")
_HEALTH_CHECK = Nested(arguments=CONTAINER_HEALTH_CHECK_ARGS, otherwise="none")
_READONLY_ROOT = Flag(default=True)
_USER_SPEC = Check(
    test=_is_non_root_user,
    says="uid[:gid] or a user name, not root (the containers run as non-root), such as 10001:10001",
    otherwise="the image's USER",
)


SIDECAR_ARGS = Arguments(
    SidecarContainer,
    {
        "name": _CONTAINER_NAME,
        "image": _IMAGE,
        "command": _COMMAND,
        "entry_point": _ENTRY_POINT,
        "environment": _ENVIRONMENT,
        "secrets": _SECRETS,
        "port": _PORT,
        "health_check": _HEALTH_CHECK,
        # ContainerDefinition.cpu (ECS API reference): CPU units reserved for the container; the containers'
        # total must be lower than the task's cpu, which `containers_fit_together` checks.
        "cpu": Integer(low=1, high=max(FARGATE_MEMORY_BY_CPU), otherwise="none: it shares the unreserved CPU"),
        # ContainerDefinition.memory: a hard limit; Docker needs at least 6 MiB for a container.
        "memory": Integer(low=6, high=FARGATE_MEMORY_RANGE[1], otherwise="none: the task's memory limits it"),
        # ContainerDefinition.essential defaults to true in ECS; kept so.
        "essential": Flag(default=True),
        "user": _USER_SPEC,
        "readonly_root_filesystem": _READONLY_ROOT,
        "depends_on": DEPENDS_ON,
    },
    # Its environment and secrets fields are the main container's, so the same rule judges them.
    rules=[environment_entries],
)


def containers_fit_together(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """The main container and the sidecars make one task: unique names and ports, a start order ECS can
    follow (`order_problems`), and sidecar shares that leave the main container part of the task size."""
    value = FARGATE_WORKLOAD_ARGS.value
    main = value(args, "container_name")
    sidecars: list[Mapping[str, Any]] = value(args, "sidecars")
    taken = {main: "the main container"}
    for index, sidecar in enumerate(sidecars):
        if sidecar["name"] in taken:
            problems.add(
                f"{prefix}sidecars[{index}].name",
                sidecar["name"],
                f"a name of its own; {taken[sidecar['name']]} has it",
            )
        taken.setdefault(sidecar["name"], f"sidecars[{index}]")
    router = router_facts(args.get("log_routing"))
    if router is not None:
        if router[0] in taken:
            problems.add(f"{prefix}log_routing.name", router[0], f"a name of its own; {taken[router[0]]} has it")
        taken.setdefault(router[0], "log_routing")
    ports: dict[int, str] = {args["port"]: "the main container"} if "port" in args else {}
    for index, sidecar in enumerate(sidecars):
        if "port" in sidecar:
            if sidecar["port"] in ports:
                problems.add(
                    f"{prefix}sidecars[{index}].port",
                    sidecar["port"],
                    f"a port of its own; {ports[sidecar['port']]} listens on it",
                )
            ports.setdefault(sidecar["port"], sidecars[index]["name"])
    if len(taken) == len(sidecars) + 1 + (router is not None):
        order_problems(
            [
                ContainerFacts(main, prefix, _dependencies(value(args, "depends_on")), "health_check" in args, True),
                *([ContainerFacts(router[0], f"{prefix}log_routing.", [], False, True)] if router else []),
                *(
                    ContainerFacts(
                        sidecar["name"],
                        f"{prefix}sidecars[{index}].",
                        _dependencies(sidecar.get("depends_on")),
                        "health_check" in sidecar,
                        SIDECAR_ARGS.value(sidecar, "essential"),
                    )
                    for index, sidecar in enumerate(sidecars)
                ),
            ],
            problems,
        )
    # ContainerDefinition.cpu: "the total amount of CPU reserved for all containers within a task be lower
    # than the task-level cpu value"; the same holds for memory, and it leaves the main container its share.
    # The log router's memory reservation is a share like a sidecar's.
    for key, main_share in (("cpu", None), ("memory", args.get("memory_reservation"))):
        shares = [sidecar[key] for sidecar in sidecars if key in sidecar]
        if key == "memory" and router is not None:
            shares.append(router[1])
        total = sum(shares) + (main_share or 0)
        task = value(args, key)
        if shares and total >= task:
            with_main = " with the main container's memory_reservation" if main_share else ""
            problems.add(
                f"{prefix}sidecars" if sidecars else f"{prefix}log_routing.memory_reservation",
                f"{key} {total} in all{with_main}",
                f"less than the task's {key} ({task}), so the main container keeps a share",
            )


def _dependencies(given: Any) -> list[dict[str, str]]:
    return [
        {"container": entry["container"], "condition": CONTAINER_DEPENDENCY_ARGS.value(entry, "condition")}
        for entry in given or []
    ]


FARGATE_WORKLOAD_ARGS = Arguments(
    FargateWorkloadArgs,
    {
        "vpc_id": Identifier(shape="the VPC id"),
        "subnet_ids": Items(item=Identifier(shape="a subnet id"), otherwise="none: only efs_volumes create needs them"),
        "image": _IMAGE,
        "build_context": Text(shape="a directory path", otherwise="none"),
        "dockerfile": Text(shape="a file path", otherwise="<build_context>/Dockerfile"),
        # ECR lifecycle policies take any positive countNumber; a thousand images bounds a typo.
        "image_retention_count": Integer(low=1, high=1000, default=10),
        "family": Text(
            pattern=_ECS_NAME,
            shape="letters, digits, - and _",
            max_length=255,
            otherwise="`<project>-<stack>-<name>`",
        ),
        "container_name": replace(_CONTAINER_NAME, default="app"),
        # Fargate task sizes (ECS Developer Guide, "Task CPU and memory"); the pair is checked by a rule.
        "cpu": OneOf(values=tuple(FARGATE_MEMORY_BY_CPU), default=256),
        "memory": Integer(low=FARGATE_MEMORY_RANGE[0], high=FARGATE_MEMORY_RANGE[1], default=512),
        # RuntimePlatform.cpuArchitecture (ECS API reference): X86_64 or ARM64.
        "cpu_architecture": OneOf(values=("X86_64", "ARM64"), default="X86_64"),
        # EphemeralStorage.sizeInGiB on Fargate (ECS API reference): 21 to 200 GiB; 20 GiB without it.
        "ephemeral_storage_gib": Integer(low=21, high=200, otherwise="Fargate's 20 GiB"),
        # TaskDefinition requiresCompatibilities (ECS API reference: EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES).
        "compatibility": OneOf(values=("FARGATE", "EC2", "MANAGED_INSTANCES"), default="FARGATE"),
        # networkMode: awsvpc, bridge, host or none; host and none would bypass the tasks' security group.
        "network_mode": OneOf(values=("awsvpc", "bridge"), default="awsvpc"),
        # PortMapping.hostPort: any TCP port; the host binds it, so a privileged port such as 80 is fine.
        "host_port": Integer(low=1, high=65535, otherwise="a dynamic host port (bridge mode)"),
        # The largest GPU instances have 8 GPUs (p4d, p5); the container reserves whole GPUs.
        "gpus": Integer(low=1, high=8, otherwise="none"),
        # ContainerDefinition.memoryReservation: Docker needs at least 6 MiB for a container.
        "memory_reservation": Integer(low=6, high=FARGATE_MEMORY_RANGE[1], otherwise="none (memory reserves it all)"),
        "command": _COMMAND,
        "entry_point": _ENTRY_POINT,
        "environment": _ENVIRONMENT,
        "secrets": _SECRETS,
        "port": _PORT,
        "port_name": replace(PORT_NAME, otherwise="an unnamed port mapping"),
        "app_protocol": replace(APP_PROTOCOL, default=MISSING, otherwise="none (plain TCP)"),
        "health_check": _HEALTH_CHECK,
        # ContainerDefinition.stopTimeout (ECS API reference): at most 120 seconds on Fargate; 2 is the least
        # that lets an init process forward SIGTERM.
        "stop_timeout": Integer(low=2, high=120, default=30),
        "readonly_root_filesystem": _READONLY_ROOT,
        "user": _USER_SPEC,
        "depends_on": DEPENDS_ON,
        "enable_execute_command": Flag(default=False),
        "sidecars": NestedList(arguments=SIDECAR_ARGS, default=[]),
        "log_routing": Nested(arguments=LOG_ROUTING_ARGS, otherwise="none: awslogs to the workload's log group"),
        "efs_volumes": EFS_VOLUMES,
        "log_retention_days": OneOf(values=LOG_RETENTION_DAYS, default=30),
        "protect_data": Flag(default=False),
        "tags": TAGS,
    },
    rules=[
        _one_image_source,
        _fargate_size,
        where_it_runs,
        _named_port,
        environment_entries,
        containers_fit_together,
        efs_volumes_fit,
    ],
)


# The children named after the workload that Pulumi autonames (the task definition's family is explicit).
FARGATE_WORKLOAD_NAMES = ComponentNames.of(
    [
        ("-logs", LOG_GROUP),
        ("-execution-role", IAM_ROLE),
        ("-execution-policy", IAM_ROLE_POLICY),
        ("-task-role", IAM_ROLE),
        ("-sg", SECURITY_GROUP),
        ("-repo", ECR_REPOSITORY),
    ]
)


def validate_workload_args(
    args: Any, problems: ArgumentProblems | None = None, prefix: str = "", *, name: str | None = None
) -> None:
    """Checks the arguments, and `name` when given; raises one ValueError listing all problems unless
    `problems` is given, in which case the caller (a component embedding these args) raises them with its own."""
    own = problems is None
    problems = problems if problems is not None else ArgumentProblems("FargateWorkload")
    if name is not None:
        FARGATE_WORKLOAD_NAMES.check(name, problems)
        if isinstance(args, dict):
            volume_names_fit(name, args, problems)
    FARGATE_WORKLOAD_ARGS.check(args, problems, prefix)
    host_port_needs_port(args, problems, prefix)
    if isinstance(args, dict):
        subnets_for_mount_targets(args, problems, prefix)
    if own:
        problems.raise_if_any()

"""The building block all three components share: one container on Fargate, its task definition,
image, log group, roles and security group.

`ScheduledEcsTask`, `QueueBackedBatchService` and `AlbWebService` each create one `FargateWorkload`
and add only what makes them different (a schedule, a queue, a load balancer).
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from .fargate_sizes import fargate_size_problem
from .iam import policy_document, service_assume_role_policy
from .options import child, stateful
from .validation import ArgumentProblems, is_id, is_int_in, is_int_of, is_known

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
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names that carry credentials belong in `secrets`, where ECS resolves them at start-up and they never
# appear in the task definition.
SECRET_LOOKING_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL)", re.IGNORECASE)
_SSM_PARAMETER_ARN = re.compile(r"^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/.+$")
# Where ECS can resolve a secret from: an SSM parameter or a Secrets Manager secret.
SECRET_REFERENCE_ARN = re.compile(
    r"^arn:aws[a-z-]*:(ssm:[a-z0-9-]+:\d{12}:parameter/.+|secretsmanager:[a-z0-9-]+:\d{12}:secret:.+)$"
)
_ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)")
_SCRATCH_VOLUME = "scratch"


class ContainerHealthCheck(TypedDict, total=False):
    """A container health check run by the ECS agent."""

    command: list[str]
    """Required, e.g. `["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]`."""
    interval: int
    """Seconds between checks, 5 to 300. Default 30."""
    timeout: int
    """Seconds before a check counts as failed, 2 to 60. Default 5."""
    retries: int
    """Consecutive failures before the container is unhealthy, 1 to 10. Default 3."""
    start_period: int
    """Grace seconds after start before failures count, 0 to 300. Default 0."""


class FargateWorkloadArgs(TypedDict, total=False):
    """Arguments of `FargateWorkload`: what runs and how it is sized, secured and logged."""

    vpc_id: pulumi.Input[str]
    """VPC of the workload's security group. Required."""
    image: pulumi.Input[str]
    """Container image URI. Give this or `build_context`."""
    build_context: str
    """Directory with a Dockerfile; the image is built during `pulumi up` and pushed to a new ECR
    repository (scan on push). Give this or `image`."""
    image_retention_count: int
    """Images kept in the ECR repository created for `build_context`, 1 to 1000. Default 10."""
    family: str
    """Task definition family. Default `<project>-<stack>-<name>`, unique per stack."""
    container_name: str
    """Name of the container. Default `app`."""
    cpu: int
    """CPU units (256, 512, 1024, 2048, 4096, 8192, 16384). Default 256."""
    memory: int
    """Memory in MiB; must be valid for `cpu` on Fargate. Default 512."""
    cpu_architecture: Literal["X86_64", "ARM64"]
    """CPU architecture (ARM64 is about 20% cheaper). Default `X86_64`."""
    ephemeral_storage_gib: int
    """Task storage in GiB, 21 to 200. Default: Fargate's 20 GiB."""
    command: list[str]
    """Container command. Default: the image's CMD."""
    entry_point: list[str]
    """Container entry point. Default: the image's ENTRYPOINT."""
    environment: dict[str, pulumi.Input[str]]
    """Plain environment variables. Names that look like credentials are refused: use `secrets`.
    Default none."""
    secrets: dict[str, pulumi.Input[str]]
    """Environment variables resolved by ECS at start-up from SSM parameter or Secrets Manager ARNs.
    The execution role may read exactly these. Default none."""
    port: int
    """Container port (TCP) the workload listens on, 1024 to 65535. Default: none."""
    health_check: ContainerHealthCheck
    """Container health check. Default none."""
    stop_timeout: int
    """Seconds between SIGTERM and SIGKILL when a task stops, 2 to 120. Default 30."""
    readonly_root_filesystem: bool
    """Mount the root filesystem read-only; a writable scratch volume is mounted at `/tmp`.
    Default true."""
    user: str
    """User (`uid[:gid]` or name) the container runs as. Default: the image's USER."""
    log_retention_days: int
    """CloudWatch Logs retention, one of the values CloudWatch accepts. Default 30."""
    protect_data: bool
    """Protect and retain the log group and ECR repository on delete. Default false."""


class FargateWorkload(pulumi.ComponentResource):
    """One container on Fargate with its task definition, log group, roles and security group.

    Outputs: `task_definition_arn`, `family`, `container_name`, `log_group_name`, `image_uri`,
    `execution_role_arn`, `task_role_arn`, `task_role_name`, `security_group_id`.
    """

    task_definition_arn: pulumi.Output[str]
    family: str
    container_name: str
    log_group_name: pulumi.Output[str]
    image_uri: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    task_role_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: FargateWorkloadArgs, opts: pulumi.ResourceOptions | None = None):
        validate_workload_args(args)
        super().__init__("ecs-workloads:fargate_workload:FargateWorkload", name, None, opts)
        self._name = name
        protect = args.get("protect_data", False)
        self.family = args.get("family") or f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
        self.container_name = args.get("container_name", "app")

        image_uri, repository_arn = self._image(name, args, protect)
        self.image_uri = pulumi.Output.from_input(image_uri)

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            retention_in_days=args.get("log_retention_days", 30),
            opts=stateful(self, protect),
        )
        self.log_group_name = log_group.name

        execution_role = aws.iam.Role(
            f"{name}-execution-role",
            assume_role_policy=service_assume_role_policy("ecs-tasks.amazonaws.com"),
            opts=child(self),
        )
        aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=execution_role.id,
            policy=policy_document(_execution_statements(log_group.arn, repository_arn, args.get("secrets", {}))),
            opts=child(self),
        )
        self._task_role = aws.iam.Role(
            f"{name}-task-role",
            assume_role_policy=service_assume_role_policy("ecs-tasks.amazonaws.com"),
            opts=child(self),
        )
        self.execution_role_arn = execution_role.arn
        self.task_role_arn = self._task_role.arn
        self.task_role_name = self._task_role.name

        security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"Tasks of {name}; ingress only where a component adds it",
            vpc_id=args["vpc_id"],
            opts=child(self),
        )
        # Tasks must reach ECR, CloudWatch and the AWS APIs they call; ingress stays closed.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-egress",
            security_group_id=security_group.id,
            ip_protocol="-1",
            cidr_ipv4="0.0.0.0/0",
            description="Outbound to AWS APIs and dependencies",
            opts=child(self),
        )
        self.security_group_id = security_group.id

        readonly = args.get("readonly_root_filesystem", True)
        region = aws.get_region_output().region
        container = _container_definition(args, self.container_name, image_uri, log_group.name, region, readonly)
        storage = args.get("ephemeral_storage_gib")
        task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=self.family,
            cpu=str(args.get("cpu", 256)),
            memory=str(args.get("memory", 512)),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=args.get("cpu_architecture", "X86_64")
            ),
            ephemeral_storage=(aws.ecs.TaskDefinitionEphemeralStorageArgs(size_in_gib=storage) if storage else None),
            execution_role_arn=execution_role.arn,
            task_role_arn=self._task_role.arn,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=_SCRATCH_VOLUME)] if readonly else None,
            container_definitions=pulumi.Output.json_dumps([container]),
            opts=child(self),
        )
        self.task_definition_arn = task_definition.arn
        self.register_outputs(
            {
                "task_definition_arn": self.task_definition_arn,
                "family": self.family,
                "container_name": self.container_name,
                "log_group_name": self.log_group_name,
                "image_uri": self.image_uri,
                "task_role_arn": self.task_role_arn,
                "security_group_id": self.security_group_id,
            }
        )

    def grant(self, purpose: str, statements: list[dict[str, Any]]) -> aws.iam.RolePolicy:
        """Adds scoped statements to the task role (which starts with no permissions)."""
        return aws.iam.RolePolicy(
            f"{self._name}-task-{purpose}",
            role=self._task_role.id,
            policy=policy_document(statements),
            opts=child(self),
        )

    def _image(self, name: str, args: FargateWorkloadArgs, protect: bool):
        if "image" in args:
            image = args["image"]
            return image, _ecr_repository_arn(image) if isinstance(image, str) else None
        repository = aws.ecr.Repository(
            f"{name}-repo",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            # Tasks pull by digest (awsx returns `repo@sha256:...`), so a moved tag cannot change what runs.
            image_tag_mutability="MUTABLE",
            force_delete=not protect,
            opts=stateful(self, protect),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-repo-lifecycle",
            repository=repository.name,
            policy=pulumi.Output.json_dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": "Keep the most recent images",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": args.get("image_retention_count", 10),
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            opts=child(self),
        )
        platform = "linux/arm64" if args.get("cpu_architecture") == "ARM64" else "linux/amd64"
        image = awsx.ecr.Image(
            f"{name}-image",
            repository_url=repository.repository_url,
            context=args["build_context"],
            platform=platform,
            opts=child(self),
        )
        return image.image_uri, repository.arn


def _ecr_repository_arn(image: str) -> str | None:
    """A private ECR image given by URI still needs pull permission on its repository."""
    match = _ECR_IMAGE.match(image)
    if not match:
        return None
    account, region, repository = match.groups()
    return f"arn:aws:ecr:{region}:{account}:repository/{repository}"


def _execution_statements(
    log_group_arn, repository_arn, secrets: dict[str, Any]
) -> pulumi.Output[list[dict[str, Any]]]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": pulumi.Output.concat(log_group_arn, ":log-stream:*"),
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
    return pulumi.Output.all(statements, secret_statements).apply(lambda parts: parts[0] + parts[1])


def _secret_statements(arns: list[str]) -> list[dict[str, Any]]:
    parameters = sorted(arn for arn in arns if _SSM_PARAMETER_ARN.match(arn))
    secret_arns = sorted(arn for arn in arns if arn not in parameters)
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


def _container_definition(args, container_name, image_uri, log_group_name, region, readonly) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": container_name,
        "image": image_uri,
        "essential": True,
        "privileged": False,
        "readonlyRootFilesystem": readonly,
        "stopTimeout": args.get("stop_timeout", 30),
        # An init process reaps zombies and forwards SIGTERM, so graceful shutdown works.
        "linuxParameters": {"initProcessEnabled": True},
        "environment": [{"name": k, "value": v} for k, v in sorted(args.get("environment", {}).items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(args.get("secrets", {}).items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": region,
                "awslogs-stream-prefix": container_name,
            },
        },
    }
    for key, field in (("command", "command"), ("entryPoint", "entry_point"), ("user", "user")):
        if field in args:
            container[key] = args[field]
    if "port" in args:
        container["portMappings"] = [{"containerPort": args["port"], "protocol": "tcp"}]
    if "health_check" in args:
        check = args["health_check"]
        container["healthCheck"] = {
            "command": check["command"],
            "interval": check.get("interval", 30),
            "timeout": check.get("timeout", 5),
            "retries": check.get("retries", 3),
            "startPeriod": check.get("start_period", 0),
        }
    if readonly:
        container["mountPoints"] = [{"sourceVolume": _SCRATCH_VOLUME, "containerPath": "/tmp", "readOnly": False}]
    return container


def validate_workload_args(
    args: FargateWorkloadArgs, problems: ArgumentProblems | None = None, prefix: str = ""
) -> None:
    """Checks the arguments; raises one ValueError listing all problems unless `problems` is given,
    in which case the caller (a component embedding these args) raises them with its own."""
    own = problems is None
    problems = problems if problems is not None else ArgumentProblems("FargateWorkload")
    p = prefix
    given = problems.mapping(p.removesuffix("."), args, FargateWorkloadArgs)
    if given is not None:
        _validate_workload(problems, p, given)
    if own:
        problems.raise_if_any()


def _validate_workload(problems: ArgumentProblems, p: str, args: FargateWorkloadArgs) -> None:
    problems.check(is_id(args.get("vpc_id")), f"{p}vpc_id", args.get("vpc_id"), "the VPC id (required)")
    has_image, has_build = "image" in args, "build_context" in args
    if has_image == has_build:
        problems.add(f"{p}image", args.get("image"), "give exactly one of image and build_context")
    if has_image and is_known(args["image"]):
        image = args["image"]
        problems.check(
            isinstance(image, str) and bool(image.strip()) and " " not in image,
            f"{p}image",
            image,
            "an image URI such as public.ecr.aws/org/app:1.2",
        )
    cpu, memory = args.get("cpu", 256), args.get("memory", 512)
    size_problem = fargate_size_problem(cpu, memory)
    if size_problem:
        field = "cpu" if size_problem.startswith("cpu") else "memory"
        problems.add(f"{p}{field}", cpu if field == "cpu" else memory, size_problem)
    arch = args.get("cpu_architecture", "X86_64")
    problems.check(arch in ("X86_64", "ARM64"), f"{p}cpu_architecture", arch, "X86_64 or ARM64")
    if "ephemeral_storage_gib" in args:
        storage = args["ephemeral_storage_gib"]
        problems.check(is_int_in(storage, 21, 200), f"{p}ephemeral_storage_gib", storage, "an integer from 21 to 200")
    if "image_retention_count" in args:
        keep = args["image_retention_count"]
        problems.check(is_int_in(keep, 1, 1000), f"{p}image_retention_count", keep, "an integer from 1 to 1000")
    for field in ("command", "entry_point"):
        if field in args:
            value = args[field]
            problems.check(
                isinstance(value, list) and all(isinstance(x, str) for x in value) and bool(value),
                f"{p}{field}",
                value,
                "a non-empty list of strings",
            )
    for field, value, allowed in container_environment_problems(args.get("environment", {}), args.get("secrets", {})):
        problems.add(f"{p}{field}", value, allowed)
    if "port" in args:
        problems.check(
            is_int_in(args["port"], 1024, 65535),
            f"{p}port",
            args["port"],
            "an integer from 1024 to 65535 (non-privileged, the containers run as non-root)",
        )
    if "health_check" in args:
        _validate_health_check(problems, f"{p}health_check", args["health_check"])
    if "stop_timeout" in args:
        problems.check(
            is_int_in(args["stop_timeout"], 2, 120),
            f"{p}stop_timeout",
            args["stop_timeout"],
            "an integer from 2 to 120 seconds",
        )
    retention = args.get("log_retention_days", 30)
    problems.check(
        is_int_of(retention, LOG_RETENTION_DAYS),
        f"{p}log_retention_days",
        retention,
        f"one of {', '.join(map(str, LOG_RETENTION_DAYS))}",
    )
    for flag in ("readonly_root_filesystem", "protect_data"):
        if flag in args:
            problems.check(isinstance(args[flag], bool), f"{p}{flag}", args[flag], "true or false")


def container_environment_problems(environment: dict[str, Any], secrets: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(field, value, allowed) for every bad environment or secret entry; shared with the stack settings."""
    found: list[tuple[str, Any, str]] = []
    for field, value in (("environment", environment), ("secrets", secrets)):
        if not isinstance(value, dict):
            found.append((field, value, "a mapping of variable names to values"))
    environment = environment if isinstance(environment, dict) else {}
    secrets = secrets if isinstance(secrets, dict) else {}
    for key in environment:
        if not _is_env_name(key):
            found.append((f"environment.{key}", environment[key], "names are letters, digits and _"))
        elif SECRET_LOOKING_NAME.search(key):
            found.append(
                (
                    f"environment.{key}",
                    "<hidden>",
                    "looks like a credential; pass it in `secrets` as an SSM parameter or Secrets Manager ARN",
                )
            )
    for key, arn in secrets.items():
        if not _is_env_name(key):
            found.append((f"secrets.{key}", arn, "names are letters, digits and _"))
        if is_known(arn) and not (isinstance(arn, str) and SECRET_REFERENCE_ARN.match(arn)):
            found.append((f"secrets.{key}", arn, "an SSM parameter ARN or a Secrets Manager secret ARN"))
        if key in environment:
            found.append((f"secrets.{key}", arn, "also set in environment; a name must be one or the other"))
    return found


def _is_env_name(key: Any) -> bool:
    return isinstance(key, str) and bool(ENV_NAME.match(key))


def _validate_health_check(problems: ArgumentProblems, field: str, check: ContainerHealthCheck) -> None:
    check = problems.mapping(field, check, ContainerHealthCheck)
    if check is None:
        return
    command = check.get("command")
    problems.check(
        isinstance(command, list) and len(command) >= 2 and command[0] in ("CMD", "CMD-SHELL"),
        f"{field}.command",
        command,
        'a list starting with "CMD" or "CMD-SHELL" and the check',
    )
    bounds = (("interval", 5, 300, 30), ("timeout", 2, 60, 5), ("retries", 1, 10, 3), ("start_period", 0, 300, 0))
    problems.integers(check, bounds, f"{field}.")

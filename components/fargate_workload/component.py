"""`FargateWorkload`: the task definition, image, log group, roles and security group of one container."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from ..iam import policy_document, service_assume_role_policy
from ..json_document import json_document
from ..options import child, component_type, stateful, with_former_type
from ..outputs import register_declared_outputs
from ..security_groups import egress_only_group
from ..tags import with_tags
from .args import FARGATE_WORKLOAD_ARGS, FargateWorkloadArgs, validate_workload_args
from .container import (
    container_definitions,
    ecr_repository_arn,
    exec_statements,
    execution_statements,
    secret_references,
    sidecar_repository_arns,
)
from .log_routing import LOG_ROUTING_ARGS, Route
from .volumes import EfsMounts


class FargateWorkload(pulumi.ComponentResource):
    """One container on Fargate with its task definition, log group, roles and security group."""

    task_definition_arn: pulumi.Output[str]
    """ARN of the task definition revision this deployment registered."""
    family: str
    """Task definition family."""
    container_name: str
    """Name of the main container in the task definition."""
    container_names: list[str]
    """Every container of the task definition, the main one first, then the sidecars in order, then the
    log router when the logs are routed."""
    log_group_name: pulumi.Output[str]
    """CloudWatch Logs group of the container."""
    image_uri: pulumi.Output[str]
    """Image the container runs (by digest when built from `build_context`)."""
    execution_role_arn: pulumi.Output[str]
    """ARN of the execution role ECS uses to pull the image, write logs and resolve secrets."""
    task_role_arn: pulumi.Output[str]
    """ARN of the task role: the container's own AWS permissions, none until `grant()` adds some."""
    task_role_name: pulumi.Output[str]
    """Name of the task role, for policies attached outside the component."""
    security_group_id: pulumi.Output[str]
    """Security group of the tasks; it admits nothing until a component adds ingress."""
    execute_command: bool
    """Whether ECS Exec is on: services and schedules start the tasks with it, and the task role may
    open its Session Manager channels."""

    def __init__(self, name: str, args: FargateWorkloadArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        validate_workload_args(args, name=name)
        super().__init__(
            component_type("FargateWorkload"),
            name,
            None,
            with_former_type("FargateWorkload", with_tags(args.get("tags"), opts)),
        )
        value = FARGATE_WORKLOAD_ARGS.value
        self._name = name
        protect = value(args, "protect_data")
        self.family = args.get("family") or f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
        self.container_name = value(args, "container_name")
        self.container_names = [
            self.container_name,
            *(sidecar["name"] for sidecar in value(args, "sidecars")),
            *([LOG_ROUTING_ARGS.value(args["log_routing"], "name")] if "log_routing" in args else []),
        ]
        self._placement = (value(args, "compatibility"), value(args, "network_mode"))

        image_uri, repository_arn = self._image(name, args, protect)
        self.image_uri = pulumi.Output.from_input(image_uri)

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            retention_in_days=value(args, "log_retention_days"),
            opts=stateful(self, protect),
        )
        self.log_group_name = log_group.name

        # Both roles trust ECS tasks alike: one document (and one account lookup) serves both.
        ecs_tasks_trust = service_assume_role_policy("ecs-tasks.amazonaws.com")
        execution_role = aws.iam.Role(
            f"{name}-execution-role",
            assume_role_policy=ecs_tasks_trust,
            opts=child(self),
        )
        aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=execution_role.id,
            policy=policy_document(
                execution_statements(
                    log_group.arn,
                    [*([repository_arn] if repository_arn is not None else []), *sidecar_repository_arns(args)],
                    secret_references(args),
                )
            ),
            opts=child(self),
        )
        self._task_role = aws.iam.Role(
            f"{name}-task-role",
            assume_role_policy=ecs_tasks_trust,
            opts=child(self),
        )
        self.execution_role_arn = execution_role.arn
        self.task_role_arn = self._task_role.arn
        self.task_role_name = self._task_role.name

        # Tasks must reach ECR, CloudWatch and the AWS APIs they call; ingress stays closed.
        security_group = egress_only_group(
            self, name, args["vpc_id"], holds=f"Tasks of {name}", reaches="Outbound to AWS APIs and dependencies"
        )
        self.security_group_id = security_group.id
        efs = EfsMounts(self, name, args, security_group.id, protect)

        region = aws.get_region_output().region
        routing = args.get("log_routing")
        route = Route(routing, log_group.name, log_group.arn, region) if routing is not None else None
        containers, scratch_volumes = container_definitions(
            args, self.container_name, image_uri, log_group.name, region, route
        )
        efs.mount(containers)
        storage = args.get("ephemeral_storage_gib")
        task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=self.family,
            cpu=str(value(args, "cpu")),
            memory=str(value(args, "memory")),
            network_mode=self.network_mode,
            requires_compatibilities=[self.compatibility],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=value(args, "cpu_architecture")
            ),
            ephemeral_storage=(aws.ecs.TaskDefinitionEphemeralStorageArgs(size_in_gib=storage) if storage else None),
            execution_role_arn=execution_role.arn,
            task_role_arn=self._task_role.arn,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=volume) for volume in scratch_volumes] + efs.task_volumes
            or None,
            container_definitions=json_document(containers),
            # A task can mount a created file system only once its mount targets are available.
            opts=child(self, depends_on=efs.mount_targets),
        )
        self.task_definition_arn = task_definition.arn
        self.execute_command = value(args, "enable_execute_command")
        if self.execute_command:
            self.grant("exec", exec_statements())
        if route is not None:
            self.grant("log-routing", route.task_statements())
        efs_statements = efs.statements()
        if efs_statements is not None:
            self.grant("efs", efs_statements)
        register_declared_outputs(self)

    @property
    def compatibility(self) -> str:
        """FARGATE, EC2 or MANAGED_INSTANCES: where the task definition runs."""
        return self._placement[0]

    @property
    def network_mode(self) -> str:
        """awsvpc or bridge."""
        return self._placement[1]

    def grant(self, purpose: str, statements: pulumi.Input[list[dict[str, Any]]]) -> aws.iam.RolePolicy:
        """Adds scoped statements to the task role (which starts with no permissions)."""
        return aws.iam.RolePolicy(
            f"{self._name}-task-{purpose}",
            role=self._task_role.id,
            policy=policy_document(statements),
            opts=child(self),
        )

    def _image(
        self, name: str, args: FargateWorkloadArgs, protect: bool
    ) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        if "image" in args:
            image = args["image"]
            return image, ecr_repository_arn(image) if isinstance(image, str) else None
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
            policy=json_document(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": "Keep the most recent images",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": FARGATE_WORKLOAD_ARGS.value(args, "image_retention_count"),
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            opts=child(self),
        )
        platform = "linux/arm64" if FARGATE_WORKLOAD_ARGS.value(args, "cpu_architecture") == "ARM64" else "linux/amd64"
        built = awsx.ecr.Image(
            f"{name}-image",
            repository_url=repository.repository_url,
            context=args["build_context"],
            dockerfile=args.get("dockerfile"),
            platform=platform,
            opts=child(self),
        )
        return built.image_uri, repository.arn

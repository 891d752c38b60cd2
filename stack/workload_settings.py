"""Config of one containerised workload: what image runs and how big it is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import Field, field_validator, model_validator

from ecs_workloads.capacity import (
    CAPACITY_WEIGHTS,
    PROVIDER_WEIGHT_ARGS,
    CapacityProviderFacts,
    CapacityWeights,
    capacity_strategy,
)
from ecs_workloads.fargate_workload import (
    CONTAINER_DEPENDENCY_ARGS,
    CONTAINER_HEALTH_CHECK_ARGS,
    EFS_SHARE_ARGS,
    EFS_VOLUME_ARGS,
    FARGATE_WORKLOAD_ARGS,
    LOG_ROUTING_ARGS,
    SIDECAR_ARGS,
    FargateWorkloadArgs,
    environment_entries,
)
from ecs_workloads.validation import ArgumentProblems
from ecs_workloads.workload_shape import EMBEDDED_WORKLOAD_ARGS

from .component_rules import raise_component_problems
from .section import Section

APPS_DIR = Path(__file__).resolve().parent.parent / "apps"
APPS_USER = "10001:10001"
REPOSITORY_ROOT = APPS_DIR.parent
ROOT_CONTEXT_APPS = ("job_api",)
"""Apps whose image is built from the repository root with their own Dockerfile (apps/job_api carries the
library's job model; its Dockerfile says so), not from their directory."""
_APP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ProviderWeightSettings(Section):
    """One of the cluster's capacity providers (`cluster.capacityProviders`) with its share of the tasks."""

    name: str = PROVIDER_WEIGHT_ARGS["name"].setting(description="Name of one of cluster.capacityProviders.")
    weight: int = PROVIDER_WEIGHT_ARGS["weight"].setting(description="Relative share of the tasks.")
    base: int = PROVIDER_WEIGHT_ARGS["base"].setting(description="Tasks always on this provider (one provider).")


class CapacitySettings(Section):
    """Weights between on-demand Fargate and Fargate Spot, or the cluster's EC2 capacity providers."""

    fargate: int = CAPACITY_WEIGHTS["fargate"].setting(description="Weight of on-demand FARGATE.")
    fargate_spot: int = CAPACITY_WEIGHTS["fargate_spot"].setting(description="Weight of FARGATE_SPOT.")
    base: int = CAPACITY_WEIGHTS["base"].setting(description="Tasks always on on-demand FARGATE.")
    providers: list[ProviderWeightSettings] | None = Field(
        None, description="The cluster's EC2 capacity providers by name, instead of Fargate."
    )

    @model_validator(mode="after")
    def _component_rules(self) -> CapacitySettings:
        weights: dict[str, Any] = dict(self.weights())
        if self.providers is not None:
            # Fargate weights written beside providers are kept, so the component's rule refuses them.
            weights.update(
                {key: getattr(self, key) for key in ("fargate", "fargate_spot", "base") if key in self.model_fields_set}
            )
        raise_component_problems(CAPACITY_WEIGHTS, weights)
        return self

    def weights(self) -> CapacityWeights:
        if self.providers is not None:
            return {
                "providers": [
                    {"name": entry.name, "weight": entry.weight, "base": entry.base} for entry in self.providers
                ]
            }
        return {"fargate": self.fargate, "fargate_spot": self.fargate_spot, "base": self.base}

    def provider_names(self) -> list[str]:
        return [entry.name for entry in self.providers or []]

    def strategy_output(self, providers: dict[str, CapacityProviderFacts]) -> list[dict[str, Any]]:
        """The strategy as ECS RunTask spells it, for operators running a job by hand."""
        return [
            {"capacityProvider": entry["capacity_provider"], "weight": entry["weight"], "base": entry["base"]}
            for entry in capacity_strategy(self.weights(), providers)
        ]


class HealthCheckSettings(Section):
    """A container health check run by the ECS agent."""

    command: list[str] = CONTAINER_HEALTH_CHECK_ARGS["command"].setting(
        description='The check, e.g. ["CMD", "/healthcheck"].'
    )
    interval: int = CONTAINER_HEALTH_CHECK_ARGS["interval"].setting(description="Seconds between checks.")
    timeout: int = CONTAINER_HEALTH_CHECK_ARGS["timeout"].setting(description="Seconds before a check fails.")
    retries: int = CONTAINER_HEALTH_CHECK_ARGS["retries"].setting(description="Failures before unhealthy.")
    start_period: int = CONTAINER_HEALTH_CHECK_ARGS["start_period"].setting(description="Grace seconds after start.")

    def args(self) -> dict[str, Any]:
        return self.model_dump()


class DependencySettings(Section):
    """A container that must reach a condition before this one starts."""

    container: str = CONTAINER_DEPENDENCY_ARGS["container"].setting(description="The awaited container's name.")
    condition: str = CONTAINER_DEPENDENCY_ARGS["condition"].setting(description="START, COMPLETE, SUCCESS or HEALTHY.")


class SidecarSettings(Section):
    """A further container of the workload's task (`SidecarContainer`)."""

    name: str = SIDECAR_ARGS["name"].setting(description="Container name, unique in the task.")
    image: str = SIDECAR_ARGS["image"].setting(description="Image URI.")
    command: list[str] | None = SIDECAR_ARGS["command"].setting(None, description="Command. Default: the image's.")
    environment: dict[str, str] = SIDECAR_ARGS["environment"].setting(description="Plain environment variables.")
    secrets: dict[str, str] = SIDECAR_ARGS["secrets"].setting(
        description="Environment from SSM parameter / Secrets Manager ARNs."
    )
    port: int | None = SIDECAR_ARGS["port"].setting(None, description="Container port (TCP), unique in the task.")
    health_check: HealthCheckSettings | None = Field(None, description="Health check (needed for HEALTHY).")
    cpu: int | None = SIDECAR_ARGS["cpu"].setting(None, description="CPU units reserved out of the task's cpu.")
    memory: int | None = SIDECAR_ARGS["memory"].setting(None, description="Hard memory limit in MiB.")
    essential: bool = SIDECAR_ARGS["essential"].setting(description="The task stops when this container stops.")
    user: str | None = SIDECAR_ARGS["user"].setting(None, description="uid[:gid] it runs as. Default: the image's.")
    readonly_root_filesystem: bool = SIDECAR_ARGS["readonly_root_filesystem"].setting(
        description="Read-only root with a scratch /tmp."
    )
    depends_on: list[DependencySettings] = Field([], description="Containers it waits for before it starts.")

    def args(self) -> dict[str, Any]:
        """The `SidecarContainer` these settings decide: only what is set, so defaults stay the component's."""
        given = self.model_dump(exclude_none=True, exclude={"health_check", "depends_on"})
        if self.health_check is not None:
            given["health_check"] = self.health_check.args()
        if self.depends_on:
            given["depends_on"] = [dependency.model_dump() for dependency in self.depends_on]
        return given


class LogRoutingSettings(Section):
    """FireLens log routing of the workload's containers (`LogRouting`)."""

    destination: str = LOG_ROUTING_ARGS["destination"].setting(description="cloudwatch, s3 or firehose.")
    bucket: str | None = LOG_ROUTING_ARGS["bucket"].setting(None, description="s3: the bucket's name or ARN.")
    key_prefix: str = LOG_ROUTING_ARGS["key_prefix"].setting(description="s3: key prefix of the log objects.")
    delivery_stream_arn: str | None = LOG_ROUTING_ARGS["delivery_stream_arn"].setting(
        None, description="firehose: the delivery stream's ARN."
    )
    name: str = LOG_ROUTING_ARGS["name"].setting(description="Name of the log router container.")
    image: str = LOG_ROUTING_ARGS["image"].setting(description="Image of the log router.")
    memory_reservation: int = LOG_ROUTING_ARGS["memory_reservation"].setting(
        description="MiB the router reserves out of the task's memory."
    )
    user: str = LOG_ROUTING_ARGS["user"].setting(description="uid[:gid] the router runs as.")

    def args(self) -> dict[str, Any]:
        """The `LogRouting` these settings decide: what is set, so destination rules see what was written."""
        return self.model_dump(exclude_none=True, exclude_unset=True) | {"destination": self.destination}


class EfsShareSettings(Section):
    """A file system created for an EFS volume (`EfsShare`)."""

    root_directory: str = EFS_SHARE_ARGS["root_directory"].setting(
        description="Directory the access point exposes, owned by the container's user."
    )
    permissions: str = EFS_SHARE_ARGS["permissions"].setting(description="Octal mode of that directory.")
    kms_key_arn: str | None = EFS_SHARE_ARGS["kms_key_arn"].setting(
        None, description="KMS key for data at rest. Default: the AWS managed key aws/elasticfilesystem."
    )
    expected_gib: int = EFS_SHARE_ARGS["expected_gib"].setting(description="Expected data in GiB (cost estimate).")

    def args(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class EfsVolumeSettings(Section):
    """An EFS file system mounted into the workload's containers (`EfsVolume`)."""

    name: str = EFS_VOLUME_ARGS["name"].setting(description="Volume name, unique in the task.")
    path: str = EFS_VOLUME_ARGS["path"].setting(description="Absolute path in the container, unique in the task.")
    read_only: bool = EFS_VOLUME_ARGS["read_only"].setting(description="Mount read-only (no ClientWrite).")
    file_system_id: str | None = EFS_VOLUME_ARGS["file_system_id"].setting(
        None, description="An existing file system (fs-...). Give this or create."
    )
    access_point_id: str | None = EFS_VOLUME_ARGS["access_point_id"].setting(
        None, description="With fileSystemId: an access point (fsap-...) to mount through."
    )
    security_group_id: str | None = EFS_VOLUME_ARGS["security_group_id"].setting(
        None, description="With fileSystemId: its mount targets' security group, opened to the tasks on NFS."
    )
    root_directory: str | None = EFS_VOLUME_ARGS["root_directory"].setting(
        None, description="With fileSystemId and no access point: the directory to mount. Default /."
    )
    create: EfsShareSettings | None = Field(None, description="Create an encrypted file system for the volume.")
    sidecars: list[str] | None = EFS_VOLUME_ARGS["sidecars"].setting(None, description="Sidecars that mount it too.")

    def args(self) -> dict[str, Any]:
        """The `EfsVolume` these settings decide: only what is set, so defaults stay the component's."""
        given = self.model_dump(exclude_none=True, exclude={"create"})
        if self.create is not None:
            given["create"] = self.create.args()
        return given


class WorkloadSettings(Section):
    """The container of a workload. `image` wins over `app`; with neither, the section's own app is built."""

    image: str | None = Field(None, description="Image URI to run. Default: build `app` from apps/<app>/Dockerfile.")
    app: str | None = Field(None, description="Directory under apps/ to build when no image is given.")
    # CPU and memory are one Fargate size: `_component_rules` checks them as a pair with the component's
    # specs and rule, and reports a bad size at the workload, naming the field.
    cpu: int = Field(
        FARGATE_WORKLOAD_ARGS["cpu"].default,
        description="CPU units.",
        json_schema_extra={"allowed": FARGATE_WORKLOAD_ARGS["cpu"].allowed()},
    )
    memory: int = Field(
        FARGATE_WORKLOAD_ARGS["memory"].default,
        description="Memory in MiB, valid for the CPU on Fargate.",
        json_schema_extra={"allowed": FARGATE_WORKLOAD_ARGS["memory"].allowed()},
    )
    cpu_architecture: str = FARGATE_WORKLOAD_ARGS["cpu_architecture"].setting(description="CPU architecture.")
    environment: dict[str, str] = FARGATE_WORKLOAD_ARGS["environment"].setting(
        description="Plain environment variables."
    )
    secrets: dict[str, str] = FARGATE_WORKLOAD_ARGS["secrets"].setting(
        description="Environment from SSM parameter / Secrets Manager ARNs."
    )
    capacity: CapacitySettings | None = Field(None, description="Capacity weights. Default: the cluster's default.")
    network_mode: str = FARGATE_WORKLOAD_ARGS["network_mode"].setting(
        description="awsvpc, or bridge on Auto Scaling group capacity."
    )
    host_port: int | None = FARGATE_WORKLOAD_ARGS["host_port"].setting(
        None, description="Bridge mode: fixed instance port for the container port. Default dynamic."
    )
    gpus: int | None = FARGATE_WORKLOAD_ARGS["gpus"].setting(None, description="GPUs of the container (EC2 only).")
    memory_reservation: int | None = FARGATE_WORKLOAD_ARGS["memory_reservation"].setting(
        None, description="Soft memory limit in MiB that placement reserves."
    )
    user: str | None = FARGATE_WORKLOAD_ARGS["user"].setting(
        None, description="uid[:gid] the container runs as. Default: 10001:10001 for apps/ builds, else the image's."
    )
    command: list[str] | None = FARGATE_WORKLOAD_ARGS["command"].setting(
        None, description="Command of the main container. Default: the image's CMD."
    )
    entry_point: list[str] | None = FARGATE_WORKLOAD_ARGS["entry_point"].setting(
        None, description="Entry point of the main container. Default: the image's ENTRYPOINT."
    )
    health_check: HealthCheckSettings | None = Field(
        None, description="Health check of the main container, run by the ECS agent. Default: none."
    )
    readonly_root_filesystem: bool = FARGATE_WORKLOAD_ARGS["readonly_root_filesystem"].setting(
        description="Main container's root filesystem read-only (a writable scratch volume at /tmp)."
    )
    depends_on: list[DependencySettings] = Field([], description="Sidecars the main container waits for.")
    sidecars: list[SidecarSettings] = Field([], description="Further containers of the task.")
    log_routing: LogRoutingSettings | None = Field(
        None, description="Route the containers' logs through a FireLens log router. Default: awslogs."
    )
    efs_volumes: list[EfsVolumeSettings] = Field([], description="EFS file systems mounted into the containers.")
    enable_execute_command: bool | None = FARGATE_WORKLOAD_ARGS["enable_execute_command"].setting(
        None, description="ECS Exec into the tasks. Default: the stack's executeCommand."
    )

    @field_validator("app")
    @classmethod
    def _app(cls, value: str | None) -> str | None:
        if value is None:
            return value
        available = sorted(p.name for p in APPS_DIR.iterdir() if (p / "Dockerfile").exists())
        if not _APP_NAME.match(value) or value not in available:
            raise ValueError(f"must be one of the apps with a Dockerfile: {', '.join(available)}")
        return value

    @model_validator(mode="after")
    def _component_rules(self) -> WorkloadSettings:
        # Every stack workload is a shape's; without image or app the stack builds its own default app.
        args = {**self.container(self.app or ""), **self.sizing()}
        if self.capacity is not None and self.capacity.providers is not None:
            # Placed on the cluster's EC2 providers: what their kind allows is checked where the stack knows
            # it (`StackSettings`), so here the task definition is judged as EC2's.
            args["compatibility"] = "EC2"
        # Variable names are written in the stack file as they are, so their lines keep them as they are
        # instead of taking the camelCase wording of config keys.
        problems = ArgumentProblems("WorkloadSettings")
        environment_entries(args, problems, "")
        if problems:
            raise ValueError("; ".join(problems.lines()))
        raise_component_problems(EMBEDDED_WORKLOAD_ARGS, args)
        return self

    def container(self, default_app: str) -> dict[str, Any]:
        """The image-related `FargateWorkloadArgs`: an image URI, or a build of the app's directory."""
        user = {"user": self.user} if self.user else {}
        if self.image:
            return {"image": self.image, **user}
        # Every image under apps/ runs as this non-root user; naming it lets ECS and scanners see it.
        app = self.app or default_app
        user = {"user": self.user or APPS_USER}
        if app in ROOT_CONTEXT_APPS:
            return {"build_context": str(REPOSITORY_ROOT), "dockerfile": str(APPS_DIR / app / "Dockerfile"), **user}
        return {"build_context": str(APPS_DIR / app), **user}

    def workload_args(
        self, default_app: str, log_retention_days: int, execute_command_default: bool
    ) -> FargateWorkloadArgs:
        """The `FargateWorkloadArgs` these settings decide, with the stack-wide log retention and ECS Exec
        default. Built from validated config whose keys are declared fields (the component checks them again):
        the one place config enters the typed arguments."""
        args = {**self.container(default_app), **self.sizing(), "log_retention_days": log_retention_days}
        execute_command = self.enable_execute_command
        if execute_command is None:
            execute_command = execute_command_default
        # Only when on, so workloads without ECS Exec keep the arguments they had.
        if execute_command:
            args["enable_execute_command"] = True
        return cast(FargateWorkloadArgs, args)

    def sizing(self) -> dict[str, Any]:
        sizing: dict[str, Any] = {
            "cpu": self.cpu,
            "memory": self.memory,
            "cpu_architecture": self.cpu_architecture,
            "environment": dict(self.environment),
            "secrets": dict(self.secrets),
        }
        # Only where it differs from the default, so Fargate workloads' arguments stay as they were.
        if self.network_mode != FARGATE_WORKLOAD_ARGS["network_mode"].default:
            sizing["network_mode"] = self.network_mode
        for key in ("host_port", "gpus", "memory_reservation", "command", "entry_point"):
            if getattr(self, key) is not None:
                sizing[key] = getattr(self, key)
        if self.health_check is not None:
            sizing["health_check"] = self.health_check.args()
        if self.readonly_root_filesystem != FARGATE_WORKLOAD_ARGS["readonly_root_filesystem"].default:
            sizing["readonly_root_filesystem"] = self.readonly_root_filesystem
        # Only when given, like the placement fields: workloads without sidecars keep their arguments.
        if self.depends_on:
            sizing["depends_on"] = [dependency.model_dump() for dependency in self.depends_on]
        if self.sidecars:
            sizing["sidecars"] = [sidecar.args() for sidecar in self.sidecars]
        if self.log_routing is not None:
            sizing["log_routing"] = self.log_routing.args()
        if self.efs_volumes:
            sizing["efs_volumes"] = [volume.args() for volume in self.efs_volumes]
        return sizing


class ServiceWorkloadSettings(WorkloadSettings):
    """The container of a web service or backend: an image (or an app) and its port; there is no default app."""

    port: int = FARGATE_WORKLOAD_ARGS["port"].setting(
        description="Container port the load balancer or Service Connect reaches the service on."
    )

    @model_validator(mode="after")
    def _image_or_app(self) -> ServiceWorkloadSettings:
        return require_image_or_app(self)

    def service_workload(self, log_retention_days: int, execute_command_default: bool) -> FargateWorkloadArgs:
        """The `FargateWorkloadArgs` of the service, its port included."""
        workload = self.workload_args("", log_retention_days, execute_command_default)
        workload["port"] = self.port
        return workload


_Workload = TypeVar("_Workload", bound="WorkloadSettings")


def require_image_or_app(workload: _Workload) -> _Workload:
    """The workload of a service or job with no default app: it names an image or an app to build."""
    if not workload.image and not workload.app:
        raise ValueError("set image (an image URI) or app (a directory under apps/ with a Dockerfile)")
    return workload

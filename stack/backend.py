"""The picture scorer: an internal backend of the catsndogs system that the cats API calls over ECS
Service Connect (`http://picture-scorer:8080`), with no load balancer of its own.

`ecs-workloads:pictureScorer` configures it. When enabled, the cluster gets its Cloud Map namespace, the
scorer publishes its port in it, and the cats service becomes a Service Connect client that names it: the
scorer's tasks admit the cats tasks on its port and nobody else.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from pydantic import Field, model_validator

from ecs_workloads.alb_web_service import AlbWebService
from ecs_workloads.backend_service import (
    BACKEND_AUTOSCALING_ARGS,
    BACKEND_SERVICE_ARGS,
    BackendService,
    BackendServiceArgs,
)
from ecs_workloads.fargate_service import SERVICE_DEPLOYMENT_ARGS
from ecs_workloads.fargate_workload import FargateWorkloadArgs
from ecs_workloads.scheduled_scaling import scheduled_scaling_bounds
from ecs_workloads.target_tracking import desired_count_within_autoscaling

from .component_rules import raise_component_problems, raise_rule_problems
from .deployment import DeploymentSettings
from .foundation import Foundation
from .scheduled_scaling import ScheduledScalingSettings
from .section import Section
from .workload_settings import WorkloadSettings

SCORER_APP = "picture_scorer"
SCORER_NAME = "picture-scorer"
"""The backend's component name, discovery name and client alias: what the cats API calls."""
# apps/picture_scorer listens on $PORT, 8080 in its image.
SCORER_PORT = 8080
_SCALING = BACKEND_AUTOSCALING_ARGS


class BackendAutoscalingSettings(Section):
    """Target-tracking autoscaling of a backend's tasks on CPU and memory."""

    min_tasks: int = _SCALING["min_tasks"].setting(1, description="Fewest tasks.")
    max_tasks: int = _SCALING["max_tasks"].setting(3, description="Most tasks.")
    # null turns a target off, so these fields are plain here; `_component_rules` checks them with the
    # component's own specs.
    cpu_target_percent: float | None = Field(70, description="Average CPU % to hold; null for none.")
    memory_target_percent: float | None = Field(None, description="Average memory % to hold; null (default) for none.")

    @model_validator(mode="after")
    def _component_rules(self) -> BackendAutoscalingSettings:
        raise_component_problems(_SCALING, self.args())
        return self

    def args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"min_tasks": self.min_tasks, "max_tasks": self.max_tasks}
        for key in ("cpu_target_percent", "memory_target_percent"):
            if getattr(self, key) is not None:
                args[key] = getattr(self, key)
        return args


class BackendBaseSettings(Section):
    """What every backend section shares (`ecs-workloads:pictureScorer`, each of `ecs-workloads:backends`):
    task count, access logs, scaling and deployment through Service Connect."""

    desired_count: int = SERVICE_DEPLOYMENT_ARGS["desired_count"].setting(
        description="Tasks to run (initial count when autoscaling)."
    )
    access_logs: str = BACKEND_SERVICE_ARGS["access_logs"].setting(
        description="Format of the Service Connect access logs, in the backend's log group."
    )
    autoscaling: BackendAutoscalingSettings | None = Field(None, description="Autoscaling; default: fixed count.")
    scheduled_scaling: list[ScheduledScalingSettings] = Field(
        [], description="Actions that set the min and max tasks at given times; default none."
    )
    deployment: DeploymentSettings = Field(
        default_factory=DeploymentSettings,
        description="Deployment strategy, through Service Connect; default: rolling, rollback on the 5xx-rate alarm.",
    )

    @model_validator(mode="after")
    def _component_rules(self) -> BackendBaseSettings:
        raise_rule_problems(
            BACKEND_SERVICE_ARGS,
            (desired_count_within_autoscaling, scheduled_scaling_bounds),
            self.service_args(),
            keys={"deployment.desired_count": "desiredCount"},
        )
        return self

    def service_args(self) -> dict[str, Any]:
        """The `BackendService` arguments these settings decide; the foundation adds cluster, network,
        namespace and alarm topic, the stack the container."""
        args: dict[str, Any] = {
            "deployment": {"desired_count": self.desired_count},
            "access_logs": self.access_logs,
            "deployment_strategy": self.deployment.args(),
        }
        if self.autoscaling is not None:
            args["autoscaling"] = self.autoscaling.args()
        # Only when given, so a backend without a schedule keeps the arguments it had.
        if self.scheduled_scaling:
            args["scheduled_scaling"] = [action.args() for action in self.scheduled_scaling]
        return args

    def min_max_tasks(self) -> tuple[int, int]:
        """The fewest and most tasks, for the `services` stack output."""
        scaling = self.autoscaling
        return (scaling.min_tasks, scaling.max_tasks) if scaling else (self.desired_count, self.desired_count)


class PictureScorerSettings(BackendBaseSettings):
    """`ecs-workloads:pictureScorer` — the internal picture scorer the cats API calls over Service Connect."""

    enabled: bool = Field(False, description="Run the scorer, its Service Connect namespace and the cats client.")
    workload: WorkloadSettings = Field(
        default_factory=WorkloadSettings,
        description="Container; default: build apps/picture_scorer, 256 CPU / 512 MiB.",
    )


class ScaledSettings(Protocol):
    """What a service's settings tell its outputs: whether it autoscales, and its task bounds."""

    @property
    def autoscaling(self) -> object | None: ...

    def min_max_tasks(self) -> tuple[int, int]: ...


def service_outputs(service: BackendService | AlbWebService, settings: ScaledSettings) -> dict[str, Any]:
    """A backend's or web service's entry in the stack's `services` output, which the operator CLI reads."""
    low, high = settings.min_max_tasks()
    return {
        "serviceName": service.service_name,
        "clusterName": service.cluster_name,
        "logGroupName": service.log_group_name,
        "executeCommand": service.workload.execute_command,
        "containerNames": service.workload.container_names,
        "autoscaled": settings.autoscaling is not None,
        "minTasks": low,
        "maxTasks": high,
        "url": service.url,
    }


def build_backend(foundation: Foundation, scorer: PictureScorerSettings) -> BackendService | None:
    """Creates the scorer as a `BackendService` in the cluster's namespace; None when it is disabled."""
    if not scorer.enabled:
        return None
    workload = scorer.workload.workload_args(SCORER_APP, foundation.log_retention_days, foundation.execute_command)
    workload["port"] = SCORER_PORT
    return BackendService(SCORER_NAME, backend_args(foundation, scorer, scorer.workload, workload))


def backend_args(
    foundation: Foundation, settings: BackendBaseSettings, container: WorkloadSettings, workload: FargateWorkloadArgs
) -> BackendServiceArgs:
    """The `BackendService` arguments of a backend section with its built `workload`, in the foundation's
    cluster and namespace."""
    assert foundation.service_connect_namespace_arn is not None, "the foundation makes a namespace for backends"
    capacity = container.capacity or foundation.default_capacity
    chosen = settings.service_args()
    args: dict[str, Any] = {
        **chosen,
        "cluster_name": foundation.cluster_name,
        "cluster_arn": foundation.cluster_arn,
        "placement": foundation.placement,
        "capacity_providers": foundation.capacity_providers,
        "workload": workload,
        "deployment": {**chosen["deployment"], "capacity": capacity.weights()},
        "namespace": foundation.service_connect_namespace_arn,
        "alarm_topic_arn": foundation.alarm_topic_arn,
        "protect_data": foundation.protect_data,
    }
    return cast(BackendServiceArgs, args)

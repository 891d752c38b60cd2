"""Batch pipelines of the stack: each is an input bucket, a queue and autoscaled workers writing to an output bucket.

`ecs-workloads:batch` maps a pipeline name to its settings. Without the key the stack runs the two
reference pipelines: `jsonl` (line-delimited JSON files, jobs that may outlast Lambda's 900 s) and
`images` (.jpg/.jpeg thumbnails, any case), both scaling to zero when idle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Self, cast

import pulumi
from pydantic import AfterValidator, Field, field_validator, model_validator

from ecs_workloads.queue_backed_batch_service import (
    QUEUE_BACKED_BATCH_SERVICE_ARGS,
    QUEUE_BACKED_BATCH_SERVICE_NAMES,
    WORKER_ENVIRONMENT,
    QueueBackedBatchService,
    QueueBackedBatchServiceArgs,
)

from .component_rules import raise_rule_problems
from .foundation import Foundation
from .scheduled_scaling import ScheduledScalingSettings
from .section import Section
from .workload_settings import WorkloadSettings

WORKER_APP = "batch_worker"
_QUEUE_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_PIPELINE_RESOURCE_NAME = "batch-{name}"
PIPELINE_NAME_MAX_LENGTH = QUEUE_BACKED_BATCH_SERVICE_NAMES.max_length - len(_PIPELINE_RESOURCE_NAME.format(name=""))
"""A pipeline's `QueueBackedBatchService` is `batch-<name>`, so the component's name bound less the prefix."""
_ARGS = QUEUE_BACKED_BATCH_SERVICE_ARGS


class QueueServiceSettings(Section):
    """What every queue-fed service of the stack sets (`batch` pipelines and `workers`): the worker
    container, the backlog scaling and the queue's redrive and alarm."""

    workload: WorkloadSettings = Field(
        default_factory=WorkloadSettings, description="Worker container; default: build apps/batch_worker."
    )
    min_tasks: int = _ARGS["min_tasks"].setting(description="Tasks kept while the queue is idle.")
    max_tasks: int = _ARGS["max_tasks"].setting(description="Upper bound of the task count.")
    messages_per_task: int = _ARGS["messages_per_task"].setting(description="Tasks = ceil(backlog / messagesPerTask).")
    idle_minutes: int = _ARGS["idle_minutes"].setting(
        description="Minutes with an empty queue before scaling to minTasks."
    )
    visibility_timeout_seconds: int = _ARGS["visibility_timeout_seconds"].setting(
        description="Queue visibility timeout; the worker's heartbeat keeps extending it."
    )
    max_receive_count: int = _ARGS["max_receive_count"].setting(
        description="Receives before a message goes to the DLQ."
    )
    max_message_age_seconds: int = _ARGS["max_message_age_seconds"].setting(
        description="Alarm when the oldest queued message is older than this."
    )
    scheduled_scaling: list[ScheduledScalingSettings] = Field(
        [], description="Actions that set the min and max tasks at given times; default none."
    )

    @field_validator("workload")
    @classmethod
    def _own_environment(cls, value: WorkloadSettings) -> WorkloadSettings:
        taken = sorted(WORKER_ENVIRONMENT & (set(value.environment) | set(value.secrets)))
        if taken:
            raise ValueError(f"the pipeline sets {', '.join(taken)} from its own settings; remove it here")
        return value

    @model_validator(mode="after")
    def _component_rules(self) -> Self:
        raise_rule_problems(_ARGS, _ARGS.rules, self.component_args())
        return self

    def component_args(self) -> dict[str, Any]:
        """The `QueueBackedBatchService` arguments these settings pass through."""
        args: dict[str, Any] = {
            "min_tasks": self.min_tasks,
            "max_tasks": self.max_tasks,
            "messages_per_task": self.messages_per_task,
            "idle_minutes": self.idle_minutes,
            "visibility_timeout_seconds": self.visibility_timeout_seconds,
            "max_receive_count": self.max_receive_count,
            "max_message_age_seconds": self.max_message_age_seconds,
        }
        # Only when given, so services without a schedule keep the arguments they had.
        if self.scheduled_scaling:
            args["scheduled_scaling"] = [action.args() for action in self.scheduled_scaling]
        return args


class BatchPipelineSettings(QueueServiceSettings):
    """One pipeline of `ecs-workloads:batch`."""

    processor: str = _ARGS["processor"].setting(
        description="PROCESSOR of the worker: jsonl, thumbnails or module:function."
    )
    prefixes: list[str] = _ARGS["prefixes"].setting(
        description="Only keys under these prefixes (case-sensitive). Default: whole bucket."
    )
    suffixes: list[str] = _ARGS["suffixes"].setting(
        description="Only keys with these suffixes, ignoring case. Default: any key."
    )
    input_expiry_days: int | None = _ARGS["input_expiry_days"].setting(
        None, description="Delete inputs after N days. Default: keep."
    )
    output_expiry_days: int | None = _ARGS["output_expiry_days"].setting(
        None, description="Delete outputs after N days. Default: keep."
    )

    def component_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {
            "processor": self.processor,
            "prefixes": list(self.prefixes),
            "suffixes": list(self.suffixes),
            **super().component_args(),
        }
        for key in ("input_expiry_days", "output_expiry_days"):
            if getattr(self, key) is not None:
                args[key] = getattr(self, key)
        return args


def queue_service_name(noun: str, resource_name: str, max_length: int) -> Callable[[str], str]:
    """A validator of the names under a config key whose `QueueBackedBatchService` is `resource_name`."""

    def check(name: str) -> str:
        if not _QUEUE_SERVICE_NAME.match(name) or len(name) > max_length:
            raise ValueError(
                f"{noun} names are 1-{max_length} lowercase letters, digits or -, starting with a letter "
                f"({QUEUE_BACKED_BATCH_SERVICE_NAMES.reason(resource_name.format(name='<name>'))})"
            )
        return name

    return check


BatchPipelines = dict[
    Annotated[str, AfterValidator(queue_service_name("pipeline", _PIPELINE_RESOURCE_NAME, PIPELINE_NAME_MAX_LENGTH))],
    BatchPipelineSettings,
]
"""`ecs-workloads:batch`: pipeline name → settings."""


def default_pipelines() -> dict[str, BatchPipelineSettings]:
    """The reference pipelines, used when the stack does not set `ecs-workloads:batch`."""
    return {
        "jsonl": BatchPipelineSettings.model_validate({"processor": "jsonl", "suffixes": [".json", ".jsonl"]}),
        "images": BatchPipelineSettings.model_validate(
            {
                "processor": "thumbnails",
                "suffixes": [".jpg", ".jpeg"],
                "workload": {"cpu": 1024, "memory": 2048},
            }
        ),
    }


def build_batch(foundation: Foundation, pipelines: Mapping[str, BatchPipelineSettings]) -> dict[str, Any]:
    """Creates every pipeline; returns the `batch` stack output (pipeline name → where to put and find data)."""
    services = {
        name: queue_service(foundation, _PIPELINE_RESOURCE_NAME.format(name=name), settings, WORKER_APP)
        for name, settings in pipelines.items()
    }
    return queue_service_outputs(services, pipelines)


def queue_service_outputs(
    services: Mapping[str, QueueBackedBatchService], settings: Mapping[str, QueueServiceSettings]
) -> dict[str, Any]:
    """The `services` and `queues` stack outputs of queue-fed services (the operator CLI reads them)."""
    return {
        "services": {
            name: {
                "serviceName": service.service_name,
                "clusterName": service.cluster_name,
                "logGroupName": service.log_group_name,
                # `ecs-workloads exec` reads these: whether ECS Exec is on, and which containers it can enter.
                "executeCommand": service.workload.execute_command,
                "containerNames": service.workload.container_names,
                "autoscaled": True,
                "minTasks": settings[name].min_tasks,
                "maxTasks": settings[name].max_tasks,
            }
            for name, service in services.items()
        },
        "queues": {
            name: {
                "queueUrl": service.queue_url,
                "queueArn": service.queue_arn,
                "queueName": _queue_name(service.queue_arn),
                "dlqUrl": service.dlq_url,
                "dlqName": _queue_name(service.dlq_arn),
                "inputBucket": service.input_bucket_name,
                "outputBucket": service.output_bucket_name,
            }
            for name, service in services.items()
        },
    }


def _queue_name(arn: pulumi.Output[str]) -> pulumi.Output[str]:
    # CloudWatch names queues by name; the ARN ends with it.
    return arn.apply(lambda value: value.rsplit(":", 1)[-1])


def queue_service(
    foundation: Foundation,
    resource_name: str,
    settings: QueueServiceSettings,
    default_app: str,
    extra: Mapping[str, Any] | None = None,
    environment: Mapping[str, pulumi.Input[str]] | None = None,
) -> QueueBackedBatchService:
    """The `QueueBackedBatchService` of one queue-fed service; `extra` adds arguments its settings do not
    hold (a worker's trigger and subscriptions), `environment` variables the stack sets (topic ARNs)."""
    capacity = settings.workload.capacity or foundation.default_capacity
    workload = settings.workload.workload_args(default_app, foundation.log_retention_days, foundation.execute_command)
    if environment:
        workload["environment"] = {**workload["environment"], **environment}
    args: QueueBackedBatchServiceArgs = {
        # The service's own part comes from the validated config (declared fields; the component checks
        # them again): the one place config enters the typed arguments.
        **cast(QueueBackedBatchServiceArgs, {**settings.component_args(), **(extra or {})}),
        "cluster_name": foundation.cluster_name,
        "cluster_arn": foundation.cluster_arn,
        "placement": foundation.placement,
        "capacity_providers": foundation.capacity_providers,
        "workload": workload,
        "deployment": {"capacity": capacity.weights()},
        "protect_data": foundation.protect_data,
        "alarm_topic_arn": foundation.alarm_topic_arn,
    }
    return QueueBackedBatchService(resource_name, args)

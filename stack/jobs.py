"""Scheduled jobs of the stack: the ImageAssessor and any number of jobs declared in config.

`ecs-workloads:imageAssessor` configures the catsndogs ImageAssessor, which calls the cats API through
`ALB_URL` (https when the cats listener serves HTTPS) with the cats API token as its `API_TOKEN` secret;
`ecs-workloads:jobs` is a list of further jobs, the declarative form of a job scheduler's
create/modify/suspend API: change the list and run `pulumi up`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, cast

import pulumi
from pydantic import AfterValidator, Field, field_validator, model_validator

from ecs_workloads.capacity import CapacityProviderFacts
from ecs_workloads.fargate_workload import FargateWorkloadArgs
from ecs_workloads.job_fields import (
    RunEnvironment,
    ScheduleExpression,
    TimeZone,
    UtcTimestamp,
    end_problem,
    field_error,
    job_name_problem,
)
from ecs_workloads.scheduled_ecs_task import (
    SCHEDULED_ECS_TASK_ARGS,
    SCHEDULED_ECS_TASK_NAMES,
    ScheduledEcsTask,
    ScheduledEcsTaskArgs,
)
from ecs_workloads.scheduled_ecs_task.args import RUN_TASK, retries_problem, task_count_problem

from .foundation import Foundation
from .section import Section, unique_names
from .web import API_TOKEN_VARIABLE
from .workload_settings import CapacitySettings, WorkloadSettings, require_image_or_app

ASSESSOR_JOB = "image-assessor"
ASSESSOR_APP = "image_assessor"
# Set by the stack, not by config: the URL and the token come from the cats service, the count from
# deleteCount.
_ASSESSOR_OWN_ENV = ("ALB_URL", "DELETE_COUNT", API_TOKEN_VARIABLE)
_JOB_RESOURCE_NAME = "job-{name}"
JOB_NAME_MAX_LENGTH = SCHEDULED_ECS_TASK_NAMES.max_length - len(_JOB_RESOURCE_NAME.format(name=""))
"""A job's `ScheduledEcsTask` is `job-<name>`, so the component's name bound less the prefix."""


class RetrySettings(Section):
    """What EventBridge Scheduler does when it cannot start a run (throttling, no capacity)."""

    max_attempts: int = SCHEDULED_ECS_TASK_ARGS["max_retry_attempts"].setting(
        description="Retries before the run goes to the dead-letter queue."
    )
    max_event_age_seconds: int = SCHEDULED_ECS_TASK_ARGS["max_event_age_seconds"].setting(
        description="How long retries may go on, seconds."
    )


class ScheduleSettings(Section):
    """When and how often a job runs; shared by the ImageAssessor and every job in `jobs`."""

    schedule: ScheduleExpression = Field(
        description="rate(...), cron(6 fields), at(...), @every 2m, @hourly/@daily/@weekly/@monthly or 5-field cron."
    )
    timezone: TimeZone = Field(
        SCHEDULED_ECS_TASK_ARGS["timezone"].default,
        description="IANA time zone of cron and at expressions, e.g. Europe/London.",
    )
    enabled: bool = SCHEDULED_ECS_TASK_ARGS["enabled"].setting(description="false keeps the schedule but pauses it.")
    task_count: int = SCHEDULED_ECS_TASK_ARGS["task_count"].setting(
        description="Tasks started per run: up to 10 (50 with target workflow)."
    )
    start_date: UtcTimestamp | None = Field(
        None, description="ISO 8601 date-time with offset; no runs before it (left out once it has passed)."
    )
    end_date: UtcTimestamp | None = Field(None, description="ISO 8601 date-time with offset; no runs after it.")
    flexible_window_minutes: int = SCHEDULED_ECS_TASK_ARGS["flexible_window_minutes"].setting(
        description="0 = exact time; else a window of that many minutes."
    )
    retry: RetrySettings = Field(default_factory=RetrySettings, description="Retries when a run cannot start.")

    @model_validator(mode="after")
    def _start_before_end(self) -> ScheduleSettings:
        if problem := end_problem(self.start_date, self.end_date, "startDate"):
            raise field_error("endDate", self.end_date, problem)
        # Only `jobs` entries choose a target; the ImageAssessor runs its task directly.
        if problem := task_count_problem(getattr(self, "target", RUN_TASK), self.task_count):
            raise field_error("taskCount", self.task_count, problem)
        return self

    def schedule_args(self) -> dict[str, Any]:
        """The schedule-related `ScheduledEcsTaskArgs`."""
        args: dict[str, Any] = {
            "schedule": self.schedule,
            "timezone": self.timezone,
            "enabled": self.enabled,
            "task_count": self.task_count,
            "flexible_window_minutes": self.flexible_window_minutes,
            "max_retry_attempts": self.retry.max_attempts,
            "max_event_age_seconds": self.retry.max_event_age_seconds,
        }
        for key in ("start_date", "end_date"):
            if getattr(self, key) is not None:
                args[key] = getattr(self, key)
        return args


class ImageAssessorSettings(ScheduleSettings):
    """`ecs-workloads:imageAssessor` — the catsndogs ImageAssessor, run on a schedule against the cats API."""

    workload: WorkloadSettings = Field(
        default_factory=WorkloadSettings, description="Container; default: build apps/image_assessor."
    )
    schedule: ScheduleExpression = Field("rate(2 minutes)", description="When it runs (any form `jobs` accepts).")
    delete_count: int = Field(3, ge=1, le=100, description="Pictures removed per run (DELETE_COUNT).")

    @field_validator("workload")
    @classmethod
    def _own_environment(cls, value: WorkloadSettings) -> WorkloadSettings:
        taken = sorted(set(_ASSESSOR_OWN_ENV) & (set(value.environment) | set(value.secrets)))
        if taken:
            verb, pronoun = ("is", "it") if len(taken) == 1 else ("are", "them")
            raise ValueError(
                f"{', '.join(taken)} {verb} set by the stack (the cats service URL and token, deleteCount); "
                f"remove {pronoun}"
            )
        return value


class JobSettings(ScheduleSettings):
    """One entry of `ecs-workloads:jobs`: a container run on a schedule."""

    name: str = Field(
        description=f"Unique lowercase name (letters, digits, -), up to {JOB_NAME_MAX_LENGTH} characters."
    )
    workload: WorkloadSettings = Field(description="Container; `image` or `app` is required.")
    command: list[str] | None = Field(None, description="Container command. Default: the image's CMD.")
    run_environment: RunEnvironment = Field(
        default_factory=dict, description="Environment added on scheduled runs only (RunTask overrides)."
    )
    target: str = SCHEDULED_ECS_TASK_ARGS["target"].setting(
        description="run_task: the schedule starts the task; workflow: a Step Functions run that starts up to 50 "
        "tasks and starts a failed one again up to `retries` times."
    )
    retries: int = SCHEDULED_ECS_TASK_ARGS["retries"].setting(
        description="target workflow: times a task that fails (non-zero exit, no start) is started again in a run."
    )

    @model_validator(mode="after")
    def _retries_need_a_workflow(self) -> JobSettings:
        if problem := retries_problem(self.target, self.retries):
            raise field_error("retries", self.retries, problem)
        return self

    @model_validator(mode="after")
    def _one_command(self) -> JobSettings:
        if self.command is not None and self.workload.command is not None:
            raise field_error("command", self.command, "the command once: here or as workload.command, not both")
        return self

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if problem := job_name_problem(value, JOB_NAME_MAX_LENGTH):
            raise ValueError(f"must be {problem} ({SCHEDULED_ECS_TASK_NAMES.reason(job_resource_name('<name>'))})")
        if value == ASSESSOR_JOB:
            raise ValueError(f"{ASSESSOR_JOB} is the ImageAssessor's name; configure it under imageAssessor")
        return value

    @field_validator("workload")
    @classmethod
    def _image_or_app(cls, value: WorkloadSettings) -> WorkloadSettings:
        return require_image_or_app(value)

    @field_validator("command")
    @classmethod
    def _command(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("must not be empty; leave it out to use the image's CMD")
        return value


JobList = Annotated[list[JobSettings], AfterValidator(unique_names("jobs", "job"))]
"""`ecs-workloads:jobs`: job names must be unique."""


@dataclass(frozen=True)
class ScheduledJobs:
    """The stack's scheduled jobs by name, and the `jobs` stack output."""

    tasks: dict[str, ScheduledEcsTask]
    outputs: dict[str, Any]


def build_jobs(
    foundation: Foundation,
    assessor: AssessorTarget | None,
    jobs: Sequence[JobSettings],
    environment: Mapping[str, Mapping[str, pulumi.Input[str]]] | None = None,
) -> ScheduledJobs:
    """Creates the ImageAssessor (with the reference system) and every configured job; `environment` adds the
    stack's variables by job name (the ARNs of the topics a job publishes to)."""
    tasks: dict[str, ScheduledEcsTask] = {}
    # Where each job's settings live, so operators are told which config key to change.
    config_paths: dict[str, str] = {}
    capacities: dict[str, CapacitySettings] = {}
    if assessor is not None:
        tasks[ASSESSOR_JOB] = _image_assessor(foundation, assessor)
        config_paths[ASSESSOR_JOB] = "imageAssessor"
        capacities[ASSESSOR_JOB] = _capacity(foundation, assessor.settings.workload)
    for index, job in enumerate(jobs):
        config_paths[job.name] = f"jobs[{index}]"
        capacities[job.name] = _capacity(foundation, job.workload)
        # JobSettings guarantees an image or an app, so no default app is needed.
        workload = _workload(foundation, job.workload, default_app="")
        if environment and job.name in environment:
            workload["environment"] = {**workload["environment"], **environment[job.name]}
        if job.command:
            workload["command"] = list(job.command)
        args = _task_args(foundation, job, job.workload, workload)
        if job.run_environment:
            args["run_environment"] = dict(job.run_environment)
        if job.target != RUN_TASK:
            # Jobs that run their task directly keep the arguments (and the plan) they had.
            args["target"] = job.target
            args["retries"] = job.retries
        tasks[job.name] = ScheduledEcsTask(job_resource_name(job.name), args)
    outputs = {
        "jobs": {
            name: _outputs(task, config_paths[name], capacities[name], foundation.capacity_providers)
            for name, task in tasks.items()
        }
    }
    return ScheduledJobs(tasks=tasks, outputs=outputs)


def job_resource_name(name: str) -> str:
    """The logical name of the `ScheduledEcsTask` of the configured job `name`."""
    return _JOB_RESOURCE_NAME.format(name=name)


@dataclass(frozen=True)
class AssessorTarget:
    """The ImageAssessor's settings and the cats API it calls: the load balancer's URL and the token secret."""

    settings: ImageAssessorSettings
    alb_url: pulumi.Input[str]
    api_token_secret_arn: pulumi.Input[str]


def _image_assessor(foundation: Foundation, assessor: AssessorTarget) -> ScheduledEcsTask:
    settings = assessor.settings
    workload = _workload(foundation, settings.workload, ASSESSOR_APP)
    workload["environment"] = {
        **workload["environment"],
        "ALB_URL": assessor.alb_url,
        "DELETE_COUNT": str(settings.delete_count),
    }
    workload["secrets"] = {**workload["secrets"], API_TOKEN_VARIABLE: assessor.api_token_secret_arn}
    return ScheduledEcsTask(ASSESSOR_JOB, _task_args(foundation, settings, settings.workload, workload))


def _workload(foundation: Foundation, workload: WorkloadSettings, default_app: str) -> FargateWorkloadArgs:
    return workload.workload_args(default_app, foundation.log_retention_days, foundation.execute_command)


def _capacity(foundation: Foundation, workload: WorkloadSettings) -> CapacitySettings:
    return workload.capacity or foundation.default_capacity


def _task_args(
    foundation: Foundation, schedule: ScheduleSettings, settings: WorkloadSettings, workload: FargateWorkloadArgs
) -> ScheduledEcsTaskArgs:
    return {
        **cast(ScheduledEcsTaskArgs, schedule.schedule_args()),
        "cluster_arn": foundation.cluster_arn,
        "cluster_name": foundation.cluster_name,
        "placement": foundation.placement,
        "capacity": _capacity(foundation, settings).weights(),
        "capacity_providers": foundation.capacity_providers,
        "alarm_topic_arn": foundation.alarm_topic_arn,
        "protect_data": foundation.protect_data,
        "workload": workload,
    }


def _outputs(
    task: ScheduledEcsTask,
    config_path: str,
    capacity: CapacitySettings,
    providers: dict[str, CapacityProviderFacts],
) -> dict[str, Any]:
    """One entry of the `jobs` output: what an operator needs to run, pause or inspect the job."""
    return {
        "configPath": config_path,
        "capacityProviderStrategy": capacity.strategy_output(providers),
        "scheduleName": task.schedule_name,
        "scheduleGroup": task.schedule_group_name,
        "scheduleExpression": task.schedule_expression,
        "timezone": task.timezone,
        "taskDefinitionArn": task.task_definition_arn,
        "family": task.family,
        "containerName": task.container_name,
        # `ecs-workloads exec` reads these: whether ECS Exec is on, and which containers it can enter.
        "executeCommand": task.workload.execute_command,
        "containerNames": task.workload.container_names,
        "clusterArn": task.cluster_arn,
        "subnetIds": task.subnet_ids,
        "securityGroupIds": task.security_group_ids,
        "assignPublicIp": task.assign_public_ip,
        "logGroupName": task.log_group_name,
        "dlqUrl": task.dlq_url,
        # Only a job with target workflow has a state machine; the others keep the outputs they had.
        **({"stateMachineArn": task.state_machine_arn} if task.state_machine_arn is not None else {}),
        # Absent means awsvpc, so stacks on Fargate keep the outputs they had; a bridge job's runs take no
        # network configuration (RunTask refuses one for any mode but awsvpc).
        **({"networkMode": task.workload.network_mode} if task.workload.network_mode != "awsvpc" else {}),
    }

"""The job API (apps/job_api): scheduled jobs created, changed and removed at run time over JSON REST.

`ecs-workloads:jobApi` configures it. Each job the API stores is an EventBridge Scheduler schedule in the
API's own schedule group; the schedule starts the job-run state machine with the job as input, assuming a
role that may start that state machine and nothing else. The API runs as an `AlbWebService` on the cats
load balancer's forwarding listener (HTTPS in prod) under its own paths, closed by a bearer token the stack
generates in Secrets Manager (the ECS secret `API_TOKEN`). Jobs may run only the task definitions of the
stack's own scheduled jobs named in `allowedJobs`: their families are the app's `JOB_TASK_FAMILIES`, and
the state machine may pass only their roles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator

from ecs_workloads.alb_web_service import (
    ALB_WEB_SERVICE_ARGS,
    AlbWebService,
    AlbWebServiceArgs,
    SharedListenerArgs,
)
from ecs_workloads.fargate_service import SERVICE_DEPLOYMENT_ARGS
from ecs_workloads.generated_secret import GeneratedSecret
from ecs_workloads.iam import policy_document, service_assume_role_policy
from ecs_workloads.job_run_workflow import JobRunWorkflow, JobRunWorkflowArgs
from ecs_workloads.scheduled_ecs_task import ScheduledEcsTask

from .foundation import Foundation
from .section import Section
from .web import API_TOKEN_VARIABLE
from .workload_settings import WorkloadSettings

JOB_API_NAME = "job-api"
JOB_API_APP = "job_api"
# gunicorn in apps/job_api binds to $PORT, 8080 in its image.
JOB_API_PORT = 8080
JOB_API_PATHS = ("/jobs", "/jobs/*", "/spec", "/docs", "/docs/*")
"""The app's routes (apps/job_api/app.py): `/jobs` and `/jobs/<id>` (bearer token), the OpenAPI document
at `/spec`, Swagger UI at `/docs` and its files under `/docs/`. Exact paths rather than `/jobs*`, so the
rule takes nothing another service on the listener may serve (`/cats*`); five values, a rule's most."""
HEALTH_CHECK_PATH = "/health"
"""apps/job_api/app.py answers `GET /health` without the token."""
SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"
# The app's variables (apps/job_api/config.py VARIABLES): every one set by the stack.
_STACK_ENV = (
    API_TOKEN_VARIABLE,
    "JOB_SCHEDULE_GROUP",
    "JOB_STATE_MACHINE_ARN",
    "JOB_SCHEDULER_ROLE_ARN",
    "JOB_TASK_FAMILIES",
)
_WEB = ALB_WEB_SERVICE_ARGS


class JobApiSettings(Section):
    """`ecs-workloads:jobApi` — the job API on the cats load balancer, its schedule group and state machine."""

    enabled: bool = Field(False, description="Run the job API, its schedule group and its job-run state machine.")
    workload: WorkloadSettings = Field(
        default_factory=WorkloadSettings,
        description="Container; default: build apps/job_api (from the repository root), 256 CPU / 512 MiB.",
    )
    desired_count: int = SERVICE_DEPLOYMENT_ARGS["desired_count"].setting(description="Tasks to run.")
    rule_priority: int = _WEB["priority"].setting(
        110, description="Priority of the API's path rule on the cats listener; not the cats rule's."
    )
    allowed_jobs: list[str] = Field(
        [],
        description="The stack's scheduled jobs (`image-assessor` or a `jobs` entry's name) whose task "
        "definitions API jobs may run; the API allows their families and nothing else.",
    )

    trigger_queues: list[str] = Field(
        [],
        description="The stack's batch pipelines (`batch` names) whose queues a job's `trigger` may count; a "
        "trigger naming another queue fails its run.",
    )

    @field_validator("workload")
    @classmethod
    def _own_environment(cls, value: WorkloadSettings) -> WorkloadSettings:
        taken = sorted(set(_STACK_ENV) & (set(value.environment) | set(value.secrets)))
        if taken:
            verb, pronoun = ("is", "it") if len(taken) == 1 else ("are", "them")
            raise ValueError(
                f"{', '.join(taken)} {verb} set by the stack (the generated token, the schedule group, the state "
                f"machine, its scheduler role, the allowed families); remove {pronoun}"
            )
        return value

    @field_validator("allowed_jobs", "trigger_queues")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        repeated = sorted({name for name in value if value.count(name) > 1})
        if repeated:
            raise ValueError(f"each name once; repeated: {', '.join(repeated)}")
        return value

    def service_args(self) -> dict[str, Any]:
        """The `AlbWebService` arguments these settings decide; the stack adds the rest."""
        return {
            "deployment": {"desired_count": self.desired_count},
            "path_patterns": list(JOB_API_PATHS),
            "priority": self.rule_priority,
            "health_check_path": HEALTH_CHECK_PATH,
        }


@dataclass(frozen=True)
class JobApi:
    """What the stack exports for the job API."""

    outputs: dict[str, Any]
    """The `jobApi` stack output."""
    service: dict[str, Any]
    """The API's entry in the `services` stack output."""


def runnable_jobs(settings: JobApiSettings, jobs: Mapping[str, ScheduledEcsTask]) -> dict[str, ScheduledEcsTask]:
    """The stack's jobs the API's jobs may run (`StackSettings` has checked that each is one of `jobs`)."""
    return {name: jobs[name] for name in settings.allowed_jobs}


def build_job_api(
    foundation: Foundation,
    settings: JobApiSettings,
    listener: SharedListenerArgs,
    jobs: Mapping[str, ScheduledEcsTask],
    trigger_queue_arns: Sequence[pulumi.Input[str]] = (),
) -> JobApi:
    """Creates the job-run state machine for the tasks of `jobs`, the schedule group, the role its schedules
    start the state machine with, the API token and the API service on `listener`. Triggers may count the
    queues of `trigger_queue_arns`."""
    workflow = run_workflow(foundation, jobs, trigger_queue_arns)
    state_machine_arn = workflow.state_machine_arn
    protect = foundation.protect_data
    families = sorted(task.family for task in jobs.values())
    # CreateScheduleGroup Tags (Scheduler API reference): only groups take tags, schedules none, so the group
    # says who owns the schedules in it.
    group = aws.scheduler.ScheduleGroup(f"{JOB_API_NAME}-jobs", tags={"managed-by": JOB_API_NAME})
    scheduler_role = aws.iam.Role(
        f"{JOB_API_NAME}-scheduler-role",
        description="Assumed by EventBridge Scheduler to start job runs of the job API's schedules",
        assume_role_policy=service_assume_role_policy(SCHEDULER_PRINCIPAL),
    )
    aws.iam.RolePolicy(
        f"{JOB_API_NAME}-scheduler-policy",
        role=scheduler_role.id,
        policy=policy_document(scheduler_statements(state_machine_arn)),
    )
    token = GeneratedSecret(
        f"{JOB_API_NAME}-token",
        {"description": "Bearer token of the job API (API_TOKEN)", "protect_data": protect},
    )

    workload = settings.workload.workload_args(JOB_API_APP, foundation.log_retention_days, foundation.execute_command)
    workload["port"] = JOB_API_PORT
    workload["environment"] = {
        **workload["environment"],
        "JOB_SCHEDULE_GROUP": group.name,
        "JOB_STATE_MACHINE_ARN": state_machine_arn,
        "JOB_SCHEDULER_ROLE_ARN": scheduler_role.arn,
        "JOB_TASK_FAMILIES": ",".join(families),
    }
    # A secret, not environment: ECS resolves it at task start, so the value is in no task definition.
    workload["secrets"] = {**workload["secrets"], API_TOKEN_VARIABLE: token.arn}
    capacity = settings.workload.capacity or foundation.default_capacity
    chosen = cast(AlbWebServiceArgs, settings.service_args())
    args: AlbWebServiceArgs = {
        **chosen,
        "deployment": {**chosen["deployment"], "capacity": capacity.weights()},
        "shared_listener": listener,
        "cluster_name": foundation.cluster_name,
        "cluster_arn": foundation.cluster_arn,
        "placement": foundation.placement,
        "capacity_providers": foundation.capacity_providers,
        "workload": workload,
        "alarm_topic_arn": foundation.alarm_topic_arn,
        "protect_data": protect,
    }
    service = AlbWebService(JOB_API_NAME, args)
    service.grant("schedules", api_statements(group.arn, scheduler_role.arn, state_machine_arn))

    url = pulumi.Output.concat(service.url, "/jobs")
    outputs = {
        "url": url,
        "docsUrl": pulumi.Output.concat(service.url, "/docs"),
        "scheduleGroup": group.name,
        "stateMachineArn": state_machine_arn,
        "schedulerRoleArn": scheduler_role.arn,
        "taskFamilies": families,
    }
    entry = {
        "serviceName": service.service_name,
        "clusterName": service.cluster_name,
        "logGroupName": service.log_group_name,
        "executeCommand": service.workload.execute_command,
        "containerNames": service.workload.container_names,
        "autoscaled": False,
        "minTasks": settings.desired_count,
        "maxTasks": settings.desired_count,
        "url": url,
        "apiTokenSecretArn": token.arn,
    }
    return JobApi(outputs=outputs, service=entry)


def run_workflow(
    foundation: Foundation, jobs: Mapping[str, ScheduledEcsTask], trigger_queue_arns: Sequence[pulumi.Input[str]]
) -> JobRunWorkflow:
    """The state machine each API job's schedule starts: it runs only the task definitions of `jobs`, on the
    stack's cluster and subnets, and passes only their task and execution roles."""
    tasks = [jobs[name] for name in sorted(jobs)]
    # RunTask takes one network configuration per run and the state machine one for every job: the tasks get
    # the security groups of every allowed job (each job's own group admits what that job needs, EFS for one).
    groups = pulumi.Output.all(*[task.security_group_ids for task in tasks]).apply(
        lambda lists: sorted({group for found in lists for group in found})
    )
    args: JobRunWorkflowArgs = {
        "cluster_arn": foundation.cluster_arn,
        "task_families": sorted(task.family for task in tasks),
        "pass_role_arns": [arn for task in tasks for arn in (task.task_role_arn, task.workload.execution_role_arn)],
        # One Output of the list: the workflow takes a list of ids or an Output of one.
        "subnet_ids": pulumi.Output.from_input(foundation.placement["subnet_ids"]),
        "security_group_ids": groups,
        "assign_public_ip": foundation.placement["assign_public_ip"],
        "capacity": foundation.default_capacity.weights(),
        "capacity_providers": foundation.capacity_providers,
        "alarm_topic_arn": foundation.alarm_topic_arn,
        "log_retention_days": foundation.log_retention_days,
        "protect_data": foundation.protect_data,
    }
    if trigger_queue_arns:
        args["trigger_queue_arns"] = list(trigger_queue_arns)
    return JobRunWorkflow(f"{JOB_API_NAME}-runs", args)


def scheduler_statements(state_machine_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    """What the schedules' role may do: start the job-run state machine (the universal target
    `aws-sdk:sfn:startExecution` calls StartExecution as this role; Step Functions authorises
    `states:StartExecution` on the stateMachine resource, Service Authorization Reference)."""
    return [
        {
            "Sid": "StartJobRuns",
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": state_machine_arn,
        }
    ]


def api_statements(
    group_arn: pulumi.Input[str], scheduler_role_arn: pulumi.Input[str], state_machine_arn: pulumi.Input[str]
) -> list[dict[str, Any]]:
    """The task role's statements: exactly the calls apps/job_api makes (schedules.py: CreateSchedule,
    UpdateSchedule, GetSchedule, DeleteSchedule, ListSchedules; runs.py: ListExecutions, DescribeExecution)."""
    # A schedule's ARN is arn:<partition>:scheduler:<region>:<account>:schedule/<group>/<name>, its group's
    # ...:schedule-group/<group>; an execution's arn:<partition>:states:<region>:<account>:execution:<state
    # machine name>:<execution>, its state machine's ...:stateMachine:<name> (Service Authorization Reference,
    # the EventBridge Scheduler and Step Functions resource types).
    schedules = pulumi.Output.from_input(group_arn).apply(
        lambda arn: arn.replace(":schedule-group/", ":schedule/", 1) + "/*"
    )
    executions = pulumi.Output.from_input(state_machine_arn).apply(
        lambda arn: arn.replace(":stateMachine:", ":execution:", 1) + ":*"
    )
    return [
        {
            "Sid": "ManageJobSchedules",
            "Effect": "Allow",
            "Action": [
                "scheduler:CreateSchedule",
                "scheduler:UpdateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
            ],
            "Resource": schedules,
        },
        {
            # ListSchedules has no resource type and no condition key (Service Authorization Reference,
            # EventBridge Scheduler), so it takes `*`; the app lists its own group by GroupName.
            "Sid": "ListJobSchedules",
            "Effect": "Allow",
            "Action": "scheduler:ListSchedules",
            "Resource": "*",
        },
        {
            # CreateSchedule and UpdateSchedule pass the target's RoleArn, authorised as iam:PassRole with
            # iam:PassedToService scheduler.amazonaws.com (Service Authorization Reference, EventBridge Scheduler).
            "Sid": "PassTheSchedulerRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": scheduler_role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": SCHEDULER_PRINCIPAL}},
        },
        {
            "Sid": "ListJobRuns",
            "Effect": "Allow",
            "Action": "states:ListExecutions",
            "Resource": state_machine_arn,
        },
        {
            "Sid": "ReadJobRuns",
            "Effect": "Allow",
            "Action": "states:DescribeExecution",
            "Resource": executions,
        },
    ]

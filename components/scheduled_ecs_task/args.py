"""What a `ScheduledEcsTask` takes: each argument's facts, declared once, and the rules that tie them."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Required, TypedDict

import pulumi

from ..alarm_topic import TOPIC_ARN
from ..arguments import Arguments, Check, Flag, Identifier, Integer, Nested, OneOf, Parsed, Text
from ..capacity import CAPACITY, CapacityProviderFacts, CapacityWeights
from ..fargate_workload import FARGATE_WORKLOAD_NAMES, EmbeddedWorkloadArgs
from ..job_fields import HIDDEN, SECRET_LOOKING_NAME, run_environment_problem, utc_timestamp
from ..job_run_workflow import JOB_RUN_WORKFLOW_NAMES
from ..job_trigger import RETRY_LIMIT, TASK_LIMIT
from ..name_limits import (
    ALARM,
    EVENT_RULE,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    SCHEDULE,
    SCHEDULE_GROUP,
    SQS_QUEUE,
    ComponentNames,
)
from ..network import WORKLOAD_PLACEMENT_ARGS, WorkloadPlacement
from ..schedule_expression import normalize_schedule_expression, validate_timezone
from ..tags import TAGS
from ..validation import ArgumentProblems, is_known
from ..workload_shape import CAPACITY_PROVIDERS, EMBEDDED_WORKLOAD, validate_capacity


class ScheduledEcsTaskArgs(TypedDict, total=False):
    """Arguments of `ScheduledEcsTask`."""

    cluster_arn: Required[pulumi.Input[str]]
    """ARN of the ECS cluster the task runs on."""
    cluster_name: Required[pulumi.Input[str]]
    """Name of the same cluster (task ARNs contain it)."""
    capacity_providers: dict[str, CapacityProviderFacts]
    """The cluster's EC2 capacity providers by name (`EcsCluster.capacity_providers`), for capacity weights
    that name them."""
    placement: Required[WorkloadPlacement]
    """VPC, subnets and public-IP decision for the task."""
    workload: Required[EmbeddedWorkloadArgs]
    """The container: `FargateWorkloadArgs` without `vpc_id` (taken from `placement`) and without
    `protect_data` (taken from this component)."""
    schedule: Required[str]
    """When to run: `rate(...)`, `cron(...)` (6 AWS fields), `at(...)`, `@every 2m`, `@hourly`, `@daily`,
    `@weekly`, `@monthly`, `@yearly` or a 5-field Unix cron; normalised to Scheduler syntax."""
    timezone: str
    """IANA time zone the cron and `at` expressions are read in, e.g. `Europe/London`."""
    start_date: str
    """ISO 8601 date-time with a UTC offset before which the schedule does not run. Once it has passed it is
    left out (Scheduler refuses a start date more than 5 minutes ago) and the schedule runs from now."""
    end_date: str
    """ISO 8601 date-time with a UTC offset after which the schedule stops; after `start_date`."""
    enabled: bool
    """Whether the schedule runs (`ENABLED`) or is kept but paused (`DISABLED`)."""
    flexible_window_minutes: int
    """0 runs at the exact time; otherwise Scheduler may start the run anywhere in a window of this many
    minutes, which spreads load."""
    target: str
    """What the schedule starts: `run_task`, the task itself (Scheduler's ECS target), or `workflow`, a
    `JobRunWorkflow` execution with the job as input that runs the tasks, starts a failed one again up to
    `retries` times and alerts once a run has failed."""
    task_count: int
    """Tasks started per run: up to 10 with target `run_task` (Scheduler's limit), 50 with `workflow`."""
    retries: int
    """Target `workflow` only: times a task that exits non-zero (or cannot start) is started again in the
    same run."""
    capacity: CapacityWeights
    """FARGATE / FARGATE_SPOT weights of scheduled runs without a public IP; runs with one use launch
    type FARGATE (on-demand), the only one Scheduler allows a public IP with."""
    run_environment: dict[str, pulumi.Input[str]]
    """Environment added to the container on scheduled runs only (RunTask container overrides); runs
    started by hand use the task definition's environment."""
    max_retry_attempts: int
    """Times Scheduler retries a run that RunTask refused (throttling, no capacity)."""
    max_event_age_seconds: int
    """How long Scheduler keeps retrying a run, in seconds."""
    schedule_group_name: pulumi.Input[str]
    """Existing schedule group to put the schedule in."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic for the dead-letter alarm and the failed-run alert. The topic policy must let
    events.amazonaws.com publish."""
    protect_data: bool
    """Protect and retain the dead-letter queue, log group and ECR repository on delete."""
    tags: dict[str, str]
    """Tags of every resource of the task (schedule, roles, queue, alarm, task definition, ...) and of the
    tasks it starts."""


def _is_mapping(value: Any) -> bool:
    return isinstance(value, dict)


def _end_after_start(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    given = "start_date" in args and "end_date" in args
    if given and utc_timestamp(args["start_date"]) >= utc_timestamp(args["end_date"]):
        problems.add(f"{prefix}end_date", args["end_date"], f"must be after start_date {args['start_date']}")


def run_environment_entries(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """Each bad `run_environment` entry; values are hidden where the name looks like a credential."""
    for key, value in SCHEDULED_ECS_TASK_ARGS.value(args, "run_environment").items():
        problem = run_environment_problem(key) if isinstance(key, str) else "names are letters, digits and _"
        if problem:
            shown = HIDDEN if isinstance(key, str) and SECRET_LOOKING_NAME.search(key) else value
            problems.add(f"{prefix}run_environment.{key}", shown, problem)
        elif is_known(value) and not isinstance(value, str):
            problems.add(f"{prefix}run_environment.{key}", value, "a string")


RUN_TASK = "run_task"
WORKFLOW = "workflow"
TARGETS = (RUN_TASK, WORKFLOW)
"""What a schedule may start: the task (ECS RunTask target) or a `JobRunWorkflow` execution."""
RUN_TASK_COUNT_LIMIT = 10
"""EcsParameters.TaskCount (Scheduler API reference): 1 to 10."""


def task_count_problem(target: str, task_count: int) -> str | None:
    """What is wrong with `task_count` for `target`, or None; shared with the stack's jobs settings."""
    if target == RUN_TASK and task_count > RUN_TASK_COUNT_LIMIT:
        return (
            f"at most {RUN_TASK_COUNT_LIMIT} with target {RUN_TASK} (Scheduler's EcsParameters.TaskCount); "
            f"target {WORKFLOW} starts up to {TASK_LIMIT}"
        )
    return None


def retries_problem(target: str, retries: int) -> str | None:
    """What is wrong with `retries` for `target`, or None; shared with the stack's jobs settings."""
    if target == RUN_TASK and retries:
        return f"only with target {WORKFLOW}: Scheduler retries only runs it could not start (max_retry_attempts)"
    return None


def _counts_for_target(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    target = SCHEDULED_ECS_TASK_ARGS.value(args, "target")
    if problem := task_count_problem(target, SCHEDULED_ECS_TASK_ARGS.value(args, "task_count")):
        problems.add(f"{prefix}task_count", args["task_count"], problem)
    if problem := retries_problem(target, SCHEDULED_ECS_TASK_ARGS.value(args, "retries")):
        problems.add(f"{prefix}retries", args["retries"], problem)


_DATE = "an ISO 8601 date-time with a UTC offset, e.g. 2030-01-01T00:00:00Z"

SCHEDULED_ECS_TASK_ARGS = Arguments(
    ScheduledEcsTaskArgs,
    {
        "cluster_arn": Identifier(shape="the cluster ARN"),
        "cluster_name": Identifier(shape="the cluster name"),
        "capacity_providers": CAPACITY_PROVIDERS,
        "placement": Nested(arguments=WORKLOAD_PLACEMENT_ARGS),
        "workload": EMBEDDED_WORKLOAD,
        "schedule": Parsed(parse=normalize_schedule_expression, shape="a schedule expression string"),
        # ScheduleExpressionTimezone (Scheduler API reference): an IANA time zone name.
        "timezone": Parsed(
            parse=validate_timezone, shape="an IANA time zone name such as Europe/London", default="UTC"
        ),
        "start_date": Parsed(parse=utc_timestamp, shape=_DATE, otherwise="none"),
        "end_date": Parsed(parse=utc_timestamp, shape=_DATE, otherwise="none"),
        "enabled": Flag(default=True),
        # FlexibleTimeWindow.MaximumWindowInMinutes (Scheduler API reference): 1 to 1440; 0 is mode OFF.
        "flexible_window_minutes": Integer(low=0, high=1440, default=0),
        "target": OneOf(values=TARGETS, default=RUN_TASK),
        # A workflow run starts at most job_trigger.TASK_LIMIT tasks; `_task_count_for_target` holds run_task
        # to Scheduler's 10.
        "task_count": Integer(low=1, high=TASK_LIMIT, default=1),
        "retries": Integer(low=0, high=RETRY_LIMIT, default=0),
        "capacity": CAPACITY,
        "run_environment": Check(default={}, test=_is_mapping, says="a mapping of variable names to values"),
        # RetryPolicy (Scheduler API reference): MaximumRetryAttempts 0 to 185, MaximumEventAgeInSeconds
        # 60 to 86400.
        "max_retry_attempts": Integer(low=0, high=185, default=3),
        "max_event_age_seconds": Integer(low=60, high=86400, default=3600),
        # ScheduleGroupName (Scheduler API reference): 1 to 64 of [0-9a-zA-Z-_.].
        "schedule_group_name": Text(
            pattern=re.compile(r"^[0-9a-zA-Z._-]+$"),
            shape="letters, digits, '.', '_' or '-'",
            max_length=64,
            otherwise="a group created for this task",
        ),
        "alarm_topic_arn": replace(
            TOPIC_ARN, otherwise="none: the alarm has no action and there is no failed-run alert"
        ),
        "protect_data": Flag(default=False),
        "tags": TAGS,
    },
    rules=[_end_after_start, run_environment_entries, _counts_for_target],
)


SCHEDULED_WORKFLOW_NAME = "{name}-workflow"
"""The logical name of the `JobRunWorkflow` of a task with target `workflow`."""
SCHEDULED_WORKLOAD_NAME = "{name}-workload"
"""The embedded workload's logical name: the name of the first release, so the roles, log group and task
definition of deployed stacks are kept."""

# The children Pulumi autonames from the task's name (the failed-run target takes a generated target id).
SCHEDULED_ECS_TASK_NAMES = ComponentNames.of(
    [
        ("-dlq", SQS_QUEUE),
        ("-dlq-alarm", ALARM),
        ("-scheduler-role", IAM_ROLE),
        ("-scheduler-policy", IAM_ROLE_POLICY),
        ("-group", SCHEDULE_GROUP),
        ("-schedule", SCHEDULE),
        ("-failed-run", EVENT_RULE),
    ],
    embeds=[(SCHEDULED_WORKLOAD_NAME, FARGATE_WORKLOAD_NAMES), (SCHEDULED_WORKFLOW_NAME, JOB_RUN_WORKFLOW_NAMES)],
)


def validate_scheduled_task_args(args: Any, *, name: str | None = None) -> None:
    """Checks every argument, and `name` when given, and raises one ValueError listing all problems."""
    problems = ArgumentProblems("ScheduledEcsTask")
    if name is not None:
        SCHEDULED_ECS_TASK_NAMES.check(name, problems)
    if SCHEDULED_ECS_TASK_ARGS.check(args, problems) is not None and not problems:
        validate_capacity(problems, args, ("capacity",))
    problems.raise_if_any()

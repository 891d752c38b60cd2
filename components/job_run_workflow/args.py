"""What a `JobRunWorkflow` takes: each argument's facts, declared once, and the rules that tie them."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Required, TypedDict

import pulumi

from ..alarm_topic import TOPIC_ARN
from ..arguments import Arguments, Check, Flag, Identifier, Items, OneOf, Text
from ..capacity import CAPACITY, CapacityProviderFacts, CapacityWeights
from ..fargate_workload import LOG_RETENTION_DAYS
from ..name_limits import IAM_ROLE, IAM_ROLE_POLICY, STATE_MACHINE, ComponentNames
from ..tags import TAGS
from ..task_placement import PLACEMENT_STRATEGIES, PlacementStrategy
from ..validation import ArgumentProblems, is_id, is_known
from ..workload_shape import CAPACITY_PROVIDERS, validate_capacity


class JobRunWorkflowArgs(TypedDict, total=False):
    """Arguments of `JobRunWorkflow`."""

    cluster_arn: Required[pulumi.Input[str]]
    """ARN of the ECS cluster the job's tasks run on."""
    task_families: Required[list[str]]
    """Task definition families the workflow may run (the allow-list): a job naming another fails, and the
    role may start no other."""
    pass_role_arns: Required[list[pulumi.Input[str]]]
    """The task and execution role ARNs of those task definitions, which RunTask hands to ECS."""
    subnet_ids: pulumi.Input[list[str]]
    """Subnets of awsvpc tasks; without them RunTask gets no network configuration (bridge and host mode)."""
    security_group_ids: pulumi.Input[list[str]]
    """Security groups of awsvpc tasks."""
    assign_public_ip: bool
    """Whether awsvpc tasks get a public IP (Fargate tasks in public subnets without NAT need one)."""
    capacity: CapacityWeights
    """FARGATE / FARGATE_SPOT weights, or the cluster's EC2 providers, of the tasks (RunTask's capacity
    provider strategy)."""
    capacity_providers: dict[str, CapacityProviderFacts]
    """The cluster's EC2 capacity providers by name (`EcsCluster.capacity_providers`), for capacity weights
    that name them."""
    launch_type: str
    """A launch type instead of a capacity provider strategy (RunTask refuses both together)."""
    placement_strategies: list[PlacementStrategy]
    """How ECS places the tasks on EC2 instances (RunTask `placementStrategy`, EC2 capacity only)."""
    trigger_queue_arns: list[pulumi.Input[str]]
    """SQS queues whose backlog jobs may count (their `trigger.queueName`); the role may read only these."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic told of a run that failed. An encrypted topic's key must let this account's principals use
    it through SNS (AlarmTopic's key does)."""
    log_level: str
    """What the executions log: `ERROR` (failed states only) or `ALL`; execution data (the job, the tasks)
    is never logged."""
    log_retention_days: int
    """Days CloudWatch Logs keeps the execution log."""
    tracing: bool
    """Whether executions are traced with AWS X-Ray."""
    protect_data: bool
    """Protect and retain the execution log group on delete."""
    tags: dict[str, str]
    """Tags of every resource of the workflow."""


def _is_list_or_output(value: Any) -> bool:
    return not is_known(value) or (isinstance(value, list) and all(is_id(item) for item in value))


# RegisterTaskDefinition family: up to 255 letters, digits, hyphens and underscores.
_FAMILY = Text(
    pattern=re.compile(r"^[A-Za-z0-9_-]{1,255}$"), shape="a task definition family (1-255 letters, digits, - or _)"
)
# An SQS queue ARN (CreateQueue QueueName: 1-80 letters, digits, - and _, .fifo for FIFO queues).
_QUEUE_ARN = Text(
    pattern=re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$"),
    shape="an SQS queue ARN such as arn:aws:sqs:us-east-1:123456789012:work",
)


def _placement_choice(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    if "launch_type" in args and "capacity" in args:
        problems.add(
            f"{prefix}launch_type",
            args["launch_type"],
            "not with capacity: RunTask takes a launch type or a capacity provider strategy, not both",
        )
    if "security_group_ids" in args and "subnet_ids" not in args:
        problems.add(f"{prefix}security_group_ids", args["security_group_ids"], "only with subnet_ids (awsvpc)")
    if args.get("assign_public_ip") and "subnet_ids" not in args:
        problems.add(f"{prefix}assign_public_ip", True, "only with subnet_ids (awsvpc)")


JOB_RUN_WORKFLOW_ARGS = Arguments(
    JobRunWorkflowArgs,
    {
        "cluster_arn": Identifier(shape="the cluster ARN"),
        "task_families": Items(item=_FAMILY, unique=True),
        "pass_role_arns": Items(item=Identifier(shape="a role ARN"), unique=True),
        "subnet_ids": Check(test=_is_list_or_output, says="a list of subnet ids", otherwise="none: not awsvpc"),
        "security_group_ids": Check(
            test=_is_list_or_output, says="a list of security group ids", otherwise="none: the VPC's default group"
        ),
        "assign_public_ip": Flag(default=False),
        "capacity": CAPACITY,
        "capacity_providers": CAPACITY_PROVIDERS,
        # RunTask launchType (ECS API reference, LaunchType): EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES.
        "launch_type": OneOf(
            values=("FARGATE", "EC2", "EXTERNAL", "MANAGED_INSTANCES"),
            what="launch type",
            otherwise="none: the capacity weights",
        ),
        "placement_strategies": replace(PLACEMENT_STRATEGIES, otherwise="none: ECS's default placement"),
        "trigger_queue_arns": Items(item=_QUEUE_ARN, unique=True, otherwise="none: jobs with a trigger fail"),
        "alarm_topic_arn": replace(TOPIC_ARN, otherwise="none: a failed run is only a failed execution"),
        # LoggingConfiguration level (Step Functions API reference): ALL, ERROR, FATAL or OFF; FATAL logs
        # too little to say why a job failed and OFF nothing.
        "log_level": OneOf(values=("ERROR", "ALL"), default="ERROR"),
        "log_retention_days": OneOf(values=LOG_RETENTION_DAYS, default=30),
        "tracing": Flag(default=False),
        "protect_data": Flag(default=False),
        "tags": TAGS,
    },
    rules=[_placement_choice],
)

# The children Pulumi autonames from the workflow's name. The log group is named by prefix
# (/aws/vendedlogs/states/<name>- and a 26-character id), far inside CreateLogGroup's 512 characters.
JOB_RUN_WORKFLOW_NAMES = ComponentNames.of(
    [
        ("-state-machine", STATE_MACHINE),
        ("-role", IAM_ROLE),
        ("-policy", IAM_ROLE_POLICY),
    ]
)


def validate_job_run_workflow_args(args: Any, *, name: str | None = None) -> None:
    """Checks every argument, and `name` when given, and raises one ValueError listing all problems."""
    problems = ArgumentProblems("JobRunWorkflow")
    if name is not None:
        JOB_RUN_WORKFLOW_NAMES.check(name, problems)
    if JOB_RUN_WORKFLOW_ARGS.check(args, problems) is not None and not problems:
        validate_capacity(problems, args, ("capacity",))
    problems.raise_if_any()

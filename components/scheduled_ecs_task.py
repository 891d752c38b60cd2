"""A container run on a schedule: EventBridge Scheduler starts a Fargate task on the cluster.

Compared with an EventBridge rule (what CDK's ScheduledFargateTask uses), Scheduler adds time zones,
start and end dates, flexible windows, a retry policy and a dead-letter queue. A run that starts but
fails (non-zero exit, task never started, Spot reclaim) is caught separately by a rule on ECS task
state changes, because Scheduler only knows whether RunTask was accepted.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .alarm_topic import validate_topic_arn
from .capacity import ON_DEMAND, CapacityWeights, capacity_strategy, validate_capacity
from .fargate_workload import (
    ENV_NAME,
    SECRET_LOOKING_NAME,
    FargateWorkload,
    FargateWorkloadArgs,
    validate_workload_args,
)
from .iam import policy_document, service_assume_role_policy
from .network import PLACEMENT_VPC, WorkloadPlacement, validate_placement
from .options import child, stateful
from .schedule_expression import normalize_schedule_expression, validate_timezone
from .task_stop_codes import FAILED_STOP_CODES
from .validation import ArgumentProblems, is_known

_SCHEDULE_GROUP_NAME = re.compile(r"^[0-9a-zA-Z._-]{1,64}$")
_DLQ_RETENTION_SECONDS = 14 * 24 * 3600


class ScheduledEcsTaskArgs(TypedDict, total=False):
    """Arguments of `ScheduledEcsTask`."""

    cluster_arn: Required[pulumi.Input[str]]
    """ARN of the ECS cluster the task runs on. Required."""
    cluster_name: Required[pulumi.Input[str]]
    """Name of the same cluster (task ARNs contain it). Required."""
    placement: Required[WorkloadPlacement]
    """VPC, subnets and public-IP decision for the task. Required."""
    workload: Required[FargateWorkloadArgs]
    """The container: `FargateWorkloadArgs` without `vpc_id` (taken from `placement`) and without
    `protect_data` (taken from this component). `family` defaults to `<project>-<stack>-<name>`. Required."""
    schedule: Required[str]
    """When to run: `rate(...)`, `cron(...)` (6 AWS fields), `at(...)`, `@every 2m`, `@hourly`, `@daily`,
    `@weekly`, `@monthly`, `@yearly` or a 5-field Unix cron; normalised to Scheduler syntax. Required."""
    timezone: str
    """IANA time zone the cron and `at` expressions are read in, e.g. `Europe/London`. Default `UTC`."""
    start_date: str
    """ISO 8601 date-time with a UTC offset before which the schedule does not run. Default: none."""
    end_date: str
    """ISO 8601 date-time with a UTC offset after which the schedule stops; after `start_date`. Default: none."""
    enabled: bool
    """Whether the schedule runs (`ENABLED`) or is kept but paused (`DISABLED`). Default true."""
    flexible_window_minutes: int
    """0 runs at the exact time; 1 to 1440 lets Scheduler start the run anywhere in that window, which
    spreads load. Default 0."""
    task_count: int
    """Tasks started per run, 1 to 10. Default 1."""
    capacity: CapacityWeights
    """FARGATE / FARGATE_SPOT weights of scheduled runs. Default on-demand FARGATE."""
    run_environment: dict[str, pulumi.Input[str]]
    """Environment added to the container on scheduled runs only (RunTask container overrides); runs
    started by hand use the task definition's environment. Default none."""
    max_retry_attempts: int
    """Times Scheduler retries a run that RunTask refused (throttling, no capacity), 0 to 185. Default 3."""
    max_event_age_seconds: int
    """How long Scheduler keeps retrying a run, 60 to 86400 seconds. Default 3600."""
    schedule_group_name: pulumi.Input[str]
    """Existing schedule group to put the schedule in. Default: a group created for this task."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic for the dead-letter alarm and the failed-run alert. The topic policy must let
    events.amazonaws.com publish. Default: none (alarm without action, no failed-run alert)."""
    protect_data: bool
    """Protect and retain the dead-letter queue, log group and ECR repository on delete. Default false."""


class ScheduledEcsTask(pulumi.ComponentResource):
    """A Fargate task started by EventBridge Scheduler, with retries, a dead-letter queue and alerts.

    Outputs carry everything needed to start the same task by hand with `ecs.run_task`:
    `task_definition_arn`, `family`, `container_name`, `cluster_arn`, `cluster_name`, `subnet_ids`,
    `security_group_ids`, `assign_public_ip`; plus `schedule_name`, `schedule_group_name`,
    `schedule_arn`, `schedule_expression`, `timezone`, `log_group_name` and `dlq_url`.
    """

    schedule_name: pulumi.Output[str]
    schedule_group_name: pulumi.Output[str]
    schedule_arn: pulumi.Output[str]
    schedule_expression: str
    timezone: str
    task_definition_arn: pulumi.Output[str]
    family: str
    container_name: str
    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    subnet_ids: pulumi.Output[list[str]]
    security_group_ids: pulumi.Output[list[str]]
    assign_public_ip: bool
    log_group_name: pulumi.Output[str]
    dlq_url: pulumi.Output[str]

    def __init__(self, name: str, args: ScheduledEcsTaskArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        expression, timezone, start_date, end_date = validate_scheduled_task_args(args)
        super().__init__("ecs-workloads:scheduled_ecs_task:ScheduledEcsTask", name, None, opts)
        protect = args.get("protect_data", False)
        placement = args["placement"]
        workload_args: FargateWorkloadArgs = {
            **args["workload"],
            "vpc_id": placement["vpc_id"],
            "family": args["workload"].get("family") or f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            "protect_data": protect,
        }
        self._workload = FargateWorkload(f"{name}-workload", workload_args, child(self))
        workload = self._workload
        cluster_arn = pulumi.Output.from_input(args["cluster_arn"])
        cluster_name = pulumi.Output.from_input(args["cluster_name"])
        # Task definition and task ARNs share the cluster ARN's partition, region and account.
        arn_prefix = cluster_arn.apply(lambda arn: arn.split(":cluster/")[0])
        alarm_topic_arn = args.get("alarm_topic_arn")

        dlq = aws.sqs.Queue(
            f"{name}-dlq",
            message_retention_seconds=_DLQ_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=stateful(self, protect),
        )
        actions = [alarm_topic_arn] if alarm_topic_arn is not None else None
        aws.cloudwatch.MetricAlarm(
            f"{name}-dlq-alarm",
            alarm_description=f"Scheduled runs of {workload.family} that EventBridge Scheduler could not start",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dlq.name},
            statistic="Maximum",
            period=300,
            evaluation_periods=1,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=actions,
            ok_actions=actions,
            opts=child(self),
        )

        role = aws.iam.Role(
            f"{name}-scheduler-role",
            assume_role_policy=service_assume_role_policy("scheduler.amazonaws.com"),
            opts=child(self),
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-scheduler-policy",
            role=role.id,
            policy=policy_document(
                _scheduler_statements(arn_prefix, cluster_arn, cluster_name, workload.family, workload, dlq.arn)
            ),
            opts=child(self),
        )

        if "schedule_group_name" in args:
            group_name = pulumi.Output.from_input(args["schedule_group_name"])
        else:
            group_name = aws.scheduler.ScheduleGroup(f"{name}-group", opts=child(self)).name

        window = args.get("flexible_window_minutes", 0)
        run_environment = args.get("run_environment", {})
        schedule = aws.scheduler.Schedule(
            f"{name}-schedule",
            group_name=group_name,
            description=f"Runs {workload.family} on {expression} ({timezone})",
            schedule_expression=expression,
            schedule_expression_timezone=timezone,
            start_date=start_date,
            end_date=end_date,
            state="ENABLED" if args.get("enabled", True) else "DISABLED",
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(
                mode="FLEXIBLE" if window else "OFF", maximum_window_in_minutes=window or None
            ),
            target=aws.scheduler.ScheduleTargetArgs(
                arn=cluster_arn,
                role_arn=role.arn,
                ecs_parameters=aws.scheduler.ScheduleTargetEcsParametersArgs(
                    task_definition_arn=workload.task_definition_arn,
                    task_count=args.get("task_count", 1),
                    capacity_provider_strategies=[
                        aws.scheduler.ScheduleTargetEcsParametersCapacityProviderStrategyArgs(**entry)
                        for entry in capacity_strategy(args.get("capacity", ON_DEMAND))
                    ],
                    network_configuration=aws.scheduler.ScheduleTargetEcsParametersNetworkConfigurationArgs(
                        subnets=placement["subnet_ids"],
                        security_groups=[workload.security_group_id],
                        assign_public_ip=placement["assign_public_ip"],
                    ),
                    propagate_tags="TASK_DEFINITION",
                    enable_ecs_managed_tags=True,
                ),
                # For an ECS target, Scheduler passes the input to RunTask as its `overrides`.
                input=_overrides(workload.container_name, run_environment) if run_environment else None,
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                    maximum_retry_attempts=args.get("max_retry_attempts", 3),
                    maximum_event_age_in_seconds=args.get("max_event_age_seconds", 3600),
                ),
                dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=dlq.arn),
            ),
            # The first run must not race the role's permissions.
            opts=child(self, depends_on=[role_policy]),
        )

        if alarm_topic_arn is not None:
            self._failed_run_alert(name, arn_prefix, cluster_arn, workload.family, alarm_topic_arn)

        self.schedule_name = schedule.name
        self.schedule_group_name = group_name
        self.schedule_arn = schedule.arn
        self.schedule_expression = expression
        self.timezone = timezone
        self.task_definition_arn = workload.task_definition_arn
        self.family = workload.family
        self.container_name = workload.container_name
        self.cluster_arn = cluster_arn
        self.cluster_name = cluster_name
        self.subnet_ids = pulumi.Output.from_input(placement["subnet_ids"])
        self.security_group_ids = workload.security_group_id.apply(lambda group_id: [group_id])
        self.assign_public_ip = placement["assign_public_ip"]
        self.log_group_name = workload.log_group_name
        self.dlq_url = dlq.url
        self.register_outputs(
            {
                "schedule_name": self.schedule_name,
                "schedule_group_name": self.schedule_group_name,
                "schedule_arn": self.schedule_arn,
                "schedule_expression": self.schedule_expression,
                "timezone": self.timezone,
                "task_definition_arn": self.task_definition_arn,
                "family": self.family,
                "container_name": self.container_name,
                "cluster_arn": self.cluster_arn,
                "cluster_name": self.cluster_name,
                "subnet_ids": self.subnet_ids,
                "security_group_ids": self.security_group_ids,
                "assign_public_ip": self.assign_public_ip,
                "log_group_name": self.log_group_name,
                "dlq_url": self.dlq_url,
            }
        )

    def grant(self, purpose: str, statements: list[dict[str, Any]]) -> aws.iam.RolePolicy:
        """Adds scoped statements to the task role, which starts with no permissions."""
        return self._workload.grant(purpose, statements)

    def _failed_run_alert(self, name, arn_prefix, cluster_arn, family, topic_arn) -> None:
        rule = aws.cloudwatch.EventRule(
            f"{name}-failed-run",
            description=f"A task of {family} stopped with a non-zero exit code or never started",
            event_pattern=pulumi.Output.json_dumps(failed_run_pattern(arn_prefix, cluster_arn, family)),
            opts=child(self),
        )
        message = f"Scheduled task {family} failed: task <task> stopped (<stopCode>), exit code <exitCode>: <reason>"
        aws.cloudwatch.EventTarget(
            f"{name}-failed-run-alert",
            rule=rule.name,
            arn=topic_arn,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths={
                    "task": "$.detail.taskArn",
                    "stopCode": "$.detail.stopCode",
                    "exitCode": "$.detail.containers[0].exitCode",
                    "reason": "$.detail.stoppedReason",
                },
                # SNS receives a plain-text message: a JSON string literal.
                input_template=json.dumps(message),
            ),
            opts=child(self),
        )


def failed_run_pattern(arn_prefix: pulumi.Input[str], cluster_arn: pulumi.Input[str], family: str) -> dict[str, Any]:
    """EventBridge pattern of a failed run of `family` on the cluster.

    It matches on the task definition ARN rather than `group` (`family:<family>` only when the caller
    sets no group), so runs started by the schedule, the console or an operator all count. Exit code 0
    with stop code EssentialContainerExited is a successful run and does not match.
    """
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "lastStatus": ["STOPPED"],
            "clusterArn": [cluster_arn],
            "taskDefinitionArn": [{"prefix": pulumi.Output.concat(arn_prefix, ":task-definition/", family, ":")}],
            "$or": [
                {"containers": {"exitCode": [{"anything-but": 0}]}},
                {"stopCode": list(FAILED_STOP_CODES)},
            ],
        },
    }


def _scheduler_statements(arn_prefix, cluster_arn, cluster_name, family, workload, dlq_arn) -> list[dict[str, Any]]:
    return [
        {
            "Sid": "RunThisFamilyOnThisCluster",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": pulumi.Output.concat(arn_prefix, ":task-definition/", family, ":*"),
            "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
        },
        {
            "Sid": "PassThisTasksRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": [workload.execution_role_arn, workload.task_role_arn],
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
        {
            # Managed and propagated tags are applied by RunTask, which ECS authorises as TagResource.
            "Sid": "TagTasksItStarts",
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": pulumi.Output.concat(arn_prefix, ":task/", cluster_name, "/*"),
            "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
        },
        {"Sid": "SendToOwnDeadLetterQueue", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dlq_arn},
    ]


def _overrides(container_name: str, environment: dict[str, pulumi.Input[str]]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps(
        {
            "containerOverrides": [
                {
                    "name": container_name,
                    "environment": [{"name": key, "value": value} for key, value in sorted(environment.items())],
                }
            ]
        }
    )


def run_environment_problem(key: str) -> str | None:
    """What is wrong with a run-environment variable name, or None."""
    if not ENV_NAME.match(key):
        return "names are letters, digits and _"
    if SECRET_LOOKING_NAME.search(key):
        return "looks like a credential; overrides are stored in the schedule in plain text: use workload secrets"
    return None


def utc_timestamp(text: str) -> str:
    """An ISO 8601 date-time with an offset, as the UTC `yyyy-mm-ddThh:mm:ssZ` Scheduler takes."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError("an ISO 8601 date-time with a UTC offset, e.g. 2030-01-01T00:00:00Z") from None
    if moment.tzinfo is None:
        raise ValueError("add a UTC offset (Z or +01:00); a date-time without one is ambiguous") from None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_scheduled_task_args(args: ScheduledEcsTaskArgs) -> tuple[str, str, str | None, str | None]:
    """Checks every argument and raises one ValueError listing all problems.

    Returns the normalised schedule expression, time zone, start date and end date.
    """
    problems = ArgumentProblems("ScheduledEcsTask")
    given = problems.mapping("", args, ScheduledEcsTaskArgs)
    if given is None:
        problems.raise_if_any()
    args = given
    for key in ("cluster_arn", "cluster_name", "workload", "schedule"):
        problems.check(args.get(key) is not None, key, args.get(key), "required")
    validate_placement(problems, "placement", args.get("placement"))

    workload = args.get("workload")
    if workload is not None and problems.mapping("workload", workload) is not None:
        for key, source in (("vpc_id", "placement.vpc_id"), ("protect_data", "this component's protect_data")):
            problems.check(key not in workload, f"workload.{key}", workload.get(key), f"comes from {source}")
        embedded = {k: v for k, v in workload.items() if k not in ("vpc_id", "protect_data")}
        validate_workload_args({**embedded, "vpc_id": PLACEMENT_VPC}, problems, "workload.")

    expression = timezone = ""
    schedule = args.get("schedule")
    if schedule is not None and not isinstance(schedule, str):
        problems.add("schedule", schedule, "a schedule expression string")
    elif schedule is not None:
        try:
            expression = normalize_schedule_expression(schedule)
        except ValueError as error:
            problems.add("schedule", schedule, str(error))
    zone = args.get("timezone", "UTC")
    if not isinstance(zone, str):
        problems.add("timezone", zone, "an IANA time zone name such as Europe/London")
    else:
        try:
            timezone = validate_timezone(zone)
        except ValueError as error:
            problems.add("timezone", zone, str(error))

    dates: dict[str, str | None] = {}
    for key in ("start_date", "end_date"):
        dates[key] = None
        if key in args:
            try:
                dates[key] = utc_timestamp(args[key])
            except ValueError as error:
                problems.add(key, args[key], str(error))
    if dates["start_date"] and dates["end_date"] and dates["start_date"] >= dates["end_date"]:
        problems.add("end_date", args["end_date"], f"must be after start_date {args['start_date']}")

    problems.integers(
        args,
        (
            ("flexible_window_minutes", 0, 1440, 0),
            ("task_count", 1, 10, 1),
            ("max_retry_attempts", 0, 185, 3),
            ("max_event_age_seconds", 60, 86400, 3600),
        ),
    )
    for key in ("enabled", "protect_data"):
        if key in args:
            problems.check(isinstance(args[key], bool), key, args[key], "true or false")
    validate_capacity(problems, "capacity", args.get("capacity", ON_DEMAND))

    run_environment = args.get("run_environment", {})
    if not isinstance(run_environment, dict):
        problems.add("run_environment", run_environment, "a mapping of variable names to values")
        run_environment = {}
    for key, value in run_environment.items():
        problem = run_environment_problem(key)
        if problem:
            problems.add(f"run_environment.{key}", "<hidden>" if SECRET_LOOKING_NAME.search(key) else value, problem)
        elif is_known(value) and not isinstance(value, str):
            problems.add(f"run_environment.{key}", value, "a string")

    group = args.get("schedule_group_name")
    if group is not None and is_known(group):
        problems.check(
            isinstance(group, str) and bool(_SCHEDULE_GROUP_NAME.match(group)),
            "schedule_group_name",
            group,
            "1 to 64 letters, digits, '.', '_' or '-'",
        )
    validate_topic_arn(problems, "alarm_topic_arn", args.get("alarm_topic_arn"))
    problems.raise_if_any()
    return expression, timezone, dates["start_date"], dates["end_date"]

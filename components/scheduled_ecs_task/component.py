"""`ScheduledEcsTask`: EventBridge Scheduler starts a Fargate task on the cluster.

Compared with an EventBridge rule (what CDK's ScheduledFargateTask uses), Scheduler adds time zones,
start and end dates, flexible windows, a retry policy and a dead-letter queue. A run that starts but
fails is caught separately (see failed_run.py).
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from datetime import UTC, datetime
from typing import Any

import pulumi
import pulumi_aws as aws

from ..capacity import CapacityProviderFacts, CapacityWeights, capacity_strategy
from ..dead_letters import dead_letter_alarm, dead_letter_queue
from ..fargate_workload import FargateWorkload
from ..iam import policy_document, service_assume_role_policy
from ..job_fields import start_date_to_send, utc_timestamp
from ..job_run_workflow import JobRunWorkflow, JobRunWorkflowArgs
from ..json_document import json_document
from ..options import child, component_type, with_former_type
from ..outputs import register_declared_outputs
from ..schedule_expression import normalize_schedule_expression, validate_timezone
from ..tags import with_tags
from ..task_placement import DEFAULT_STRATEGIES, strategies
from ..workload_shape import WorkloadShape, placed_on_capacity
from .args import (
    SCHEDULED_ECS_TASK_ARGS,
    SCHEDULED_WORKFLOW_NAME,
    SCHEDULED_WORKLOAD_NAME,
    WORKFLOW,
    ScheduledEcsTaskArgs,
    validate_scheduled_task_args,
)
from .failed_run import failed_run_alert

# Scheduler sends what it could not start to the queue at once; five minutes is soon enough to hear of it.
_DLQ_ALARM_PERIOD_SECONDS = 300


class ScheduledEcsTask(WorkloadShape):
    """A Fargate task started by EventBridge Scheduler, with retries, a dead-letter queue and alerts.
    Its outputs carry everything needed to start the same task by hand with `ecs.run_task`."""

    WORKLOAD_NAME = SCHEDULED_WORKLOAD_NAME
    FAMILY = "{name}"
    # What "now" is when deciding whether `start_date` has passed; tests set their own.
    clock = staticmethod(lambda: datetime.now(UTC))

    schedule_name: pulumi.Output[str]
    """Name of the EventBridge Scheduler schedule."""
    schedule_group_name: pulumi.Output[str]
    """Schedule group the schedule belongs to."""
    schedule_arn: pulumi.Output[str]
    """ARN of the schedule."""
    schedule_expression: str
    """The schedule in Scheduler syntax (`rate(...)`, `cron(...)` or `at(...)`)."""
    timezone: str
    """IANA time zone the expression is read in."""
    task_definition_arn: pulumi.Output[str]
    """ARN of the task definition the schedule runs."""
    family: str
    """Task definition family."""
    container_name: str
    """Name of the container (the one RunTask overrides address)."""
    cluster_arn: pulumi.Output[str]
    """ARN of the cluster the task runs on."""
    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    subnet_ids: pulumi.Output[list[str]]
    """Subnets the tasks run in."""
    security_group_ids: pulumi.Output[list[str]]
    """Security groups of the tasks (the workload's own)."""
    assign_public_ip: bool
    """Whether the tasks get a public IP."""
    dlq_url: pulumi.Output[str]
    """URL of the dead-letter queue of runs Scheduler could not start."""
    state_machine_arn: pulumi.Output[str] | None
    """ARN of the state machine the schedule starts (target `workflow`); None with target `run_task`."""

    def __init__(self, name: str, args: ScheduledEcsTaskArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args = placed_on_capacity(args, ("capacity",))
        validate_scheduled_task_args(args, name=name)
        super().__init__(
            component_type("ScheduledEcsTask"),
            name,
            None,
            with_former_type("ScheduledEcsTask", with_tags(args.get("tags"), opts)),
        )
        value = SCHEDULED_ECS_TASK_ARGS.value
        expression = normalize_schedule_expression(args["schedule"])
        timezone = validate_timezone(value(args, "timezone"))
        protect = value(args, "protect_data")
        placement = args["placement"]
        workload = self._embed_workload(
            name,
            args["workload"],
            vpc_id=placement["vpc_id"],
            subnet_ids=placement["subnet_ids"],
            protect_data=protect,
        )
        cluster_arn = pulumi.Output.from_input(args["cluster_arn"])
        cluster_name = pulumi.Output.from_input(args["cluster_name"])
        # Task definition and task ARNs share the cluster ARN's partition, region and account.
        arn_prefix = cluster_arn.apply(lambda arn: arn.split(":cluster/")[0])
        alarm_topic_arn = args.get("alarm_topic_arn")

        dlq = dead_letter_queue(self, name, protect_data=protect)
        dead_letter_alarm(
            self,
            f"{name}-dlq-alarm",
            dlq,
            description=f"Scheduled runs of {workload.family} that EventBridge Scheduler could not start",
            notify=[alarm_topic_arn] if alarm_topic_arn is not None else None,
            period_seconds=_DLQ_ALARM_PERIOD_SECONDS,
        )

        workflow = None
        if value(args, "target") == WORKFLOW:
            workflow = JobRunWorkflow(
                SCHEDULED_WORKFLOW_NAME.format(name=name),
                _workflow_args(args, cluster_arn, workload, alarm_topic_arn, protect),
                opts=child(self),
            )
        role = aws.iam.Role(
            f"{name}-scheduler-role",
            assume_role_policy=service_assume_role_policy("scheduler.amazonaws.com"),
            opts=child(self),
        )
        statements = (
            _scheduler_statements(arn_prefix, cluster_arn, cluster_name, workload, dlq.arn)
            if workflow is None
            else _workflow_starter_statements(workflow.state_machine_arn, dlq.arn)
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-scheduler-policy", role=role.id, policy=policy_document(statements), opts=child(self)
        )

        if "schedule_group_name" in args:
            group_name = pulumi.Output.from_input(args["schedule_group_name"])
        else:
            group_name = aws.scheduler.ScheduleGroup(f"{name}-group", opts=child(self)).name

        window = value(args, "flexible_window_minutes")
        start_date = start_date_to_send(args["start_date"], self.clock()) if "start_date" in args else None
        if "start_date" in args and start_date is None:
            # A warning, so the plan shows it: the stack file still says a date that no longer applies.
            pulumi.log.warn(
                f"start_date {args['start_date']} has passed: it is left out (EventBridge Scheduler refuses a start "
                "date more than 5 minutes ago) and the schedule runs from now",
                resource=self,
            )
        end_date = utc_timestamp(args["end_date"]) if "end_date" in args else None
        schedule = aws.scheduler.Schedule(
            f"{name}-schedule",
            group_name=group_name,
            description=f"Runs {workload.family} on {expression} ({timezone})",
            schedule_expression=expression,
            schedule_expression_timezone=timezone,
            start_date=start_date,
            end_date=end_date,
            state="ENABLED" if value(args, "enabled") else "DISABLED",
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(
                mode="FLEXIBLE" if window else "OFF", maximum_window_in_minutes=window or None
            ),
            target=(
                _run_task_target(args, cluster_arn, role.arn, workload, dlq.arn)
                if workflow is None
                else _workflow_target(args, workflow, role.arn, workload, dlq.arn)
            ),
            # The first run must not race the role's permissions.
            opts=child(self, depends_on=[role_policy]),
        )

        if alarm_topic_arn is not None and workflow is None:
            # A workflow reports a failed run itself, once its retries are spent; this rule would report every
            # failed attempt.
            failed_run_alert(
                self,
                name,
                arn_prefix=arn_prefix,
                cluster_arn=cluster_arn,
                family=workload.family,
                topic_arn=alarm_topic_arn,
            )

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
        self.dlq_url = dlq.url
        self.state_machine_arn = workflow.state_machine_arn if workflow is not None else None
        register_declared_outputs(self)


def _retry_policy(args: ScheduledEcsTaskArgs) -> aws.scheduler.ScheduleTargetRetryPolicyArgs:
    value = SCHEDULED_ECS_TASK_ARGS.value
    return aws.scheduler.ScheduleTargetRetryPolicyArgs(
        maximum_retry_attempts=value(args, "max_retry_attempts"),
        maximum_event_age_in_seconds=value(args, "max_event_age_seconds"),
    )


def _run_task_target(
    args: ScheduledEcsTaskArgs,
    cluster_arn: pulumi.Output[str],
    role_arn: pulumi.Output[str],
    workload: FargateWorkload,
    dlq_arn: pulumi.Output[str],
) -> aws.scheduler.ScheduleTargetArgs:
    value = SCHEDULED_ECS_TASK_ARGS.value
    placement = args["placement"]
    run_environment = value(args, "run_environment")
    return aws.scheduler.ScheduleTargetArgs(
        arn=cluster_arn,
        role_arn=role_arn,
        ecs_parameters=aws.scheduler.ScheduleTargetEcsParametersArgs(
            task_definition_arn=workload.task_definition_arn,
            task_count=value(args, "task_count"),
            **_capacity(placement["assign_public_ip"], value(args, "capacity"), value(args, "capacity_providers")),
            network_configuration=(
                aws.scheduler.ScheduleTargetEcsParametersNetworkConfigurationArgs(
                    subnets=placement["subnet_ids"],
                    security_groups=[workload.security_group_id],
                    # Only Fargate tasks get public IPs (validation keeps awsvpc EC2 runs off them).
                    assign_public_ip=placement["assign_public_ip"] and workload.compatibility == "FARGATE",
                )
                if workload.network_mode == "awsvpc"
                else None
            ),
            placement_strategies=(
                [aws.scheduler.ScheduleTargetEcsParametersPlacementStrategyArgs(**entry) for entry in strategies(None)]
                if workload.compatibility == "EC2"
                else None
            ),
            # The runs carry the task definition's tags (the component's and the stack's default tags)
            # and ECS's own cluster tag. Scheduler EcsParameters PropagateTags takes only
            # TASK_DEFINITION (absent: tasks untagged); RunTask applies both, hence TagTasksItStarts.
            propagate_tags="TASK_DEFINITION",
            enable_ecs_managed_tags=True,
            # Scheduler EcsParameters EnableExecuteCommand: ECS Exec on every container of each run;
            # absent, it is off, and schedules deployed without it keep their inputs.
            enable_execute_command=workload.execute_command or None,
        ),
        # For an ECS target, Scheduler reads the input as RunTask's `overrides` (a TaskOverride; see
        # docs/aws-design-notes.md, "Settled AWS behaviour").
        input=_overrides(workload.container_name, run_environment) if run_environment else None,
        retry_policy=_retry_policy(args),
        dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=dlq_arn),
    )


def _workflow_target(
    args: ScheduledEcsTaskArgs,
    workflow: JobRunWorkflow,
    role_arn: pulumi.Output[str],
    workload: FargateWorkload,
    dlq_arn: pulumi.Output[str],
) -> aws.scheduler.ScheduleTargetArgs:
    """Scheduler's templated Step Functions target: StartExecution of the state machine with `Input` as the
    execution's input (Scheduler User Guide, "Using templated targets": Step Functions StartExecution)."""
    value = SCHEDULED_ECS_TASK_ARGS.value
    task_count = value(args, "task_count")
    run_environment = value(args, "run_environment")
    # The job in the job API's shape (apps/job_api), which the workflow reads.
    job = {
        "taskDefinition": workload.task_definition_arn,
        "taskCount": task_count,
        "maxCount": task_count,
        "trigger": None,
        "overrides": (
            [
                {
                    "name": workload.container_name,
                    "environment": dict(sorted(run_environment.items())),
                }
            ]
            if run_environment
            else []
        ),
        "retries": value(args, "retries"),
    }
    return aws.scheduler.ScheduleTargetArgs(
        arn=workflow.state_machine_arn,
        role_arn=role_arn,
        input=json_document(job),
        retry_policy=_retry_policy(args),
        dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=dlq_arn),
    )


def _workflow_args(
    args: ScheduledEcsTaskArgs,
    cluster_arn: pulumi.Output[str],
    workload: FargateWorkload,
    alarm_topic_arn: pulumi.Input[str] | None,
    protect: bool,
) -> JobRunWorkflowArgs:
    value = SCHEDULED_ECS_TASK_ARGS.value
    placement = args["placement"]
    workflow: JobRunWorkflowArgs = {
        "cluster_arn": cluster_arn,
        "task_families": [workload.family],
        "pass_role_arns": [workload.execution_role_arn, workload.task_role_arn],
        "capacity": value(args, "capacity"),
        "capacity_providers": value(args, "capacity_providers"),
        "protect_data": protect,
    }
    if workload.network_mode == "awsvpc":
        workflow["subnet_ids"] = placement["subnet_ids"]
        workflow["security_group_ids"] = workload.security_group_id.apply(lambda group_id: [group_id])
        # Only Fargate tasks get public IPs (validation keeps awsvpc EC2 runs off them).
        workflow["assign_public_ip"] = placement["assign_public_ip"] and workload.compatibility == "FARGATE"
    if workload.compatibility == "EC2":
        # The same placement as a direct run's (Scheduler EcsParameters placementStrategies).
        workflow["placement_strategies"] = list(DEFAULT_STRATEGIES)
    if alarm_topic_arn is not None:
        workflow["alarm_topic_arn"] = alarm_topic_arn
    return workflow


def _workflow_starter_statements(
    state_machine_arn: pulumi.Input[str], dlq_arn: pulumi.Input[str]
) -> list[dict[str, Any]]:
    return [
        {
            "Sid": "StartThisWorkflow",
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": state_machine_arn,
        },
        {"Sid": "SendToOwnDeadLetterQueue", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dlq_arn},
    ]


def _scheduler_statements(
    arn_prefix: pulumi.Input[str],
    cluster_arn: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    workload: FargateWorkload,
    dlq_arn: pulumi.Input[str],
) -> list[dict[str, Any]]:
    return [
        {
            "Sid": "RunThisFamilyOnThisCluster",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            # One apply rather than Output.concat, which makes an Output of every part, twice.
            "Resource": pulumi.Output.from_input(arn_prefix).apply(
                lambda prefix: f"{prefix}:task-definition/{workload.family}:*"
            ),
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
            "Resource": pulumi.Output.all(arn_prefix, cluster_name).apply(
                lambda parts: f"{parts[0]}:task/{parts[1]}/*"
            ),
            "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
        },
        {"Sid": "SendToOwnDeadLetterQueue", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dlq_arn},
    ]


def _capacity(
    assign_public_ip: bool, weights: CapacityWeights, providers: dict[str, CapacityProviderFacts]
) -> dict[str, Any]:
    """Where the runs go. Scheduler takes AssignPublicIp ENABLED only with LaunchType FARGATE, and RunTask
    refuses a launch type beside a capacity provider strategy (docs/aws-design-notes.md, "Settled AWS
    behaviour"), so Fargate runs that need a public IP go on on-demand FARGATE whatever the weights say.
    Runs on the cluster's EC2 providers never get one (their instances do, or their subnets have NAT)."""
    if assign_public_ip and "providers" not in weights:
        return {"launch_type": "FARGATE"}
    return {
        "capacity_provider_strategies": [
            aws.scheduler.ScheduleTargetEcsParametersCapacityProviderStrategyArgs(**entry)
            for entry in capacity_strategy(weights, providers)
        ]
    }


def _overrides(container_name: str, environment: dict[str, pulumi.Input[str]]) -> pulumi.Output[str]:
    return json_document(
        {
            "containerOverrides": [
                {
                    "name": container_name,
                    "environment": [{"name": key, "value": value} for key, value in sorted(environment.items())],
                }
            ]
        }
    )

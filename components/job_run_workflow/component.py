"""`JobRunWorkflow`: a Step Functions state machine that runs one job per execution (definition.py).

What Scheduler's ECS target cannot do is why it exists: it counts tasks from a queue's backlog, starts up to
50 tasks a run (Scheduler's EcsParameters.TaskCount stops at 10), starts a failed task again up to the job's
`retries`, and tells the alarm topic once a run has failed for good.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from ..capacity import capacity_strategy
from ..iam import policy_document, service_assume_role_policy
from ..json_document import json_document
from ..options import child, component_type, stateful, with_former_type
from ..outputs import register_declared_outputs
from ..tags import with_tags
from .args import JOB_RUN_WORKFLOW_ARGS, JobRunWorkflowArgs, validate_job_run_workflow_args
from .definition import definition

# The rule the `.sync` ECS integration manages to hear that a task stopped (Step Functions Developer Guide,
# "IAM policies for Amazon ECS/AWS Fargate": events:PutTargets, PutRule, DescribeRule on it).
ECS_SYNC_RULE = "StepFunctionsGetEventsForECSTaskRule"
# Step Functions delivers execution logs through CloudWatch Logs' vended-logs delivery; a group named under
# this prefix keeps the log group's resource policy from growing with every state machine (Step Functions
# Developer Guide, "Logging in CloudWatch Logs").
LOG_GROUP_PREFIX = "/aws/vendedlogs/states/"


class JobRunWorkflow(pulumi.ComponentResource):
    """A STANDARD state machine that runs a job given as its execution's input, with its role and log."""

    state_machine_arn: pulumi.Output[str]
    """ARN of the state machine: what a schedule starts (states:StartExecution)."""
    state_machine_name: pulumi.Output[str]
    """Name of the state machine."""
    role_arn: pulumi.Output[str]
    """ARN of the role the executions run as."""

    def __init__(self, name: str, args: JobRunWorkflowArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        validate_job_run_workflow_args(args, name=name)
        super().__init__(
            component_type("JobRunWorkflow"),
            name,
            None,
            with_former_type("JobRunWorkflow", with_tags(args.get("tags"), opts)),
        )
        value = JOB_RUN_WORKFLOW_ARGS.value
        cluster_arn = pulumi.Output.from_input(args["cluster_arn"])
        families = list(args["task_families"])
        alarm_topic_arn = args.get("alarm_topic_arn")
        protect = value(args, "protect_data")

        key = aws.kms.Key(
            f"{name}-logs-key",
            description=f"Encrypts the execution log of the {name} job workflow",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy_document(_log_key_statements(cluster_arn, name)),
            opts=child(self),
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name_prefix=f"{LOG_GROUP_PREFIX}{name}-",
            retention_in_days=value(args, "log_retention_days"),
            kms_key_id=key.arn,
            opts=stateful(self, protect),
        )
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=service_assume_role_policy("states.amazonaws.com"),
            opts=child(self),
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=policy_document(
                _statements(
                    cluster_arn,
                    families,
                    args["pass_role_arns"],
                    args.get("trigger_queue_arns", []),
                    alarm_topic_arn,
                    tracing=value(args, "tracing"),
                )
            ),
            opts=child(self),
        )
        state_machine = aws.sfn.StateMachine(
            f"{name}-state-machine",
            type="STANDARD",
            role_arn=role.arn,
            definition=json_document(
                definition(
                    cluster_arn=cluster_arn,
                    families=families,
                    network=_network(args),
                    placement=_placement(args),
                    alarm_topic_arn=alarm_topic_arn,
                )
            ),
            # LoggingConfiguration (Step Functions API reference): the destination is the log group's ARN
            # ending in `:*`; includeExecutionData false keeps the job's input and the tasks' output out of it.
            logging_configuration=aws.sfn.StateMachineLoggingConfigurationArgs(
                level=value(args, "log_level"),
                include_execution_data=False,
                log_destination=log_group.arn.apply(lambda arn: f"{arn}:*"),
            ),
            tracing_configuration=aws.sfn.StateMachineTracingConfigurationArgs(enabled=value(args, "tracing")),
            # CreateStateMachine checks that the role may do what the definition asks.
            opts=child(self, depends_on=[role_policy]),
        )

        self.state_machine_arn = state_machine.arn
        self.state_machine_name = state_machine.name
        self.role_arn = role.arn
        register_declared_outputs(self)


def _arn_parts(cluster_arn: pulumi.Output[str]) -> pulumi.Output[list[str]]:
    """partition, region, account and cluster name, read from the cluster ARN
    (arn:<partition>:ecs:<region>:<account>:cluster/<name>): the tasks' resources share them."""
    return cluster_arn.apply(lambda arn: [*arn.split(":")[1:2], *arn.split(":")[3:5], arn.rsplit("/", 1)[-1]])


def _statements(
    cluster_arn: pulumi.Output[str],
    families: list[str],
    pass_role_arns: list[pulumi.Input[str]],
    queue_arns: list[pulumi.Input[str]],
    alarm_topic_arn: pulumi.Input[str] | None,
    *,
    tracing: bool,
) -> list[dict[str, Any]]:
    parts = _arn_parts(cluster_arn)
    ecs_prefix = parts.apply(lambda p: f"arn:{p[0]}:ecs:{p[1]}:{p[2]}")
    statements: list[dict[str, Any]] = [
        {
            "Sid": "RunAllowedFamiliesOnThisCluster",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": ecs_prefix.apply(lambda prefix: [f"{prefix}:task-definition/{f}:*" for f in families]),
            "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
        },
        {
            # What the .sync integration does with the task it started: describe it until it stops, and stop
            # it when the execution is stopped (Step Functions Developer Guide, "IAM policies for Amazon ECS").
            "Sid": "WatchAndStopItsTasks",
            "Effect": "Allow",
            "Action": ["ecs:DescribeTasks", "ecs:StopTask"],
            "Resource": parts.apply(lambda p: f"arn:{p[0]}:ecs:{p[1]}:{p[2]}:task/{p[3]}/*"),
        },
        {
            # Managed and propagated tags are applied by RunTask, which ECS authorises as TagResource.
            "Sid": "TagTasksItStarts",
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": parts.apply(lambda p: f"arn:{p[0]}:ecs:{p[1]}:{p[2]}:task/{p[3]}/*"),
            "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
        },
        {
            "Sid": "ManageSyncRule",
            "Effect": "Allow",
            "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            "Resource": parts.apply(lambda p: f"arn:{p[0]}:events:{p[1]}:{p[2]}:rule/{ECS_SYNC_RULE}"),
        },
        {
            "Sid": "PassTheTasksRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": list(pass_role_arns),
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
        {
            # Vended-log delivery has no resource-level permissions (Step Functions Developer Guide, "IAM
            # policies for logging to CloudWatch Logs": these actions on "*").
            "Sid": "DeliverExecutionLogs",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
            ],
            "Resource": "*",
        },
    ]
    if queue_arns:
        statements.append(
            {
                "Sid": "CountTriggerQueues",
                "Effect": "Allow",
                "Action": ["sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
                "Resource": list(queue_arns),
            }
        )
    if alarm_topic_arn is not None:
        statements.append(
            {"Sid": "TellOfFailedRuns", "Effect": "Allow", "Action": "sns:Publish", "Resource": alarm_topic_arn}
        )
        statements.append(
            {
                # An encrypted topic's messages are encrypted with its key on the publisher's behalf (SNS
                # Developer Guide, "Encryption at rest": publishers need kms:GenerateDataKey* and kms:Decrypt).
                # The key's ARN is not an argument, so the grant names any key of the account, only through SNS
                # and only for this topic (SNS's encryption context aws:sns:topicArn).
                "Sid": "EncryptForTheTopic",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": parts.apply(lambda p: f"arn:{p[0]}:kms:{p[1]}:{p[2]}:key/*"),
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": parts.apply(lambda p: f"sns.{p[1]}.amazonaws.com"),
                        "kms:EncryptionContext:aws:sns:topicArn": alarm_topic_arn,
                    }
                },
            }
        )
    if tracing:
        statements.append(
            {
                # X-Ray has no resource-level permissions for sending traces (Step Functions Developer Guide,
                # "IAM policies for using AWS X-Ray").
                "Sid": "SendTraces",
                "Effect": "Allow",
                "Action": [
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                ],
                "Resource": "*",
            }
        )
    return statements


def _log_key_statements(cluster_arn: pulumi.Output[str], name: str) -> list[dict[str, Any]]:
    """The key policy CloudWatch Logs needs to encrypt a log group with a customer key (CloudWatch Logs User
    Guide, "Encrypt log data in CloudWatch Logs using AWS KMS"), for this workflow's log group only."""
    parts = _arn_parts(cluster_arn)
    return [
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": parts.apply(lambda p: f"arn:{p[0]}:iam::{p[2]}:root")},
            "Action": "kms:*",
            # In a key policy "*" means this key.
            "Resource": "*",
        },
        {
            "Sid": "LogsEncrypt",
            "Effect": "Allow",
            "Principal": {"Service": parts.apply(lambda p: f"logs.{p[1]}.amazonaws.com")},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": parts.apply(
                        lambda p: f"arn:{p[0]}:logs:{p[1]}:{p[2]}:log-group:{LOG_GROUP_PREFIX}{name}-*"
                    )
                }
            },
        },
    ]


def _network(args: JobRunWorkflowArgs) -> dict[str, Any] | None:
    if "subnet_ids" not in args:
        return None
    config: dict[str, Any] = {
        "Subnets": args["subnet_ids"],
        "AssignPublicIp": "ENABLED" if JOB_RUN_WORKFLOW_ARGS.value(args, "assign_public_ip") else "DISABLED",
    }
    if "security_group_ids" in args:
        config["SecurityGroups"] = args["security_group_ids"]
    return {"AwsvpcConfiguration": config}


def _placement(args: JobRunWorkflowArgs) -> dict[str, Any]:
    # The ECS integration's RunTask parameters include PlacementStrategy (Step Functions Developer Guide,
    # "Run Amazon ECS or Fargate tasks with Step Functions", supported parameters).
    placed = (
        {"PlacementStrategy": [_strategy(entry) for entry in args["placement_strategies"]]}
        if args.get("placement_strategies")
        else {}
    )
    if "launch_type" in args:
        return {"LaunchType": args["launch_type"], **placed}
    value = JOB_RUN_WORKFLOW_ARGS.value
    strategy = capacity_strategy(value(args, "capacity"), value(args, "capacity_providers"))
    return {
        "CapacityProviderStrategy": [
            {"CapacityProvider": entry["capacity_provider"], "Weight": entry["weight"], "Base": entry["base"]}
            for entry in strategy
        ],
        **placed,
    }


def _strategy(entry: Mapping[str, Any]) -> dict[str, Any]:
    """RunTask's PlacementStrategy member: Type and, except for random, Field."""
    return {"Type": entry["type"], **({"Field": entry["field"]} if "field" in entry else {})}

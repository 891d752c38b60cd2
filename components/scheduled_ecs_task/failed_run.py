"""The alert for a scheduled run that started but failed: Scheduler only knows whether RunTask was accepted,
so a rule on ECS task state changes catches non-zero exits, tasks that never started and Spot reclaims."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from ..json_document import json_document
from ..options import child
from ..task_stop_codes import FAILED_STOP_CODES


def failed_run_pattern(arn_prefix: pulumi.Input[str], cluster_arn: pulumi.Input[str], family: str) -> dict[str, Any]:
    """EventBridge pattern of a failed run of `family` on the cluster.

    It matches on the task definition ARN rather than `group` (`family:<family>` only when the caller
    sets no group), so runs started by the schedule, the console or an operator all count. Exit code 0
    with stop code EssentialContainerExited is a successful run and does not match.
    """
    # One apply rather than Output.concat, which makes an Output of every part, twice.
    task_definitions = pulumi.Output.from_input(arn_prefix).apply(lambda prefix: f"{prefix}:task-definition/{family}:")
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "lastStatus": ["STOPPED"],
            "clusterArn": [cluster_arn],
            "taskDefinitionArn": [{"prefix": task_definitions}],
            "$or": [
                {"containers": {"exitCode": [{"anything-but": 0}]}},
                {"stopCode": list(FAILED_STOP_CODES)},
            ],
        },
    }


def failed_run_alert(
    parent: pulumi.Resource,
    name: str,
    *,
    arn_prefix: pulumi.Input[str],
    cluster_arn: pulumi.Input[str],
    family: str,
    topic_arn: pulumi.Input[str],
) -> None:
    """The rule `<name>-failed-run` and its target `<name>-failed-run-alert`, a readable message to the topic."""
    rule = aws.cloudwatch.EventRule(
        f"{name}-failed-run",
        description=f"A task of {family} stopped with a non-zero exit code or never started",
        event_pattern=json_document(failed_run_pattern(arn_prefix, cluster_arn, family)),
        opts=child(parent),
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
        opts=child(parent),
    )

"""The Amazon States Language definition of one run of a job, in the JSONata query language.

The execution's input is the job as the job API stores it (apps/job_api) and `ScheduledEcsTask` sends it:
`taskDefinition`, `taskCount`, `maxCount`, `trigger` ({type: sqs, queueName, messagesPerTask} or null),
`overrides` ([{name, environment: {KEY: value}}]) and `retries`. A run

1. checks the task definition's family against the workflow's allow-list (IAM would refuse the others too,
   but with an AccessDenied that names no job);
2. with an SQS trigger, reads the queue's ApproximateNumberOfMessages (GetQueueUrl, then GetQueueAttributes);
3. counts the tasks as `job_trigger.tasks_to_start` does (`count_expression`);
4. succeeds at once with `tasksStarted` 0, or runs that many tasks in a Map, each with `ecs:runTask.sync`, and
   counts a task whose containers did not all exit 0 as failed; a failed task is started again up to the
   job's `retries` times;
5. ends with `tasksStarted` (`job_trigger.TASKS_STARTED`) and each task's ARN, exit codes and attempts, or,
   once a task has failed its last attempt, publishes to the alarm topic and fails.

JSONata rather than JSONPath: the count needs arithmetic (ceil, min, max) that JSONPath's intrinsic functions
lack, and a JSONata expression can be evaluated offline by the same library the tests use (jsonata-python).

Retries are a loop, not a `Retry` field: `Retry.MaxAttempts` is a number fixed in the definition (States
Language specification, "Retrying after an error"), while each job brings its own `retries` in the input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..job_trigger import RETRY_LIMIT, TASK_LIMIT, TASK_RESULTS, TASKS_STARTED

JOB_FAMILY_REFUSED = "Job.FamilyNotAllowed"
"""The error of a run whose task definition's family is not in the allow-list."""
JOB_TASK_FAILED = "Job.TaskFailed"
"""The error of a run one of whose tasks did not exit 0 on its last attempt (or never started)."""
QUEUE_DEPTH_ATTRIBUTE = "ApproximateNumberOfMessages"
"""The queue attribute counted: the visible messages (SQS API Reference, GetQueueAttributes)."""
MAP_CONCURRENCY = 40
"""Tasks of one run started at once. "In Inline mode, the Map state supports up to 40 concurrent iterations"
(Step Functions Developer Guide, "Using Map state in Inline mode"); tasks past that wait for a free slot."""
# Defaults of a job field absent from the input, as the job API's model has them (apps/job_api/model.py).
DEFAULT_TASK_COUNT = 1
DEFAULT_MESSAGES_PER_TASK = 1

# Optimized integrations (Step Functions Developer Guide, "Run Amazon ECS or Fargate tasks with Step
# Functions": `.sync` waits for the task to stop) and AWS SDK integrations ("Integrating services with the AWS
# SDK": arn:aws:states:::aws-sdk:<service>:<apiAction>, the action camelCase).
RUN_TASK_SYNC = "arn:aws:states:::ecs:runTask.sync"
GET_QUEUE_URL = "arn:aws:states:::aws-sdk:sqs:getQueueUrl"
GET_QUEUE_ATTRIBUTES = "arn:aws:states:::aws-sdk:sqs:getQueueAttributes"
SNS_PUBLISH = "arn:aws:states:::sns:publish"


def count_expression() -> str:
    """The JSONata expression of how many tasks a run starts, given the variables `$job` (the normalised job)
    and `$depth` (the queue's visible messages, null without a trigger): `job_trigger.tasks_to_start`."""
    wanted = "$max([$job.taskCount, $depth = null ? 0 : $ceil($depth / $job.trigger.messagesPerTask)])"
    return f"$min([{wanted}, $job.maxCount, {TASK_LIMIT}])"


def normalise_expression() -> str:
    """The job with every field the run reads, defaults filled in and `retries` held to `RETRY_LIMIT`."""
    return (
        "$merge([$states.input, {"
        f'"taskCount": $exists($states.input.taskCount) ? $states.input.taskCount : {DEFAULT_TASK_COUNT}, '
        f'"maxCount": $exists($states.input.maxCount) ? $states.input.maxCount : {TASK_LIMIT}, '
        '"overrides": $exists($states.input.overrides) ? $states.input.overrides : [], '
        f'"retries": $min([$exists($states.input.retries) ? $states.input.retries : 0, {RETRY_LIMIT}]), '
        '"trigger": $type($states.input.trigger) = "object" ? $merge([{"messagesPerTask": '
        f"{DEFAULT_MESSAGES_PER_TASK}}}, $states.input.trigger]) : null"
        "}])"
    )


def family_expression() -> str:
    """The family of `$job.taskDefinition`, given as `family`, `family:revision` or a task definition ARN."""
    return '$split($split($job.taskDefinition, "/")[-1], ":")[0]'


def _jsonata(expression: str) -> str:
    return "{% " + expression + " %}"


def definition(
    *,
    cluster_arn: Any,
    families: Sequence[str],
    network: Mapping[str, Any] | None,
    placement: Mapping[str, Any],
    alarm_topic_arn: Any | None,
) -> dict[str, Any]:
    """The state machine's definition as a document (values may be Outputs; `json_document` renders it).

    `network` is RunTask's `NetworkConfiguration` (PascalCase, as the optimized integration takes it) or
    None; `placement` holds `CapacityProviderStrategy` or `LaunchType`."""
    failed = "NotifyFailure" if alarm_topic_arn is not None else "RunFailed"
    catch_all = [
        {"ErrorEquals": ["States.ALL"], "Assign": {"failure": _jsonata("$states.errorOutput")}, "Next": failed}
    ]
    listed = ", ".join(f'"{family}"' for family in families)
    # Family names are letters, digits, - and _: safe inside a JSONata string literal.
    named = ", ".join(families)
    run_task_arguments: dict[str, Any] = {
        "Cluster": cluster_arn,
        "TaskDefinition": _jsonata("$states.input.taskDefinition"),
        **placement,
        **({"NetworkConfiguration": network} if network is not None else {}),
        "Overrides": {
            "ContainerOverrides": _jsonata(
                '[$states.input.overrides.{"Name": name, "Environment": '
                '[$each(environment, function($value, $key) {{"Name": $key, "Value": $value}})]}]'
            )
        },
        # The runs carry the task definition's tags, as the scheduled runs do. EnableECSManagedTags is not among
        # the parameters the optimized integration takes (plan/conformance/state_machine.py, OPTIMIZED).
        "PropagateTags": "TASK_DEFINITION",
    }
    all_exited_zero = (
        "$count($states.result.Containers) > 0 and "
        "$count($states.result.Containers[ExitCode = 0]) = $count($states.result.Containers)"
    )
    task_states: dict[str, Any] = {
        "RunTask": {
            "Type": "Task",
            "Resource": RUN_TASK_SYNC,
            "Arguments": run_task_arguments,
            "Output": _jsonata(
                '$merge([$states.input, {"taskArn": $states.result.TaskArn, '
                '"exitCodes": [$states.result.Containers.ExitCode], '
                '"stopCode": $states.result.StopCode, '
                f'"succeeded": {all_exited_zero}}}])'
            ),
            # A task RunTask refused (no capacity, throttling) is a failed attempt like one that exited non-zero.
            "Catch": [
                {
                    "ErrorEquals": ["States.ALL"],
                    "Output": _jsonata(
                        '$merge([$states.input, {"taskArn": null, "exitCodes": [], "stopCode": null, '
                        '"succeeded": false, "error": $states.errorOutput}])'
                    ),
                    "Next": "Exited",
                }
            ],
            "Next": "Exited",
        },
        "Exited": {
            "Type": "Choice",
            "Choices": [{"Condition": _jsonata("$states.input.succeeded"), "Next": "TaskSucceeded"}],
            "Default": "MayRetry",
        },
        "MayRetry": {
            "Type": "Choice",
            "Choices": [{"Condition": _jsonata("$states.input.attempt <= $states.input.retries"), "Next": "Again"}],
            "Default": "TaskFailed",
        },
        "Again": {
            "Type": "Pass",
            "Output": _jsonata('$merge([$states.input, {"attempt": $states.input.attempt + 1}])'),
            "Next": "RunTask",
        },
        "TaskSucceeded": {
            "Type": "Pass",
            "Output": _jsonata(
                '{"index": $states.input.index, "taskArn": $states.input.taskArn, '
                '"exitCodes": $states.input.exitCodes, "attempts": $states.input.attempt}'
            ),
            "End": True,
        },
        "TaskFailed": {
            "Type": "Fail",
            "Error": JOB_TASK_FAILED,
            "Cause": _jsonata(
                '"task " & $string($states.input.index) & " of " & $states.input.taskDefinition & " failed "'
                ' & $string($states.input.attempt) & " time(s); last: " & $string($states.input.taskArn) & '
                '" stopped (" & $string($states.input.stopCode) & "), exit codes " & '
                "$string($states.input.exitCodes) & "
                '($exists($states.input.error) ? ", " & $string($states.input.error) : "")'
            ),
        },
    }
    states: dict[str, Any] = {
        "ReadJob": {
            "Type": "Pass",
            "Assign": {"job": _jsonata(normalise_expression()), "depth": None},
            "Next": "FamilyAllowed",
        },
        "FamilyAllowed": {
            "Type": "Choice",
            "Choices": [{"Condition": _jsonata(f"{family_expression()} in [{listed}]"), "Next": "HasTrigger"}],
            "Default": "FamilyRefused",
        },
        "FamilyRefused": {
            "Type": "Fail",
            "Error": JOB_FAMILY_REFUSED,
            "Cause": _jsonata(f'"family " & {family_expression()} & " is not one this workflow may run: {named}"'),
        },
        "HasTrigger": {
            "Type": "Choice",
            "Choices": [{"Condition": _jsonata('$type($job.trigger) = "object"'), "Next": "GetQueueUrl"}],
            "Default": "CountTasks",
        },
        "GetQueueUrl": {
            "Type": "Task",
            "Resource": GET_QUEUE_URL,
            "Arguments": {"QueueName": _jsonata("$job.trigger.queueName")},
            "Assign": {"queueUrl": _jsonata("$states.result.QueueUrl")},
            "Catch": catch_all,
            "Next": "GetQueueDepth",
        },
        "GetQueueDepth": {
            "Type": "Task",
            "Resource": GET_QUEUE_ATTRIBUTES,
            "Arguments": {"QueueUrl": _jsonata("$queueUrl"), "AttributeNames": [QUEUE_DEPTH_ATTRIBUTE]},
            # SQS returns attribute values as strings.
            "Assign": {"depth": _jsonata(f"$number($states.result.Attributes.{QUEUE_DEPTH_ATTRIBUTE})")},
            "Catch": catch_all,
            "Next": "CountTasks",
        },
        "CountTasks": {
            "Type": "Pass",
            "Assign": {"toStart": _jsonata(count_expression())},
            "Next": "AnyTasks",
        },
        "AnyTasks": {
            "Type": "Choice",
            "Choices": [{"Condition": _jsonata("$toStart > 0"), "Next": "RunTasks"}],
            "Default": "NothingToRun",
        },
        "NothingToRun": {
            "Type": "Succeed",
            "Output": {TASKS_STARTED: 0, TASK_RESULTS: []},
        },
        "RunTasks": {
            "Type": "Map",
            "Items": _jsonata("[1..$toStart]"),
            "MaxConcurrency": MAP_CONCURRENCY,
            "ItemSelector": {
                "index": _jsonata("$states.context.Map.Item.Value"),
                "taskDefinition": _jsonata("$job.taskDefinition"),
                "overrides": _jsonata("$job.overrides"),
                "retries": _jsonata("$job.retries"),
                "attempt": 1,
            },
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "RunTask", "States": task_states},
            "Output": _jsonata(f'{{"{TASKS_STARTED}": $toStart, "{TASK_RESULTS}": $states.result}}'),
            "Catch": catch_all,
            "End": True,
        },
        "RunFailed": {
            "Type": "Fail",
            "Error": _jsonata("$failure.Error"),
            "Cause": _jsonata("$failure.Cause"),
        },
    }
    if alarm_topic_arn is not None:
        states["NotifyFailure"] = {
            "Type": "Task",
            "Resource": SNS_PUBLISH,
            "Arguments": {
                "TopicArn": alarm_topic_arn,
                "Subject": "Job run failed",
                "Message": _jsonata(
                    '"Job " & $job.taskDefinition & " (execution " & $states.context.Execution.Name & ") failed: "'
                    ' & $failure.Error & ": " & $failure.Cause'
                ),
            },
            # A failed notification must not hide why the run failed.
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "RunFailed"}],
            "Next": "RunFailed",
        }
    return {
        "Comment": "Runs one job: counts its tasks, runs them with retries, reports tasksStarted",
        "QueryLanguage": "JSONata",
        "StartAt": "ReadJob",
        "States": states,
    }

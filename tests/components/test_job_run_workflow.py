from __future__ import annotations

import json
from typing import Any

import jsonata
import pytest

from ecs_workloads.job_run_workflow import JobRunWorkflow, count_expression
from ecs_workloads.job_run_workflow.definition import (
    GET_QUEUE_ATTRIBUTES,
    GET_QUEUE_URL,
    MAP_CONCURRENCY,
    RUN_TASK_SYNC,
    SNS_PUBLISH,
)
from ecs_workloads.job_trigger import TASK_LIMIT, TASK_RESULTS, TASKS_STARTED, tasks_to_start
from harness.mocks import ACCOUNT_ID
from harness.program import run_callable
from harness.recording import Recording
from plan.conformance import check as conformance_check
from plan.conformance import state_machine

CLUSTER_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:cluster/ecs-abc"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:alarms"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:work"
TASK_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/report-task"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/report-execution"
BASE: dict[str, Any] = {
    "cluster_arn": CLUSTER_ARN,
    "task_families": ["report", "cleanup"],
    "pass_role_arns": [TASK_ROLE, EXECUTION_ROLE],
    "subnet_ids": ["subnet-0a", "subnet-0b"],
    "security_group_ids": ["sg-0a"],
}
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"


def _workflow(**args: Any) -> Recording:
    return run_callable(lambda: JobRunWorkflow("jobs", {**BASE, **args}))


def _definition(recording: Recording) -> dict[str, Any]:
    return json.loads(recording.one(STATE_MACHINE).inputs["definition"])


def _statements(recording: Recording) -> dict[str, dict[str, Any]]:
    policy = json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", "jobs-policy").inputs["policy"])
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def _run_task(definition: dict[str, Any]) -> dict[str, Any]:
    return definition["States"]["RunTasks"]["ItemProcessor"]["States"]["RunTask"]


def test_a_standard_state_machine_logs_errors_without_execution_data_to_an_encrypted_group():
    recording = _workflow()
    machine = recording.one(STATE_MACHINE).inputs
    log_group = recording.one("aws:cloudwatch/logGroup:LogGroup")
    key = recording.one("aws:kms/key:Key")
    assert machine["type"] == "STANDARD"
    assert machine["loggingConfiguration"] == {
        "level": "ERROR",
        "includeExecutionData": False,
        "logDestination": f"{log_group.outputs['arn']}:*",
    }
    assert machine["tracingConfiguration"] == {"enabled": False}
    assert log_group.inputs["kmsKeyId"] == key.outputs["arn"]
    assert log_group.inputs["namePrefix"] == "/aws/vendedlogs/states/jobs-"
    logs = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}["LogsEncrypt"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    groups = f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:/aws/vendedlogs/states/jobs-*"
    assert logs["Condition"] == {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": groups}}


def test_all_level_and_tracing_when_asked():
    recording = _workflow(log_level="ALL", tracing=True)
    machine = recording.one(STATE_MACHINE).inputs
    assert machine["loggingConfiguration"]["level"] == "ALL"
    assert machine["loggingConfiguration"]["includeExecutionData"] is False
    assert machine["tracingConfiguration"] == {"enabled": True}
    assert _statements(recording)["SendTraces"]["Resource"] == "*"


def test_the_role_trusts_step_functions_of_this_account_only():
    trust = json.loads(_workflow().one("aws:iam/role:Role", "jobs-role").inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
        }
    ]


def test_the_role_runs_only_the_allowed_families_on_the_cluster_and_passes_only_their_roles():
    statements = _statements(_workflow())
    prefix = f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}"
    assert statements["RunAllowedFamiliesOnThisCluster"] == {
        "Sid": "RunAllowedFamiliesOnThisCluster",
        "Effect": "Allow",
        "Action": "ecs:RunTask",
        "Resource": [f"{prefix}:task-definition/report:*", f"{prefix}:task-definition/cleanup:*"],
        "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER_ARN}},
    }
    assert statements["WatchAndStopItsTasks"]["Action"] == ["ecs:DescribeTasks", "ecs:StopTask"]
    assert statements["WatchAndStopItsTasks"]["Resource"] == f"{prefix}:task/ecs-abc/*"
    assert statements["ManageSyncRule"] == {
        "Sid": "ManageSyncRule",
        "Effect": "Allow",
        "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        "Resource": f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/StepFunctionsGetEventsForECSTaskRule",
    }
    assert statements["PassTheTasksRoles"] == {
        "Sid": "PassTheTasksRoles",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": [TASK_ROLE, EXECUTION_ROLE],
        "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
    }
    # Without queues or a topic there is nothing to read or publish to.
    assert not {"CountTriggerQueues", "TellOfFailedRuns", "EncryptForTheTopic", "SendTraces"} & set(statements)


def test_trigger_queues_and_the_alarm_topic_are_granted_exactly():
    statements = _statements(_workflow(trigger_queue_arns=[QUEUE], alarm_topic_arn=TOPIC))
    assert statements["CountTriggerQueues"]["Action"] == ["sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
    assert statements["CountTriggerQueues"]["Resource"] == [QUEUE]
    assert statements["TellOfFailedRuns"]["Action"] == "sns:Publish"
    assert statements["TellOfFailedRuns"]["Resource"] == TOPIC
    assert statements["EncryptForTheTopic"]["Condition"] == {
        "StringEquals": {
            "kms:ViaService": "sns.us-east-1.amazonaws.com",
            "kms:EncryptionContext:aws:sns:topicArn": TOPIC,
        }
    }


def test_run_task_gets_the_cluster_network_capacity_and_the_jobs_overrides():
    run_task = _run_task(_definition(_workflow(capacity={"fargate": 1, "fargate_spot": 3})))
    assert run_task["Resource"] == RUN_TASK_SYNC
    arguments = run_task["Arguments"]
    assert arguments["Cluster"] == CLUSTER_ARN
    assert arguments["TaskDefinition"] == "{% $states.input.taskDefinition %}"
    assert arguments["NetworkConfiguration"] == {
        "AwsvpcConfiguration": {
            "Subnets": ["subnet-0a", "subnet-0b"],
            "AssignPublicIp": "DISABLED",
            "SecurityGroups": ["sg-0a"],
        }
    }
    assert arguments["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Weight": 1, "Base": 0},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 3, "Base": 0},
    ]
    assert "LaunchType" not in arguments


def test_a_launch_type_replaces_the_strategy_and_no_subnets_mean_no_network_configuration():
    args = {**BASE, "launch_type": "EC2"}
    del args["subnet_ids"], args["security_group_ids"]
    recording = run_callable(lambda: JobRunWorkflow("jobs", args))
    arguments = _run_task(_definition(recording))["Arguments"]
    assert arguments["LaunchType"] == "EC2"
    assert "CapacityProviderStrategy" not in arguments and "NetworkConfiguration" not in arguments


def test_the_definition_conforms_to_the_states_language_and_the_apis_it_calls():
    recording = _workflow(trigger_queue_arns=[QUEUE], alarm_topic_arn=TOPIC, tracing=True)
    text = recording.one(STATE_MACHINE).inputs["definition"]
    assert state_machine.check(text) == []
    definition = json.loads(text)
    resources = {state.get("Resource") for state in definition["States"].values()}
    assert {GET_QUEUE_URL, GET_QUEUE_ATTRIBUTES, SNS_PUBLISH} <= resources
    report = conformance_check(recording)
    assert report.problems == []
    assert ("stepfunctions", "CreateStateMachine") in {(r.service, r.operation) for r in report.requests}


def test_the_map_is_bounded_and_the_run_reports_tasks_started():
    states = _definition(_workflow())["States"]
    assert states["RunTasks"]["MaxConcurrency"] == MAP_CONCURRENCY
    assert TASKS_STARTED in states["RunTasks"]["Output"]
    assert states["NothingToRun"]["Output"] == {TASKS_STARTED: 0, TASK_RESULTS: []}
    assert "NotifyFailure" not in states
    assert states["RunFailed"]["Type"] == "Fail"


def test_a_failed_run_publishes_to_the_topic_then_fails():
    states = _definition(_workflow(alarm_topic_arn=TOPIC))["States"]
    assert states["RunTasks"]["Catch"][0]["Next"] == "NotifyFailure"
    assert states["NotifyFailure"]["Arguments"]["TopicArn"] == TOPIC
    assert states["NotifyFailure"]["Next"] == "RunFailed"


@pytest.mark.parametrize("depth", [None, 0, 1, 100, 101, 5000])
@pytest.mark.parametrize(
    ("task_count", "max_count", "per_task"), [(0, 50, 1), (1, 50, 1), (2, 10, 1), (0, 50, 10), (3, 7, 2)]
)
def test_the_count_expression_counts_as_tasks_to_start(depth, task_count, max_count, per_task):
    job = {
        "taskCount": task_count,
        "maxCount": max_count,
        "trigger": None if depth is None else {"messagesPerTask": per_task},
    }
    expected = tasks_to_start(task_count=task_count, max_count=max_count, queue_depth=depth, messages_per_task=per_task)
    expression = jsonata.Jsonata(count_expression())
    assert expression.evaluate({}, {"job": job, "depth": depth}) == expected
    assert expected <= TASK_LIMIT


def test_bad_arguments_fail_with_one_message_naming_each_field():
    args = {
        **BASE,
        "task_families": ["report", "report"],
        "log_level": "FATAL",
        "launch_type": "FARGATE",
        "capacity": {"fargate": 1},
        "trigger_queue_arns": ["work"],
    }
    with pytest.raises(ValueError) as error:
        JobRunWorkflow("jobs", args)
    assert str(error.value).splitlines() == [
        "invalid JobRunWorkflow arguments:",
        "  task_families: ['report', 'report'] — a list of at least 1 entries, no repeats, each a task definition "
        "family (1-255 letters, digits, - or _)",
        "  log_level: 'FATAL' — one of ERROR, ALL",
        "  trigger_queue_arns: ['work'] — a list of at least 1 entries, no repeats, each an SQS queue ARN such as "
        "arn:aws:sqs:us-east-1:123456789012:work",
    ]


def test_a_launch_type_and_capacity_together_are_refused():
    with pytest.raises(ValueError, match="launch_type: 'FARGATE' — not with capacity: RunTask takes a launch type"):
        JobRunWorkflow("jobs", {**BASE, "launch_type": "FARGATE", "capacity": {"fargate": 1}})


def test_a_name_too_long_for_the_state_machine_is_refused():
    name = "j" * 52
    with pytest.raises(ValueError, match=r"name: 'j+' — at most 51 characters: the longest resource name <name>-role"):
        JobRunWorkflow(name, BASE)

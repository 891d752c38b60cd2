"""`ScheduledEcsTask` with target `workflow`: the schedule starts a `JobRunWorkflow` execution with the job."""

from __future__ import annotations

import json
from typing import Any

from ecs_workloads.outputs import declared_outputs
from ecs_workloads.scheduled_ecs_task import ScheduledEcsTask
from harness.mocks import ACCOUNT_ID
from harness.program import run_callable
from harness.recording import Recording
from plan.conformance import check as conformance_check

from .test_scheduled_ecs_task import BASE, PRIVATE_PLACEMENT, SCHEDULE, TOPIC

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"


def _task(**args: Any) -> Recording:
    return run_callable(lambda: ScheduledEcsTask("report", {**BASE, "target": "workflow", **args}))


def test_the_schedule_starts_the_workflow_with_the_job_as_input():
    recording = _task(task_count=25, retries=2, run_environment={"MODE": "full", "DAY": "mon"})
    target = recording.one(SCHEDULE).inputs["target"]
    machine = recording.one(STATE_MACHINE)
    definition = recording.one("aws:ecs/taskDefinition:TaskDefinition")
    assert target["arn"] == machine.outputs["arn"]
    assert "ecsParameters" not in target
    assert json.loads(target["input"]) == {
        "taskDefinition": definition.outputs["arn"],
        "taskCount": 25,
        "maxCount": 25,
        "trigger": None,
        "overrides": [{"name": "app", "environment": {"DAY": "mon", "MODE": "full"}}],
        "retries": 2,
    }
    assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}
    assert target["deadLetterConfig"]["arn"] == recording.one("aws:sqs/queue:Queue").outputs["arn"]


def test_the_scheduler_may_only_start_this_workflow_and_dead_letter():
    recording = _task()
    policy = json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", "report-scheduler-policy").inputs["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "StartThisWorkflow",
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": recording.one(STATE_MACHINE).outputs["arn"],
        },
        {
            "Sid": "SendToOwnDeadLetterQueue",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": recording.one("aws:sqs/queue:Queue").outputs["arn"],
        },
    ]


def test_the_workflow_runs_only_this_family_with_its_roles_network_and_capacity():
    recording = _task(placement=PRIVATE_PLACEMENT, capacity={"fargate": 1, "fargate_spot": 2})
    workflow = recording.one("ecs-workloads:index:JobRunWorkflow")
    assert workflow.name == "report-workflow"
    assert workflow.parent == recording.one("ecs-workloads:index:ScheduledEcsTask").urn
    policy = json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", "report-workflow-policy").inputs["policy"])
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    family = recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["family"]
    assert statements["RunAllowedFamiliesOnThisCluster"]["Resource"] == [
        f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task-definition/{family}:*"
    ]
    roles = {r.name: r.outputs["arn"] for r in recording.of_type("aws:iam/role:Role")}
    assert statements["PassTheTasksRoles"]["Resource"] == [
        roles["report-workload-execution-role"],
        roles["report-workload-task-role"],
    ]
    arguments = json.loads(recording.one(STATE_MACHINE).inputs["definition"])["States"]["RunTasks"]["ItemProcessor"][
        "States"
    ]["RunTask"]["Arguments"]
    group = recording.one("aws:ec2/securityGroup:SecurityGroup").outputs["id"]
    assert arguments["NetworkConfiguration"] == {
        "AwsvpcConfiguration": {
            "Subnets": PRIVATE_PLACEMENT["subnet_ids"],
            "AssignPublicIp": "DISABLED",
            "SecurityGroups": [group],
        }
    }
    assert arguments["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Weight": 1, "Base": 0},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 2, "Base": 0},
    ]


def test_the_workflow_alerts_instead_of_the_failed_run_rule():
    recording = _task(alarm_topic_arn=TOPIC)
    assert recording.of_type("aws:cloudwatch/eventRule:EventRule") == []
    states = json.loads(recording.one(STATE_MACHINE).inputs["definition"])["States"]
    assert states["NotifyFailure"]["Arguments"]["TopicArn"] == TOPIC


def test_every_output_is_registered_and_the_plan_conforms():
    recording = _task(alarm_topic_arn=TOPIC, task_count=50, retries=10)
    component = recording.one("ecs-workloads:index:ScheduledEcsTask")
    assert set(recording.registered_outputs[component.urn]) == set(declared_outputs(ScheduledEcsTask))
    assert conformance_check(recording).problems == []

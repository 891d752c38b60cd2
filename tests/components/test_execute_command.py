"""ECS Exec, a workload argument: every shape starts its tasks with it when on, and the task role gets
exactly the Session Manager channel statement."""

from __future__ import annotations

import json

from ecs_workloads import QueueBackedBatchService, ScheduledEcsTask
from harness.program import run_callable
from tests.components.test_queue_backed_batch_service import BASE as BATCH
from tests.components.test_scheduled_ecs_task import BASE as SCHEDULED

CHANNEL = {
    "Sid": "EcsExecChannel",
    "Effect": "Allow",
    "Action": [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ],
    "Resource": "*",
}


def _exec_policies(recording):
    return [r for r in recording.of_type("aws:iam/rolePolicy:RolePolicy") if r.name.endswith("-task-exec")]


def test_a_scheduled_job_runs_with_exec_and_its_task_role_may_open_the_channels():
    workload = {**SCHEDULED["workload"], "enable_execute_command": True}
    recording = run_callable(lambda: ScheduledEcsTask("assessor", {**SCHEDULED, "workload": workload}))
    ecs = recording.one("aws:scheduler/schedule:Schedule").inputs["target"]["ecsParameters"]
    assert ecs["enableExecuteCommand"] is True
    (policy,) = _exec_policies(recording)
    assert json.loads(policy.inputs["policy"])["Statement"] == [CHANNEL]
    task_role = recording.one("aws:iam/role:Role", "assessor-workload-task-role")
    assert policy.inputs["role"] == task_role.outputs["id"]


def test_exec_is_off_by_default_and_then_absent_from_the_schedule():
    recording = run_callable(lambda: ScheduledEcsTask("assessor", SCHEDULED))
    assert (
        "enableExecuteCommand" not in recording.one("aws:scheduler/schedule:Schedule").inputs["target"]["ecsParameters"]
    )
    assert _exec_policies(recording) == []


def test_a_batch_service_runs_with_exec():
    workload = {**BATCH["workload"], "enable_execute_command": True}
    recording = run_callable(lambda: QueueBackedBatchService("batch", {**BATCH, "workload": workload}))
    assert recording.one("aws:ecs/service:Service").inputs["enableExecuteCommand"] is True
    (policy,) = _exec_policies(recording)
    assert json.loads(policy.inputs["policy"])["Statement"] == [CHANNEL]

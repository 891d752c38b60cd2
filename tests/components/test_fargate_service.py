"""The ECS service the web and batch shapes run their workload as."""

from __future__ import annotations

import pulumi
import pytest

from ecs_workloads.fargate_service import SERVICE_DEPLOYMENT_ARGS, create_service
from ecs_workloads.fargate_workload import FargateWorkload
from ecs_workloads.validation import ArgumentProblems
from harness.program import run_callable
from harness.recording import Recording

CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/ecs"
PLACEMENT = {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0a"], "assign_public_ip": False}
SERVICE = "aws:ecs/service:Service"


def _service(deployment, *, autoscaled: bool = False, execute_command: bool = False) -> Recording:
    def program():
        parent = pulumi.ComponentResource("test:index:Shape", "web")
        workload = FargateWorkload(
            "web",
            {
                "vpc_id": PLACEMENT["vpc_id"],
                "image": "public.ecr.aws/nginx/nginx:1",
                "tags": {"team": "web"},
                "enable_execute_command": execute_command,
            },
            pulumi.ResourceOptions(parent=parent),
        )
        create_service(
            parent,
            "web",
            cluster_arn=CLUSTER_ARN,
            workload=workload,
            placement=PLACEMENT,
            deployment=deployment,
            autoscaled=autoscaled,
        )

    return run_callable(program)


def test_tasks_take_the_task_definitions_tags_and_ecs_managed_tags():
    recording = _service({})
    service = recording.one(SERVICE).inputs
    assert service["propagateTags"] == "TASK_DEFINITION"
    assert service["enableEcsManagedTags"] is True
    # What the tasks take: the workload's tags are on the task definition.
    assert recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["tags"] == {"team": "web"}


def test_declared_defaults_one_on_demand_task_rolled_out_without_losing_capacity():
    service = _service({}).one(SERVICE).inputs
    assert service["desiredCount"] == 1
    assert service["deploymentMinimumHealthyPercent"] == 100
    assert service["deploymentMaximumPercent"] == 200
    assert service["enableExecuteCommand"] is False
    assert service["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]


def test_execute_command_of_the_workload_turns_exec_on_for_the_service():
    recording = _service({"desired_count": 3}, autoscaled=True, execute_command=True)
    service = recording.one(SERVICE)
    assert service.inputs["enableExecuteCommand"] is True and service.inputs["desiredCount"] == 3
    assert "desiredCount" in service.ignore_changes
    assert recording.one("aws:iam/rolePolicy:RolePolicy", "web-task-exec")


@pytest.mark.parametrize(
    ("deployment", "expected"),
    [
        ({"max_percent": 99}, "deployment.max_percent: 99 — an integer from 100 to 200"),
        ({"capacity": {"fargate": 0}}, "deployment.capacity.fargate: 0 — at least one of fargate and fargate_spot"),
        ({"capacity": {"fargate": 0, "fargate_spot": 1, "base": 2}}, "deployment.capacity.base: 2 — base tasks run"),
        ("rolling", "deployment: 'rolling' — a mapping with keys from: capacity, desired_count"),
    ],
)
def test_bad_deployments_are_named(deployment, expected):
    problems = ArgumentProblems("Shape")
    SERVICE_DEPLOYMENT_ARGS.check(deployment, problems, "deployment.")
    assert any(line.startswith(expected) for line in problems.lines()), problems.lines()

"""The three shapes on the cluster's EC2 capacity providers: EC2-compatible task definitions, strategies by
provider name, placement strategies, bridge mode behind instance targets, GPUs, and the misfits refused before
any resource is registered."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecs_workloads import AlbWebService, CapacityProviderFacts, QueueBackedBatchService, ScheduledEcsTask
from harness.program import run_callable
from harness.recording import Recording
from plan.conformance import check as conformance_check

PRIVATE = {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222"], "assign_public_ip": False}
CLUSTER = {"cluster_name": "ecs-cluster", "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/ecs-cluster"}
IMAGE = "public.ecr.aws/example/app:1.0"
PROVIDERS: dict[str, CapacityProviderFacts] = {
    "pipeline": CapacityProviderFacts(
        provider_name="pipeline-cp",
        kind="auto_scaling",
        architecture="X86_64",
        gpus=0,
        cpu_units=2048,
        memory_mib=8192,
        security_group_id="sg-0pipeline00",
    ),
    "graviton": CapacityProviderFacts(
        provider_name="graviton-cp",
        kind="auto_scaling",
        architecture="ARM64",
        gpus=0,
        cpu_units=2048,
        memory_mib=8192,
        security_group_id="sg-0graviton00",
    ),
    "gpu": CapacityProviderFacts(
        provider_name="gpu-cp",
        kind="managed_instances",
        architecture="X86_64",
        gpus=1,
        cpu_units=8192,
        memory_mib=32768,
        security_group_id="sg-0gpu0000000",
    ),
}
TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def on(*names: str) -> dict[str, Any]:
    return {"providers": [{"name": name} for name in names]}


def _batch(workload: dict[str, Any] | None = None, **deployment: Any) -> dict[str, Any]:
    return {
        **CLUSTER,
        "placement": PRIVATE,
        "capacity_providers": PROVIDERS,
        "workload": {"image": IMAGE, **(workload or {})},
        "deployment": {"capacity": on("pipeline"), **deployment},
    }


def _web(workload: dict[str, Any] | None = None, capacity: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        **CLUSTER,
        "placement": PRIVATE,
        "capacity_providers": PROVIDERS,
        "load_balancer_subnet_ids": ["subnet-0ccc3333", "subnet-0ddd4444"],
        "workload": {"image": IMAGE, "port": 8080, **(workload or {})},
        "deployment": {"capacity": capacity or on("pipeline")},
    }


def _container(recording: Recording) -> dict[str, Any]:
    return json.loads(recording.one(TASK).inputs["containerDefinitions"])[0]


def test_a_batch_service_on_an_auto_scaling_group_runs_an_ec2_task_definition_spread_then_binpacked():
    recording = run_callable(lambda: QueueBackedBatchService("pipe", _batch()))
    task = recording.one(TASK).inputs
    assert task["requiresCompatibilities"] == ["EC2"]
    assert task["networkMode"] == "awsvpc"
    service = recording.one(SERVICE).inputs
    assert service["capacityProviderStrategies"] == [{"capacityProvider": "pipeline-cp", "weight": 1, "base": 0}]
    assert service["orderedPlacementStrategies"] == [
        {"type": "spread", "field": "attribute:ecs.availability-zone"},
        {"type": "binpack", "field": "memory"},
    ]
    assert service["networkConfiguration"]["assignPublicIp"] is False
    assert "placementConstraints" not in service


def test_placement_strategies_and_constraints_are_the_callers_when_given():
    strategies = [{"type": "spread", "field": "instanceId"}]
    constraints = [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ m6i.*"}]
    args = _batch(placement_strategies=strategies, placement_constraints=constraints)
    service = run_callable(lambda: QueueBackedBatchService("pipe", args)).one(SERVICE).inputs
    assert service["orderedPlacementStrategies"] == strategies
    assert service["placementConstraints"] == constraints


def test_task_and_container_level_reservations_on_ec2():
    recording = run_callable(
        lambda: QueueBackedBatchService("pipe", _batch({"cpu": 1024, "memory": 3000, "memory_reservation": 2048}))
    )
    task = recording.one(TASK).inputs
    # Any memory fits EC2; Fargate would refuse 3000 MiB with 1 vCPU.
    assert (task["cpu"], task["memory"]) == ("1024", "3000")
    assert _container(recording)["memoryReservation"] == 2048


@pytest.mark.parametrize(("host_port", "ports"), [(None, (32768, 60999)), (80, (80, 80))])
def test_a_web_service_in_bridge_mode_is_reached_on_host_ports_through_the_instances_security_group(host_port, ports):
    workload: dict[str, Any] = {"network_mode": "bridge"}
    if host_port:
        workload["host_port"] = host_port
    recording = run_callable(lambda: AlbWebService("web", _web(workload)))
    task = recording.one(TASK).inputs
    assert (task["networkMode"], task["requiresCompatibilities"]) == ("bridge", ["EC2"])
    assert _container(recording)["portMappings"] == [
        {"containerPort": 8080, "protocol": "tcp", "hostPort": host_port or 0}
    ]
    assert recording.one("aws:lb/targetGroup:TargetGroup").inputs["targetType"] == "instance"
    service = recording.one(SERVICE).inputs
    assert "networkConfiguration" not in service
    assert service["loadBalancers"][0]["containerPort"] == 8080
    into_instances = recording.one(INGRESS, "web-instances-pipeline-from-alb").inputs
    assert into_instances["securityGroupId"] == "sg-0pipeline00"
    assert (into_instances["fromPort"], into_instances["toPort"]) == ports
    out_of_alb = recording.one(EGRESS, "web-alb-to-instances-pipeline").inputs
    assert (out_of_alb["referencedSecurityGroupId"], out_of_alb["fromPort"], out_of_alb["toPort"]) == (
        "sg-0pipeline00",
        *ports,
    )


def test_an_awsvpc_web_service_on_ec2_keeps_ip_targets_and_its_own_security_group():
    recording = run_callable(lambda: AlbWebService("web", _web()))
    assert recording.one("aws:lb/targetGroup:TargetGroup").inputs["targetType"] == "ip"
    assert recording.one(INGRESS, "web-tasks-from-alb").inputs["fromPort"] == 8080


def test_a_gpu_job_on_managed_instances_reserves_its_gpu():
    args = {
        **CLUSTER,
        "placement": PRIVATE,
        "capacity_providers": PROVIDERS,
        "workload": {"image": IMAGE, "cpu": 4096, "memory": 16384, "gpus": 1},
        "capacity": on("gpu"),
        "schedule": "rate(1 day)",
        "enabled": False,
    }
    recording = run_callable(lambda: ScheduledEcsTask("gpu-job", args))
    assert recording.one(TASK).inputs["requiresCompatibilities"] == ["MANAGED_INSTANCES"]
    assert _container(recording)["resourceRequirements"] == [{"type": "GPU", "value": "1"}]
    ecs = recording.one("aws:scheduler/schedule:Schedule").inputs["target"]["ecsParameters"]
    assert ecs["capacityProviderStrategies"] == [{"capacityProvider": "gpu-cp", "weight": 1, "base": 0}]
    assert ecs["networkConfiguration"]["assignPublicIp"] is False
    assert "placementStrategies" not in ecs
    assert "launchType" not in ecs


def test_a_scheduled_run_on_an_auto_scaling_group_is_spread_then_binpacked():
    args = {**CLUSTER, "placement": PRIVATE, "capacity_providers": PROVIDERS, "workload": {"image": IMAGE}}
    recording = run_callable(
        lambda: ScheduledEcsTask("job", {**args, "capacity": on("pipeline"), "schedule": "rate(1 hour)"})
    )
    ecs = recording.one("aws:scheduler/schedule:Schedule").inputs["target"]["ecsParameters"]
    assert ecs["placementStrategies"] == [
        {"type": "spread", "field": "attribute:ecs.availability-zone"},
        {"type": "binpack", "field": "memory"},
    ]


def _refused(build) -> str:
    recording = Recording()
    with pytest.raises(ValueError) as caught:
        run_callable(build, recording=recording)
    assert recording.registrations == []
    return str(caught.value)


FARGATE_BATCH = {**_batch(), "deployment": {}}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            {**FARGATE_BATCH, "workload": {"image": IMAGE, "network_mode": "bridge"}},
            "workload.network_mode: 'bridge' — awsvpc on FARGATE; bridge runs on EC2 capacity only",
        ),
        (
            {**FARGATE_BATCH, "workload": {"image": IMAGE, "gpus": 1}},
            "workload.gpus: 1 — no GPUs on Fargate",
        ),
        (
            _batch({"cpu_architecture": "ARM64"}),
            "workload.cpu_architecture: 'ARM64' — X86_64, the architecture of provider pipeline",
        ),
        (
            _batch({"cpu_architecture": "X86_64"}, capacity=on("graviton")),
            "workload.cpu_architecture: 'X86_64' — ARM64, the architecture of provider graviton",
        ),
        (
            _batch({"cpu": 4096, "memory": 8192}),
            "workload.cpu: 4096 — at most 2048, the largest instance of provider pipeline",
        ),
        (
            _batch({"memory": 16384}),
            "workload.memory: 16384 — at most 8192, the largest instance of provider pipeline",
        ),
        (
            _batch({"gpus": 1}),
            "workload.gpus: 1 — at most 0, the GPUs of provider pipeline's instances",
        ),
        (
            _batch(capacity=on("nope")),
            "deployment.capacity.providers[0].name: 'nope' — one of the cluster's capacity providers given in "
            "capacity_providers: gpu, graviton, pipeline",
        ),
        (
            _batch(capacity={"providers": [{"name": []}]}),
            "deployment.capacity.providers[0].name: [] — a non-empty string of up to 255 characters",
        ),
        (
            _batch(capacity=on("pipeline", "gpu")),
            "deployment.capacity.providers: ['pipeline', 'gpu'] — providers of one kind, not auto_scaling and "
            "managed_instances",
        ),
        (
            {**FARGATE_BATCH, "deployment": {"placement_strategies": [{"type": "random"}]}},
            "deployment.placement_strategies: [{'type': 'random'}] — only on Auto Scaling group capacity",
        ),
        (
            _batch(capacity={"providers": [{"name": "pipeline"}], "fargate": 1}),
            "deployment.capacity.fargate: 1 — not with providers",
        ),
        (
            _batch({"network_mode": "bridge"}, capacity=on("gpu")),
            "workload.network_mode: 'bridge' — awsvpc on MANAGED_INSTANCES",
        ),
        (
            {**_batch(), "placement": {**PRIVATE, "assign_public_ip": True}},
            "placement.assign_public_ip: True — false on EC2 capacity",
        ),
    ],
)
def test_misfits_fail_before_any_resource_naming_the_field(args, expected):
    assert expected in _refused(lambda: QueueBackedBatchService("pipe", args))


def test_a_host_port_needs_bridge_mode_and_a_port():
    assert "workload.host_port: 80 — only with network_mode bridge" in _refused(
        lambda: AlbWebService("web", _web({"host_port": 80}))
    )
    assert "workload.host_port: 80 — only with a port" in _refused(
        lambda: QueueBackedBatchService("pipe", _batch({"network_mode": "bridge", "host_port": 80}))
    )


def test_a_gpu_web_service_on_fargate_is_refused_too():
    args = {**_web({"gpus": 1}), "deployment": {}}
    assert "workload.gpus: 1 — no GPUs on Fargate" in _refused(lambda: AlbWebService("web", args))


def test_a_workflow_run_on_an_auto_scaling_group_is_placed_like_a_direct_one():
    args = {**CLUSTER, "placement": PRIVATE, "capacity_providers": PROVIDERS, "workload": {"image": IMAGE}}
    recording = run_callable(
        lambda: ScheduledEcsTask(
            "job", {**args, "capacity": on("pipeline"), "schedule": "rate(1 hour)", "target": "workflow"}
        )
    )
    definition = json.loads(recording.one("aws:sfn/stateMachine:StateMachine").inputs["definition"])
    [run_task] = [
        state["Arguments"]
        for state in _states(definition)
        if state.get("Resource") == "arn:aws:states:::ecs:runTask.sync"
    ]
    assert run_task["PlacementStrategy"] == [
        {"Type": "spread", "Field": "attribute:ecs.availability-zone"},
        {"Type": "binpack", "Field": "memory"},
    ]
    assert run_task["CapacityProviderStrategy"] == [{"CapacityProvider": "pipeline-cp", "Weight": 1, "Base": 0}]
    # The definition's RunTask arguments match botocore's RunTask input shape.
    assert conformance_check(recording).problems == []


def _states(machine: dict[str, Any]) -> list[dict[str, Any]]:
    """Every state of a definition, those inside Map and Parallel states included."""
    found = []
    for state in machine.get("States", {}).values():
        found.append(state)
        for inner in [state.get("ItemProcessor"), *state.get("Branches", [])]:
            if inner:
                found.extend(_states(inner))
    return found

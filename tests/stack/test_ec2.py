"""Pulumi.ec2.yaml: the seeds' EC2 setups on one cluster, run like dev and prod, and the stack-file errors of
EC2 capacity."""

from __future__ import annotations

import base64
import json

import pytest

from harness.program import run_program, stack_config
from harness.recording import Recording
from stack.config import StackConfigError, settings_from_raw

TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"


@pytest.fixture(scope="module")
def ec2() -> Recording:
    return run_program("ec2")


def test_the_cluster_carries_the_seeds_providers_beside_fargate(ec2):
    attached = ec2.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs["capacityProviders"]
    assert attached == [
        "FARGATE",
        "FARGATE_SPOT",
        "pipeline-ecs-workloads-ec2",
        "spot-ecs-workloads-ec2",
        "web-ecs-workloads-ec2",
        "gpu-ecs-workloads-ec2",
    ]


def test_seed_001_pipeline_runs_on_demand_with_its_instance_type_desired_and_max(ec2):
    config = stack_config("ec2")["ecs-workloads:cluster"]["capacityProviders"][0]["autoScaling"]
    group = ec2.one("aws:autoscaling/group:Group", "ecs-pipeline-asg").inputs
    distribution = group["mixedInstancesPolicy"]["instancesDistribution"]
    assert distribution["onDemandPercentageAboveBaseCapacity"] == 100
    assert [o["instanceType"] for o in group["mixedInstancesPolicy"]["launchTemplate"]["overrides"]] == config[
        "instanceTypes"
    ]
    assert (group["desiredCapacity"], group["maxSize"]) == (config["desiredCapacity"], config["maxSize"])
    images = ec2.one(SERVICE, "batch-images-service").inputs
    assert images["capacityProviderStrategies"][0]["capacityProvider"] == "pipeline-ecs-workloads-ec2"
    assert ec2.one(TASK, "batch-images-worker-task").inputs["requiresCompatibilities"] == ["EC2"]


def test_seed_003_jsonl_workers_run_on_spot_instances(ec2):
    group = ec2.one("aws:autoscaling/group:Group", "ecs-spot-asg").inputs
    assert group["mixedInstancesPolicy"]["instancesDistribution"]["onDemandPercentageAboveBaseCapacity"] == 0
    assert group["capacityRebalance"] is True
    jsonl = ec2.one(SERVICE, "batch-jsonl-service").inputs
    assert jsonl["capacityProviderStrategies"][0]["capacityProvider"] == "spot-ecs-workloads-ec2"


def test_seed_002_web_service_runs_in_bridge_mode_on_host_port_80_of_a_burstable_instance(ec2):
    group = ec2.one("aws:autoscaling/group:Group", "ecs-web-asg").inputs
    assert [o["instanceType"] for o in group["mixedInstancesPolicy"]["launchTemplate"]["overrides"]] == ["t3.micro"]
    task = ec2.one(TASK, "cats-task").inputs
    assert (task["networkMode"], task["cpu"], task["memory"]) == ("bridge", "256", "512")
    container = json.loads(task["containerDefinitions"])[0]
    assert container["portMappings"] == [{"containerPort": 8080, "protocol": "tcp", "hostPort": 80}]
    assert ec2.one("aws:lb/targetGroup:TargetGroup", "cats-tg").inputs["targetType"] == "instance"
    rule = ec2.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "cats-instances-web-from-alb").inputs
    assert (rule["fromPort"], rule["toPort"]) == (80, 80)
    assert rule["securityGroupId"] == ec2.one("aws:ec2/securityGroup:SecurityGroup", "ecs-web-sg").outputs["id"]


def test_the_gpu_job_is_disabled_and_reserves_a_gpu_on_managed_instances(ec2):
    schedule = ec2.one("aws:scheduler/schedule:Schedule", "job-gpu-smoke-schedule").inputs
    assert schedule["state"] == "DISABLED"
    strategy = schedule["target"]["ecsParameters"]["capacityProviderStrategies"]
    assert strategy == [{"capacityProvider": "gpu-ecs-workloads-ec2", "weight": 1, "base": 0}]
    task = ec2.one(TASK, "job-gpu-smoke-workload-task").inputs
    assert task["requiresCompatibilities"] == ["MANAGED_INSTANCES"]
    assert json.loads(task["containerDefinitions"])[0]["resourceRequirements"] == [{"type": "GPU", "value": "1"}]
    provider = ec2.one("aws:ecs/capacityProvider:CapacityProvider", "ecs-gpu-provider").inputs
    requirements = provider["managedInstancesProvider"]["instanceLaunchTemplate"]["instanceRequirements"]
    assert requirements["acceleratorCount"] == {"min": 1}


def test_every_instance_takes_imdsv2_an_encrypted_root_and_no_public_ip_in_the_nat_subnets(ec2):
    templates = ec2.of_type(TEMPLATE)
    assert len(templates) == 3
    private = ec2.one("awsx:ec2:Vpc").outputs["privateSubnetIds"]
    for template in templates:
        inputs = template.inputs
        assert inputs["metadataOptions"]["httpTokens"] == "required"
        assert inputs["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
        assert inputs["networkInterfaces"][0]["associatePublicIpAddress"] == "false"
        assert inputs["imageId"] == "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
        assert "ECS_AWSVPC_BLOCK_IMDS=true" in base64.b64decode(inputs["userData"]).decode()
    for group in ec2.of_type("aws:autoscaling/group:Group"):
        assert group.inputs["vpcZoneIdentifiers"] == private


def _error(raw: dict) -> str:
    with pytest.raises(StackConfigError) as caught:
        settings_from_raw(raw)
    return str(caught.value)


ASG = {"name": "pool", "autoScaling": {"instanceTypes": ["m6i.large"]}}


def test_a_workload_naming_a_provider_the_cluster_lacks_is_a_stack_file_error():
    raw = {
        "cluster": {"capacityProviders": [ASG]},
        "batch": {"jsonl": {"workload": {"capacity": {"providers": [{"name": "other"}]}}}},
    }
    assert "batch.jsonl.workload.capacity.providers[0].name: 'other' — one of cluster.capacityProviders: pool" in (
        _error(raw)
    )


def test_a_gpu_or_bridge_mode_on_fargate_is_a_stack_file_error_naming_the_key():
    message = _error({"cats": {"workload": {"networkMode": "bridge", "capacity": {"fargate": 1}}}})
    assert "networkMode: 'bridge' — awsvpc on FARGATE; bridge runs on EC2 capacity only" in message
    message = _error({"jobs": [{"name": "gpu", "schedule": "rate(1 day)", "workload": {"image": "x:1", "gpus": 1}}]})
    assert 'ecs-workloads:jobs.0.workload: {"image": "x:1", "gpus": 1} — gpus: 1 — no GPUs on Fargate' in message


def test_a_provider_needs_exactly_one_kind_and_the_components_bounds():
    assert "give exactly one of autoScaling and managedInstances" in _error(
        {"cluster": {"capacityProviders": [{"name": "x"}]}}
    )
    bad = {"name": "pool", "autoScaling": {"instanceTypes": ["m6i.large"], "targetCapacityPercent": 0}}
    assert "targetCapacityPercent" in _error({"cluster": {"capacityProviders": [bad]}})

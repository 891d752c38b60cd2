"""The cluster's EC2 capacity providers, asserted on the recorded inputs: the launch template's AMI, metadata and
volume, the Auto Scaling group's mix and protection, the ECS provider's managed scaling, Managed Instances'
requirements and roles."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ecs_workloads import EcsCluster
from ecs_workloads.auto_scaling_capacity import INSTANCE_ROLE_POLICIES
from harness.program import run_callable
from harness.recording import Recording

PLACEMENT = {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222"], "assign_public_ip": False}
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"
PROVIDER = "aws:ecs/capacityProvider:CapacityProvider"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def _cluster(*providers: dict[str, Any], **args: Any) -> Recording:
    return run_callable(
        lambda: EcsCluster("ecs", {"placement": PLACEMENT, "capacity_providers": list(providers), **args})
    )


def _asg(name: str = "pipeline", **args: Any) -> dict[str, Any]:
    return {"name": name, "auto_scaling": {"instance_types": ["m6i.large"], **args}}


def _problems(*providers: dict[str, Any]) -> str:
    recording = Recording()
    with pytest.raises(ValueError) as caught:
        run_callable(
            lambda: EcsCluster("ecs", {"placement": PLACEMENT, "capacity_providers": list(providers)}),
            recording=recording,
        )
    assert recording.registrations == []
    return str(caught.value)


@pytest.mark.parametrize(
    ("instance_types", "parameter"),
    [
        (["m6i.large", "c6i.large"], "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"),
        (["m7g.large", "t4g.small"], "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"),
        (["g4dn.xlarge", "g5.xlarge"], "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id"),
    ],
)
def test_the_ami_is_aws_s_ecs_optimized_parameter_for_the_instances_architecture(instance_types, parameter):
    template = _cluster(_asg(instance_types=instance_types)).one(TEMPLATE).inputs
    assert template["imageId"] == f"resolve:ssm:{parameter}"


def test_instances_take_imdsv2_only_and_an_encrypted_gp3_root_volume():
    template = _cluster(_asg()).one(TEMPLATE).inputs
    assert template["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }
    assert template["blockDeviceMappings"] == [
        {
            "deviceName": "/dev/xvda",
            "ebs": {"volumeSize": 30, "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"},
        }
    ]
    assert template["networkInterfaces"][0]["associatePublicIpAddress"] == "false"
    assert "keyName" not in template


def test_user_data_joins_the_cluster_with_task_roles_spot_draining_and_awsvpc_tasks_off_the_metadata():
    recording = _cluster(_asg())
    script = base64.b64decode(recording.one(TEMPLATE).inputs["userData"]).decode()
    cluster_name = recording.one("aws:ecs/cluster:Cluster").outputs["name"]
    assert f"ECS_CLUSTER={cluster_name}\n" in script
    for line in (
        "ECS_ENABLE_TASK_IAM_ROLE=true",
        "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true",
        "ECS_AWSVPC_BLOCK_IMDS=true",
        "ECS_DYNAMIC_HOST_PORT_RANGE=32768-60999",
    ):
        assert f"{line}\n" in script


def test_the_group_mixes_on_demand_and_spot_and_protects_instances_from_scale_in():
    recording = _cluster(
        _asg(instance_types=["c6i.large", "c5.large"], on_demand_base=1, on_demand_percentage=25, max_size=6)
    )
    group = recording.one(ASG).inputs
    assert group["protectFromScaleIn"] is True
    assert group["capacityRebalance"] is True
    assert (group["minSize"], group["maxSize"], group["desiredCapacity"]) == (0, 6, 0)
    assert group["vpcZoneIdentifiers"] == PLACEMENT["subnet_ids"]
    policy = group["mixedInstancesPolicy"]
    assert policy["instancesDistribution"] == {
        "onDemandAllocationStrategy": "prioritized",
        "onDemandBaseCapacity": 1,
        "onDemandPercentageAboveBaseCapacity": 25,
        "spotAllocationStrategy": "price-capacity-optimized",
    }
    assert [o["instanceType"] for o in policy["launchTemplate"]["overrides"]] == ["c6i.large", "c5.large"]
    assert (
        policy["launchTemplate"]["launchTemplateSpecification"]["launchTemplateId"]
        == recording.one(TEMPLATE).outputs["id"]
    )
    # ECS managed scaling owns the desired count once the group exists.
    assert "desiredCapacity" in recording.one(ASG).ignore_changes


def test_the_provider_scales_the_group_and_protects_and_drains_instances_with_tasks():
    recording = _cluster(_asg(target_capacity_percent=80))
    provider = recording.one(PROVIDER).inputs
    assert provider["name"] == "pipeline-ecs-workloads-test"
    asg = provider["autoScalingGroupProvider"]
    assert asg["autoScalingGroupArn"] == recording.one(ASG).outputs["arn"]
    assert asg["managedTerminationProtection"] == "ENABLED"
    assert asg["managedDraining"] == "ENABLED"
    assert asg["managedScaling"]["status"] == "ENABLED"
    assert asg["managedScaling"]["targetCapacity"] == 80
    attached = recording.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs
    assert attached["capacityProviders"] == ["FARGATE", "FARGATE_SPOT", "pipeline-ecs-workloads-test"]


def test_the_instance_role_holds_only_the_agent_session_manager_and_cloudwatch_policies():
    recording = _cluster(_asg())
    attachments = recording.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert sorted(a.inputs["policyArn"] for a in attachments) == sorted(INSTANCE_ROLE_POLICIES)
    trust = json.loads(recording.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    # No SSH unless asked for.
    assert recording.of_type(INGRESS) == []


def test_ssh_needs_a_key_and_names_networks_never_the_internet():
    recording = _cluster(_asg(key_name="ops", ssh_cidrs=["203.0.113.0/24"]))
    assert recording.one(TEMPLATE).inputs["keyName"] == "ops"
    rule = recording.one(INGRESS).inputs
    assert (rule["cidrIpv4"], rule["fromPort"], rule["toPort"]) == ("203.0.113.0/24", 22, 22)
    assert "ssh_cidrs: ['0.0.0.0/0'] — a non-empty list of CIDR blocks, none of them 0.0.0.0/0" in _problems(
        _asg(key_name="ops", ssh_cidrs=["0.0.0.0/0"])
    )
    assert "ssh_cidrs: ['203.0.113.0/24'] — only with key_name" in _problems(_asg(ssh_cidrs=["203.0.113.0/24"]))


def test_a_group_takes_instance_types_one_ami_can_serve():
    assert (
        "capacity_providers[0].auto_scaling.instance_types: ['m6i.large', 'm7g.large'] — types of one architecture"
        in (_problems(_asg(instance_types=["m6i.large", "m7g.large"])))
    )
    assert "x86_64 GPU types: ECS publishes no arm64 GPU AMI" in _problems(_asg(instance_types=["g5g.xlarge"]))


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        (
            _asg(name="ecs-pool"),
            "capacity_providers[0].name: 'ecs-pool' — letters, digits, - and _, not starting with aws",
        ),
        (_asg(min_size=3, max_size=2), "capacity_providers[0].auto_scaling.min_size: 3 — at most max_size (2)"),
        (
            {"name": "both"},
            "capacity_providers[0].auto_scaling: None — give exactly one of auto_scaling and managed_instances",
        ),
        (_asg(cluster_name="x"), "capacity_providers[0].auto_scaling.cluster_name: 'x' — the cluster's own; remove it"),
    ],
)
def test_bad_providers_fail_before_any_resource_naming_the_field(provider, expected):
    assert expected in _problems(provider)


def test_two_providers_of_one_name_are_refused():
    assert "capacity_providers[1].name: 'pipeline' — a name used once" in _problems(_asg(), _asg())


GPU = {
    "name": "gpu",
    "managed_instances": {
        "min_vcpus": 4,
        "max_vcpus": 8,
        "min_memory_mib": 16384,
        "max_memory_mib": 32768,
        "gpus": 1,
        "gpu_names": ["t4", "a10g"],
        "capacity_option": "SPOT",
    },
}


def test_managed_instances_are_chosen_by_requirements_with_gpus_and_spot():
    recording = _cluster(GPU)
    provider = recording.one(PROVIDER).inputs
    assert provider["cluster"] == recording.one("aws:ecs/cluster:Cluster").outputs["name"]
    managed = provider["managedInstancesProvider"]
    template = managed["instanceLaunchTemplate"]
    assert template["capacityOptionType"] == "SPOT"
    assert template["networkConfiguration"]["subnets"] == PLACEMENT["subnet_ids"]
    requirements = template["instanceRequirements"]
    assert requirements["vcpuCount"] == {"min": 4, "max": 8}
    assert requirements["memoryMib"] == {"min": 16384, "max": 32768}
    assert requirements["cpuManufacturers"] == ["intel", "amd"]
    assert requirements["acceleratorCount"] == {"min": 1}
    assert requirements["acceleratorTypes"] == ["gpu"]
    assert requirements["acceleratorManufacturers"] == ["nvidia"]
    assert requirements["acceleratorNames"] == ["t4", "a10g"]
    roles = {r.name: r for r in recording.of_type("aws:iam/role:Role")}
    assert managed["infrastructureRoleArn"] == roles["ecs-gpu-infrastructure-role"].outputs["arn"]
    passing = json.loads(recording.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]
    assert passing == [
        {
            "Sid": "PassInstanceRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": roles["ecs-gpu-instance-role"].outputs["arn"],
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        }
    ]


def test_managed_instances_gpus_are_x86():
    arm = {"name": "gpu", "managed_instances": {**GPU["managed_instances"], "architecture": "ARM64"}}
    assert "capacity_providers[0].managed_instances.gpus: 1 — NVIDIA GPU instances are X86_64 here" in _problems(arm)


def test_the_cluster_default_may_name_its_own_providers_only():
    recording = _cluster(_asg(), default_capacity={"providers": [{"name": "pipeline", "weight": 1}]})
    attached = recording.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs
    assert attached["defaultCapacityProviderStrategies"] == [
        {"capacityProvider": "pipeline-ecs-workloads-test", "weight": 1, "base": 0}
    ]
    recording = Recording()
    with pytest.raises(ValueError) as caught:
        run_callable(
            lambda: EcsCluster(
                "ecs",
                {
                    "placement": PLACEMENT,
                    "capacity_providers": [_asg()],
                    "default_capacity": {"providers": [{"name": "other"}]},
                },
            ),
            recording=recording,
        )
    assert "default_capacity.providers[0].name: 'other' — one of the cluster's capacity_providers: pipeline" in str(
        caught.value
    )
    assert recording.registrations == []

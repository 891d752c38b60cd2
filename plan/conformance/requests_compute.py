"""Translators for EC2 capacity: launch templates, Auto Scaling groups, instance profiles, policy attachments
and ECS capacity providers (Auto Scaling group and Managed Instances)."""

from __future__ import annotations

import base64
from typing import Any

from harness.recording import Registration

from .requests import Request, _name, _one, _pick, pascal


def _flag(value: Any) -> Any:
    """The provider carries some EC2 booleans as "true"/"false" strings; the API takes booleans."""
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return value


def launch_template(reg: Registration) -> list[Request]:
    i = reg.inputs
    data: dict[str, Any] = pascal(
        _pick(i, "tags", "name", "namePrefix", "description", "updateDefaultVersion", "defaultVersion", "userData")
    )
    for mapping in data.get("BlockDeviceMappings", []):
        ebs = mapping.get("Ebs", {})
        for key in ("Encrypted", "DeleteOnTermination"):
            if key in ebs:
                ebs[key] = _flag(ebs[key])
    for interface in data.get("NetworkInterfaces", []):
        for key in ("AssociatePublicIpAddress", "DeleteOnTermination"):
            if key in interface:
                interface[key] = _flag(interface[key])
        if "SecurityGroups" in interface:
            interface["Groups"] = interface.pop("SecurityGroups")
    if "userData" in i:
        # EC2 takes user data base64-encoded, as the component gives it; decoding proves it is.
        base64.b64decode(i["userData"], validate=True)
        data["UserData"] = i["userData"]
    return _one(reg, "ec2", "CreateLaunchTemplate", {"LaunchTemplateName": _name(reg), "LaunchTemplateData": data})


def auto_scaling_group(reg: Registration) -> list[Request]:
    i = reg.inputs
    params: dict[str, Any] = {
        "AutoScalingGroupName": _name(reg),
        **pascal(
            _pick(i, "vpcZoneIdentifiers", "protectFromScaleIn", "tags", "mixedInstancesPolicy", "forceDelete"),
        ),
    }
    # The API takes the subnets as one comma-separated string.
    params["VPCZoneIdentifier"] = ",".join(i.get("vpcZoneIdentifiers", []))
    if "protectFromScaleIn" in i:
        params["NewInstancesProtectedFromScaleIn"] = i["protectFromScaleIn"]
    policy = i.get("mixedInstancesPolicy")
    if policy:
        params["MixedInstancesPolicy"] = pascal(policy)
    params["Tags"] = [
        {"Key": tag["key"], "Value": tag["value"], "PropagateAtLaunch": tag["propagateAtLaunch"]}
        for tag in i.get("tags", [])
    ]
    return _one(reg, "autoscaling", "CreateAutoScalingGroup", params)


def instance_profile(reg: Registration) -> list[Request]:
    name = _name(reg)
    return _one(reg, "iam", "CreateInstanceProfile", {"InstanceProfileName": name}) + _one(
        reg, "iam", "AddRoleToInstanceProfile", {"InstanceProfileName": name, "RoleName": reg.inputs["role"]}
    )


def role_policy_attachment(reg: Registration) -> list[Request]:
    i = reg.inputs
    return _one(reg, "iam", "AttachRolePolicy", {"RoleName": i["role"], "PolicyArn": i["policyArn"]})


# The provider's names for Managed Instances members where the ECS model spells them otherwise.
_MANAGED_INSTANCES_RENAMES = {"vcpuCount": "vCpuCount", "memoryMib": "memoryMiB", "storageSizeGib": "storageSizeGiB"}


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {_MANAGED_INSTANCES_RENAMES.get(k, k): _camel(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def capacity_provider(reg: Registration) -> list[Request]:
    i = reg.inputs
    params: dict[str, Any] = {"name": _name(reg)}
    if "cluster" in i:
        params["cluster"] = i["cluster"]
    if "autoScalingGroupProvider" in i:
        params["autoScalingGroupProvider"] = i["autoScalingGroupProvider"]
    if "managedInstancesProvider" in i:
        params["managedInstancesProvider"] = _camel(i["managedInstancesProvider"])
    return _one(reg, "ecs", "CreateCapacityProvider", params)

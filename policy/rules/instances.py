"""EC2 container instances: launch templates, Auto Scaling groups and the ECS capacity providers over them."""

from __future__ import annotations

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import AUTO_SCALING_GROUP, CAPACITY_PROVIDER, LAUNCH_TEMPLATE, VPC
from .values import as_list, get


# Security Hub EC2.8 (IMDSv2) and AutoScaling.3 (launch configurations require IMDSv2).
@rule(
    "ec2-imdsv2-required",
    "Launch templates require IMDSv2 session tokens.",
    enforcement=MANDATORY,
    resource_types={LAUNCH_TEMPLATE},
    control="Security Hub EC2.8, AutoScaling.3",
)
def check_imdsv2(template: ResourceView, context: StackContext) -> list[str]:
    tokens = get(template.props, "metadataOptions", "httpTokens")
    return [] if tokens == "required" else [f"metadataOptions.httpTokens is {tokens!r}, not required (IMDSv2)"]


# Security Hub EC2.7 (EBS default encryption), applied to each volume a launch template creates.
@rule(
    "ec2-volumes-encrypted",
    "Every EBS volume a launch template creates is encrypted.",
    enforcement=MANDATORY,
    resource_types={LAUNCH_TEMPLATE},
    control="Security Hub EC2.7",
)
def check_encrypted_volumes(template: ResourceView, context: StackContext) -> list[str]:
    return [
        f"volume {get(mapping, 'deviceName')} is not encrypted"
        for mapping in as_list(template.props.get("blockDeviceMappings"))
        if get(mapping, "ebs") is not None and str(get(mapping, "ebs", "encrypted")).lower() != "true"
    ]


# Security Hub AutoScaling.5 (no public IPs from launch configurations) and EC2.9, for private subnets.
@rule(
    "ec2-no-public-ip-in-private-subnets",
    "Instances launched into private subnets get no public IP address.",
    enforcement=MANDATORY,
    resource_types={AUTO_SCALING_GROUP},
    control="Security Hub AutoScaling.5, EC2.9",
)
def check_no_public_ip(group: ResourceView, context: StackContext) -> list[str]:
    private = {
        subnet for vpc in context.resources if vpc.type == VPC for subnet in as_list(vpc.state.get("privateSubnetIds"))
    }
    subnets = set(as_list(group.props.get("vpcZoneIdentifiers")))
    if not subnets & private:
        return []
    template_id = get(
        group.props, "mixedInstancesPolicy", "launchTemplate", "launchTemplateSpecification", "launchTemplateId"
    )
    for template in context.resources:
        if template.type == LAUNCH_TEMPLATE and template_id is not None and template.state.get("id") == template_id:
            public = [
                entry
                for entry in as_list(template.props.get("networkInterfaces"))
                if str(get(entry, "associatePublicIpAddress")).lower() == "true"
            ]
            if public:
                return [f"launch template {template.name} gives public IPs to instances in private subnets"]
    return []


# ECS Developer Guide, "Managed termination protection": without it, scale-in ends instances that run tasks.
@rule(
    "ecs-managed-termination-protection",
    "Auto Scaling group capacity providers use managed termination protection with instance scale-in protection.",
    enforcement=MANDATORY,
    resource_types={CAPACITY_PROVIDER},
    control="ECS Developer Guide, managed termination protection",
)
def check_termination_protection(provider: ResourceView, context: StackContext) -> list[str]:
    asg_provider = provider.props.get("autoScalingGroupProvider")
    if asg_provider is None:
        return []
    problems = []
    if get(asg_provider, "managedTerminationProtection") != "ENABLED":
        problems.append("managedTerminationProtection is not ENABLED")
    group_arn = get(asg_provider, "autoScalingGroupArn")
    for group in context.resources:
        if (
            group.type == AUTO_SCALING_GROUP
            and group.state.get("arn") == group_arn
            and not group.props.get("protectFromScaleIn")
        ):
            problems.append(f"Auto Scaling group {group.name} lacks protectFromScaleIn, which the protection needs")
    return problems

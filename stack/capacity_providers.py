"""The cluster's EC2 capacity providers in config: `ecs-workloads:cluster` `capacityProviders`.

Each entry is named and holds `autoScaling` (an Auto Scaling group of ECS-optimized instances) or
`managedInstances` (ECS Managed Instances). Workloads place their tasks on them by name through their
`capacity.providers`; every field passes a component argument through, with that argument's own check.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from ecs_workloads.auto_scaling_capacity import AUTO_SCALING_CAPACITY_ARGS
from ecs_workloads.cluster import CLUSTER_CAPACITY_PROVIDER_ARGS
from ecs_workloads.managed_instances_capacity import MANAGED_INSTANCES_CAPACITY_ARGS

from .component_rules import raise_rule_problems
from .section import Section

_ASG = AUTO_SCALING_CAPACITY_ARGS
_MI = MANAGED_INSTANCES_CAPACITY_ARGS


class AutoScalingSettings(Section):
    """An Auto Scaling group of ECS container instances."""

    instance_types: list[str] = _ASG["instance_types"].setting(
        description="Instance types, one architecture; the first is preferred on-demand."
    )
    on_demand_base: int = _ASG["on_demand_base"].setting(description="Instances always on-demand.")
    on_demand_percentage: int = _ASG["on_demand_percentage"].setting(
        description="Percent on-demand above the base; the rest Spot. 0 for all Spot."
    )
    min_size: int = _ASG["min_size"].setting(description="Fewest instances.")
    max_size: int = _ASG["max_size"].setting(description="Most instances.")
    desired_capacity: int | None = _ASG["desired_capacity"].setting(
        None, description="Instances at creation; managed scaling owns the number after. Default minSize."
    )
    target_capacity_percent: int = _ASG["target_capacity_percent"].setting(
        description="Managed scaling target utilisation of the instances."
    )
    root_volume_gib: int = _ASG["root_volume_gib"].setting(description="Encrypted gp3 root volume size.")
    key_name: str | None = _ASG["key_name"].setting(None, description="EC2 key pair for SSH. Default none.")
    ssh_cidrs: list[str] | None = _ASG["ssh_cidrs"].setting(
        None, description="CIDRs admitted on port 22 (with keyName; never the internet)."
    )

    @model_validator(mode="after")
    def _component_rules(self) -> AutoScalingSettings:
        raise_rule_problems(_ASG, _ASG.rules, self.args())
        return self

    def args(self) -> dict[str, Any]:
        args: dict[str, Any] = {
            "instance_types": list(self.instance_types),
            "on_demand_base": self.on_demand_base,
            "on_demand_percentage": self.on_demand_percentage,
            "min_size": self.min_size,
            "max_size": self.max_size,
            "target_capacity_percent": self.target_capacity_percent,
            "root_volume_gib": self.root_volume_gib,
        }
        for key in ("desired_capacity", "key_name"):
            if getattr(self, key) is not None:
                args[key] = getattr(self, key)
        if self.ssh_cidrs is not None:
            args["ssh_cidrs"] = list(self.ssh_cidrs)
        return args


class ManagedInstancesSettings(Section):
    """ECS Managed Instances chosen by requirements."""

    min_vcpus: int = _MI["min_vcpus"].setting(description="Fewest vCPUs of an instance type.")
    max_vcpus: int | None = _MI["max_vcpus"].setting(None, description="Most vCPUs of an instance type.")
    min_memory_mib: int = _MI["min_memory_mib"].setting(description="Least memory of an instance type, MiB.")
    max_memory_mib: int | None = _MI["max_memory_mib"].setting(
        None, description="Most memory of an instance type, MiB."
    )
    architecture: str = _MI["architecture"].setting(description="CPU architecture of the instances.")
    gpus: int | None = _MI["gpus"].setting(None, description="NVIDIA GPUs an instance must have.")
    gpu_names: list[str] | None = _MI["gpu_names"].setting(None, description="GPU models allowed. Default any.")
    capacity_option: str = _MI["capacity_option"].setting(description="ON_DEMAND or SPOT.")
    storage_gib: int = _MI["storage_gib"].setting(description="Task volume of each instance, GiB.")

    @model_validator(mode="after")
    def _component_rules(self) -> ManagedInstancesSettings:
        raise_rule_problems(_MI, _MI.rules, self.args())
        return self

    def args(self) -> dict[str, Any]:
        args: dict[str, Any] = {
            "min_vcpus": self.min_vcpus,
            "min_memory_mib": self.min_memory_mib,
            "architecture": self.architecture,
            "capacity_option": self.capacity_option,
            "storage_gib": self.storage_gib,
        }
        for key in ("max_vcpus", "max_memory_mib", "gpus"):
            if getattr(self, key) is not None:
                args[key] = getattr(self, key)
        if self.gpu_names is not None:
            args["gpu_names"] = list(self.gpu_names)
        return args


class CapacityProviderSettings(Section):
    """One named EC2 capacity provider of the cluster: give `autoScaling` or `managedInstances`."""

    name: str = CLUSTER_CAPACITY_PROVIDER_ARGS["name"].setting(
        description="Name workloads use in capacity.providers; the ECS name adds project and stack."
    )
    auto_scaling: AutoScalingSettings | None = Field(None, description="An Auto Scaling group of instances.")
    managed_instances: ManagedInstancesSettings | None = Field(None, description="ECS Managed Instances.")

    @model_validator(mode="after")
    def _one_kind(self) -> CapacityProviderSettings:
        if (self.auto_scaling is None) == (self.managed_instances is None):
            raise ValueError("give exactly one of autoScaling and managedInstances")
        return self

    def args(self) -> dict[str, Any]:
        if self.auto_scaling is not None:
            return {"name": self.name, "auto_scaling": self.auto_scaling.args()}
        assert self.managed_instances is not None
        return {"name": self.name, "managed_instances": self.managed_instances.args()}

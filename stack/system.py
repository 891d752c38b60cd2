"""Builds the reference system for one stack from validated settings."""

from __future__ import annotations

from typing import Any

import pulumi

from components import EcsCluster, Network

from .settings import NetworkSettings, StackSettings


def build_system(settings: StackSettings) -> dict[str, Any]:
    """Creates the stack's resources and returns the stack outputs."""
    network = Network("network", _network_args(settings.network))
    cluster = EcsCluster(
        "ecs",
        {
            "container_insights": settings.cluster.container_insights,
            "default_capacity": settings.cluster.default_capacity.weights(),
        },
    )
    return {
        "vpcId": network.vpc_id,
        "workloadSubnetIds": network.workload_subnet_ids,
        "assignPublicIp": network.assign_public_ip,
        "clusterName": cluster.name,
        "clusterArn": cluster.arn,
    }


def _network_args(network: NetworkSettings) -> dict[str, Any]:
    if network.vpc_id is not None:
        existing: dict[str, Any] = {"vpc_id": network.vpc_id, "public_subnet_ids": network.public_subnet_ids}
        if network.private_subnet_ids:
            existing["private_subnet_ids"] = network.private_subnet_ids
        return {"existing": existing}
    return {
        "cidr_block": network.cidr_block,
        "availability_zones": network.availability_zones,
        "nat_strategy": network.nat_strategy,
    }


def export_all(outputs: dict[str, Any]) -> None:
    for key, value in outputs.items():
        pulumi.export(key, value)

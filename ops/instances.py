"""ECS container instances of the cluster's EC2 capacity: what each provider runs, and draining one instance.

Reserved CPU and memory are what the instance registered less what ECS reports remaining
(DescribeContainerInstances registeredResources and remainingResources). Draining (UpdateContainerInstancesState
DRAINING) stops placing tasks on the instance and replaces its service tasks elsewhere; managed draining does
the same when Auto Scaling retires it.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import RenderableType

from .errors import ExitCode, OpsError
from .table import table

_DESCRIBE_BATCH = 100  # DescribeContainerInstances' limit per call
_EC2_INSTANCE_ID = re.compile(r"^i-[0-9a-f]{8,17}$")


def _resources(instance: dict[str, Any], key: str) -> dict[str, int]:
    return {r["name"]: int(r.get("integerValue", 0)) for r in instance.get(key, []) if r.get("type") == "INTEGER"}


def describe(ecs: Any, cluster: str) -> list[dict[str, Any]]:
    """One row per container instance, ordered by capacity provider then EC2 instance id."""
    arns: list[str] = []
    for page in ecs.get_paginator("list_container_instances").paginate(cluster=cluster):
        arns += page["containerInstanceArns"]
    rows = []
    for first in range(0, len(arns), _DESCRIBE_BATCH):
        response = ecs.describe_container_instances(
            cluster=cluster, containerInstances=arns[first : first + _DESCRIBE_BATCH]
        )
        for instance in response.get("containerInstances", []):
            registered = _resources(instance, "registeredResources")
            remaining = _resources(instance, "remainingResources")
            rows.append(
                {
                    "provider": instance.get("capacityProviderName") or "-",
                    "ec2InstanceId": instance.get("ec2InstanceId"),
                    "containerInstanceArn": instance["containerInstanceArn"],
                    "status": instance.get("status"),
                    "runningTasks": instance.get("runningTasksCount", 0),
                    "cpu": {
                        "registered": registered.get("CPU", 0),
                        "reserved": registered.get("CPU", 0) - remaining.get("CPU", 0),
                    },
                    "memory": {
                        "registered": registered.get("MEMORY", 0),
                        "reserved": registered.get("MEMORY", 0) - remaining.get("MEMORY", 0),
                    },
                }
            )
    return sorted(rows, key=lambda row: (row["provider"], row["ec2InstanceId"] or ""))


def render(rows: list[dict[str, Any]]) -> RenderableType:
    return table(
        ("PROVIDER", "INSTANCE", "STATUS", "TASKS", "CPU RESERVED/REGISTERED", "MEMORY MiB RESERVED/REGISTERED"),
        [
            (
                row["provider"],
                row["ec2InstanceId"],
                row["status"],
                row["runningTasks"],
                f"{row['cpu']['reserved']}/{row['cpu']['registered']}",
                f"{row['memory']['reserved']}/{row['memory']['registered']}",
            )
            for row in rows
        ],
    )


def drain(ecs: Any, cluster: str, instance: str) -> dict[str, Any]:
    """Sets one container instance, named by EC2 instance id or container instance ARN or id, to DRAINING."""
    rows = describe(ecs, cluster)
    matches = [
        row
        for row in rows
        if instance
        in (row["ec2InstanceId"], row["containerInstanceArn"], row["containerInstanceArn"].rsplit("/", 1)[-1])
    ]
    if not matches:
        known = ", ".join(row["ec2InstanceId"] or row["containerInstanceArn"] for row in rows) or "none"
        kind = "EC2 instance" if _EC2_INSTANCE_ID.match(instance) else "container instance"
        raise OpsError(f"no {kind} {instance} in cluster {cluster}; instances: {known}", ExitCode.USAGE)
    row = matches[0]
    response = ecs.update_container_instances_state(
        cluster=cluster, containerInstances=[row["containerInstanceArn"]], status="DRAINING"
    )
    failures = response.get("failures", [])
    if failures:
        raise OpsError(f"ECS refused to drain {instance}: {failures[0].get('reason')}", ExitCode.FAILED)
    return {**row, "status": "DRAINING"}

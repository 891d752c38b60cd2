"""ECS services: their state, a forced redeployment (restart) and the desired count (scale)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from .errors import ExitCode, OpsError
from .outputs import Service
from .table import table, when

_EVENTS_SHOWN = 3
_DESCRIBE_BATCH = 10  # DescribeServices' limit per call


def resource_id(service: Service) -> str:
    return f"service/{service.cluster_name}/{service.service_name}"


def scaling_ranges(autoscaling: Any, services: list[Service]) -> dict[str, dict[str, int]]:
    """Min and max of each service's scalable target, keyed by service entry name; absent when not autoscaled."""
    by_id = {resource_id(service): service.name for service in services}
    ranges: dict[str, dict[str, int]] = {}
    ids = list(by_id)
    for first in range(0, len(ids), 50):
        paginator = autoscaling.get_paginator("describe_scalable_targets")
        for page in paginator.paginate(
            ServiceNamespace="ecs", ResourceIds=ids[first : first + 50], ScalableDimension="ecs:service:DesiredCount"
        ):
            for target in page["ScalableTargets"]:
                ranges[by_id[target["ResourceId"]]] = {"min": target["MinCapacity"], "max": target["MaxCapacity"]}
    return ranges


def describe(ecs: Any, autoscaling: Any, services: list[Service]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for cluster in sorted({service.cluster_name for service in services}):
        names = [service.service_name for service in services if service.cluster_name == cluster]
        for first in range(0, len(names), _DESCRIBE_BATCH):
            response = ecs.describe_services(cluster=cluster, services=names[first : first + _DESCRIBE_BATCH])
            for item in response.get("services", []):
                found[f"{cluster}/{item['serviceName']}"] = item
    ranges = scaling_ranges(autoscaling, services)
    return [
        _summary(service, found.get(f"{service.cluster_name}/{service.service_name}"), ranges) for service in services
    ]


def _summary(service: Service, item: dict[str, Any] | None, ranges: dict[str, dict[str, int]]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "service": service.name,
        "serviceName": service.service_name,
        "cluster": service.cluster_name,
        "url": service.url,
        "autoscaling": ranges.get(service.name),
    }
    if item is None or item.get("status") == "INACTIVE":
        return {
            **summary,
            "status": "MISSING",
            "desired": None,
            "running": None,
            "pending": None,
            "deployments": [],
            "events": [],
        }
    return {
        **summary,
        "status": item.get("status"),
        "desired": item.get("desiredCount"),
        "running": item.get("runningCount"),
        "pending": item.get("pendingCount"),
        "deployments": [_deployment(deployment) for deployment in item.get("deployments", [])],
        # ECS lists events newest first.
        "events": [
            {"createdAt": event.get("createdAt"), "message": event.get("message")}
            for event in item.get("events", [])[:_EVENTS_SHOWN]
        ],
    }


def _deployment(deployment: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": deployment.get("id"),
        "status": deployment.get("status"),
        "rolloutState": deployment.get("rolloutState"),
        "rolloutStateReason": deployment.get("rolloutStateReason"),
        "desired": deployment.get("desiredCount"),
        "running": deployment.get("runningCount"),
        "pending": deployment.get("pendingCount"),
        "failed": deployment.get("failedTasks"),
        "taskDefinition": deployment.get("taskDefinition", "").rsplit("/", 1)[-1] or None,
    }


def render(rows: list[dict[str, Any]]) -> RenderableType:
    summary = table(
        ["SERVICE", "STATUS", "DESIRED", "RUNNING", "PENDING", "SCALING", "DEPLOYMENTS"],
        [
            (
                row["service"],
                row["status"],
                row["desired"],
                row["running"],
                row["pending"],
                f"{row['autoscaling']['min']}-{row['autoscaling']['max']}" if row["autoscaling"] else "fixed",
                "; ".join(_deployment_text(d) for d in row["deployments"]) or None,
            )
            for row in rows
        ],
    )
    events: list[RenderableType] = []
    for row in rows:
        if row["events"]:
            times = [when(e["createdAt"].astimezone(UTC)) if e["createdAt"] else None for e in row["events"]]
            messages = [e["message"] for e in row["events"]]
            lines = table(["TIME", "MESSAGE"], zip(times, messages, strict=True), show_header=False)
            events.extend([Text(f"{row['service']}:"), Padding(lines, (0, 0, 0, 2))])
    if not events:
        return summary
    return Group(summary, Text(""), Text("Recent events", style="bold"), *events)


def _deployment_text(deployment: dict[str, Any]) -> str:
    counts = f"{deployment['running']}/{deployment['desired']} running"
    if deployment["pending"]:
        counts += f", {deployment['pending']} pending"
    if deployment["failed"]:
        counts += f", {deployment['failed']} failed"
    return f"{deployment['status']} {deployment['rolloutState'] or ''} {deployment['taskDefinition']} {counts}".replace(
        "  ", " "
    )


def restart(ecs: Any, service: Service) -> tuple[dict[str, Any], dict[str, Any]]:
    """Starts a new deployment of the same task definition, which replaces every task (pulling the image again).

    Returns what the command reports, and UpdateService's description of the service (which names the
    deployment it started).
    """
    updated = ecs.update_service(cluster=service.cluster_name, service=service.service_name, forceNewDeployment=True)
    deployments = updated["service"].get("deployments", [])
    primary: dict[str, Any] = next((d for d in deployments if d.get("status") == "PRIMARY"), {})
    started = {"service": service.name, "serviceName": service.service_name, "deploymentId": primary.get("id")}
    return started, updated["service"]


def scale(ecs: Any, autoscaling: Any, service: Service, desired: int) -> dict[str, Any]:
    """Sets the desired count; the warnings say when autoscaling will move it again."""
    if desired < 0:
        raise OpsError(f"desired count {desired}: must be 0 or more", ExitCode.USAGE)
    scaling = scaling_ranges(autoscaling, [service]).get(service.name)
    current = ecs.describe_services(cluster=service.cluster_name, services=[service.service_name])["services"]
    updated = ecs.update_service(cluster=service.cluster_name, service=service.service_name, desiredCount=desired)
    return {
        "service": service.name,
        "serviceName": service.service_name,
        "previousDesired": current[0]["desiredCount"] if current else None,
        "desired": updated["service"]["desiredCount"],
        "autoscaling": scaling,
        "warnings": _scaling_warnings(service, desired, scaling),
    }


def _scaling_warnings(service: Service, desired: int, scaling: dict[str, int] | None) -> list[str]:
    if scaling is None:
        if service.autoscaled:
            return [f"{service.name} should be autoscaled but has no scalable target; check the stack"]
        return []
    low, high = scaling["min"], scaling["max"]
    warnings = [
        f"{service.name} is autoscaled between {low} and {high} tasks: its scaling policies will move the "
        f"desired count again within [{low}, {high}]"
    ]
    change = "set minTasks/maxTasks in the stack config and run `pulumi up`"
    if desired < low:
        warnings.append(
            f"{desired} is below the minimum {low}: the next scaling activity raises it to at least {low}; {change}"
        )
    elif desired > high:
        warnings.append(
            f"{desired} is above the maximum {high}: the next scaling activity lowers it to at most {high}; {change}"
        )
    return warnings

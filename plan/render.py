"""Renders a recording as `pulumi preview` shows it: the component tree, each resource's key inputs."""

from __future__ import annotations

import json
from typing import Any

from .recording import Recording, Registration

# Inputs worth a reviewer's eye, per resource type; other types show their first few scalar inputs.
KEY_INPUTS: dict[str, tuple[str, ...]] = {
    "awsx:ec2:Vpc": ("cidrBlock", "numberOfAvailabilityZones", "natGateways", "subnetSpecs"),
    "aws:ecs/cluster:Cluster": ("settings",),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": (
        "capacityProviders",
        "defaultCapacityProviderStrategies",
    ),
    "aws:ecs/taskDefinition:TaskDefinition": ("family", "cpu", "memory", "runtimePlatform"),
    "aws:ecs/service:Service": ("desiredCount", "capacityProviderStrategies", "deploymentCircuitBreaker"),
    "aws:cloudwatch/logGroup:LogGroup": ("retentionInDays",),
    "aws:ecr/repository:Repository": ("imageScanningConfiguration",),
    "aws:sns/topic:Topic": ("kmsMasterKeyId",),
}
_MAX_SCALARS = 4
_MAX_TEXT = 100


def render_tree(recording: Recording) -> str:
    lines: list[str] = []
    roots = [r for r in recording.registrations if "::pulumi:pulumi:Stack::" in r.parent or not r.parent]
    for root in roots:
        _render(recording, root, 0, lines)
    return "\n".join(lines)


def _render(recording: Recording, registration: Registration, depth: int, lines: list[str]) -> None:
    marks = "".join(mark for flag, mark in ((registration.protect, " [protect]"),) if flag)
    summary = _summary(registration)
    lines.append(f"{'  ' * depth}+ {registration.type}  {registration.name}{marks}{summary}")
    for child in sorted(recording.children(registration), key=lambda r: (r.custom, r.name)):
        _render(recording, child, depth + 1, lines)


def _summary(registration: Registration) -> str:
    if not registration.custom and not registration.type.startswith("awsx:"):
        return ""
    keys = KEY_INPUTS.get(registration.type)
    if keys is None:
        # Long strings are policies and definitions; the tree shows the short facts.
        keys = tuple(
            k
            for k, v in sorted(registration.inputs.items())
            if isinstance(v, int | float | bool) or (isinstance(v, str) and len(v) <= _MAX_TEXT)
        )[:_MAX_SCALARS]
    shown = {k: registration.inputs[k] for k in keys if k in registration.inputs}
    return f"  {_compact(shown)}" if shown else ""


def _compact(value: Any) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    return json.dumps(plain(value), sort_keys=True, separators=(", ", ": "))


def render_outputs(outputs: dict[str, Any]) -> str:
    width = max((len(k) for k in outputs), default=0)
    return "\n".join(f"  {key.ljust(width)}  {_compact(value)}" for key, value in sorted(outputs.items()))

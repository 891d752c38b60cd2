"""Renders a recording as `pulumi preview` shows it: the component tree, each resource's key inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.recording import Recording, Registration

REPO_DIR = Path(__file__).resolve().parent.parent

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
    roots, children = roots_and_children(recording)

    def visit(registration: Registration, depth: int) -> None:
        marks = "".join(mark for flag, mark in ((registration.protect, " [protect]"),) if flag)
        summary = _summary(registration)
        lines.append(f"{'  ' * depth}+ {registration.type}  {registration.name}{marks}{summary}")
        for child in children.get(registration.urn, []):
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    return "\n".join(lines)


def roots_and_children(recording: Recording) -> tuple[list[Registration], dict[str, list[Registration]]]:
    """Top-level registrations and each URN's children, components first, then by name.

    Sorted because registrations arrive from the SDK's worker threads in no fixed order; one pass over the
    recording, so large stacks (hundreds of jobs) render in linear time.
    """
    roots: list[Registration] = []
    children: dict[str, list[Registration]] = {}
    for registration in recording.registrations:
        if "::pulumi:pulumi:Stack::" in registration.parent or not registration.parent:
            roots.append(registration)
        else:
            children.setdefault(registration.parent, []).append(registration)
    for siblings in [roots, *children.values()]:
        siblings.sort(key=lambda r: (r.custom, r.name, r.type))
    return roots, children


def repo_relative(value: Any, root: Path = REPO_DIR) -> Any:
    """`value` with paths inside the repository (build contexts) made relative, so output is checkout-independent."""
    if isinstance(value, str):
        prefix = f"{root}/"
        return "." if value == str(root) else value.replace(prefix, "")
    if isinstance(value, dict):
        return {k: repo_relative(v, root) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [repo_relative(v, root) for v in value]
    return value


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
    shown = {k: repo_relative(registration.inputs[k]) for k in keys if k in registration.inputs}
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

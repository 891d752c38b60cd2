"""Renders a recording as `pulumi preview` shows it: resources grouped by top-level component in a tree, each
resource's key inputs, and the stack outputs as indented, nested values.

Rich renderables, so a terminal shows colour and its own width while piped output is plain text of at most
120 columns (`ecs_workloads.ops.terminal`); long values wrap under their own indentation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from ecs_workloads.ops.terminal import Hanging, plain_text
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
_INDENT = "  "


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


def display_type(token: str) -> str:
    """The type as `pulumi preview` displays it: `aws:s3/bucket:Bucket` is `aws:s3:Bucket`.

    The module's last path segment repeats the type name (camel-cased) in every pulumi-aws token; dropping it
    keeps the tree narrow. The snapshots keep the full token.
    """
    parts = token.split(":")
    if len(parts) != 3 or not parts[2]:
        return token
    package, module, name = parts
    repeated = "/" + name[:1].lower() + name[1:]
    if module.endswith(repeated):
        module = module[: -len(repeated)]
    return f"{package}:{module}:{name}"


def tree(recording: Recording) -> list[RenderableType]:
    """A tree for each top-level component (and each top-level resource), in `roots_and_children` order."""
    roots, children = roots_and_children(recording)

    def resources(registration: Registration) -> int:
        own = 1 if registration.custom else 0
        return own + sum(resources(child) for child in children.get(registration.urn, []))

    def grow(branch: Tree, registration: Registration) -> None:
        for child in children.get(registration.urn, []):
            grow(branch.add(Hanging(_label(child))), child)

    trees: list[RenderableType] = []
    for root in roots:
        label = _label(root)
        count = 0 if root.custom else resources(root)
        # An awsx component is opaque under the mocks: its resources are not recorded, so there is no count.
        if count:
            label.append(f"  ({count} resource{'s' if count != 1 else ''})", style="dim")
        top = Tree(Hanging(label), guide_style="dim")
        grow(top, root)
        trees.append(top)
    return trees


def render_tree(recording: Recording) -> str:
    """The tree as plain text, one blank line between top-level components."""
    parts: list[RenderableType] = []
    for part in tree(recording):
        parts.extend([part, Text("")])
    return plain_text(Group(*parts[:-1]))


def _label(registration: Registration) -> Text:
    text = Text()
    text.append("+ ", style="green")
    text.append(display_type(registration.type), style="cyan" if registration.custom else "bold cyan")
    text.append("  ")
    text.append(registration.name, style="bold")
    if registration.protect:
        text.append(" [protect]", style="yellow")
    inputs = _key_inputs(registration)
    if inputs:
        text.append("  ")
        text.append(", ".join(f"{key}: {_compact(value)}" for key, value in sorted(inputs.items())), style="dim")
    return text


def _key_inputs(registration: Registration) -> dict[str, Any]:
    if not registration.custom and not registration.type.startswith("awsx:"):
        return {}
    keys = KEY_INPUTS.get(registration.type)
    if keys is None:
        # Long strings are policies and definitions; the tree shows the short facts.
        keys = tuple(
            k
            for k, v in sorted(registration.inputs.items())
            if isinstance(v, int | float | bool) or (isinstance(v, str) and len(v) <= _MAX_TEXT)
        )[:_MAX_SCALARS]
    return {k: repo_relative(registration.inputs[k]) for k in keys if k in registration.inputs}


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


def render_outputs(outputs: dict[str, Any]) -> RenderableType:
    """The stack outputs one value a line, nested values indented below their key (`value_lines`)."""
    return Group(*(Hanging(_styled(line)) for line in value_lines(repo_relative(outputs), 1)))


def _styled(line: str) -> Text:
    key, separator, value = line.partition(": ")
    if not separator:
        return Text(line, style="bold" if line.endswith(":") else "")
    return Text.assemble((key, "bold"), separator, value)


def scalar(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, ensure_ascii=False)


def _document(value: Any) -> Any:
    """The parsed JSON a string holds when it holds an object or array, else None."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        if isinstance(parsed, dict | list):
            return parsed
    return None


def value_lines(value: Any, depth: int) -> list[str]:
    """YAML-like lines for a dict's entries or a list's items: keys sorted, JSON held in strings expanded."""
    pad = _INDENT * depth
    lines: list[str] = []
    items = sorted(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
    for key, item in items:
        head = f"{pad}{key}:" if key is not None else f"{pad}-"
        document = _document(item)
        if document is not None:
            lines.append(f"{head} (JSON)")
            lines.extend(value_lines(document, depth + 1) or [f"{pad}{_INDENT}{scalar(document)}"])
        elif isinstance(item, dict | list) and item:
            nested = value_lines(item, depth + 1)
            if key is None:
                # A list item that is a mapping or a list starts on the dash line, as in YAML.
                lines.append(f"{head} {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(head)
                lines.extend(nested)
        else:
            lines.append(f"{head} {scalar(item)}")
    return lines

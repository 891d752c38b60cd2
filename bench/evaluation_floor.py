"""The floor for `evaluation_scale.py`: a bare Pulumi program that registers what one job registers, N times.

The resource mix is read from a recording of one real job (`job_template`), so it follows the component
when the component changes: the same type tokens, the same parents (component resources as parents), and
each input that was an output of another resource wired from that resource's output again (the role's ARN
into the task definition, the task definition's ARN into the schedule, several ARNs into one policy string).
What the recording cannot tell apart from a plain value is passed as a plain value; a dependency with no
output among the inputs (`depends_on`) stays a `depends_on`. Resources the job uses but does not own (the
cluster, the VPC, the alarm topic) are registered once, as the stack registers them once.

Each resource is created through the provider SDK's class for its type (`pulumi_aws.iam.Role`), with no
validation, no helper and no invoke around it, and the program runs under `FloorMocks`, which return the
inputs as state and record nothing: what is left is what Pulumi and the provider SDK cost for that mix.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import json
import re
from typing import Any

import pulumi
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from harness.program import without_source_positions

# Strings shorter than this are not taken for a wired output inside a longer string (too likely a coincidence).
_MIN_EMBEDDED = 8
_REF, _CONCAT = "$ref", "$concat"
_CAMEL_HUMP = re.compile(r"(?<!^)(?=[A-Z])")


class FloorMocks(pulumi.runtime.Mocks):
    """Inputs as state, the name as id; no per-type outputs and nothing kept."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return args.name, args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        # Required by the Mocks interface; the floor program makes no invokes.
        return {}


def job_template(recording, job_urn: str, job_name: str) -> dict[str, Any]:
    """The registrations of one job (the component at `job_urn` and everything under it) as a JSON-able
    template in which `job_name` is a placeholder and wired inputs are references to other entries."""
    by_urn = {r.urn: r for r in recording.registrations}
    job = [r for r in recording.registrations if r.urn == job_urn or _is_under(by_urn, r, job_urn)]
    order = _creation_order(job, by_urn)
    external = sorted({d for r in order for d in r.dependencies if d not in {j.urn for j in order}})
    index = {urn: position for position, urn in enumerate(external + [r.urn for r in order])}
    entries: list[dict[str, Any]] = [
        {"type": by_urn[urn].type, "name": by_urn[urn].name, "external": True, "outputs": set()} for urn in external
    ]
    for registration in order:
        dependencies = [by_urn[d] for d in registration.dependencies]
        used: set[str] = set()
        inputs = _wire(registration.inputs, _candidates(dependencies, index), used, entries)
        entries.append(
            {
                "type": registration.type,
                "name": registration.name,
                "external": False,
                "custom": registration.custom,
                "parent": index.get(registration.parent),
                "inputs": inputs,
                "depends_on": sorted(index[d.urn] for d in dependencies if d.urn not in used),
                "outputs": set(),
            }
        )
    for entry in entries:
        entry["outputs"] = sorted(entry["outputs"])
    return {"job": job_name, "entries": json.loads(json.dumps(entries))}


def _is_under(by_urn: dict, registration, urn: str) -> bool:
    parent = registration.parent
    while parent in by_urn:
        if parent == urn:
            return True
        parent = by_urn[parent].parent
    return False


def _creation_order(job: list, by_urn: dict) -> list:
    """Parents and dependencies before the resources that need them (arrival order differs between runs)."""
    inside = {r.urn for r in job}
    done: list = []
    seen: set[str] = set()

    def visit(registration) -> None:
        if registration.urn in seen:
            return
        seen.add(registration.urn)
        for urn in (registration.parent, *registration.dependencies):
            if urn in inside:
                visit(by_urn[urn])
        done.append(registration)

    for registration in sorted(job, key=lambda r: r.urn):
        visit(registration)
    return done


def _candidates(dependencies: list, index: dict[str, int]) -> list[tuple[Any, int, str, str]]:
    """(value, entry, output key, urn) of every output a dependency computed; the id first, then the ARN."""
    found = []
    for dependency in dependencies:
        # An output that echoes an input (a task definition's id is its family) says nothing about wiring.
        echoed = [v for v in dependency.inputs.values() if isinstance(v, (str, list))]
        for key, value in dependency.outputs.items():
            if not isinstance(value, (str, list)) or not value or value in echoed:
                continue
            found.append((value, index[dependency.urn], key, dependency.urn))
    rank = {"id": 0, "arn": 1}
    return sorted(found, key=lambda c: (rank.get(c[2], 2), -len(str(c[0]))))


def _wire(value: Any, candidates: list, used: set[str], entries: list) -> Any:
    for candidate, entry, key, urn in candidates:
        if value == candidate:
            return _use(entry, key, urn, used, entries)
    if isinstance(value, dict):
        return {k: _wire(v, candidates, used, entries) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v, candidates, used, entries) for v in value]
    if isinstance(value, str):
        return _embedded(value, candidates, used, entries)
    return value


def _embedded(text: str, candidates: list, used: set[str], entries: list) -> Any:
    """A string with outputs inside it (a policy document naming ARNs) as literal and reference parts."""
    embedded = sorted(
        (c for c in candidates if isinstance(c[0], str) and len(c[0]) >= _MIN_EMBEDDED and c[0] in text),
        key=lambda c: -len(c[0]),
    )
    if not embedded:
        return text
    parts: list[Any] = []
    position = literal = 0
    while position < len(text):
        match = next((c for c in embedded if text.startswith(c[0], position)), None)
        if match is None:
            position += 1
            continue
        if literal < position:
            parts.append(text[literal:position])
        parts.append(_use(match[1], match[2], match[3], used, entries)[_REF])
        position = literal = position + len(match[0])
    if literal < len(text):
        parts.append(text[literal:])
    return {_CONCAT: parts}


def _use(entry: int, key: str, urn: str, used: set[str], entries: list) -> dict[str, Any]:
    used.add(urn)
    # Dependencies come first in `entries`, so the entry read from exists already; `id` is every resource's.
    if key != "id":
        entries[entry]["outputs"].add(key)
    return {_REF: [entry, key]}


def floor_program(template: dict[str, Any], count: int) -> None:
    """Registers the external resources once, then `count` copies of the job."""
    entries = template["entries"]
    shared: dict[int, pulumi.Resource] = {}
    for position, entry in enumerate(entries):
        if entry["external"]:
            props = dict.fromkeys(entry["outputs"])
            shared[position] = pulumi.CustomResource(entry["type"], entry["name"], props)
    classes = provider_classes(template)
    text = json.dumps(entries)
    for job in range(count):
        _declare_job(template, text, classes, f"floor-{job:03d}", shared)


def provider_classes(template: dict[str, Any]) -> list[type | None]:
    """Each entry's provider class (None for components and types without one); imports their modules."""
    return [_provider_class(entry["type"]) if entry.get("custom") else None for entry in template["entries"]]


def _provider_class(token: str) -> type | None:
    """The provider SDK's class of a resource type (`aws:iam/role:Role` -> `pulumi_aws.iam.Role`), if any.

    A program registers its resources through these classes, whose argument and output typing is part of
    what any Pulumi program with this provider pays, so the floor uses them too."""
    package, module_path, name = token.split(":")
    if package != "aws":
        return None
    return getattr(importlib.import_module(f"pulumi_aws.{module_path.split('/')[0]}"), name, None)


def _declare_job(
    template: dict[str, Any], text: str, classes: list, job_name: str, shared: dict[int, pulumi.Resource]
) -> None:
    made = dict(shared)
    # The template's text carries the recorded job's name; each copy gets its own, so URNs stay unique.
    entries = json.loads(text.replace(template["job"], job_name))
    for position, entry in enumerate(entries):
        if entry["external"]:
            continue
        opts = pulumi.ResourceOptions(
            parent=made[entry["parent"]] if entry["parent"] is not None else None,
            depends_on=[made[d] for d in entry["depends_on"]] or None,
        )
        cls = classes[position]
        if cls is not None:
            # Top-level arguments are Python names; nested keys may stay as the engine spells them.
            inputs = {_python_name(k): v for k, v in _resolve(entry["inputs"], made).items()}
            made[position] = cls(entry["name"], opts=opts, **inputs)
        elif entry["custom"]:
            props = {**dict.fromkeys(entry["outputs"]), **_resolve(entry["inputs"], made)}
            made[position] = pulumi.CustomResource(entry["type"], entry["name"], props, opts)
        else:
            component = pulumi.ComponentResource(entry["type"], entry["name"], None, opts)
            component.register_outputs({})
            made[position] = component


def _resolve(value: Any, made: dict[int, pulumi.Resource]) -> Any:
    if isinstance(value, dict):
        if _REF in value:
            return _output(value[_REF], made)
        if _CONCAT in value:
            parts = [p if isinstance(p, str) else _output(p, made) for p in value[_CONCAT]]
            return pulumi.Output.all(*parts).apply(lambda texts: "".join("" if t is None else str(t) for t in texts))
        return {k: _resolve(v, made) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, made) for v in value]
    return value


def _output(reference: list, made: dict[int, pulumi.Resource]) -> pulumi.Output:
    entry, key = reference
    resource = made[entry]
    return getattr(resource, key) if key in vars(resource) else getattr(resource, _python_name(key))


def _python_name(name: str) -> str:
    """`assumeRolePolicy` -> `assume_role_policy`, as the provider SDK names arguments and outputs."""
    return _CAMEL_HUMP.sub("_", name).lower()


def run_floor(template: dict[str, Any], count: int, mocks: pulumi.runtime.Mocks | None = None) -> None:
    """Evaluates the floor program with `count` jobs under `mocks` (default `FloorMocks`)."""
    contextvars.Context().run(_run, template, count, mocks or FloorMocks())


def _run(template: dict[str, Any], count: int, mocks: pulumi.runtime.Mocks) -> None:
    # A fresh loop and no pending outputs left from an earlier run in this process, as harness.program does.
    SETTINGS.outputs.clear()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        pulumi.runtime.set_mocks(mocks, project="floor", stack="bench", preview=False)
        # The same registration path as ours: harness.program skips source positions, so the floor does too.
        with without_source_positions():
            _sync_await(run_pulumi_func(lambda: floor_program(template, count)))
    finally:
        SETTINGS.outputs.clear()
        loop.close()
        asyncio.set_event_loop(None)

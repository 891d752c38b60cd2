"""The components' `index` type tokens replace nothing in a stack deployed under the former tokens.

The components registered `ecs-workloads:<module>:<Name>` up to 0.1.0 and register `ecs-workloads:index:<Name>`
now, the token of the package's schema (ecs_workloads.options.FORMER_TYPES says why). A URN embeds the type
of the resource and of each of its ancestors (`<parent chain>$<type>`), so every resource of the stacks gets a
new URN, and only the aliases let `pulumi up` find it in the state under its old one.

These tests evaluate the dev, prod and ec2 stacks under the mocks and replay on the recorded registrations
what the engine does with them, from pulumi/pulumi pkg/resource/deploy/step_generator.go (an engine with alias
specs, which the SDK sends when the engine supports them: pulumi/runtime/resource.py `prepare_aliases`,
feature `aliasSpecs` in pulumi/runtime/settings.py; the recording keeps them as sent). The old state was
checked once against main's own registrations: the same URNs for dev and prod.

- the URN (`generateURN`, resource.NewURN): `urn:pulumi:<stack>::<project>::<type chain>::<name>`, the
  chain being the parent's qualified type plus `$<type>`, without the root stack. (The mock monitor's URNs
  keep only the parent's last type and the stack's: they are not the engine's, so they are not used here.)
- `generateSteps`: the resource's own URN first, then each alias from `generateAliases`; the first found
  among the old state's URNs is the old resource (an update or no change, never a replacement), and it is
  kept as `sg.aliases[urn]` for the children.
- `generateAliases`: each alias spec collapsed to a URN (`collapseAliasToUrn`: empty name, type or parent
  taken from the resource itself; a root-stack parent means none); then, when the parent was matched
  through an alias, `inheritedChildAlias` of the resource and of each of its aliases under the parent's
  old URN: the old URN's type chain, the child's type, and the child's name with the parent's name prefix
  replaced by the old parent's name.

The old state is the same tree under the former tokens: what the previous release registered, since only
the tokens changed; FORMER_TYPES is checked against the modules the components live in, the rule the former
tokens followed. awsx components (the VPC) are opaque under the mocks; their children are registered by the
awsx provider with the VPC as parent and inherit its matched old URN the same way.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import pulumi
import pytest

import ecs_workloads
from ecs_workloads.options import FORMER_TYPES, PACKAGE, component_type
from harness.program import project_name, run_program
from harness.recording import Recording, Registration

# ec2 too: its cluster has the two EC2 capacity providers, which dev and prod do not.
STACKS = ("dev", "prod", "ec2")
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


@pytest.fixture(scope="module")
def recordings() -> dict[str, Recording]:
    return {stack: run_program(stack) for stack in STACKS}


def _urn(stack: str, parent_urn: str, type_: str, name: str) -> str:
    """resource.NewURN with the parent's qualified type, as deployment.generateURN passes it."""
    chain = type_
    if parent_urn and _qualified_type(parent_urn) != ROOT_STACK_TYPE:
        chain = f"{_qualified_type(parent_urn)}${type_}"
    return f"urn:pulumi:{stack}::{project_name()}::{chain}::{name}"


def _qualified_type(urn: str) -> str:
    return urn.split("::")[2]


def _type(urn: str) -> str:
    return _qualified_type(urn).split("$")[-1]


def _name(urn: str) -> str:
    return urn.split("::", 3)[3]


@dataclass
class Replay:
    """What the engine would do with the recorded registrations against the old state."""

    matched: dict[str, str] = field(default_factory=dict)  # new URN -> the old URN it updates
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    claimed_twice: list[str] = field(default_factory=list)


def _engine_urns(recording: Recording, stack: str, type_of) -> dict[str, str]:
    """Each registration's engine URN by its mock URN, the type of each resource given by `type_of`."""
    by_mock_urn = {r.urn: r for r in recording.registrations}
    urns: dict[str, str] = {}

    def urn_of(registration: Registration) -> str:
        if registration.urn not in urns:
            parent = by_mock_urn.get(registration.parent)
            parent_urn = "" if parent is None else urn_of(parent)
            urns[registration.urn] = _urn(stack, parent_urn, type_of(registration), registration.name)
        return urns[registration.urn]

    for registration in recording.registrations:
        urn_of(registration)
    return urns


def former_type(registration: Registration) -> str:
    if not registration.type.startswith(f"{PACKAGE}:"):
        return registration.type
    return FORMER_TYPES[registration.type.rpartition(":")[2]]


def _collapse(spec: dict, registration: Registration, parent_urn: str, stack: str, matched_old: dict) -> str:
    """collapseAliasToUrn: what the alias leaves empty comes from the resource; a parent given by the alias is
    replaced by the old URN it was matched with; no parent, or the root stack, means none."""
    if spec.get("urn"):
        return spec["urn"]
    alias_parent = parent_urn
    if spec["parentUrn"]:
        alias_parent = matched_old.get(spec["parentUrn"], spec["parentUrn"])
    if spec["noParent"]:
        alias_parent = ""
    type_ = spec["type"] or registration.type
    return _urn(spec["stack"] or stack, alias_parent, type_, spec["name"] or registration.name)


def _inherited(child_type: str, child_name: str, parent_name: str, parent_alias: str, stack: str) -> str:
    """inheritedChildAlias: the child under its parent's old URN, a name prefixed by the parent's name renamed
    with it."""
    name = child_name
    if child_name.startswith(parent_name):
        name = _name(parent_alias) + child_name[len(parent_name) :]
    return f"urn:pulumi:{stack}::{project_name()}::{_qualified_type(parent_alias)}${child_type}::{name}"


def replay(recording: Recording, stack: str, old_urns: set[str], strip_aliases: bool = False) -> Replay:
    """generateSteps/generateAliases for each registration, in the order the program registered them
    (a parent is always registered before its children)."""
    new = _engine_urns(recording, stack, lambda r: r.type)
    by_mock_urn = {r.urn: r for r in recording.registrations}
    matched_old: dict[str, str] = {}  # sg.aliases: new URN -> old URN, when matched through an alias
    result = Replay()
    claimed: set[str] = set()
    for registration in recording.registrations:
        urn = new[registration.urn]
        parent = by_mock_urn.get(registration.parent)
        parent_urn = "" if parent is None else new[parent.urn]
        specs = () if strip_aliases else registration.aliases

        own = [_collapse(spec, registration, parent_urn, stack, matched_old) for spec in specs]
        aliases = list(own)
        if parent is not None and parent_urn in matched_old:
            parent_alias = matched_old[parent_urn]
            aliases.append(_inherited(registration.type, registration.name, parent.name, parent_alias, stack))
            aliases += [_inherited(_type(a), _name(a), parent.name, parent_alias, stack) for a in own]
        found = next((candidate for candidate in [urn, *aliases] if candidate in old_urns), None)
        if found is None:
            result.created.append(urn)
            continue
        if found in claimed:
            result.claimed_twice.append(found)
        claimed.add(found)
        if found != urn:
            matched_old[urn] = found
        result.matched[urn] = found
    result.deleted = sorted(old_urns - claimed)
    return result


def old_state(recording: Recording, stack: str) -> dict[str, str]:
    """The URNs the previous release gave the same registrations: each component under its former type."""
    return _engine_urns(recording, stack, former_type)


def _in_components(recording: Recording) -> list[Registration]:
    """The components and everything under them: the registrations whose URN embeds a component token."""
    by_mock_urn = {r.urn: r for r in recording.registrations}

    def inside(registration: Registration | None) -> bool:
        while registration is not None:
            if registration.type.startswith(f"{PACKAGE}:"):
                return True
            registration = by_mock_urn.get(registration.parent)
        return False

    return [r for r in recording.registrations if inside(r)]


def test_every_component_registers_the_index_token_with_its_former_type_as_alias(recordings):
    for recording in recordings.values():
        components = [r for r in recording.registrations if r.type.startswith(f"{PACKAGE}:")]
        assert components
        for registration in components:
            class_name = registration.type.rpartition(":")[2]
            assert registration.type == component_type(class_name)
            assert class_name in FORMER_TYPES, (
                f"{registration.type} has no former token in ecs_workloads.options.FORMER_TYPES: a component "
                "released under another token must be aliased to it"
            )
            assert [a["type"] for a in registration.aliases] == [FORMER_TYPES[class_name]]


def test_the_former_types_are_the_tokens_the_components_registered_before():
    # Up to 0.1.0 a component's token named the module declaring it: ecs_workloads.cluster -> `cluster`,
    # ecs_workloads.alb_web_service.component -> `alb_web_service`.
    components = {
        name: value
        for name in ecs_workloads.__all__
        if inspect.isclass(value := getattr(ecs_workloads, name)) and issubclass(value, pulumi.ComponentResource)
    }
    assert set(FORMER_TYPES) == set(components)
    for name, cls in components.items():
        module = cls.__module__.removeprefix("ecs_workloads.").removesuffix(".component")
        assert FORMER_TYPES[name] == f"{PACKAGE}:{module}:{name}"


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_of_the_stack_keeps_its_old_urn_through_an_alias(recordings, stack):
    recording = recordings[stack]
    old = old_state(recording, stack)
    new = _engine_urns(recording, stack, lambda r: r.type)
    assert len(set(old.values())) == len(old)
    result = replay(recording, stack, set(old.values()))
    assert result.created == []
    assert result.deleted == []
    assert result.claimed_twice == []
    # Each registration finds exactly the resource it was: same position in the tree, same name.
    assert {new[mock]: old[mock] for mock in old} == result.matched
    # The tokens did change the URN of every resource in a component, custom resources included.
    moved = _in_components(recording)
    assert {r.urn for r in recording.registrations if new[r.urn] != old[r.urn]} == {r.urn for r in moved}
    assert sum(r.custom for r in moved) > 100


@pytest.mark.parametrize("stack", STACKS)
def test_without_the_aliases_every_resource_would_be_created_again(recordings, stack):
    recording = recordings[stack]
    old = set(old_state(recording, stack).values())
    result = replay(recording, stack, old, strip_aliases=True)
    moved = _in_components(recording)
    assert len(result.created) == len(moved) == len(result.deleted)
    assert any(r.custom for r in moved)


def test_a_nested_component_is_matched_through_its_parents_old_urn(recordings):
    # ScheduledEcsTask -> FargateWorkload -> task definition: the workload's own alias keeps the new parent,
    # so only the alias inherited from the task's old URN (old chain, former type) finds it.
    recording = recordings["dev"]
    task = next(r for r in recording.registrations if r.type == component_type("ScheduledEcsTask"))
    workload = next(r for r in recording.children(task) if r.type == component_type("FargateWorkload"))
    old = old_state(recording, "dev")
    result = replay(recording, "dev", set(old.values()))
    new = _engine_urns(recording, "dev", lambda r: r.type)
    assert result.matched[new[workload.urn]] == old[workload.urn]
    assert _qualified_type(old[workload.urn]) == (
        f"{FORMER_TYPES['ScheduledEcsTask']}${FORMER_TYPES['FargateWorkload']}"
    )
    definition = next(r for r in recording.children(workload) if r.type == "aws:ecs/taskDefinition:TaskDefinition")
    assert result.matched[new[definition.urn]] == old[definition.urn]

"""The package's schema: committed as generated, every property described, every default stated once."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pulumi
import pytest
from pulumi.provider.experimental.analyzer import PropertyType

import ecs_workloads
from ecs_workloads.arguments import MISSING, Arguments, Nested, NestedList, Refused
from ecs_workloads.package_provider import (
    HOSTED,
    NOT_HOSTED,
    PACKAGE,
    EcsWorkloadsProvider,
    declaration,
    hosted_components,
    schema,
    schema_text,
)

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "provider" / "schema.json"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def served() -> dict:
    return schema()


@pytest.fixture(scope="module")
def provider() -> EcsWorkloadsProvider:
    return EcsWorkloadsProvider()


def test_the_committed_schema_is_the_generated_one():
    assert COMMITTED.read_text() == schema_text(), "provider/schema.json is stale: run `make schema` and commit it"


def test_the_schema_names_the_package_its_version_and_the_hosted_components(served):
    assert served["name"] == PACKAGE
    assert served["version"] == PYPROJECT["version"]
    assert sorted(served["resources"]) == sorted(f"{PACKAGE}:index:{name}" for name in HOSTED)
    assert all(token.startswith(f"{PACKAGE}:index:") for token in served["types"])


def test_every_resource_input_output_and_type_property_is_described(served):
    undescribed = [
        f"{token}.{group}.{name}"
        for section in ("resources", "types")
        for token, definition in served[section].items()
        for group in ("inputProperties", "properties")
        for name, prop in definition.get(group, {}).items()
        if not prop.get("description", "").strip()
    ]
    assert undescribed == []
    assert [token for token, resource in served["resources"].items() if not resource.get("description")] == []


def _reachable(top: list[Arguments]) -> list[Arguments]:
    found: list[Arguments] = []
    pending = list(top)
    while pending:
        arguments = pending.pop()
        if any(arguments is seen for seen in found):
            continue
        found.append(arguments)
        pending += [
            spec.arguments
            for spec in arguments.specs.values()
            if isinstance(spec, Nested | NestedList) and spec.arguments is not None
        ]
    return found


def test_every_input_with_a_default_states_it(provider, served):
    # The properties each args TypedDict becomes: a component's inputs, or an object type of its own.
    places = {}
    for component in hosted_components():
        definition = provider._component_defs[component.__name__]
        token = f"{PACKAGE}:index:{component.__name__}"
        places[declaration(component).typed_dict] = (
            served["resources"][token]["inputProperties"],
            definition.inputs_mapping,
        )
    for name, type_def in provider._type_defs.items():
        places.setdefault(
            type_def.python_type,
            (served["types"][f"{PACKAGE}:index:{name}"]["properties"], type_def.properties_mapping),
        )
    missing = []
    checked = 0
    for arguments in _reachable([declaration(component) for component in hosted_components()]):
        properties, mapping = places[arguments.typed_dict]
        schema_name = {python: schema for schema, python in mapping.items()}
        for field, spec in arguments.specs.items():
            if isinstance(spec, Refused) or field in arguments.required:
                continue
            if spec.default is MISSING and spec.otherwise is None:
                continue
            checked += 1
            description = properties[schema_name[field]]["description"]
            if f"Default: {spec.default_text()}." not in description:
                missing.append(f"{arguments.typed_dict.__name__}.{field}: {description!r}")
    assert missing == []
    assert checked > 100


def test_the_integer_repair_covers_every_integer_the_schema_declares(provider):
    # EcsWorkloadsProvider turns whole doubles into ints for integer properties at any depth of objects; an
    # array or map of integers would need the same treatment of its entries, which it does not give.
    definitions = [
        *(p for d in provider._component_defs.values() for p in d.inputs.values()),
        *(p for t in provider._type_defs.values() for p in t.properties.values()),
    ]
    nested = [
        p
        for p in definitions
        for inner in (p.items, p.additional_properties)
        if inner and inner.type is PropertyType.INTEGER
    ]
    assert nested == []
    assert any(p.type is PropertyType.INTEGER for p in definitions)


def test_every_public_component_is_hosted_or_left_out_with_a_reason():
    public = {name for name in ecs_workloads.__all__ if isinstance(getattr(ecs_workloads, name), type)}
    components = {name for name in public if issubclass(getattr(ecs_workloads, name), pulumi.ComponentResource)}
    assert set(HOSTED) | set(NOT_HOSTED) == components
    assert not set(HOSTED) & set(NOT_HOSTED)

"""What Pulumi's analyzer offers other languages is what the components accept.

The schema comes from the args TypedDicts; validation comes from their `Arguments` declarations. For every
documented component, walked through every nested declaration: the schema requires exactly the fields the
declaration requires, and offers no field the declaration refuses (a field the embedding component sets
itself has no place in the type it declares).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module

import pytest
from pulumi.provider.experimental.analyzer import Analyzer, PropertyDefinition, TypeDefinition

from ecs_workloads import reference
from ecs_workloads.arguments import Arguments, Nested, NestedList, Refused, field_docstrings
from ecs_workloads.fargate_workload import (
    FARGATE_WORKLOAD_ARGS,
    BackendWorkloadArgs,
    EmbeddedWorkloadArgs,
    FargateWorkloadArgs,
)
from ecs_workloads.validation import ArgumentProblems
from ecs_workloads.workload_shape import EMBEDDED_WORKLOAD_ARGS

COMPONENTS = {
    entry.component: (
        getattr(import_module(f"ecs_workloads.{entry.module}"), entry.component),
        getattr(import_module(f"ecs_workloads.{entry.module}"), entry.declaration),
    )
    for entry in reference.DOCUMENTED
}


@pytest.fixture(scope="module")
def analysis():
    # All at once, as the package's provider hosts them: type names must be unique across modules.
    return Analyzer("ecs-workloads").analyze([component for component, _ in COMPONENTS.values()])


def _mismatches(
    properties: Mapping[str, PropertyDefinition],
    mapping: Mapping[str, str],
    arguments: Arguments,
    types: Mapping[str, TypeDefinition],
    path: str,
) -> Iterator[str]:
    offered = {mapping[camel] for camel in properties}
    for name in sorted(arguments.required - offered):
        yield f"{path}{name}: required by the component, not in the schema"
    for camel, prop in properties.items():
        name = mapping[camel]
        spec = arguments.specs[name]
        here = f"{path}{name}"
        if isinstance(spec, Refused):
            yield f"{here}: in the schema, refused by the component ({spec.says})"
            continue
        if prop.optional == (name in arguments.required):
            yield f"{here}: {'optional' if prop.optional else 'required'} in the schema, not for the component"
        ref = prop.ref or (prop.items.ref if prop.items is not None else None)
        if isinstance(spec, Nested | NestedList) and spec.arguments is not None:
            assert ref is not None, here
            nested = types[ref.rsplit(":", 1)[-1]]
            assert nested.python_type is spec.arguments.typed_dict, here
            inner = f"{here}[]." if isinstance(spec, NestedList) else f"{here}."
            yield from _mismatches(nested.properties, nested.properties_mapping, spec.arguments, types, inner)


@pytest.mark.parametrize("name", COMPONENTS)
def test_the_schema_requires_and_offers_what_the_component_accepts(analysis, name) -> None:
    component, arguments = COMPONENTS[name]
    definition = analysis["component_definitions"][name]
    assert component.__init__.__annotations__["args"] is arguments.typed_dict
    found = list(
        _mismatches(definition.inputs, definition.inputs_mapping, arguments, analysis["type_definitions"], f"{name}.")
    )
    assert found == []


def test_the_shapes_workload_leaves_out_what_the_shape_sets(analysis) -> None:
    """From another language a shape's workload needs no VPC: the schema marks only what the shape needs."""
    for shape in ("AlbWebService", "QueueBackedBatchService", "ScheduledEcsTask", "BackendService"):
        workload = analysis["component_definitions"][shape].inputs["workload"]
        inputs = analysis["type_definitions"][workload.ref.rsplit(":", 1)[-1]].properties
        assert {"vpcId", "subnetIds", "protectData"}.isdisjoint(inputs), shape
        assert [camel for camel, prop in inputs.items() if not prop.optional] == [], shape
    backend = analysis["component_definitions"]["BackendService"].inputs["workload"].ref
    assert backend.endswith(":BackendWorkloadArgs")
    assert {"portName", "appProtocol"}.isdisjoint(analysis["type_definitions"]["BackendWorkloadArgs"].properties)


def test_a_narrowed_type_extends_nothing_it_refuses() -> None:
    """FargateWorkloadArgs is EmbeddedWorkloadArgs plus the three fields a shape sets, which is
    BackendWorkloadArgs plus the two BackendService sets: every other field is declared once."""
    fields = lambda typed_dict: set(typed_dict.__annotations__)  # noqa: E731
    assert fields(FargateWorkloadArgs) - fields(EmbeddedWorkloadArgs) == {"vpc_id", "subnet_ids", "protect_data"}
    assert fields(EmbeddedWorkloadArgs) - fields(BackendWorkloadArgs) == {"port_name", "app_protocol"}
    assert EMBEDDED_WORKLOAD_ARGS.typed_dict is EmbeddedWorkloadArgs
    assert EMBEDDED_WORKLOAD_ARGS.origin is FargateWorkloadArgs


def test_docstrings_are_read_over_the_typed_dict_bases() -> None:
    docs = field_docstrings(FargateWorkloadArgs)
    assert set(docs) == set(FargateWorkloadArgs.__annotations__)
    assert docs["image"] == field_docstrings(BackendWorkloadArgs)["image"]
    assert docs["port_name"] == field_docstrings(EmbeddedWorkloadArgs)["port_name"]
    assert "vpc_id" not in field_docstrings(EmbeddedWorkloadArgs)


def test_a_refused_field_left_out_of_the_type_still_gets_its_message_in_python() -> None:
    problems = ArgumentProblems("Shape")
    EMBEDDED_WORKLOAD_ARGS.check({"image": "nginx:1.27", "vpc_id": "vpc-0abc1234"}, problems, "workload.")
    assert problems.lines() == ["workload.vpc_id: 'vpc-0abc1234' — comes from placement.vpc_id; remove it"]


def test_a_narrowed_declaration_must_refuse_exactly_what_its_type_leaves_out() -> None:
    specs = {name: spec for name, spec in EMBEDDED_WORKLOAD_ARGS.specs.items() if name != "port_name"}
    with pytest.raises(TypeError, match=r"specs for \[\] are not fields, fields \['port_name'\] have no spec"):
        Arguments(EmbeddedWorkloadArgs, specs, origin=FargateWorkloadArgs)
    # A field the narrowed type leaves out must be refused, not accepted.
    left_in = {**EMBEDDED_WORKLOAD_ARGS.specs, "protect_data": FARGATE_WORKLOAD_ARGS["protect_data"]}
    with pytest.raises(TypeError, match=r"specs for \['protect_data'\] are not fields"):
        Arguments(EmbeddedWorkloadArgs, left_in, origin=FargateWorkloadArgs)
    with pytest.raises(TypeError, match=r"specs for \['no_such_field'\] are not fields"):
        FARGATE_WORKLOAD_ARGS.refusing({"no_such_field": "never"}, FargateWorkloadArgs)

"""Each component's outputs are declared once: the annotations are what it registers and what the docs list,
and every public argument type a component takes is exported."""

from __future__ import annotations

import typing

import pytest

import ecs_workloads
from ecs_workloads.arguments import Arguments, Nested, NestedList
from ecs_workloads.outputs import declared_outputs
from harness.program import run_program
from harness.recording import Recording


@pytest.fixture(scope="module", params=["dev", "prod"])
def recording(request) -> Recording:
    return run_program(request.param)


def _component_class(type_token: str) -> type:
    return getattr(ecs_workloads, type_token.split(":")[-1])


def test_every_component_registers_exactly_its_declared_outputs(recording: Recording) -> None:
    components = [r for r in recording.registrations if r.type.startswith("ecs-workloads:")]
    assert components
    for component in components:
        declared = declared_outputs(_component_class(component.type))
        registered = set(recording.registered_outputs[component.urn])
        # An output annotated `X | None` is None when the component has no such child (a scheduled task that
        # runs its task directly has no state machine), and the engine receives no None-valued output.
        optional = {name for name, annotation in declared.items() if type(None) in typing.get_args(annotation)}
        assert set(declared) - optional <= registered <= set(declared), component.urn


def _argument_types(arguments: Arguments) -> set[type]:
    found = {arguments.typed_dict}
    for spec in arguments.specs.values():
        if isinstance(spec, Nested | NestedList) and spec.arguments is not None:
            found |= _argument_types(spec.arguments)
    return found


def test_every_public_argument_type_is_exported() -> None:
    declarations = [
        value
        for name in ecs_workloads.__all__
        if isinstance(component := getattr(ecs_workloads, name), type)
        and (args := typing.get_type_hints(component.__init__).get("args")) is not None
        for value in vars(__import__(component.__module__, fromlist=["_"])).values()
        if isinstance(value, Arguments) and value.typed_dict is args
    ]
    assert declarations
    types = set().union(*(_argument_types(declaration) for declaration in declarations))
    missing = sorted(t.__name__ for t in types if t.__name__ not in ecs_workloads.__all__)
    assert missing == []

"""Pulumi's component analyzer reads the public components: inputs with descriptions, outputs declared once.

A later multi-language package hosts the components through `pulumi.provider.experimental`; it infers
the schema from these same annotations and docstrings, so what it cannot read would not reach other
languages.
"""

from __future__ import annotations

import pytest
from pulumi.provider.experimental.analyzer import Analyzer

from ecs_workloads import AlbWebService, QueueBackedBatchService, ScheduledEcsTask
from ecs_workloads.arguments import field_docstrings
from ecs_workloads.outputs import declared_outputs

SHAPES = (AlbWebService, QueueBackedBatchService, ScheduledEcsTask)


@pytest.fixture(scope="module")
def schema():
    return Analyzer("ecs-workloads").analyze(list(SHAPES))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.__name__)
def test_the_analyzer_infers_every_input_with_a_description(schema, shape) -> None:
    component = schema["component_definitions"][shape.__name__]
    declared = shape.__init__.__annotations__["args"].__annotations__
    assert set(component.inputs_mapping.values()) == set(declared)
    assert {name: p.description for name, p in component.inputs.items() if not p.description} == {}


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.__name__)
def test_the_analyzer_sees_exactly_the_declared_outputs(schema, shape) -> None:
    component = schema["component_definitions"][shape.__name__]
    assert set(component.outputs_mapping.values()) == set(declared_outputs(shape))
    for common in ("task_role_arn", "task_role_name", "log_group_name", "security_group_id"):
        assert common in component.outputs_mapping.values()


def test_nested_argument_types_carry_descriptions(schema) -> None:
    """The analyzer reads the docstrings of a TypedDict's own source only, so a field inherited from a base
    TypedDict (`EmbeddedWorkloadArgs` from `BackendWorkloadArgs`) arrives without one; `field_docstrings`,
    which reads the bases too, has it for every such field."""
    undescribed = {
        f"{name}.{prop}"
        for name, definition in schema["type_definitions"].items()
        for prop, p in definition.properties.items()
        if not p.description and not field_docstrings(definition.python_type).get(definition.properties_mapping[prop])
    }
    assert undescribed == set()
    inherited = {
        name
        for name, definition in schema["type_definitions"].items()
        if any(not p.description for p in definition.properties.values())
    }
    assert inherited == {"EmbeddedWorkloadArgs", "ServiceDeploymentArgs"}

"""Pulumi's component analyzer reads the network, alarm topic, secret and dashboard components: every input
and output it infers carries the docstring the declaration gives."""

from __future__ import annotations

import pytest
from pulumi.provider.experimental.analyzer import Analyzer

from ecs_workloads.alarm_topic import AlarmTopic
from ecs_workloads.generated_secret import GeneratedSecret
from ecs_workloads.network import Network
from ecs_workloads.operations_dashboard import OperationsDashboard


@pytest.mark.parametrize(
    ("component", "inputs"),
    [
        (Network, {"existing", "cidrBlock", "availabilityZones", "natStrategy", "tags"}),
        (AlarmTopic, {"email", "tags"}),
        (GeneratedSecret, {"description", "protectData", "tags"}),
        (OperationsDashboard, {"dashboardName", "schedules", "queues", "webServices", "tags"}),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_the_analyzer_infers_every_input_and_output_with_its_description(component, inputs):
    schema = Analyzer("ecs-workloads").analyze([component])
    definition = schema["component_definitions"][component.__name__]
    assert set(definition.inputs) == inputs
    undocumented = [name for name, prop in {**definition.inputs, **definition.outputs}.items() if not prop.description]
    assert undocumented == []
    nested = [
        name
        for name, type_def in schema["type_definitions"].items()
        for prop in type_def.properties.values()
        if not prop.description
    ]
    assert nested == []

from __future__ import annotations

import pytest

from ecs_workloads import EcsCluster
from ecs_workloads.cluster import ECS_CLUSTER_ARGS
from ecs_workloads.outputs import declared_outputs
from harness.program import run_callable
from harness.recording import Recording
from tests.components.component_checks import registered_output_names, untagged


def test_container_insights_on_and_both_fargate_providers_attached():
    recording = run_callable(lambda: EcsCluster("ecs", {"default_capacity": {"fargate": 1, "fargate_spot": 3}}))
    cluster = recording.one("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    providers = recording.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert providers.inputs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert providers.inputs["defaultCapacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0},
    ]
    assert providers.inputs["clusterName"] == cluster.outputs["name"]


def test_insights_cannot_be_disabled_and_capacity_needs_a_weight():
    recording = Recording()
    with pytest.raises(ValueError) as caught:
        run_callable(
            lambda: EcsCluster("ecs", {"container_insights": "disabled", "default_capacity": {"fargate": 0}}),
            recording=recording,
        )
    assert "container_insights: 'disabled' — one of enabled, enhanced" in str(caught.value)
    assert "at least one of fargate and fargate_spot must have a weight above 0" in str(caught.value)
    assert recording.registrations == []


@pytest.mark.parametrize(("args", "field"), [(["x"], "arguments"), ({"default_capacity": "spot"}, "default_capacity")])
def test_non_mapping_arguments_raise_a_value_error_naming_the_field(args, field):
    recording = Recording()
    with pytest.raises(ValueError, match=rf"\n  {field}: .* — a mapping"):
        run_callable(lambda: EcsCluster("ecs", args), recording=recording)
    assert recording.registrations == []


TAGS = {"team": "platform"}


def test_tags_on_the_cluster_and_defaults_from_the_declaration():
    recording = run_callable(lambda: EcsCluster("ecs", {"tags": TAGS}))
    cluster = recording.one("aws:ecs/cluster:Cluster")
    assert cluster.inputs["tags"] == TAGS
    assert cluster.inputs["settings"] == [
        {"name": "containerInsights", "value": ECS_CLUSTER_ARGS["container_insights"].default}
    ]
    providers = recording.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert providers.inputs["defaultCapacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
    ]
    assert untagged(recording, "ecs-workloads:index:EcsCluster", TAGS) == []


def test_without_tags_the_cluster_gets_none():
    recording = run_callable(lambda: EcsCluster("ecs", {}))
    assert "tags" not in recording.one("aws:ecs/cluster:Cluster").inputs


def test_every_declared_output_is_registered():
    recording = run_callable(lambda: EcsCluster("ecs", {"service_connect": True}))
    registered = registered_output_names(recording, "ecs-workloads:index:EcsCluster")
    assert registered == set(declared_outputs(EcsCluster)) == {"name", "arn", "service_connect_namespace_arn"}


def test_without_service_connect_there_is_no_namespace():
    recording = run_callable(lambda: EcsCluster("ecs", {}))
    assert recording.of_type("aws:servicediscovery/httpNamespace:HttpNamespace") == []
    assert "serviceConnectDefaults" not in recording.one("aws:ecs/cluster:Cluster").inputs
    registered = registered_output_names(recording, "ecs-workloads:index:EcsCluster")
    assert registered == {"name", "arn"}


def test_capacity_weight_problems_are_each_named():
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: EcsCluster("ecs", {"default_capacity": {"fargate": -1, "spot": 1}}))
    message = str(caught.value)
    assert "default_capacity.fargate: -1 — an integer from 0 to 1000" in message
    assert "default_capacity.spot: 1 — unknown argument" in message

"""The cats service's OpenTelemetry collector: off unless `cats.telemetry.collector`, exporting nowhere unless
`exporterEndpoint` says where, refused with one message per problem where it cannot join the task."""

from __future__ import annotations

import json

import pytest

from harness.program import run_program, stack_config
from plan.cost import estimate
from stack.config import StackConfigError, settings_from_raw
from stack.telemetry import (
    COLLECTOR_IMAGE,
    COLLECTOR_NAME,
    CONFIG_VARIABLE,
    EXPORTER_ENDPOINT,
    TelemetrySettings,
    collector_config,
)
from tests.stack.test_web import _web

ON = {"telemetry": {"collector": True}}


def _containers(recording):
    task = recording.one("aws:ecs/taskDefinition:TaskDefinition")
    return {c["name"]: c for c in json.loads(task.inputs["containerDefinitions"])}


def _config(collector):
    return json.loads({e["name"]: e["value"] for e in collector["environment"]}[CONFIG_VARIABLE])


def test_without_telemetry_the_task_has_only_the_app():
    recording, _ = _web()
    assert list(_containers(recording)) == ["app"]
    assert not any(e["name"].startswith("OTEL_") for e in _containers(recording)["app"]["environment"])


def test_the_collector_runs_beside_the_app_which_sends_to_it_on_localhost_once_it_is_healthy():
    recording, holder = _web(cats=ON)
    containers = _containers(recording)
    app, collector = containers["app"], containers[COLLECTOR_NAME]
    assert list(containers) == ["app", COLLECTOR_NAME]
    environment = {e["name"]: e["value"] for e in app["environment"]}
    assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4317"
    assert environment["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
    assert environment["OTEL_SERVICE_NAME"] == "cats"
    assert app["dependsOn"] == [{"containerName": COLLECTOR_NAME, "condition": "HEALTHY"}]
    # Pinned by tag and digest, as its own non-root user, read-only, unprivileged, logged, with a health check.
    assert collector["image"] == COLLECTOR_IMAGE and ":v0." in COLLECTOR_IMAGE and "@sha256:" in COLLECTOR_IMAGE
    assert collector["user"] == "4317:4317"
    assert collector["readonlyRootFilesystem"] is True and collector["privileged"] is False
    assert collector["essential"] is True
    assert collector["healthCheck"]["command"] == ["CMD", "/healthcheck"]
    assert collector["healthCheck"]["interval"] == 5
    assert (collector["cpu"], collector["memory"]) == (128, 256)
    assert collector["logConfiguration"]["options"]["awslogs-stream-prefix"] == COLLECTOR_NAME
    assert "portMappings" not in collector
    assert holder["outputs"]["services"]["cats"]["containerNames"] == ["app", COLLECTOR_NAME]


def test_without_an_endpoint_the_collector_only_receives_and_counts():
    recording, _ = _web(cats=ON)
    config = _config(_containers(recording)[COLLECTOR_NAME])
    assert config["exporters"] == {"debug": {"verbosity": "basic"}}
    assert config["receivers"]["otlp"]["protocols"] == {
        "grpc": {"endpoint": "127.0.0.1:4317"},
        "http": {"endpoint": "127.0.0.1:4318"},
    }
    # The image's /healthcheck asks 127.0.0.1:13133.
    assert config["extensions"] == {"health_check": {"endpoint": "127.0.0.1:13133"}}
    assert config["service"]["extensions"] == ["health_check"]
    assert set(config["service"]["pipelines"]) == {"traces", "metrics", "logs"}


def test_with_an_endpoint_every_signal_is_exported_there_and_nothing_is_logged():
    endpoint = "https://otlp.example.com:4318"
    recording, _ = _web(cats={"telemetry": {"collector": True, "exporterEndpoint": endpoint}})
    config = _config(_containers(recording)[COLLECTOR_NAME])
    assert config["exporters"] == {"otlphttp": {"endpoint": endpoint}}
    for pipeline in config["service"]["pipelines"].values():
        assert pipeline == {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"], "exporters": ["otlphttp"]}


@pytest.mark.parametrize("endpoint", [None, "https://otlp.example.com"])
def test_every_pipeline_names_only_declared_components(endpoint):
    config = collector_config(endpoint)
    for pipeline in config["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline[kind]) <= set(config[kind])
    assert set(config["service"]["extensions"]) <= set(config["extensions"])


def test_the_collector_s_share_is_reserved_out_of_the_task_and_shown_in_the_cost():
    recording, _ = _web(cats={**ON, "workload": {"cpu": 512, "memory": 1024}})
    task = recording.one("aws:ecs/taskDefinition:TaskDefinition")
    assert (task.inputs["cpu"], task.inputs["memory"]) == ("512", "1024")
    [line] = [
        line
        for line in estimate(recording, "us-east-1").lines
        if line.resource.endswith(" cats-service") and line.item.startswith("Fargate")
    ]
    assert line.item.endswith("(sidecars reserve 0.125 vCPU/0.25 GB of it)")


def test_prod_runs_the_collector_exporting_nowhere_and_its_cost_line_shows_the_share():
    recording = run_program("prod", config=stack_config("prod"))
    cats = next(t for t in recording.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name == "cats-task")
    names = [c["name"] for c in json.loads(cats.inputs["containerDefinitions"])]
    assert names == ["app", COLLECTOR_NAME]
    assert "exporterEndpoint" not in stack_config("prod")["ecs-workloads:cats"]["telemetry"]
    [line] = [
        line
        for line in estimate(recording, "us-east-1").lines
        if line.resource.endswith(" cats-service") and line.item.startswith("Fargate")
    ]
    assert "(sidecars reserve 0.125 vCPU/0.25 GB of it)" in line.item


_ENDPOINT = EXPORTER_ENDPOINT.allowed()
BAD_TELEMETRY = [
    (
        {"telemetry": {"exporterEndpoint": "https://otlp.example.com"}},
        'ecs-workloads:cats.telemetry.exporterEndpoint: "https://otlp.example.com" — only with collector: true '
        "(the collector is what exports)",
    ),
    (
        {"telemetry": {"collector": True, "exporterEndpoint": "http://otlp.example.com:4318"}},
        f'ecs-workloads:cats.telemetry.exporterEndpoint: "http://otlp.example.com:4318" — must be {_ENDPOINT}',
    ),
    (
        {"telemetry": {"collector": True, "exporterEndpoint": "https://user:pw@otlp.example.com"}},
        f'ecs-workloads:cats.telemetry.exporterEndpoint: "https://user:pw@otlp.example.com" — must be {_ENDPOINT}',
    ),
    (
        {"telemetry": {"collector": True, "exporterEndpoint": "https://otlp.example.com:99999"}},
        f'ecs-workloads:cats.telemetry.exporterEndpoint: "https://otlp.example.com:99999" — must be {_ENDPOINT}',
    ),
    (
        {"telemetry": {"collector": True, "memory": 4}},
        "ecs-workloads:cats.telemetry.memory: 4 — must be an integer from 6 to 122880",
    ),
    (
        {"telemetry": {"collector": True, "cpu": 256}},
        'ecs-workloads:cats.telemetry: {"collector": true, "cpu": 256} — with the collector: '
        "workload.sidecars: 'cpu 256 in all' — less than the task's cpu (256), so the main container keeps a share",
    ),
    (
        {**ON, "workload": {"environment": {"OTEL_SERVICE_NAME": "kittens"}}},
        'ecs-workloads:cats.telemetry: {"collector": true} — workload.environment.OTEL_SERVICE_NAME: set by the '
        "stack for the collector — remove it",
    ),
    (
        {**ON, "workload": {"sidecars": [{"name": COLLECTOR_NAME, "image": COLLECTOR_IMAGE}]}},
        'ecs-workloads:cats.telemetry: {"collector": true} — workload.sidecars[0].name: '
        "'otel-collector' — a name of its own; the collector has it",
    ),
    (
        {"telemetry": {"collector": "maybe"}},
        'ecs-workloads:cats.telemetry.collector: "maybe" — must be true or false',
    ),
]


@pytest.mark.parametrize(("cats", "expected"), BAD_TELEMETRY)
def test_bad_telemetry_settings_are_reported_exactly(cats, expected):
    with pytest.raises(StackConfigError) as caught:
        settings_from_raw({"cats": cats})
    assert str(caught.value) == f"invalid stack config:\n  {expected}"


def test_a_bridge_mode_workload_cannot_reach_a_collector_on_localhost():
    raw = {
        "cluster": {
            "capacityProviders": [{"name": "web", "autoScaling": {"instanceTypes": ["t3.micro"], "maxSize": 2}}],
        },
        "cats": {**ON, "workload": {"networkMode": "bridge", "capacity": {"providers": [{"name": "web"}]}}},
    }
    with pytest.raises(StackConfigError) as caught:
        settings_from_raw(raw)
    assert (
        "ecs-workloads:cats.telemetry: {\"collector\": true} — workload.networkMode: 'bridge' — awsvpc with the "
        "collector: the app reaches it on localhost, which a task's containers share only in awsvpc mode"
    ) in str(caught.value)


def test_the_defaults_run_no_collector():
    assert TelemetrySettings().collector is False and TelemetrySettings().exporter_endpoint is None

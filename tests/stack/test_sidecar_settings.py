"""Sidecars as a stack file gives them: `workload.sidecars` and `workload.dependsOn` reach the task
definition, and the component's messages come back in config wording."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from stack.workload_settings import WorkloadSettings
from tests.stack.test_web import _web

COLLECTOR = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1"
SIDECAR = {
    "name": "otel",
    "image": COLLECTOR,
    "port": 4317,
    "cpu": 64,
    "memory": 128,
    "user": "10001",
    "healthCheck": {"command": ["CMD", "/healthcheck"], "startPeriod": 10},
}


def test_sidecars_of_the_stack_file_reach_the_task_definition():
    workload = {"cpu": 512, "memory": 1024, "dependsOn": [{"container": "otel", "condition": "HEALTHY"}]}
    recording, _ = _web(cats={"workload": {**workload, "sidecars": [SIDECAR]}})
    app, otel = json.loads(recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    assert app["dependsOn"] == [{"containerName": "otel", "condition": "HEALTHY"}]
    assert otel["name"] == "otel" and otel["cpu"] == 64 and otel["memory"] == 128 and otel["user"] == "10001"
    assert otel["healthCheck"] == {
        "command": ["CMD", "/healthcheck"],
        "interval": 30,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 10,
    }
    assert otel["logConfiguration"]["options"]["awslogs-stream-prefix"] == "otel"


def test_without_sidecars_the_workload_arguments_are_as_before():
    args = WorkloadSettings.model_validate({"image": COLLECTOR}).workload_args("cats", 30, False)
    assert "sidecars" not in args and "depends_on" not in args


@pytest.mark.parametrize(
    ("workload", "message"),
    [
        (
            {"sidecars": [{**SIDECAR, "dependsOn": [{"container": "api"}]}]},
            "sidecars[0].dependsOn[0].container: 'api' — one of the other containers: app",
        ),
        (
            {
                "dependsOn": [{"container": "otel", "condition": "HEALTHY"}],
                "sidecars": [{"name": "otel", "image": COLLECTOR}],
            },
            "dependsOn[0].condition: 'HEALTHY' — START, COMPLETE or SUCCESS: container otel has no healthCheck",
        ),
        (
            {"sidecars": [{**SIDECAR, "cpu": 256}]},
            "sidecars: 'cpu 256 in all' — less than the task's cpu (256), so the main container keeps a share",
        ),
        (
            {"sidecars": [{**SIDECAR, "privileged": True}]},
            "privileged\n  Extra inputs are not permitted",
        ),
    ],
)
def test_sidecar_problems_name_the_config_key(workload, message):
    with pytest.raises(ValidationError) as caught:
        WorkloadSettings.model_validate({"image": COLLECTOR, **workload})
    assert message in str(caught.value)

"""The main container's command, entry point, health check and root filesystem as a stack file gives them:
they reach the task definition, and are left out (the component's defaults) when not given."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from ecs_workloads.fargate_workload import CONTAINER_HEALTH_CHECK_ARGS
from stack.config import StackConfigError, settings_from_raw
from stack.workload_settings import WorkloadSettings
from tests.stack.test_web import _web

IMAGE = "public.ecr.aws/nginx/nginx:1.27"


def test_the_main_container_takes_command_entry_point_health_check_and_a_writable_root():
    workload = {
        "command": ["serve", "--port", "8080"],
        "entryPoint": ["/bin/app"],
        "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"], "retries": 5},
        "readonlyRootFilesystem": False,
    }
    recording, _ = _web(cats={"workload": workload})
    (app,) = json.loads(recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    assert app["command"] == ["serve", "--port", "8080"]
    assert app["entryPoint"] == ["/bin/app"]
    assert app["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"],
        "interval": CONTAINER_HEALTH_CHECK_ARGS["interval"].default,
        "timeout": CONTAINER_HEALTH_CHECK_ARGS["timeout"].default,
        "retries": 5,
        "startPeriod": CONTAINER_HEALTH_CHECK_ARGS["start_period"].default,
    }
    assert app["readonlyRootFilesystem"] is False


def test_without_them_the_workload_arguments_are_as_before():
    args = WorkloadSettings.model_validate({"image": IMAGE}).workload_args("cats", 30, False)
    assert not {"command", "entry_point", "health_check", "readonly_root_filesystem"} & set(args)


def test_an_empty_command_is_refused_with_the_components_rule():
    with pytest.raises(ValidationError) as caught:
        WorkloadSettings.model_validate({"image": IMAGE, "command": []})
    assert "command\n  Value error, must be a list of at least 1 entries, each a string" in str(caught.value)


def test_a_job_sets_its_command_once():
    job = {
        "name": "nightly",
        "schedule": "cron(0 2 * * ? *)",
        "command": ["a"],
        "workload": {"image": IMAGE, "command": ["b"]},
    }
    with pytest.raises(StackConfigError) as caught:
        settings_from_raw({"jobs": [job]})
    expected = 'ecs-workloads:jobs.0.command: ["a"] — the command once: here or as workload.command, not both'
    assert expected in str(caught.value)

"""The stack's outputs: what operators and the CLI read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.program import run_program

# The operator CLI's tests use this file as a stand-in for `pulumi stack output --json`.
OPERATOR_OUTPUTS = Path(__file__).resolve().parent.parent / "ops" / "stack_outputs.json"


@pytest.fixture(scope="module", params=["dev", "prod"])
def outputs(request):
    return run_program(request.param).stack_outputs


def test_outputs_carry_every_key_the_operator_cli_relies_on(outputs):
    expected = json.loads(OPERATOR_OUTPUTS.read_text())
    for section in ("jobs", "services", "queues"):
        expected_keys = set().union(*(entry.keys() for entry in expected[section].values()))
        for name, entry in outputs[section].items():
            optional = {"capacityProviderStrategy", "url", "apiTokenSecretArn"}
            assert expected_keys - optional <= set(entry), f"{section}.{name} lacks {expected_keys - set(entry)}"
    for key in ("region", "clusterName", "clusterArn", "catsApiUrl"):
        assert key in outputs


def test_jobs_say_which_config_key_they_come_from(outputs):
    assert outputs["jobs"]["image-assessor"]["configPath"] == "imageAssessor"
    for name, job in outputs["jobs"].items():
        if name != "image-assessor":
            assert job["configPath"].startswith("jobs[")


def test_dashboard_url_names_the_stack_dashboard():
    outputs = run_program("dev").stack_outputs
    assert outputs["dashboardUrl"].endswith("#dashboards:name=ecs-workloads-dev")
    assert outputs["jobs"]["image-assessor"]["capacityProviderStrategy"] == [
        {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}
    ]


def test_the_job_api_is_a_service_and_names_its_schedule_group(outputs):
    api = outputs["jobApi"]
    assert api["scheduleGroup"].startswith("job-api-jobs-")
    assert api["url"] == outputs["services"]["job-api"]["url"]
    assert api["stateMachineArn"].split(":stateMachine:")[1].startswith("job-api-runs-state-machine-")
    # Only families of the stack's own jobs.
    families = {job["family"] for job in outputs["jobs"].values()}
    assert api["taskFamilies"] and set(api["taskFamilies"]) <= families

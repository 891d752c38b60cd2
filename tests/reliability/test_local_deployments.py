"""`deployments` and `restart --wait` against the local system's moto_server, which has no service deployments
(moto implements neither ListServiceDeployments nor DescribeServiceDeployments): one line says so and names
what to use instead, never the server's error page or a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecs_workloads.ops.cli import main
from ecs_workloads.ops.deployments import UNSUPPORTED
from local.aws import Aws
from local.processes import FAKE_AWS_ENV

OUTPUTS = Path(__file__).parents[1] / "ops" / "stack_outputs.json"


@pytest.fixture
def local_endpoint(aws: Aws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The environment `build/local/aws.env` sets, and stack outputs whose cats service exists in moto_server."""
    for name, value in {**FAKE_AWS_ENV, "AWS_ENDPOINT_URL": aws.endpoint}.items():
        monkeypatch.setenv(name, value)
    outputs = json.loads(OUTPUTS.read_text())
    cats = outputs["services"]["cats"]
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName=cats["clusterName"])
    definition = ecs.register_task_definition(
        family="cats", containerDefinitions=[{"name": "app", "image": "cats:latest", "memory": 512}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=cats["clusterName"], serviceName=cats["serviceName"], taskDefinition=definition, desiredCount=1
    )
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    return path


def test_deployments_says_local_mode_has_none_and_what_to_use(local_endpoint: Path, capsys) -> None:
    code = main(["--outputs", str(local_endpoint), "deployments", "cats"])

    assert code == 1
    assert capsys.readouterr().err.splitlines() == [f"error: {UNSUPPORTED}"]


def test_restart_wait_restarts_then_says_it_cannot_follow_here(local_endpoint: Path, capsys) -> None:
    code = main(["--outputs", str(local_endpoint), "restart", "cats", "--wait"])

    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.startswith("cats: new deployment ecs-svc/")
    assert captured.err.splitlines() == [f"error: {UNSUPPORTED}"]

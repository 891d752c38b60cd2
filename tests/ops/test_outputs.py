"""Where the stack outputs come from (file, stdin, the Pulumi CLI) and what happens when they are unusable."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from ecs_workloads.ops.cli import main
from ecs_workloads.ops.outputs import parse_outputs

FIXTURE = Path(__file__).with_name("stack_outputs.json")


def test_the_fixture_matches_the_outputs_contract():
    outputs = parse_outputs(FIXTURE.read_text(), "fixture")

    assert outputs.region == "us-east-1"
    assert sorted(outputs.jobs) == ["image-assessor", "nightly-report"]
    assessor = outputs.job("image-assessor")
    assert assessor.container_name == "app"
    assert assessor.assign_public_ip is True
    assert assessor.capacity_provider_strategy == [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    assert assessor.config_path == "imageAssessor"
    report = outputs.job("nightly-report")
    assert report.capacity_provider_strategy is None
    assert report.config_path == "jobs[0]"
    cats = outputs.service("cats")
    assert (cats.autoscaled, cats.min_tasks, cats.max_tasks) == (True, 1, 4)
    assert cats.url is not None
    assert outputs.service("jsonl").url is None
    assert outputs.queue("jsonl").dlq_url.endswith("jsonl-dlq-6d7e8f9")


def test_sections_are_optional():
    outputs = parse_outputs(json.dumps({"clusterName": "c", "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/c"}), "x")

    assert (outputs.jobs, outputs.services, outputs.queues, outputs.region) == ({}, {}, {}, None)


def test_unusable_outputs_list_every_problem_and_exit_2(tmp_path, capsys):
    data = json.loads(FIXTURE.read_text())
    del data["jobs"]["image-assessor"]["containerName"]
    data["jobs"]["nightly-report"]["subnetIds"] = "subnet-0a1b2c3d4e5f60004"
    data["services"]["cats"]["minTasks"] = -1
    data["queues"]["jsonl"] = "https://sqs.us-east-1.amazonaws.com/123456789012/jsonl"
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(data))

    code = main(["--outputs", str(path), "schedules"])

    assert code == 2
    err = capsys.readouterr().err
    assert "do not match what this tool reads" in err
    assert "jobs.image-assessor.containerName: missing — expected a non-empty string" in err
    assert 'jobs.nightly-report.subnetIds: "subnet-0a1b2c3d4e5f60004" — expected a list of strings' in err
    assert "services.cats.minTasks: -1 — expected a whole number >= 0" in err
    assert "queues.jsonl: " in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read outputs file"), ("{not json", "are not JSON"), ("[1, 2]", "must be a JSON object")],
)
def test_a_missing_or_invalid_outputs_file_is_a_clear_usage_error(tmp_path, capsys, content, message):
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)

    code = main(["--outputs", str(path), "status"])

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_outputs_can_come_from_stdin(stack, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(stack.path.read_text()))

    code = main(["--outputs", "-", "queues", "--json"])

    assert code == 0
    assert [row["queue"] for row in json.loads(capsys.readouterr().out)["queues"]] == ["jsonl"]


def _fake_pulumi(bin_dir: Path, script: str) -> Path:
    bin_dir.mkdir()
    pulumi = bin_dir / "pulumi"
    pulumi.write_text(f"#!/bin/sh\n{script}\n")
    pulumi.chmod(pulumi.stat().st_mode | stat.S_IEXEC)
    return pulumi


def test_without_outputs_the_pulumi_cli_is_asked_for_the_stack(stack, tmp_path, monkeypatch, capsys):
    arguments = tmp_path / "arguments"
    _fake_pulumi(tmp_path / "bin", f'echo "$@" > {arguments}\ncat {stack.path}')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")

    code = main(["--stack", "dev", "queues", "--json"])

    assert code == 0, capsys.readouterr().err
    assert arguments.read_text().split() == ["stack", "output", "--json", "--show-secrets", "--stack", "dev"]
    assert json.loads(capsys.readouterr().out)["queues"][0]["queue"] == "jsonl"


def test_a_failing_pulumi_cli_is_reported_in_one_line(tmp_path, monkeypatch, capsys):
    _fake_pulumi(tmp_path / "bin", "echo \"error: no stack named 'qa' found\" >&2\nexit 255")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")

    code = main(["--stack", "qa", "status"])

    assert code == 2
    assert capsys.readouterr().err == "error: pulumi stack output failed: error: no stack named 'qa' found\n"


def test_a_missing_pulumi_cli_says_how_to_pass_the_outputs_instead(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))

    code = main(["status"])

    assert code == 2
    err = capsys.readouterr().err
    assert "the pulumi CLI is not on PATH" in err
    assert "--outputs FILE" in err

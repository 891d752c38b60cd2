"""`python -m plan <stack>`: the offline plan as a person reads it, and its errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness.program import PROJECT_DIR


def _plan(*args: str, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plan", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_plan_command_prints_tree_and_outputs():
    result = _plan("dev")
    assert result.returncode == 0, result.stderr
    assert "+ ecs-workloads:network:Network  network" in result.stdout
    assert "awsx:ec2:Vpc  network-vpc" in result.stdout
    assert "clusterName" in result.stdout


def test_plan_command_warns_about_example_values_and_still_succeeds():
    result = _plan("prod")
    assert result.returncode == 0, result.stderr
    warnings = result.stdout.split("Warnings:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert warnings == [
        '  ecs-workloads:alarms.email: "ops@example.com" — an address at a reserved example domain; set your own '
        "(pulumi up refuses it)",
        '  ecs-workloads:cats.domainName: "cats.example.com" — a reserved example domain; set your own '
        "(pulumi up refuses it)",
        '  ecs-workloads:cats.hostedZoneId: "Z0123456789EXAMPLE" — a placeholder hosted zone id; set your own '
        "(pulumi up refuses it)",
    ]


def test_plan_command_reports_config_errors_without_traceback(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "__main__.py").write_text((PROJECT_DIR / "__main__.py").read_text())
    (tmp_path / "Pulumi.broken.yaml").write_text(
        "config:\n  ecs-workloads:network:\n    natStrategy: nat\n  ecs-workloads:logs:\n    retentionDays: 2\n"
    )
    result = _plan("broken", "--project-dir", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert 'ecs-workloads:network.natStrategy: "nat" — must be one of none, single, one-per-az' in result.stderr
    assert "ecs-workloads:logs.retentionDays: 2 — must be one of 1, 3, 5" in result.stderr


def test_plan_command_rejects_unknown_stack():
    result = _plan("nope")
    assert result.returncode == 2
    assert "stacks: dev, ec2, prod" in result.stderr

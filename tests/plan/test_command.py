"""`python -m plan <stack>`: the offline plan as a person reads it, and its errors without tracebacks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.program import PROJECT_DIR
from plan import __main__ as plan_command

ESCAPE = "\x1b["


def _plan(*args: str, cwd: Path = PROJECT_DIR, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "plan", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def _unwrapped(lines: list[str]) -> list[str]:
    """Items as one line each: a wrapped item goes on in lines indented four columns further than its first."""
    items: list[str] = []
    for line in lines:
        first = len(line) - len(line.lstrip(" "))
        if items and first >= 4 + len(items[-1]) - len(items[-1].lstrip(" ")):
            items[-1] += " " + line.strip()
        else:
            items.append(line)
    return items


@pytest.fixture(scope="module")
def piped() -> dict[str, str]:
    """Each stack's plan as a pipe receives it (stdout is not a terminal), with no colour variables set."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE")}
    plans = {}
    for stack in ("dev", "ec2", "prod"):
        result = _plan(stack, env=env)
        assert result.returncode == 0, result.stderr
        plans[stack] = result.stdout
    return plans


def _section(text: str, heading: str) -> str:
    """The lines from `heading` to the next blank line."""
    return text.split(f"\n{heading}", 1)[1].split("\n\n", 1)[0]


def test_plan_command_prints_tree_and_outputs(piped):
    assert "+ ecs-workloads:index:Network  network" in piped["dev"]
    assert "awsx:ec2:Vpc  network-vpc" in piped["dev"]
    assert "clusterName" in piped["dev"]


def test_plan_command_warns_about_example_values_and_still_succeeds(piped):
    warnings = _unwrapped(piped["prod"].split("Warnings:\n", 1)[1].split("\n\n", 1)[0].splitlines())
    # Each at the line of its key in Pulumi.prod.yaml.
    assert warnings == [
        '  Pulumi.prod.yaml:22:5: ecs-workloads:alarms.email: "ops@example.com" — an address at a reserved example '
        "domain; set your own (pulumi up refuses it)",
        '  Pulumi.prod.yaml:25:5: ecs-workloads:cats.domainName: "cats.example.com" — a reserved example domain; set '
        "your own (pulumi up refuses it)",
        '  Pulumi.prod.yaml:26:5: ecs-workloads:cats.hostedZoneId: "Z0123456789EXAMPLE" — a placeholder hosted zone '
        "id; set your own (pulumi up refuses it)",
    ]


def test_plan_command_reports_config_errors_without_traceback(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "__main__.py").write_text((PROJECT_DIR / "__main__.py").read_text())
    (tmp_path / "Pulumi.broken.yaml").write_text(
        "config:\n  ecs-workloads:network:\n    natStrategy: nat\n  ecs-workloads:logs:\n    retentionDays: 2\n"
    )
    result = _plan("broken", "--project-dir", str(tmp_path))
    # 2, as every command that reads a stack exits on a bad config (harness.program.EXIT_BAD_CONFIG).
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert (
        '  Pulumi.broken.yaml:3:5: ecs-workloads:network.natStrategy: "nat" — must be one of none, single, one-per-az'
        in lines
    )
    assert any(
        line.startswith("  Pulumi.broken.yaml:5:5: ecs-workloads:logs.retentionDays: 2 — must be one of 1, 3, 5")
        for line in lines
    )


def test_plan_command_rejects_unknown_stack():
    result = _plan("nope")
    assert result.returncode == 2
    assert "stacks: dev, ec2, prod" in result.stderr


@pytest.mark.parametrize("stack", ["dev", "ec2", "prod"])
def test_piped_plan_is_plain_text_of_at_most_120_columns(piped, stack):
    lines = piped[stack].splitlines()
    assert [line for line in lines if len(line) > 120] == []
    assert [line for line in lines if line != line.rstrip()] == []
    assert ESCAPE not in piped[stack]


def test_resources_are_grouped_by_top_level_component_with_their_count(piped):
    text = piped["dev"]
    # Each top-level component starts a group at the margin, after a blank line, with its resource count.
    assert re.search(r"\n\n\+ ecs-workloads:index:AlbWebService  cats  \(\d+ resources\)\n", text)
    # The counts add up to the stack's (the awsx VPC is opaque under the mocks: it has none); a plain resource
    # at the top level (the job API's schedule group) is one.
    counts = [int(n) for n in re.findall(r"^\+ \S+  \S+  \((\d+) resources?\)$", text, re.MULTILINE)]
    plain = [line for line in re.findall(r"^\+ aws:.*$", text, re.MULTILINE) if not line.endswith("resources)")]
    assert plain
    assert sum(counts) + len(plain) == int(re.search(r"^(\d+) resources in", text, re.MULTILINE).group(1))
    # Types as `pulumi preview` shows them; children below their component, inputs after the name.
    assert "├── + aws:lb:LoadBalancer  cats-alb  dropInvalidHeaderFields: true, " in text
    assert "│   ├── + aws:cloudwatch:LogGroup  cats-logs  retentionInDays: 14\n" in text
    # A long line of inputs wraps under its resource, indented past the `+`.
    wrapped = text.split("+ aws:cloudwatch:MetricAlarm  image-assessor-dlq-alarm  ", 1)[1].splitlines()
    assert wrapped[1].startswith("│       ") and "comparisonOperator" in wrapped[1] + wrapped[2]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_prices_are_money_never_scientific_notation(piped, stack):
    costs = _section(piped[stack], "Estimated monthly cost")
    assert re.search(r"\b\d(\.\d+)?e[-+]?\d", costs) is None, costs
    assert "$1.00/million invocations" in costs
    assert "$0.10/metric-month" in costs
    assert re.search(r"total \(us-east-1\) +\$\d+\.\d\d$", costs, re.MULTILINE)


def test_outputs_are_indented_and_nested_one_value_a_line(piped):
    outputs = _section(piped["dev"], "Outputs:").splitlines()
    assert "  jobs:" in outputs
    start = outputs.index("  jobs:")
    assert outputs[start + 1 : start + 7] == [
        "    image-assessor:",
        "      assignPublicIp: true",
        "      capacityProviderStrategy:",
        "        - base: 0",
        '          capacityProvider: "FARGATE_SPOT"',
        "          weight: 1",
    ]
    assert '  region: "us-east-1"' in outputs
    # No value is printed as a JSON document on one line any more.
    assert not any("{" in line for line in outputs)


def test_summary_closes_the_plan_with_the_figures_of_its_sections(piped):
    text = piped["dev"]
    summary = text.rstrip().split("\nSummary:\n", 1)[1].splitlines()
    rows = dict(re.split(r"  +", line.strip(), maxsplit=1) for line in summary)
    resources, components = re.search(r"^(\d+) resources in (\d+) components\.$", text, re.MULTILINE).groups()
    mandatory, advisory = re.search(r"^Policy .*: (\d+) mandatory, (\d+) advisory violations\.$", text, re.M).groups()
    requests, problems = re.search(r"^AWS rules: (\d+) requests checked, (\d+) problems$", text, re.M).groups()
    total = re.search(r"^  total \(us-east-1\) +(\$[\d,]+\.\d\d)$", text, re.MULTILINE).group(1)
    assert rows == {
        "resources": resources,
        "components": components,
        "warnings": "0",
        "policy violations": f"{mandatory} mandatory, {advisory} advisory",
        "conformance problems": f"{problems} in {requests} AWS requests",
        "estimated cost": f"{total} a month at rest (us-east-1)",
    }


def test_a_terminal_gets_colour_and_no_color_turns_it_off(monkeypatch, capsys):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert plan_command.main(["dev"]) == 0
    coloured = capsys.readouterr().out
    assert ESCAPE in coloured
    assert "Summary" in coloured and "╭" in coloured  # the summary is a boxed table on a terminal

    monkeypatch.setenv("NO_COLOR", "1")
    assert plan_command.main(["dev"]) == 0
    plain = capsys.readouterr().out
    assert ESCAPE not in plain
    assert max(len(line) for line in plain.splitlines()) <= 120
    assert "\nSummary:\n  resources  " in plain

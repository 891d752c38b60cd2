"""The real stacks pass every mandatory guardrail; dev's advisory findings are the documented exceptions."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.program import PROJECT_DIR, list_stacks, run_program
from policy.evaluate import context_for, evaluate
from policy.rules import MANDATORY, RULES

# Deliberate in dev (docs/guardrails.md): public IPs instead of NAT, no deletion protection, quiet alarms,
# HTTP without a certificate; and the advisory-only rules everywhere.
DEV_EXCEPTIONS = {rule.id for rule in RULES if rule.advisory_outside_production or rule.enforcement != MANDATORY}


@pytest.fixture(scope="module", params=list_stacks())
def stack_violations(request):
    stack = request.param
    return stack, evaluate(run_program(stack), context_for(stack))


def test_stack_has_no_mandatory_violations(stack_violations):
    stack, violations = stack_violations
    mandatory = [str(v) for v in violations if v.enforcement == MANDATORY]
    assert mandatory == [], f"stack {stack}:\n" + "\n".join(mandatory)


def test_advisory_findings_come_only_from_documented_exceptions(stack_violations):
    _, violations = stack_violations
    assert {v.rule_id for v in violations} <= DEV_EXCEPTIONS


def test_contexts_follow_the_stack_files():
    assert context_for("dev").is_production is False
    assert context_for("prod").is_production is True and context_for("prod").protect_data is True


def test_offline_command_exits_zero_without_mandatory_violations():
    result = subprocess.run(
        [sys.executable, "-m", "policy.evaluate", "dev"], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 mandatory" in result.stdout

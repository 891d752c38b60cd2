"""The guardrails page's table of rules is the one generated from the rules' metadata."""

from __future__ import annotations

from policy import docs
from policy.rules import RULES


def test_guardrails_table_is_generated_from_the_rules():
    page = docs.PAGE.read_text()
    assert docs.embed(page) == page, "docs/guardrails.md's rules table is stale: run `python -m policy.docs`"


def test_table_has_a_row_per_rule_with_its_level():
    rows = docs.table().splitlines()[2:]
    assert len(rows) == len(RULES)
    levels = {row.split(" | ")[0].strip("| `"): row.split(" | ")[2] for row in rows}
    assert levels["ecs-no-public-ip"] == "mandatory in production, advisory elsewhere"
    assert levels["elb-access-logs"] == "advisory"
    assert levels["tags-required"] == "mandatory"

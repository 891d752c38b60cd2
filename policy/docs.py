"""The table of rules in docs/guardrails.md, generated from the metadata declared on each check:
`python -m policy.docs` (or `make docs`).

Rewrites the table between the page's markers; the tests fail when the table and the rules disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ecs_workloads.markdown_section import Section

from .rules import RULES, Rule

PAGE = Path(__file__).resolve().parent.parent / "docs" / "guardrails.md"
RULES_TABLE = Section("policy rules", "python -m policy.docs")


def _enforcement(rule: Rule) -> str:
    if rule.advisory_outside_production:
        return f"{rule.enforcement} in production, advisory elsewhere"
    return rule.enforcement


def table(rules: tuple[Rule, ...] = RULES) -> str:
    rows = [f"| `{r.id}` | {r.control} | {_enforcement(r)} | {r.description} |" for r in rules]
    return "\n".join(["| rule | control | enforcement | checks |", "|---|---|---|---|", *rows])


def embed(page: str) -> str:
    """`page` with the generated table between the markers."""
    return RULES_TABLE.embed(page, table(), "docs/guardrails.md")


def main() -> int:
    RULES_TABLE.write(PAGE, table())
    print(f"{PAGE.name}: {len(RULES)} rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The import report: one row for every field of every manifest read, with its outcome, and the exit code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.text import Text

from ..table import table
from .manifests import Manifest, leaf_paths, show_path
from .mappers import Outcomes
from .rules import Outcome, rule_for

EXIT_COMPLETE = 0
EXIT_INCOMPLETE = 3
"""Exit code when any field was approximated or unsupported: the stack file needs a look before `pulumi up`."""
HEADERS = ("FILE", "FIELD", "OUTCOME", "TARGET", "NOTE")


@dataclass(frozen=True)
class Finding:
    file: str
    path: str
    outcome: Outcome
    target: str
    note: str


def findings(manifest: Manifest, outcomes: Outcomes, env: str | None) -> list[Finding]:
    """Every field of `manifest` (after overrides), then one row per block under its `environments:`."""
    found = []
    for path in leaf_paths(manifest.fields):
        rule = outcomes.by_path.get(path) or rule_for(path, manifest.type)
        found.append(Finding(manifest.file, show_path(path), rule.outcome, rule.target, rule.note))
    for name in manifest.environments:
        if name == env:
            found.append(Finding(manifest.file, f"environments.{name}", Outcome.MAPPED, "-", "overrides applied"))
        else:
            found.append(
                Finding(
                    manifest.file,
                    f"environments.{name}",
                    Outcome.UNSUPPORTED,
                    "-",
                    f"another environment's overrides; import it with --env {name} into its own stack",
                )
            )
    return found


def exit_code(rows: Iterable[Finding]) -> int:
    return EXIT_COMPLETE if all(row.outcome is Outcome.MAPPED for row in rows) else EXIT_INCOMPLETE


def render(rows: list[Finding]) -> RenderableType:
    counts = Counter(row.outcome for row in rows)
    summary = ", ".join(f"{counts[outcome]} {outcome.value}" for outcome in Outcome)
    return Group(
        table(HEADERS, [(row.file, row.path, row.outcome.value, row.target, row.note or "-") for row in rows]),
        Text(f"{len(rows)} fields: {summary}"),
    )

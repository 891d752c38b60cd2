"""The CLI reference in docs/operations.md is what the argument parser and the exit codes say."""

from __future__ import annotations

from pathlib import Path

from ecs_workloads.ops import reference
from ecs_workloads.ops.cli import build_parser
from ecs_workloads.ops.errors import MEANINGS, ExitCode

PAGE = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_committed_cli_reference_is_current() -> None:
    page = PAGE.read_text()
    assert reference.CLI_REFERENCE.embed(page, reference.render()) == page, (
        "docs/operations.md's CLI reference is stale: run `make docs` and commit it"
    )


def test_every_command_and_option_is_in_the_reference() -> None:
    text = reference.render()
    for name, sub in reference._commands(build_parser()).items():
        assert f"### `{name}`" in text
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert f"`{flag}" in text, (name, flag)


def test_every_exit_code_has_a_meaning() -> None:
    assert set(MEANINGS) == set(ExitCode)
    assert all(MEANINGS.values())

"""The CLI reference in docs/operations.md, written from the argument parser itself (`ops.cli.build_parser`)
and the exit codes (`ops.errors.MEANINGS`), so the page cannot describe an option the command lacks.

`python -m ecs_workloads.ops.reference docs/operations.md` (or `make docs`) rewrites the section;
tests/ops/test_reference.py fails when the committed page is not what the parser says.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..markdown_section import Section
from .cli import build_parser
from .errors import MEANINGS

CLI_REFERENCE = Section("cli reference", "make docs")


def render() -> str:
    parser = build_parser()
    commands = _commands(parser)
    common = {action.dest for action in _options(parser)}
    lines = [
        "## CLI reference",
        "",
        "Generated from the command's argument parser (`make docs`); `ecs-workloads COMMAND --help` prints the same.",
        "",
        "```text",
        parser.format_usage().strip(),
        "```",
        "",
        "Options that every command takes, before or after the command name:",
        "",
        *_options_table(_options(parser)),
        "",
        "| command | what it does |",
        "|---|---|",
        *(f"| [`{name}`](#{_anchor(name)}) | {_cell(sub.description or '')} |" for name, sub in commands.items()),
        "",
    ]
    for name, sub in commands.items():
        own = [action for action in _options(sub) if action.dest not in common]
        usage = " ".join(
            ["ecs-workloads", name, *(_positional(a) for a in _positionals(sub)), *(_usage(a) for a in own)]
        )
        description = sub.description or ""
        lines += [f"### `{name}`", "", f"{description[:1].upper()}{description[1:]}.", "", "```text", usage, "```", ""]
        if own:
            lines += [*_options_table(own), ""]
    lines += ["### Exit codes", "", "| exit code | meaning |", "|---|---|"]
    lines += [f"| {int(code)} | {_cell(meaning)} |" for code, meaning in MEANINGS.items()]
    return "\n".join(lines) + "\n"


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(subparsers.choices)


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)]


def _positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not a.option_strings]


def _positional(action: argparse.Action) -> str:
    return str(action.metavar or action.dest).upper()


def _usage(action: argparse.Action) -> str:
    flag = action.option_strings[-1]
    if action.nargs == 0:
        return f"[{flag}]"
    repeat = "..." if isinstance(action, argparse._AppendAction) else ""
    return f"[{flag} {action.metavar or action.dest.upper()}]{repeat}"


def _options_table(actions: list[argparse.Action]) -> list[str]:
    rows = []
    for action in actions:
        flag = action.option_strings[-1] if action.nargs == 0 else f"{action.option_strings[-1]} {_metavar(action)}"
        rows.append(f"| `{flag}` | {_cell(action.help or '')} |")
    return ["| option | meaning |", "|---|---|", *rows]


def _metavar(action: argparse.Action) -> str:
    return str(action.metavar or action.dest.upper())


def _anchor(name: str) -> str:
    return name.lower()


def _cell(text: str) -> str:
    # Markdown would read `<token>` as an HTML tag and drop it.
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m ecs_workloads.ops.reference PAGE  (docs/operations.md)")
    CLI_REFERENCE.write(Path(sys.argv[1]), render())

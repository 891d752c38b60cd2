"""Golden snapshots of each stack's plan: `python -m plan.snapshot [--update] [stack ...]`.

A snapshot is every resource of the plan with all of its inputs and options, in tree order, one value per
line: keys sorted, JSON documents held in strings (IAM policies, container definitions, event patterns)
expanded, and paths inside the repository written relative to it. A change to the program shows up as a
readable diff of the resources it changes. Without `--update` the command compares and prints the diffs.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path
from typing import Any

from harness.program import PROJECT_DIR, list_stacks, reports_bad_config, run_program
from harness.recording import Recording, Registration

from .render import repo_relative, roots_and_children

SNAPSHOT_DIR = PROJECT_DIR / "tests" / "plan" / "snapshots"
REFRESH = "make snapshots (python -m plan.snapshot --update)"
_INDENT = "  "
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def snapshot_path(stack: str, directory: Path = SNAPSHOT_DIR) -> Path:
    return directory / f"{stack}.txt"


def render(recording: Recording, stack: str) -> str:
    custom = sum(r.custom for r in recording.registrations)
    lines = [
        f"# Plan of stack {stack!r} under the offline mocks: {custom} resources in "
        f"{len(recording.registrations) - custom} components.",
        f"# Generated; refresh with {REFRESH}.",
        "",
    ]
    roots, children = roots_and_children(recording)

    def visit(registration: Registration, depth: int) -> None:
        lines.extend(_resource(registration, depth))
        for child in children.get(registration.urn, []):
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    lines.extend(["", "Outputs:"])
    lines.extend(_value_lines(repo_relative(recording.stack_outputs), 1))
    return "\n".join(lines) + "\n"


def _resource(registration: Registration, depth: int) -> list[str]:
    # Options come first ("@" sorts before letters), then the inputs, as the provider receives them.
    entries: dict[str, Any] = {}
    if registration.protect:
        entries["@protect"] = True
    if registration.retain_on_delete:
        entries["@retainOnDelete"] = True
    if registration.ignore_changes:
        entries["@ignoreChanges"] = sorted(registration.ignore_changes)
    if registration.dependencies:
        entries["@dependsOn"] = sorted({_urn_name(urn) for urn in registration.dependencies})
    entries.update(repo_relative(registration.inputs))
    return [f"{_INDENT * depth}+ {registration.type}  {registration.name}", *_value_lines(entries, depth + 2)]


def _urn_name(urn: str) -> str:
    # urn:pulumi:<stack>::<project>::<type chain>::<name>
    return urn.rsplit("::", 1)[-1]


def _scalar(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, ensure_ascii=False)


def _document(value: Any) -> Any:
    """The parsed JSON a string holds when it holds an object or array, else None."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        if isinstance(parsed, dict | list):
            return parsed
    return None


def _value_lines(value: Any, depth: int) -> list[str]:
    """YAML-like lines for a dict's entries or a list's items."""
    pad = _INDENT * depth
    lines: list[str] = []
    items = sorted(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
    for key, item in items:
        head = f"{pad}{key}:" if key is not None else f"{pad}-"
        document = _document(item)
        if document is not None:
            lines.append(f"{head} (JSON)")
            lines.extend(_value_lines(document, depth + 1) or [f"{pad}{_INDENT}{_scalar(document)}"])
        elif isinstance(item, dict | list) and item:
            nested = _value_lines(item, depth + 1)
            if key is None:
                # A list item that is a mapping or a list starts on the dash line, as in YAML.
                lines.append(f"{head} {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(head)
                lines.extend(nested)
        else:
            lines.append(f"{head} {_scalar(item)}")
    return lines


def diff(stack: str, directory: Path = SNAPSHOT_DIR, project_dir: Path = PROJECT_DIR) -> str:
    """The unified diff from the stored snapshot to the current plan ("" when they agree)."""
    return compare(stack, render(run_program(stack, project_dir=project_dir), stack), directory)


def compare(stack: str, current: str, directory: Path = SNAPSHOT_DIR) -> str:
    """The unified diff from the stored snapshot of `stack` to the rendering `current` ("" when equal).

    Each hunk header names the resource the hunk is in, as `git diff` names the enclosing function.
    """
    path = snapshot_path(stack, directory)
    stored = path.read_text() if path.exists() else ""
    shown = path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path
    lines = current.splitlines(keepends=True)
    diff_lines = list(
        difflib.unified_diff(
            stored.splitlines(keepends=True),
            lines,
            fromfile=f"{shown} (stored)",
            tofile=f"stack {stack} (current plan)",
        )
    )
    return "".join(_with_resource(diff_lines, index, lines) for index in range(len(diff_lines)))


def _with_resource(diff_lines: list[str], index: int, current: list[str]) -> str:
    line = diff_lines[index]
    match = _HUNK.match(line)
    if match is None:
        return line
    # Line number (1-based, in the current text) of the hunk's first change: after its leading context.
    number = int(match.group(1))
    first_change = "+"
    for following in diff_lines[index + 1 :]:
        if following[:1] in "+-":
            first_change = following[:1]
            break
        number += 1
    above = current[: number if first_change == "+" else number - 1]
    for candidate in reversed(above):
        if candidate.lstrip().startswith("+ "):
            return f"{line.rstrip()} {candidate.strip()}\n"
    return line


def update(stack: str, directory: Path = SNAPSHOT_DIR, project_dir: Path = PROJECT_DIR) -> Path:
    path = snapshot_path(stack, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(run_program(stack, project_dir=project_dir), stack))
    return path


@reports_bad_config
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plan.snapshot", description=__doc__)
    parser.add_argument("stacks", nargs="*", help="stacks to snapshot (default: every Pulumi.<stack>.yaml)")
    parser.add_argument("--update", action="store_true", help="rewrite the snapshots from the current plan")
    parser.add_argument("--dir", type=Path, default=SNAPSHOT_DIR, help="where snapshots live")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="directory holding Pulumi.yaml")
    args = parser.parse_args(argv)
    known = list_stacks(args.project_dir)
    stacks = args.stacks or known
    unknown = sorted(set(stacks) - set(known))
    if unknown:
        parser.error(f"no stack {', '.join(unknown)}; stacks: {', '.join(known)}")
    if args.update:
        for stack in stacks:
            print(f"wrote {update(stack, args.dir, args.project_dir)}")
        return 0
    changed = 0
    for stack in stacks:
        text = diff(stack, args.dir, args.project_dir)
        if text:
            changed += 1
            print(text)
    if changed:
        print(f"{changed} snapshot(s) differ from the plan; if the change is intended: {REFRESH}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())

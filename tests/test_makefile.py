"""The Makefile: `make` alone only lists the targets, from their `## target: description` comments, and
`make plan` writes no tracked file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text()


def _make(*args: str) -> subprocess.CompletedProcess:
    # The running interpreter's venv stands in for ./venv; -o keeps make from installing it again.
    python = sys.executable
    overrides = [f"BIN={Path(python).parent}", f"STAMP={python}", "-o", python]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "FORCE_COLOR")}
    return subprocess.run(
        ["make", "--no-print-directory", "-s", *overrides, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def _documented() -> dict[str, str]:
    """Each `## target: description` comment (continued on `## ` lines), as one line of text."""
    found: dict[str, str] = {}
    name = None
    for line in MAKEFILE.splitlines():
        heading = re.match(r"^## ([a-z][a-z-]*): (.*)$", line)
        if heading:
            name = heading[1]
            found[name] = heading[2]
        elif line.startswith("## ") and name:
            found[name] += " " + line[3:]
        else:
            name = None
    return found


def test_every_target_is_documented():
    targets = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, re.MULTILINE))
    assert targets == set(_documented())


def test_help_lists_every_target_with_its_description_and_is_the_default_goal():
    shown = _make("help")
    assert shown.returncode == 0, shown.stderr
    assert _make().stdout == shown.stdout
    lines = shown.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    # Rows start with the target's name; a description goes on in lines indented to the descriptions' column.
    described: dict[str, str] = {}
    for line in lines[1:]:
        name, text = line[2:].split(" ", 1) if not line.startswith("   ") else (None, line)
        if name:
            described[name] = text.strip()
        else:
            described[list(described)[-1]] += " " + text.strip()
    assert described == _documented()
    assert next(iter(described)) == "help"


def test_make_plan_prints_the_plan_and_writes_no_tracked_file():
    def state() -> dict[Path, tuple[int, int]]:
        watched = [ROOT / "README.md", *(ROOT / "docs").rglob("*"), *(ROOT / "tests" / "plan" / "snapshots").rglob("*")]
        return {path: (path.stat().st_mtime_ns, path.stat().st_size) for path in watched if path.is_file()}

    before = state()
    result = _make("plan")
    assert result.returncode == 0, result.stderr
    assert "Plan for stack 'dev'" in result.stdout and "\nSummary:\n" in result.stdout
    assert "Diagram:" not in result.stdout
    assert state() == before

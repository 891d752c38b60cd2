"""Rich output: colour and the terminal's width on a terminal; plain text of at most 120 columns otherwise."""

from __future__ import annotations

import io

import pytest
from rich.text import Text

from ecs_workloads.ops import terminal
from ecs_workloads.ops.table import table

ESCAPE = "\x1b["


@pytest.fixture(autouse=True)
def no_colour_variables(monkeypatch):
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def _printed(*renderables) -> str:
    out = io.StringIO()
    terminal.emit(terminal.console(out), *renderables)
    return out.getvalue()


def _rows() -> object:
    return table(["JOB", "STATE"], [("image-assessor", "ENABLED"), ("nightly-report", "MISSING")])


def test_a_pipe_gets_plain_text_without_trailing_padding():
    output = terminal.console(io.StringIO())
    assert terminal.is_plain(output) and output.width == terminal.PLAIN_WIDTH
    assert _printed(_rows()) == "JOB             STATE\nimage-assessor  ENABLED\nnightly-report  MISSING\n"


def test_a_forced_terminal_gets_colour(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    text = _printed(_rows())
    assert ESCAPE in text
    assert "\x1b[1;31mMISSING" in text  # what needs attention stands out


def test_no_color_wins_over_a_terminal(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESCAPE not in _printed(_rows(), Text("bold too", style="bold"))


def test_an_empty_no_color_is_not_set(monkeypatch):
    # https://no-color.org: NO_COLOR counts when it is present and not an empty string.
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "")
    assert ESCAPE in _printed(_rows())


def test_long_cells_wrap_within_their_column_at_120():
    reason = "Essential container in task exited " * 8
    text = _printed(table(["TASK", "REASON"], [("0123456789abcdef", reason)]))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert len(lines) > 2 and all(line.startswith(" " * 18) for line in lines[2:])
    assert " ".join(line[18:].strip() for line in lines[1:]) == reason.strip()


def test_hanging_lines_wrap_under_their_first_line():
    words = " ".join(f"word{n}" for n in range(60))
    lines = terminal.plain_text(terminal.Hanging(Text(f"  {words}")), width=60).splitlines()
    assert lines[0].startswith("  word0 ") and all(line.startswith("      word") for line in lines[1:])
    assert max(len(line) for line in lines) <= 60
    assert " ".join(line.strip() for line in lines) == words

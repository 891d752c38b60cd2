"""Rich output for people: colour and the terminal's width on a terminal, plain text everywhere else.

Plain means no ANSI escape at all (no colour, no bold) and lines of at most `PLAIN_WIDTH` characters without
trailing padding, so piped output diffs, greps and pastes cleanly. It applies when stdout is not a terminal
and whenever NO_COLOR is set (https://no-color.org); FORCE_COLOR makes rich treat a pipe as a terminal.
"""

from __future__ import annotations

import io
import os
from typing import TextIO

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text

# The width of piped output: what a reviewer's editor, a CI log and a pull-request comment show unwrapped.
PLAIN_WIDTH = 120


def console(file: TextIO | None = None) -> Console:
    """A console for `file` (stdout when None, looked up at each write so a replaced sys.stdout is honoured)."""
    # Rich's own detection decides what a terminal is (isatty, FORCE_COLOR, TTY_COMPATIBLE, Jupyter).
    terminal = Console(file=file).is_terminal and not os.environ.get("NO_COLOR")
    if terminal:
        return Console(file=file, highlight=False)
    return Console(file=file, highlight=False, color_system=None, width=PLAIN_WIDTH, force_terminal=False)


def is_plain(output: Console) -> bool:
    return output.color_system is None


def emit(output: Console, *renderables: RenderableType) -> None:
    """Prints `renderables`; on a plain console without the spaces rich pads table cells and wrapped lines with."""
    if not is_plain(output):
        output.print(*renderables)
        return
    output.file.write(plain_text(Group(*renderables), output.width) + "\n")
    output.file.flush()


def plain_text(renderable: RenderableType, width: int = PLAIN_WIDTH) -> str:
    """`renderable` as the plain text a pipe receives."""
    output = Console(width=width, color_system=None, force_terminal=False, highlight=False, file=io.StringIO())
    with output.capture() as captured:
        output.print(renderable)
    return "".join(f"{line.rstrip()}\n" for line in captured.get().splitlines()).rstrip("\n")


class Hanging:
    """A line of text that wraps with a hanging indent: continuation lines sit `hang` columns further in than
    the first (which keeps its own leading spaces), so a wrapped item still reads as one item."""

    def __init__(self, text: Text | str, hang: int = 4) -> None:
        self.text = Text(text) if isinstance(text, str) else text
        self.hang = hang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        plain = self.text.plain
        indent = len(plain) - len(plain.lstrip(" "))
        body = self.text[indent:]
        width = max(options.max_width - indent - self.hang, 10)
        for number, line in enumerate(body.wrap(console, width, overflow="fold")):
            line.rstrip()
            yield Text(" " * (indent if number == 0 else indent + self.hang)) + line

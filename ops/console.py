"""Where command output goes: tables for people (rich, `terminal`), or one JSON document for scripts.

Progress and warnings always go to stderr, so stdout stays a single parseable document with --json.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import Any, TextIO

from rich.console import RenderableType
from rich.text import Text

from . import terminal


class Console:
    def __init__(self, json_mode: bool, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.json_mode = json_mode
        self._out = out
        self._err = err

    @property
    def out(self) -> TextIO:
        # Looked up at each write so that a replaced sys.stdout (tests, redirection) is honoured.
        return self._out or sys.stdout

    @property
    def err(self) -> TextIO:
        return self._err or sys.stderr

    def text(self, message: RenderableType) -> None:
        """Human-readable output; nothing in JSON mode.

        A string prints as it is, never wrapped (a token, an ARN or a log line stays one line to copy);
        tables and other rich renderables are laid out for the terminal, or as plain text (`terminal`).
        """
        if self.json_mode:
            return
        if isinstance(message, str):
            print(message, file=self.out, flush=True)
        else:
            terminal.emit(terminal.console(self.out), message)

    def result(self, data: Any) -> None:
        """The command's JSON document; nothing in text mode."""
        if self.json_mode:
            print(json.dumps(data, indent=2, default=_json_default), file=self.out, flush=True)

    def progress(self, message: str | Text) -> None:
        """One line on stderr; a `Text` keeps its colours when stderr is a terminal, and is never wrapped."""
        if isinstance(message, Text):
            output = terminal.console(self.err)
            if not terminal.is_plain(output):
                output.print(message, soft_wrap=True)
                return
            message = message.plain
        print(message, file=self.err, flush=True)

    def warn(self, message: str) -> None:
        print(f"warning: {message}", file=self.err, flush=True)

    def error(self, message: str) -> None:
        print(f"error: {message}", file=self.err, flush=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")

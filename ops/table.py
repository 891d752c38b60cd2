"""Operator tables (rich) and the cell, duration and time texts they hold, as an operator reads them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

# Cell texts coloured on a terminal: what needs the operator's attention stands out.
_STYLES = {
    "ACTIVE": "green",
    "ENABLED": "green",
    "ok": "green",
    "DISABLED": "yellow",
    "MISSING": "bold red",
    "failed": "bold red",
}


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], empty: str = "(none)", *, show_header: bool = True
) -> RenderableType:
    """One header line, then a line a row: columns two spaces apart and no rules, so `awk` and `cut` still work.

    A cell too long for the width wraps within its column, so rows line up on any terminal.
    """
    cells = [[cell(value) for value in row] for row in rows]
    if not cells:
        return Text(empty)
    # box=None: the plain form scripts read; header and state colours show only on a terminal.
    layout = Table(box=None, pad_edge=False, header_style="bold", padding=(0, 1), show_header=show_header)
    for header in headers:
        layout.add_column(header, overflow="fold")
    for row in cells:
        layout.add_row(*(Text(text, style=_STYLES.get(text, "")) for text in row))
    return layout


def cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return when(value)
    return str(value)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def when(moment: datetime) -> str:
    """`2026-01-31 09:00:00Z` in UTC; in any other zone the wall-clock time with its offset, as the reader expects."""
    if moment.tzinfo is None or moment.tzname() == "UTC":
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds") + "Z"
    return moment.isoformat(sep=" ", timespec="seconds")

"""Plain fixed-width text: tables, durations and times as an operator reads them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], empty: str = "(none)") -> str:
    cells = [[cell(value) for value in row] for row in rows]
    if not cells:
        return empty
    widths = [max(len(header), *(len(row[index]) for row in cells)) for index, header in enumerate(headers)]
    lines = [headers, *cells]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() for line in lines
    )


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

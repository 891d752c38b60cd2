"""`PROCESSOR=local.slow_jsonl:process` — the `jsonl` processor, made slow and strict for crash runs.

Slow: it waits `SLOW_JSONL_SECONDS_PER_LINE` (default 0) for every line it reads, so a file of a
few thousand lines takes seconds and a worker can be stopped in the middle of it. The wait ends at
once when the worker gives the message up.

Strict: a file with a line that cannot be scored is rejected as a whole (the processor raises, so no
output is written and the message is left for the dead-letter queue). The built-in `jsonl` instead
reports such lines in `errors/<key>.errors.jsonl` and carries on; strictness is what turns a
malformed file into a poison message for the crash runs.

Outputs are exactly those of `jsonl` for a file without bad lines.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from batch_worker.processors import Context, Sink, Source, jsonl
from batch_worker.s3io import Cancelled

SECONDS_PER_LINE_VARIABLE = "SLOW_JSONL_SECONDS_PER_LINE"


class RejectedFile(ValueError):
    """The file has lines that cannot be scored."""


def process(source: Source, sink: Sink, ctx: Context) -> Mapping[str, int]:
    delay = float(os.environ.get(SECONDS_PER_LINE_VARIABLE, "0") or 0)
    stats = jsonl.process(_SlowSource(source, delay, ctx.cancelled) if delay > 0 else source, sink, ctx)
    if stats["bad_lines"]:
        raise RejectedFile(f"{stats['bad_lines']} of {stats['lines']} lines cannot be scored; the file is rejected")
    return stats


class _SlowSource:
    def __init__(self, source: Source, delay: float, cancelled: threading.Event) -> None:
        self._source = source
        self._delay = delay
        self._cancelled = cancelled

    def read(self, size: int = -1, /) -> bytes:
        data = self._source.read(size)
        if data and self._cancelled.wait(self._delay * max(1, data.count(b"\n"))):
            raise Cancelled
        return data

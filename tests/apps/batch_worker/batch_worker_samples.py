"""User processors (`PROCESSOR=batch_worker_samples:<name>`) that the worker tests run."""

from __future__ import annotations

import io
import os
import shutil
import time


def copy(source, sink, ctx):
    """Copies the input to `copies/<key>`."""
    shutil.copyfileobj(source, sink.open(f"copies/{ctx.key}"), 64 * 1024)


def pause_then_copy(source, sink, ctx):
    """Sleeps SAMPLE_PAUSE_SECONDS without reading or writing, then copies: a job that ignores
    cancellation, as arbitrary user code may."""
    time.sleep(float(os.environ.get("SAMPLE_PAUSE_SECONDS", "1")))
    copy(source, sink, ctx)


def fail(source, sink, ctx):
    """Writes part of an output, then fails."""
    sink.open(f"copies/{ctx.key}").write(source.read(10))
    raise RuntimeError("processor failed on purpose")


def upper(source, sink, ctx):
    """The README's example: reads text lines through io wrappers around the raw stream."""
    out = sink.open(f"upper/{ctx.key}", "text/plain")
    for line in io.TextIOWrapper(io.BufferedReader(source), encoding="utf-8"):
        out.write(line.upper().encode())
    return {"done": True}

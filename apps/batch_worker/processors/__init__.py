"""The processor interface, shared by the built-in processors and user ones.

A processor is a function `process(source, sink, ctx)`:

- `source` is the input object as a non-seekable binary stream; call `source.read(n)` with a
  bounded `n` (wrap it in `io.BufferedReader` / `io.TextIOWrapper` to read lines).
- `sink.open(key, content_type)` returns a writer for `key` in the output bucket; call
  `writer.write(data)` as results are produced. `sink.delete(key)` removes a stale output.
  Nothing becomes visible until the processor returns: then every writer is completed and every
  delete applied. If it raises, every writer is aborted and nothing changes.
- `ctx` is a `Context`. `ctx.cancelled` is set when the worker gives up on the message (shutdown
  grace exceeded, or the message was redelivered elsewhere); from then on reads and writes raise.
- An input that can never be processed, whatever the retry (wrong format, a decompression bomb,
  undecodable content), raises `PermanentInputError(reason)`: the worker sends the message to the
  dead-letter queue at once, with the reason, instead of letting it come back `maxReceiveCount`
  times.

It may return a small dict of counters, which the worker logs with the result.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from logging import LoggerAdapter
from typing import Any, Protocol

from ..config import ConfigError

BUILT_IN = ("jsonl", "thumbnails")


class PermanentInputError(Exception):
    """The input cannot be processed for a reason that a retry will not change; the message goes
    straight to the dead-letter queue with `str(error)` as the reason."""


class Source(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Writer(Protocol):
    def write(self, data: bytes, /) -> int: ...


class Sink(Protocol):
    def open(self, key: str, content_type: str | None = None) -> Writer: ...

    def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class Context:
    bucket: str
    """Input bucket."""
    key: str
    """Input key, already URL-decoded; output keys are derived from it."""
    size: int | None
    """Input size in bytes, when S3 reports it."""
    content_type: str | None
    """Input Content-Type as stored in S3."""
    message_id: str
    """SQS message that announced the object."""
    log: LoggerAdapter
    """Logger whose records already carry key and message_id."""
    cancelled: threading.Event
    """Set when the worker abandons the message; long computations should check it."""
    memory_mib: int | None = None
    """Memory of the task in MiB, when known (from the ECS task metadata endpoint)."""


Processor = Callable[[Source, Sink, Context], Mapping[str, Any] | None]


def load(spec: str) -> Processor:
    """Resolve PROCESSOR (`jsonl`, `thumbnails` or `module:function`) to a callable."""
    if spec in BUILT_IN:
        module_name, function_name, package = f".{spec}", "process", __name__
    else:
        module_name, _, function_name = spec.partition(":")
        package = None
    try:
        module = importlib.import_module(module_name, package)
    except ImportError as exc:
        raise ConfigError([f"PROCESSOR: {spec!r} — cannot import {module_name}: {exc}"]) from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ConfigError([f"PROCESSOR: {spec!r} — {module_name} has no function {function_name}"])
    return function

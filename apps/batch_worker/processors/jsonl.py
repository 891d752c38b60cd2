"""JSON lines: adds `review_score = stars * review_count` to every record.

Output `<key>`: one compact JSON object per input record, in input order, `review_score` (a float)
appended. Lines that cannot be scored (bad JSON, not an object, `stars` or `review_count` missing or
not a number, result not finite) go to `errors/<key>.errors.jsonl` as
`{"line": <1-based line number>, "error": "...", "text": "<start of the line>"}` and the file
carries on. Blank lines are skipped. When a run finds no bad line, an errors object left by an
earlier run of the same key is deleted, so the outputs always describe the latest input.

Integers stay exact whatever their size: orjson reads integers only from -2**63 to 2**64-1 exactly
(beyond, as floats it writes as `…e+NN`, or not at all past the float range), so a line whose orjson
result shows such a float, or that orjson refuses, and that holds a run of 19 or more digits (the
only way to write such an integer) is scored again with the standard library's json.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from . import Context, Sink, Source

CONTENT_TYPE = "application/x-ndjson"
CHUNK_SIZE = 256 * 1024
# A longer "line" is almost certainly not JSON lines; bounding it keeps memory flat.
MAX_LINE_BYTES = 16 * 1024 * 1024
_TEXT_CHARS = 200
_BOM = b"\xef\xbb\xbf"
_NUMBERS = frozenset((int, float))
# 19 digits in a row: every integer outside orjson's exact range has them (-2**63 - 1 has 19).
# Mapping every digit to "0" and looking for nineteen of them is several times faster than a regex.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # as orjson: NaN and Infinity are not JSON


def scored(record: Any) -> Any:
    """`record` with `review_score` appended; raises when it cannot be scored (describe_problem
    says why)."""
    stars = record["stars"]
    count = record["review_count"]
    if type(stars) not in _NUMBERS or type(count) not in _NUMBERS:
        raise TypeError
    score = float(stars) * count
    if not math.isfinite(score):
        raise OverflowError
    record["review_score"] = score
    return record


def has_long_digits(line: bytes) -> bool:
    return _LONG_DIGITS in line.translate(_DIGITS_TO_ZERO)


def score_exactly(line: bytes) -> bytes:
    """The output line through the standard library, which keeps integers of any size, in the
    compact form orjson writes."""
    record = scored(json.loads(line, parse_constant=_reject_constant))
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode()


def errors_key(key: str) -> str:
    return f"errors/{key}.errors.jsonl"


def process(source: Source, sink: Sink, ctx: Context) -> Mapping[str, int]:
    out = sink.open(ctx.key, CONTENT_TYPE)
    errors = None
    loads, dumps, score = orjson.loads, orjson.dumps, scored
    newline = orjson.OPT_APPEND_NEWLINE
    first_line = 1
    records = bad = 0
    for batch in iter_line_batches(source):
        if first_line == 1 and batch[0]:
            batch[0] = batch[0].removeprefix(_BOM)
        produced: list[bytes] = []
        append = produced.append
        # The hot loop does only what a valid line needs; the except branch works out why a line
        # failed, so checks cost nothing until a line is bad.
        for number, line in enumerate(batch, first_line):
            try:
                result = dumps(score(loads(line)), option=newline)
                # A float orjson read from an integer beyond 64 bits comes out as `…e+NN`; "+" is
                # rare otherwise, so only such lines are scanned for the digits that decide.
                if b"+" in result and has_long_digits(line):
                    result = score_exactly(line)
                append(result)
            except Exception as exc:
                failure = exc
                if line is not None and has_long_digits(line):
                    try:
                        append(score_exactly(line))
                        continue
                    except Exception as exact_failure:
                        failure = exact_failure
                problem = describe_problem(line, failure)
                if problem is None:
                    continue
                if errors is None:
                    errors = sink.open(errors_key(ctx.key), CONTENT_TYPE)
                text = "" if line is None else line[: _TEXT_CHARS * 4].decode("utf-8", "replace")[:_TEXT_CHARS]
                errors.write(dumps({"line": number, "error": problem, "text": text}, option=newline))
                bad += 1
        first_line += len(batch)
        if produced:
            records += len(produced)
            out.write(b"".join(produced))
    if errors is None:
        sink.delete(errors_key(ctx.key))
    return {"lines": first_line - 1, "records": records, "bad_lines": bad}


def describe_problem(line: bytes | None, exc: Exception) -> str | None:
    """Why `line` could not be scored, or None when it is blank and simply skipped."""
    if line is None:
        return f"line longer than {MAX_LINE_BYTES} bytes"
    if not line.strip():
        return None
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        return f"invalid JSON: {error}"
    if not isinstance(record, dict):
        return f"expected a JSON object, got {type(record).__name__}"
    for name in ("stars", "review_count"):
        if name not in record:
            return f"missing field {name!r}"
        value = record[name]
        if type(value) not in _NUMBERS:
            return f"field {name!r} is not a number: {orjson.dumps(value).decode()[:50]}"
    if isinstance(exc, OverflowError):
        return "review_score is not a finite number"
    return f"{type(exc).__name__}: {exc}"


def iter_line_batches(
    source: Source, chunk_size: int = CHUNK_SIZE, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[list[bytes | None]]:
    """Split a byte stream on b"\\n" and yield the complete lines read so far, chunk by chunk.

    Memory holds one chunk plus one partial line. A line that grows beyond `max_line_bytes` is
    dropped up to its end and yielded as None, so it still counts in the line numbers.
    """
    carry: list[bytes] = []
    carried = 0
    oversized = False
    while chunk := source.read(chunk_size):
        if b"\n" not in chunk:
            if not oversized:
                carry.append(chunk)
                carried += len(chunk)
                if carried > max_line_bytes:
                    carry, carried, oversized = [], 0, True
            continue
        if carry:
            carry.append(chunk)
            chunk = b"".join(carry)
        lines: list[bytes | None] = chunk.split(b"\n")
        rest = lines.pop()
        if oversized:
            lines[0] = None
        yield lines
        carry, carried, oversized = ([rest], len(rest), False) if rest else ([], 0, False)
    if oversized:
        yield [None]
    elif carry:
        yield [b"".join(carry)]

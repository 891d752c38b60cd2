"""The JSON-lines processor on its own: scoring, bad lines, line splitting."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest
from batch_worker.processors import Context, jsonl
from hypothesis import given
from hypothesis import strategies as st


class MemorySink:
    def __init__(self) -> None:
        self.outputs: dict[str, io.BytesIO] = {}
        self.deleted: list[str] = []

    def open(self, key: str, content_type: str | None = None) -> io.BytesIO:
        self.outputs[key] = io.BytesIO()
        return self.outputs[key]

    def delete(self, key: str) -> None:
        self.deleted.append(key)

    def lines(self, key: str) -> list[dict]:
        return [json.loads(line) for line in self.outputs[key].getvalue().splitlines()]


class TrickleReader:
    """Hands out at most `step` bytes per read, like a slow network stream."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = io.BytesIO(data)
        self._step = step

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, self._step) if size >= 0 else self._step)


def run(data: bytes, key: str = "in/reviews.jsonl") -> tuple[MemorySink, dict]:
    sink = MemorySink()
    ctx = Context(
        bucket="in",
        key=key,
        size=len(data),
        content_type=None,
        message_id="m-1",
        log=logging.LoggerAdapter(logging.getLogger("test")),
        cancelled=threading.Event(),
    )
    stats = jsonl.process(io.BytesIO(data), sink, ctx)
    return sink, dict(stats)


def test_adds_review_score_and_keeps_fields_and_order() -> None:
    data = (
        b'{"business_id": "f9N", "name": "Range", "stars": 3.5, "review_count": 36, "is_open": 1}\n'
        b'{"business_id": "Yzv", "name": "Carlos \xc3\xa9", "stars": 5, "review_count": 4}\n'
    )

    sink, stats = run(data)

    assert sink.lines("in/reviews.jsonl") == [
        {
            "business_id": "f9N",
            "name": "Range",
            "stars": 3.5,
            "review_count": 36,
            "is_open": 1,
            "review_score": 126.0,
        },
        {"business_id": "Yzv", "name": "Carlos é", "stars": 5, "review_count": 4, "review_score": 20.0},
    ]
    assert stats == {"lines": 2, "records": 2, "bad_lines": 0}
    assert sink.deleted == ["errors/in/reviews.jsonl.errors.jsonl"]


def test_bad_lines_are_reported_with_line_numbers_and_the_rest_is_processed() -> None:
    data = b"\n".join(
        [
            b'{"stars": 4, "review_count": 10}',  # 1
            b'{"stars": 4, "review_count": ',  # 2 truncated
            b"",  # 3 blank: skipped silently
            b'{"review_count": 3}',  # 4
            b'{"stars": "five", "review_count": 3}',  # 5
            b'{"stars": true, "review_count": 3}',  # 6
            b"[1, 2]",  # 7
            b'{"stars": 1e300, "review_count": 1e300}',  # 8
            b'{"stars": 2.5, "review_count": 2}\r',  # 9 CRLF line ending
            b"\xff\xfe",  # 10 not UTF-8
        ]
    )

    sink, stats = run(data)

    assert [line["review_score"] for line in sink.lines("in/reviews.jsonl")] == [40.0, 5.0]
    errors = sink.lines("errors/in/reviews.jsonl.errors.jsonl")
    assert [(error["line"], error["error"].split(":")[0]) for error in errors] == [
        (2, "invalid JSON"),
        (4, "missing field 'stars'"),
        (5, "field 'stars' is not a number"),
        (6, "field 'stars' is not a number"),
        (7, "expected a JSON object, got list"),
        (8, "review_score is not a finite number"),
        (10, "invalid JSON"),
    ]
    assert errors[0]["text"] == '{"stars": 4, "review_count": '
    assert stats == {"lines": 10, "records": 2, "bad_lines": 7}
    assert sink.deleted == []


def test_byte_order_mark_and_missing_final_newline() -> None:
    sink, _ = run(b'\xef\xbb\xbf{"stars": 1, "review_count": 2}\n{"stars": 3, "review_count": 1}')

    assert [line["review_score"] for line in sink.lines("in/reviews.jsonl")] == [2.0, 3.0]


def test_empty_input_gives_empty_output() -> None:
    sink, stats = run(b"")

    assert sink.outputs["in/reviews.jsonl"].getvalue() == b""
    assert stats["lines"] == 0


def test_overlong_line_is_reported_without_being_held_in_memory() -> None:
    huge = b'{"stars": 1, "review_count": 1, "pad": "' + b"x" * 1000 + b'"}'
    stream = TrickleReader(b'{"stars": 1, "review_count": 1}\n' + huge + b'\n{"stars": 2, "review_count": 2}\n', 64)

    batches = list(jsonl.iter_line_batches(stream, chunk_size=64, max_line_bytes=256))

    lines = [line for batch in batches for line in batch]
    assert lines == [b'{"stars": 1, "review_count": 1}', None, b'{"stars": 2, "review_count": 2}']
    assert jsonl.describe_problem(None, ValueError()) == f"line longer than {jsonl.MAX_LINE_BYTES} bytes"


@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=30),
    final_newline=st.booleans(),
    chunk=st.integers(min_value=1, max_value=50),
)
def test_line_splitting_does_not_depend_on_chunk_boundaries(
    lines: list[bytes], final_newline: bool, chunk: int
) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")

    batches = list(jsonl.iter_line_batches(TrickleReader(data, chunk), chunk_size=chunk, max_line_bytes=1 << 20))

    expected = data.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    assert [line for batch in batches for line in batch] == expected
    assert all(batches)


@pytest.mark.parametrize("key", ["a.jsonl", "deep/prefix/with space/b.jsonl"])
def test_errors_key_mirrors_the_input_key(key: str) -> None:
    assert jsonl.errors_key(key) == f"errors/{key}.errors.jsonl"


@pytest.mark.parametrize(
    "big",
    [2**70, -(2**70), 2**64, -(2**63) - 1, 10**400],
    ids=["2**70", "-2**70", "2**64", "-2**63-1", "10**400"],
)
def test_integers_beyond_64_bits_stay_exact(big: int) -> None:
    line = f'{{"id": {big}, "nested": [{big}, {{"n": {big}}}], "stars": 2, "review_count": 3}}\n'.encode()

    sink, stats = run(line)

    out = sink.outputs["in/reviews.jsonl"].getvalue()
    assert (
        out == f'{{"id":{big},"nested":[{big},{{"n":{big}}}],"stars":2,"review_count":3,"review_score":6.0}}\n'.encode()
    )
    assert stats == {"lines": 1, "records": 1, "bad_lines": 0}


def test_a_big_review_count_is_scored_and_kept_exact() -> None:
    sink, _ = run(f'{{"stars": 1.5, "review_count": {2**70}}}\n'.encode())
    [record] = sink.lines("in/reviews.jsonl")
    assert record == {"stars": 1.5, "review_count": 2**70, "review_score": 1.5 * 2**70}


def test_lines_on_the_exact_path_are_judged_like_the_others() -> None:
    data = (
        f'{{"id": {2**70}, "stars": NaN, "review_count": 1}}\n'
        f'{{"id": {2**70}, "stars": "5", "review_count": 1}}\n'
        f'{{"id": {2**70}, "stars": 1, "review_count": 1e400}}\n'
    ).encode()

    sink, stats = run(data)

    assert sink.outputs["in/reviews.jsonl"].getvalue() == b""
    errors = [entry["error"] for entry in sink.lines("errors/in/reviews.jsonl.errors.jsonl")]
    assert errors[0].startswith("invalid JSON")
    assert errors[1] == "field 'stars' is not a number: \"5\""
    assert stats["bad_lines"] == 3


def test_a_plus_sign_or_a_long_digit_string_keeps_the_usual_form() -> None:
    line = b'{"name": "C++ \xc3\xa9", "big": 1e300, "long": "12345678901234567890", "stars": 1, "review_count": 2}\n'
    sink, _ = run(line)
    assert sink.outputs["in/reviews.jsonl"].getvalue() == (
        b'{"name":"C++ \xc3\xa9","big":1e+300,"long":"12345678901234567890","stars":1,"review_count":2,'
        b'"review_score":2.0}\n'
    )

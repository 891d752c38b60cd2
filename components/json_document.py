"""JSON documents (policies, container definitions, event patterns) whose leaves may be Outputs.

`pulumi.Output.json_dumps` lifts the whole document with `Output.from_input`: every string, number, list
and dict becomes an Output of its own, about sixty Outputs for one small policy. Here only the Output
leaves are awaited, with one `Output.all`, and the document is filled in and dumped in one `apply`: the
same text, the same dependencies and secrecy, unknown while any leaf is unknown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pulumi


class _Leaf:
    """Where an Output stood in the document; its value goes there once known."""

    __slots__ = ()


_LEAF = _Leaf()


def json_document(document: Any) -> pulumi.Output[str]:
    """`json.dumps(document)` once every Output in it is known, as `Output.json_dumps` would give it."""
    return resolved(document, json.dumps)


def resolved(document: Any, then: Callable[[Any], Any] = lambda value: value) -> pulumi.Output[Any]:
    """`then(document)` with every Output in the document (in dicts, lists and tuples) replaced by its
    value. The template is copied now, so later changes to the caller's dicts do not leak in."""
    leaves: list[pulumi.Output[Any]] = []
    template = _template(document, leaves)
    if not leaves:
        # Output.from_input would lift every field of the result; apply keeps it as it is.
        return pulumi.Output.all().apply(lambda _: then(template))
    # Output.all unwraps each leaf's value deeply, so an Output holding Outputs arrives plain.
    return pulumi.Output.all(*leaves).apply(lambda values: then(_fill(template, iter(values))))


def _template(value: Any, leaves: list[pulumi.Output[Any]]) -> Any:
    if isinstance(value, pulumi.Output):
        leaves.append(value)
        return _LEAF
    if isinstance(value, dict):
        return {key: _template(item, leaves) for key, item in value.items()}
    if isinstance(value, list):
        return [_template(item, leaves) for item in value]
    if isinstance(value, tuple):
        # Kept a tuple, as Output.from_input keeps it.
        return tuple(_template(item, leaves) for item in value)
    return value


def _fill(template: Any, values: Iterator[Any]) -> Any:
    # The walk visits the leaves in the order _template collected them.
    if template is _LEAF:
        return next(values)
    if isinstance(template, dict):
        return {key: _fill(item, values) for key, item in template.items()}
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    if isinstance(template, tuple):
        return tuple(_fill(item, values) for item in template)
    return template

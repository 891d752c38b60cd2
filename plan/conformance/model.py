"""Validates a request against the botocore service model shipped with boto3, offline.

botocore's own `ParamValidator` checks required and unknown members and types, but not enums, maxima or
regex patterns, which the services enforce server-side; this walker checks all of them from the same
shapes. Models load once per process (`functools.cache`): the JSON files are several megabytes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape


@dataclass(frozen=True)
class Finding:
    """One way a value breaks its shape: the field path, the value and the rule it breaks."""

    path: str
    value: Any
    rule: str


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def service_model(service: str) -> ServiceModel:
    return _session().get_service_model(service)


@functools.cache
def operation(service: str, name: str) -> OperationModel:
    return service_model(service).operation_model(name)


@functools.cache
def operation_names(service: str) -> frozenset[str]:
    return frozenset(service_model(service).operation_names)


@functools.cache
def _pattern(text: str) -> re.Pattern[str] | None:
    # Java-flavoured patterns (\p{...} classes) that Python's re cannot compile are skipped, not guessed.
    try:
        return re.compile(text)
    except re.error:
        return None


def validate_request(service: str, operation_name: str, params: dict[str, Any]) -> list[Finding]:
    """Every finding of `params` against the input shape of `service`'s `operation_name`."""
    shape = operation(service, operation_name).input_shape
    return validate(shape, params, "")


def validate(shape: Shape | None, value: Any, path: str) -> list[Finding]:
    if shape is None:
        return [Finding(path, value, "no such member in the service model")]
    kind = shape.type_name
    checker = _CHECKERS.get(kind)
    return checker(shape, value, path) if checker else []


def _structure(shape: StructureShape, value: Any, path: str) -> list[Finding]:
    if not isinstance(value, dict):
        return [Finding(path, value, f"must be a structure ({shape.name})")]
    found: list[Finding] = []
    members = shape.members
    for name in shape.required_members:
        if value.get(name) is None:
            found.append(Finding(_join(path, name), None, f"required member of {shape.name}"))
    for name, member_value in value.items():
        if member_value is None:
            continue
        if name not in members:
            found.append(Finding(_join(path, name), member_value, f"unknown member of {shape.name}"))
            continue
        found.extend(validate(members[name], member_value, _join(path, name)))
    return found


def _list(shape: ListShape, value: Any, path: str) -> list[Finding]:
    if not isinstance(value, (list, tuple)):
        return [Finding(path, value, f"must be a list ({shape.name})")]
    found = _bounds(shape, len(value), value, path, "items")
    for index, item in enumerate(value):
        found.extend(validate(shape.member, item, f"{path}[{index}]"))
    return found


def _map(shape: MapShape, value: Any, path: str) -> list[Finding]:
    if not isinstance(value, dict):
        return [Finding(path, value, f"must be a map ({shape.name})")]
    found = _bounds(shape, len(value), value, path, "entries")
    for key, item in value.items():
        found.extend(validate(shape.key, key, f"{path}.<key {key}>"))
        found.extend(validate(shape.value, item, f"{path}.{key}"))
    return found


def _string(shape: Shape, value: Any, path: str) -> list[Finding]:
    if not isinstance(value, str):
        return [Finding(path, value, f"must be a string ({shape.name})")]
    found = _bounds(shape, len(value), value, path, "characters")
    if shape.enum and value not in shape.enum:
        found.append(Finding(path, value, f"must be one of {', '.join(shape.enum)} ({shape.name})"))
    pattern = shape.metadata.get("pattern")
    compiled = _pattern(pattern) if pattern else None
    # Smithy patterns are not implicitly anchored: the models anchor with ^...$ where they mean the whole value.
    if compiled is not None and not compiled.search(value):
        found.append(Finding(path, value, f"must match {pattern} ({shape.name})"))
    return found


def _number(shape: Shape, value: Any, path: str) -> list[Finding]:
    integral = shape.type_name in ("integer", "long")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return [Finding(path, value, f"must be a number ({shape.name})")]
    if integral and float(value) != int(value):
        return [Finding(path, value, f"must be a whole number ({shape.name})")]
    return _bounds(shape, value, value, path, "")


def _boolean(shape: Shape, value: Any, path: str) -> list[Finding]:
    if not isinstance(value, bool):
        return [Finding(path, value, f"must be true or false ({shape.name})")]
    return []


def _timestamp(shape: Shape, value: Any, path: str) -> list[Finding]:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return [Finding(path, value, f"must be a timestamp ({shape.name})")]
    return []


def _bounds(shape: Shape, measure: float, value: Any, path: str, unit: str) -> list[Finding]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    what = f"{unit} " if unit else ""
    if low is not None and measure < low:
        return [Finding(path, value, f"at least {low} {what}({shape.name})".replace("  ", " "))]
    if high is not None and measure > high:
        return [Finding(path, value, f"at most {high} {what}({shape.name})".replace("  ", " "))]
    return []


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_CHECKERS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _number,
    "long": _number,
    "float": _number,
    "double": _number,
    "boolean": _boolean,
    "timestamp": _timestamp,
}

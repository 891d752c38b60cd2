"""Reading resource properties: values that may be unknown in preview, JSON documents, links between resources.

Properties are the provider's camelCase inputs; JSON documents (IAM policies, container definitions,
redrive policies) arrive as strings. Under the policy SDK, reading a value that is unknown during
preview raises the SDK's `UnknownValueError`, which the SDK reports as "can't run during preview";
cross-resource links fall back to the engine's property dependencies instead of raising.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .framework import ResourceView, StackContext

try:
    from pulumi_policy.proxy import UnknownValueError
except ImportError:  # the offline evaluation does not need the policy SDK

    class UnknownValueError(Exception):  # type: ignore[no-redef]
        pass


def known(mapping: Mapping[str, Any], key: str) -> Any:
    """`mapping[key]`, or None when absent or unknown during preview."""
    try:
        return mapping.get(key)
    except UnknownValueError:
        return None


def get(value: Any, *path: str) -> Any:
    """Nested lookup through mappings; None where any step is missing."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if is_list(value) else [value]


def document(value: Any) -> Any:
    """A JSON document given as a string (the provider's form) or already parsed; None when invalid."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def statements(policy: Any) -> list[Mapping[str, Any]]:
    return [s for s in as_list(get(policy, "Statement")) if isinstance(s, Mapping)]


def identities(resource: ResourceView) -> set[str]:
    """Values other resources use to point at this one: id, ARN, name, bucket name, queue URL."""
    found: set[str] = set()
    for source in (resource.props, resource.state):
        for key in ("id", "arn", "name", "bucket", "url"):
            value = known(source, key)
            if isinstance(value, str) and value:
                found.add(value)
    return found


def refers_to(source: ResourceView, prop: str, value: Any, target: ResourceView) -> bool:
    """Whether `value` (read from `source.props[prop]`) names `target`.

    A known value is compared with the target's identities; an unknown one (preview) falls back to the
    resources the property's value was computed from.
    """
    if value is not None:
        return isinstance(value, str) and value in identities(target)
    return target.urn in source.references.get(prop, ())


def named(resource: ResourceView, prop: str, targets: Iterable[ResourceView]) -> list[ResourceView]:
    """The `targets` that `resource.props[prop]` names."""
    value = known(resource.props, prop)
    return [t for t in targets if refers_to(resource, prop, value, t)]


def pointing_at(target: ResourceView, context: StackContext, types: str | Iterable[str], prop: str):
    """Resources of `types` whose `prop` names `target` (e.g. the public access blocks of a bucket)."""
    wanted = {types} if isinstance(types, str) else set(types)
    return [r for r in context.resources if r.type in wanted and refers_to(r, prop, known(r.props, prop), target)]

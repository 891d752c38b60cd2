"""Collects every problem in a component's arguments so one error names them all.

Components validate before registering any child resource: a half-built component would
leave a stack that previews one thing and deploys another.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any


class ArgumentProblems:
    """Accumulates `field: value — what is allowed` lines and raises them together."""

    def __init__(self, component: str) -> None:
        self._component = component
        self._problems: list[str] = []

    def add(self, field: str, value: Any, allowed: str) -> None:
        self._problems.append(f"{field}: {value!r} — {allowed}")

    def check(self, condition: bool, field: str, value: Any, allowed: str) -> None:
        if not condition:
            self.add(field, value, allowed)

    def integers(self, given: Mapping[str, Any], bounds: Iterable[tuple[str, int, int, int]], prefix: str = "") -> None:
        """Checks each `(key, low, high, default)`: the given value, or the default, lies in [low, high]."""
        for key, low, high, default in bounds:
            value = given.get(key, default)
            self.check(is_int_in(value, low, high), f"{prefix}{key}", value, f"an integer from {low} to {high}")

    def mapping(self, field: str, value: Any, known: type | None = None) -> dict[str, Any] | None:
        """`value` when it is a dict (its keys checked against `known`, if given), else None with the problem
        recorded, so the caller skips the checks that would index into it."""
        if not isinstance(value, dict):
            keys = f" with keys from: {', '.join(sorted(_keys(known)))}" if known else ""
            self.add(field or "arguments", value, f"a mapping{keys}")
            return None
        if known is not None:
            self.unknown_keys(f"{field}." if field else "", value, known)
        return value

    def unknown_keys(self, prefix: str, given: Mapping[str, Any], known: type) -> None:
        """Typos in a TypedDict key would otherwise be silently ignored."""
        if not isinstance(given, Mapping):
            self.mapping(prefix.removesuffix("."), given, known)
            return
        allowed = _keys(known)
        for key in given:
            if key not in allowed:
                self.add(f"{prefix}{key}", given[key], f"unknown argument; allowed: {', '.join(sorted(allowed))}")

    def raise_if_any(self) -> None:
        if self._problems:
            lines = "\n  ".join(self._problems)
            raise ValueError(f"invalid {self._component} arguments:\n  {lines}")

    def __bool__(self) -> bool:
        return bool(self._problems)

    def __len__(self) -> int:
        return len(self._problems)

    def lines(self) -> list[str]:
        """Each problem as `field: value — what is allowed`."""
        return list(self._problems)


def is_int_in(value: Any, low: int, high: int) -> bool:
    """An int (not a bool, which Python counts as one) within [low, high]."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def is_int_of(value: Any, allowed: Collection[int]) -> bool:
    """An int among `allowed`; a bool or a float equal to one would reach AWS as `True` or `512.0`."""
    return isinstance(value, int) and not isinstance(value, bool) and value in allowed


def is_id(value: Any) -> bool:
    """A non-empty string such as `vpc-0abc1234`, or an Output that will hold one."""
    return not is_known(value) or (isinstance(value, str) and bool(value.strip()))


def is_id_list(value: Any, min_items: int = 1) -> bool:
    """A list of ids, or an Output that will hold one; entries may be Outputs too."""
    if not is_known(value):
        return True
    return isinstance(value, list) and len(value) >= min_items and all(is_id(item) for item in value)


def _keys(known: type) -> dict[str, Any]:
    return getattr(known, "__annotations__", {})


def is_known(value: Any) -> bool:
    """Plain Python values can be validated now; Pulumi Outputs only at deploy time."""
    import pulumi

    return not isinstance(value, pulumi.Output)

"""Collects every problem in a component's arguments so one error names them all.

Components validate before registering any child resource: a half-built component would
leave a stack that previews one thing and deploys another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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

    def unknown_keys(self, prefix: str, given: Mapping[str, Any], known: type) -> None:
        """Typos in a TypedDict key would otherwise be silently ignored."""
        allowed = getattr(known, "__annotations__", {})
        for key in given:
            if key not in allowed:
                self.add(f"{prefix}{key}", given[key], f"unknown argument; allowed: {', '.join(sorted(allowed))}")

    def raise_if_any(self) -> None:
        if self._problems:
            lines = "\n  ".join(self._problems)
            raise ValueError(f"invalid {self._component} arguments:\n  {lines}")

    def __bool__(self) -> bool:
        return bool(self._problems)


def is_int_in(value: Any, low: int, high: int) -> bool:
    """An int (not a bool, which Python counts as one) within [low, high]."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def is_known(value: Any) -> bool:
    """Plain Python values can be validated now; Pulumi Outputs only at deploy time."""
    import pulumi

    return not isinstance(value, pulumi.Output)

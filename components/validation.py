"""Collects every problem in a component's arguments so one error names them all.

Components validate before registering any child resource: a half-built component would
leave a stack that previews one thing and deploys another.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Collection, Sequence
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


def cidr_networks(value: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
    """The networks of a non-empty list of CIDR blocks, or None when it is not one. Only strings count:
    ip_network would read an integer as a /32 address, and a block with host bits set is refused."""
    if not isinstance(value, list) or not value or not all(isinstance(cidr, str) for cidr in value):
        return None
    try:
        return [ipaddress.ip_network(cidr) for cidr in value]
    except ValueError:
        return None


def is_known(value: Any) -> bool:
    """Plain Python values can be validated now; Pulumi Outputs only at deploy time."""
    import pulumi

    return not isinstance(value, pulumi.Output)


def unknown(what: str, name: str, allowed: Sequence[str]) -> str:
    """`unknown <what>; did you mean "<closest>"? allowed: ...`: the allowed name closest to a misspelt one, when
    one is close enough to be the likely intent (difflib's ratio of at least 0.6, ignoring case), then every
    allowed name."""
    # Compared without case: `protectdata` and `AWS` are as likely slips as a dropped letter.
    by_lower = {choice.lower(): choice for choice in allowed}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1)
    hint = f'; did you mean "{by_lower[close[0]]}"?' if close else ";"
    return f"unknown {what}{hint} allowed: {', '.join(allowed)}"

"""Example values a stack file may carry but a real deployment must not: reserved domains and zone ids.

`Pulumi.prod.yaml` ships with `cats.example.com`, `Z0123456789EXAMPLE` and `ops@example.com` so that the
offline plan shows the full production shape. Deployed, they would fail midway through `pulumi up`
(Route 53 has no such zone; a certificate for a reserved domain never validates) or send alerts nowhere.
So `load_settings` refuses them when the program runs for real, and only warns under the offline plan.

Under the plan the program runs under the mock harness (harness/program.py), which says so by setting
`OFFLINE_PLAN_KEY` in the config it hands the program. Nothing else sets it: never put it in a stack file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for annotations: the harness imports OFFLINE_PLAN_KEY without loading the settings models.
    from .settings import StackSettings

OFFLINE_PLAN_KEY = "harness:offlinePlan"
"""Config key the mock harness sets to true; when it is unset or false the program is deploying for real."""

# RFC 2606 §3 (example.com/.net/.org) and RFC 6761 §6 (.example, .test, .invalid): names reserved for
# documentation and testing, never delegated, so no real zone, certificate or mailbox can use them.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TOP_LEVEL = ("example", "test", "invalid")
# A hosted zone id with EXAMPLE in it is the documentation placeholder (Route 53 ids are generated).
_PLACEHOLDER_ZONE = re.compile("EXAMPLE", re.IGNORECASE)


def is_reserved_domain(domain: str) -> bool:
    """True for the reserved example domains, their subdomains and names under the reserved top levels."""
    name = domain.lower().rstrip(".")
    if any(name == reserved or name.endswith(f".{reserved}") for reserved in RESERVED_DOMAINS):
        return True
    return name.rsplit(".", 1)[-1] in RESERVED_TOP_LEVEL


@dataclass(frozen=True)
class _Checked:
    key: str
    """The config key, as written in the stack file."""
    value: Callable[[StackSettings], str | None]
    is_placeholder: Callable[[str], bool]
    what: str


_CHECKED = (
    _Checked(
        "alarms.email",
        lambda settings: settings.alarms.email,
        lambda email: is_reserved_domain(email.rpartition("@")[2]),
        "an address at a reserved example domain",
    ),
    _Checked(
        "cats.domainName", lambda settings: settings.cats.domain_name, is_reserved_domain, "a reserved example domain"
    ),
    _Checked(
        "cats.hostedZoneId",
        lambda settings: settings.cats.hosted_zone_id,
        lambda zone: bool(_PLACEHOLDER_ZONE.search(zone)),
        "a placeholder hosted zone id",
    ),
)


def placeholder_problems(
    settings: StackSettings, namespace: str, where: Callable[[tuple[str, ...]], object | None] = lambda _: None
) -> list[str]:
    """One line per setting still holding an example value, naming its config key, after where the key is
    written (`where` of its path, such as `("cats", "domainName")`) when that is known."""
    problems = []
    for checked in _CHECKED:
        value = checked.value(settings)
        if value is not None and checked.is_placeholder(value):
            at = where(tuple(checked.key.split(".")))
            located = "" if at is None else f"{at}: "
            problems.append(f'{located}{namespace}:{checked.key}: "{value}" — {checked.what}; set your own')
    return problems

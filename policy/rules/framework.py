"""What a rule is and how rules run: the resource and stack views, the `@rule` decorator, `run_rules`.

A rule is its check function with the metadata declared on it (`@rule(...)`, as checkov declares a
check's id and resource types on the check); the package's `RULES` is assembled from the decorated checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from stack.tags import DEFAULT_TAGS_KEY

Enforcement = Literal["mandatory", "advisory"]
MANDATORY: Enforcement = "mandatory"
ADVISORY: Enforcement = "advisory"
PROJECT = "ecs-workloads"
_PRODUCTION_STACK = re.compile(r"^(prod|production)([-_.].*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class ResourceView:
    """One resource as a rule sees it."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    """Inputs (camelCase). Under stack validation in the SDK, the resource's state."""
    protect: bool = False
    retain_on_delete: bool | None = False
    """None where the policy engine does not report the option (the policy SDK does not)."""
    state: Mapping[str, Any] = field(default_factory=dict)
    """Outputs where known (ids, ARNs, names): what other resources use to refer to this one."""
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Property name -> URNs of the resources that property's value came from (policy SDK only)."""


@dataclass(frozen=True)
class StackContext:
    """What a rule may know about the stack besides the resource it checks."""

    stack: str
    protect_data: bool
    is_production: bool
    resources: tuple[ResourceView, ...] = ()
    default_tags: Mapping[str, str] = field(default_factory=dict)
    """The AWS provider's default tags (`aws:defaultTags`): the provider adds them to every taggable resource."""

    @classmethod
    def from_config(cls, stack: str, config: Mapping[str, Any], resources: Iterable[ResourceView] = ()) -> StackContext:
        """`config` maps `namespace:key` to values as in a stack file or the CLI's config (strings allowed).

        A stack is production when it protects data or is named prod/production (`prod-eu` too), so a
        production stack that forgot `protectData` is still held to production rules.
        """
        protect = _truthy(config.get(f"{PROJECT}:protectData", config.get(f"{PROJECT}:config:protectData")))
        production = protect or bool(_PRODUCTION_STACK.match(stack))
        return cls(
            stack=stack,
            protect_data=protect,
            is_production=production,
            resources=tuple(resources),
            default_tags=_default_tags(config.get(DEFAULT_TAGS_KEY)),
        )

    def of_type(self, types: Iterable[str]) -> list[ResourceView]:
        wanted = set(types)
        return [r for r in self.resources if r.type in wanted]


Check = Callable[[ResourceView, StackContext], list[str]]


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    enforcement: Enforcement
    resource_types: Container[str]
    """The type tokens the check looks at: a set, or a predicate over every type (`in` is all rules use)."""
    check: Check
    control: str
    """The AWS Security Hub control or AWS Control Tower (Guard) rule implemented, or `none`."""
    cross_resource: bool = False
    """Needs other resources of the stack (a stack validation policy under the SDK)."""
    advisory_outside_production: bool = False
    """Deliberate in dev (e.g. public IPs instead of a NAT gateway): reported, not blocking."""

    def enforcement_for(self, context: StackContext) -> Enforcement:
        if self.advisory_outside_production and not context.is_production:
            return ADVISORY
        return self.enforcement


def rule(
    rule_id: str,
    description: str,
    *,
    enforcement: Enforcement,
    resource_types: str | Container[str],
    control: str,
    cross_resource: bool = False,
    advisory_outside_production: bool = False,
) -> Callable[[Check], Rule]:
    """Declares the decorated check as a rule; the module attribute becomes the `Rule`."""
    if isinstance(resource_types, str):
        types: Container[str] = frozenset({resource_types})
    elif isinstance(resource_types, set | frozenset):
        types = frozenset(resource_types)
    else:
        types = resource_types

    def declare(check: Check) -> Rule:
        return Rule(
            rule_id,
            description,
            enforcement,
            types,
            check,
            control,
            cross_resource=cross_resource,
            advisory_outside_production=advisory_outside_production,
        )

    return declare


def rules_of(module: Any) -> list[Rule]:
    """The rules a module declares, in the order it declares them."""
    return [value for value in vars(module).values() if isinstance(value, Rule)]


@dataclass(frozen=True)
class Violation:
    rule_id: str
    enforcement: Enforcement
    control: str
    resource_type: str
    resource_name: str
    urn: str
    message: str

    def __str__(self) -> str:
        return f"[{self.enforcement}] {self.rule_id} ({self.control}) {self.resource_type} {self.resource_name}: " + (
            self.message
        )


def run_rules(rules: Iterable[Rule], context: StackContext) -> list[Violation]:
    """Every violation of `rules` by the resources in `context`."""
    found: list[Violation] = []
    for rule in rules:
        level = rule.enforcement_for(context)
        for resource in context.resources:
            if resource.type not in rule.resource_types:
                continue
            for message in rule.check(resource, context):
                found.append(
                    Violation(rule.id, level, rule.control, resource.type, resource.name, resource.urn, message)
                )
    return found


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def _default_tags(value: Any) -> dict[str, str]:
    """The `tags` of `aws:defaultTags`, given as a mapping (stack file) or JSON text (the CLI's config)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    tags = value.get("tags") if isinstance(value, Mapping) else None
    return {str(k): str(v) for k, v in tags.items()} if isinstance(tags, Mapping) else {}

"""Stack settings that pass component arguments through apply the component's own rules.

A settings model builds the args it will hand to a component and asks the component's declaration
whether they are valid; the component's message is turned into config wording (camelCase keys), so a
rule has one statement, in the component, whichever door the value came in by.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic.alias_generators import to_camel

from ecs_workloads.arguments import Arguments, Nested, NestedList, Rule
from ecs_workloads.validation import ArgumentProblems


def raise_component_problems(arguments: Arguments, args: dict[str, Any]) -> None:
    """Raises one ValueError (pydantic reports it at the settings' location) when `args`, all of the
    component's arguments that have no default, break a spec or rule of `arguments`; field names in the
    message are written as the config keys they came from."""
    problems = ArgumentProblems(arguments.typed_dict.__name__)
    arguments.check(args, problems)
    _raise(arguments, problems)


def raise_rule_problems(
    arguments: Arguments, rules: Iterable[Rule], args: Mapping[str, Any], keys: Mapping[str, str] | None = None
) -> None:
    """For a settings model that knows only some of a component's fields (the rest, such as the cluster,
    come from the foundation at build time): runs the given cross-field `rules` of `arguments` on them and
    raises like `raise_component_problems`. Each field has passed its own spec already, as its setting is
    built from it (`Spec.setting`). `keys` names the config key of a component field where it is not simply
    its camelCase (a nested `deployment.desired_count` set by a top-level `desiredCount`)."""
    problems = ArgumentProblems(arguments.typed_dict.__name__)
    for rule in rules:
        rule(args, problems, "")
    _raise(arguments, problems, keys)


def _raise(arguments: Arguments, problems: ArgumentProblems, keys: Mapping[str, str] | None = None) -> None:
    if problems:
        names = _field_names(arguments)
        raise ValueError("; ".join(_config_wording(line, names, keys or {}) for line in problems.lines()))


def _config_wording(line: str, names: frozenset[str], keys: Mapping[str, str]) -> str:
    """The field, and the field names the allowed part mentions ("at least min_tasks"), as config keys;
    the value stays as given."""
    field, separator, rest = line.partition(": ")
    key = keys.get(field) or ".".join(to_camel(part) for part in field.split("."))
    value, dash, allowed = rest.partition(" — ")
    allowed = _SNAKE_WORD.sub(lambda word: to_camel(word[0]) if word[0] in names else word[0], allowed)
    return key + separator + value + dash + allowed


_SNAKE_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _field_names(arguments: Arguments) -> frozenset[str]:
    """The fields of `arguments` and of the declarations nested in it."""
    names = set(arguments.names)
    for spec in arguments.specs.values():
        if isinstance(spec, Nested | NestedList) and spec.arguments is not None:
            names |= _field_names(spec.arguments)
    return frozenset(names)


def config_wording(line: str) -> str:
    """A problem line of a component's field path (`cats.workload.network_mode: ...`) in config keys."""
    field, separator, rest = line.partition(": ")
    return ".".join(to_camel(part) for part in field.split(".")) + separator + rest

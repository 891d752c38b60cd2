"""Stack settings that pass component arguments through apply the component's own rules.

A settings model builds the args it will hand to a component and asks the component's declaration
whether they are valid; the component's message is turned into config wording (camelCase keys), so a
rule has one statement, in the component, whichever door the value came in by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic.alias_generators import to_camel

from ecs_workloads.arguments import Arguments, Rule
from ecs_workloads.validation import ArgumentProblems


def raise_component_problems(arguments: Arguments, args: dict[str, Any]) -> None:
    """Raises one ValueError (pydantic reports it at the settings' location) when `args` break a rule
    of `arguments`; field names in the message are written as the config keys they came from."""
    problems = ArgumentProblems(arguments.typed_dict.__name__)
    arguments.check(args, problems)
    _raise(problems)


def raise_rule_problems(
    arguments: Arguments, rules: Iterable[Rule], args: Mapping[str, Any], keys: Mapping[str, str] | None = None
) -> None:
    """For a settings model that knows only some of a component's fields (the rest come from the foundation
    at build time): runs the given cross-field `rules` of `arguments` on them and raises like
    `raise_component_problems`. `keys` names the config key of a component field where it is not simply
    its camelCase (a nested `deployment.desired_count` set by a top-level `desiredCount`)."""
    problems = ArgumentProblems(arguments.typed_dict.__name__)
    for rule in rules:
        rule(args, problems, "")
    _raise(problems, keys or {})


def _raise(problems: ArgumentProblems, keys: Mapping[str, str] | None = None) -> None:
    if problems:
        raise ValueError("; ".join(_config_wording(line, keys or {}) for line in problems.lines()))


def _config_wording(line: str, keys: Mapping[str, str]) -> str:
    field, separator, rest = line.partition(": ")
    key = keys.get(field) or ".".join(to_camel(part) for part in field.split("."))
    return key + separator + rest

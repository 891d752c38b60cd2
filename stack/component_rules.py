"""Stack settings that pass component arguments through apply the component's own rules.

A settings model builds the args it will hand to a component and asks the component's declaration
whether they are valid; the component's message is turned into config wording (camelCase keys), so a
rule has one statement, in the component, whichever door the value came in by.
"""

from __future__ import annotations

from typing import Any

from pydantic.alias_generators import to_camel

from ecs_workloads.arguments import Arguments
from ecs_workloads.validation import ArgumentProblems


def raise_component_problems(arguments: Arguments, args: dict[str, Any], *, partial: bool = False) -> None:
    """Raises one ValueError (pydantic reports it at the settings' location) when `args` break a rule
    of `arguments`; field names in the message are written as the config keys they came from. `partial`:
    the settings pass some of the component's fields only (the rest, such as the cluster, come from the
    stack's foundation when the component is built), so the rules over those fields run without them."""
    problems = ArgumentProblems(arguments.typed_dict.__name__)
    arguments.check(args, problems, partial=partial)
    if problems:
        raise ValueError("; ".join(_config_wording(line) for line in problems.lines()))


def _config_wording(line: str) -> str:
    field, separator, rest = line.partition(": ")
    return ".".join(to_camel(part) for part in field.split(".")) + separator + rest

"""The component reference (docs/components.md), written from the declarations: each component's
arguments with their defaults and allowed values, and its outputs.

`python -m ecs_workloads.reference > docs/components.md` (or `make docs`) rewrites it;
tests/components/test_reference.py fails when the committed file is not what the declarations say.
"""

from __future__ import annotations

import collections.abc
import inspect
import sys
import typing
from importlib import import_module
from typing import Any

from .arguments import Arguments, FieldFacts, Nested, NestedList
from .outputs import declared_outputs, output_docs

# The documented components, in reading order, and the module-level name of each one's declaration.
DOCUMENTED = (
    ("network", "Network", "NETWORK_ARGS"),
    ("cluster", "EcsCluster", "ECS_CLUSTER_ARGS"),
    ("alarm_topic", "AlarmTopic", "ALARM_TOPIC_ARGS"),
    ("generated_secret", "GeneratedSecret", "GENERATED_SECRET_ARGS"),
    ("operations_dashboard", "OperationsDashboard", "OPERATIONS_DASHBOARD_ARGS"),
    ("private_bucket", "PrivateBucket", "PRIVATE_BUCKET_ARGS"),
)


def render() -> str:
    lines = [
        "# Component reference",
        "",
        "Generated from the argument declarations (`python -m ecs_workloads.reference`); do not edit by hand.",
        "Every argument is optional unless marked required. Invalid arguments fail before any resource is",
        "registered, with one message listing every problem as `field: value — what is allowed`.",
        "",
    ]
    for module_name, component_name, declaration_name in DOCUMENTED:
        module = import_module(f"{__package__}.{module_name}")
        component = getattr(module, component_name)
        arguments: Arguments = getattr(module, declaration_name)
        lines += [f"## {component_name}", "", inspect.cleandoc(component.__doc__ or ""), ""]
        lines += _arguments_table(arguments, f"{component_name} arguments (`{arguments.typed_dict.__name__}`)")
        lines += _outputs_table(component)
    return "\n".join(lines).rstrip() + "\n"


def _arguments_table(arguments: Arguments, title: str) -> list[str]:
    lines = [f"### {title}", "", "| argument | type | default | allowed | description |", "|---|---|---|---|---|"]
    nested: list[tuple[str, Arguments]] = []
    for facts in arguments.fields():
        lines.append(_row(arguments, facts))
        inner = facts.spec.arguments if isinstance(facts.spec, Nested | NestedList) else None
        if inner is not None:
            nested.append((f"`{facts.name}` (`{inner.typed_dict.__name__}`)", inner))
    lines.append("")
    for title_of, inner in nested:
        lines += _arguments_table(inner, title_of)
    return lines


def _row(arguments: Arguments, facts: FieldFacts) -> str:
    kind = _type_name(inspect.get_annotations(arguments.typed_dict)[facts.name])
    default = "**required**" if facts.required else facts.spec.default_text()
    allowed = "" if isinstance(facts.spec, Nested | NestedList) else facts.spec.allowed()
    return f"| `{facts.name}` | {kind} | {_cell(default)} | {_cell(allowed)} | {_cell(facts.description)} |"


def _outputs_table(component: type) -> list[str]:
    docs = output_docs(component)
    lines = ["### Outputs", "", "| output | type | description |", "|---|---|---|"]
    for name, annotation in declared_outputs(component).items():
        lines.append(f"| `{name}` | {_type_name(annotation)} | {_cell(docs[name])} |")
    return [*lines, ""]


def _type_name(annotation: Any) -> str:
    return f"`{_type_text(annotation)}`"


def _type_text(annotation: Any) -> str:
    """The annotation as written, read from the object: `typing.get_type_hints` cannot evaluate
    `pulumi.Input`, whose `Output` member is a forward reference into the pulumi package."""
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in (typing.Required, typing.NotRequired):
        return _type_text(arguments[0])
    if origin is typing.Union:
        # `pulumi.Input[X]` is `Union[X, Awaitable[X], Output[X]]`.
        awaited = [typing.get_args(a)[0] for a in arguments if typing.get_origin(a) is collections.abc.Awaitable]
        if awaited:
            return f"Input[{_type_text(awaited[0])}]"
        return " | ".join(_type_text(a) for a in arguments)
    if arguments:
        return f"{getattr(origin, '__name__', origin)}[{', '.join(_type_text(a) for a in arguments)}]"
    return getattr(annotation, "__name__", str(annotation))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    sys.stdout.write(render())

"""The component reference (docs/components.md), written from the declarations: each component's
arguments with their defaults and allowed values, and its outputs.

`python -m ecs_workloads.reference > docs/components.md` (or `make docs`) rewrites it;
tests/components/test_reference.py fails when the committed file is not what the declarations say.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
from functools import cache
from importlib import import_module
from typing import Any

from .arguments import Arguments, FieldFacts, Nested, NestedList
from .name_limits import ComponentNames
from .outputs import declared_outputs, output_docs

# The documented components, in reading order, and the module-level name of each one's declaration.
DOCUMENTED = (
    ("network", "Network", "NETWORK_ARGS"),
    ("cluster", "EcsCluster", "ECS_CLUSTER_ARGS"),
    ("auto_scaling_capacity", "AutoScalingCapacityProvider", "AUTO_SCALING_CAPACITY_ARGS"),
    ("managed_instances_capacity", "ManagedInstancesCapacityProvider", "MANAGED_INSTANCES_CAPACITY_ARGS"),
    ("fargate_workload", "FargateWorkload", "FARGATE_WORKLOAD_ARGS"),
    ("alb_web_service", "AlbWebService", "ALB_WEB_SERVICE_ARGS"),
    ("queue_backed_batch_service", "QueueBackedBatchService", "QUEUE_BACKED_BATCH_SERVICE_ARGS"),
    ("scheduled_ecs_task", "ScheduledEcsTask", "SCHEDULED_ECS_TASK_ARGS"),
    ("private_bucket", "PrivateBucket", "PRIVATE_BUCKET_ARGS"),
    ("generated_secret", "GeneratedSecret", "GENERATED_SECRET_ARGS"),
    ("alarm_topic", "AlarmTopic", "ALARM_TOPIC_ARGS"),
    ("operations_dashboard", "OperationsDashboard", "OPERATIONS_DASHBOARD_ARGS"),
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
        # A component whose children are autonamed declares its name bound beside its arguments.
        names: ComponentNames | None = getattr(module, declaration_name.replace("_ARGS", "_NAMES"), None)
        if names is not None:
            lines += [f"Name: {names.allowed()}.", ""]
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
    kind = _written_type(arguments.typed_dict, facts.name)
    default = "**required**" if facts.required else facts.spec.default_text()
    allowed = "" if isinstance(facts.spec, Nested | NestedList) else facts.spec.allowed()
    return f"| `{facts.name}` | {kind} | {_cell(default)} | {_cell(allowed)} | {_cell(facts.description)} |"


def _outputs_table(component: type) -> list[str]:
    docs = output_docs(component)
    lines = ["### Outputs", "", "| output | type | description |", "|---|---|---|"]
    for name, annotation in declared_outputs(component).items():
        lines.append(f"| `{name}` | {_type_name(annotation)} | {_cell(docs[name])} |")
    return [*lines, ""]


def _written_type(typed_dict: type, name: str) -> str:
    """A field's annotation as written (`pulumi.Input[str]`): evaluated, an Input is a Union holding a
    forward reference to `Output[T]` that only resolves inside pulumi's own module."""
    written = _annotations_as_written(typed_dict).get(name)
    if written is None:
        return _type_name(inspect.get_annotations(typed_dict)[name])
    unwrapped = _REQUIRED.sub(r"\2", written).replace("pulumi.", "")
    return f"`{unwrapped}`"


_REQUIRED = re.compile(r"^(Not)?Required\[(.*)\]$")


@cache
def _annotations_as_written(cls: type) -> dict[str, str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = next(node for node in tree.body if isinstance(node, ast.ClassDef)).body
    return {
        node.target.id: ast.unparse(node.annotation)
        for node in body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }


def _type_name(annotation: Any) -> str:
    text = str(annotation) if not isinstance(annotation, type) else annotation.__name__
    for noise in ("typing.", "pulumi.output.", "ecs_workloads.", "NotRequired", "Required"):
        text = text.replace(noise, "")
    return f"`{text}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    sys.stdout.write(render())

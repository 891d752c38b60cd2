"""The component reference (docs/components/), written from the declarations: on each component's page
(docs/components/<name>.md) its arguments with their defaults and allowed values, and its outputs; on the
index (docs/components/README.md) the table of components. The pages' prose is written by hand around
those generated sections.

`python -m ecs_workloads.reference docs/components` (or `make docs`) rewrites the sections;
tests/components/test_reference.py fails when a committed page is not what the declarations say.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any, NamedTuple

from .arguments import Arguments, FieldFacts, Nested, NestedList, class_bodies
from .markdown_section import Section
from .name_limits import ComponentNames
from .outputs import declared_outputs, output_docs


class Documented(NamedTuple):
    module: str
    component: str
    declaration: str
    """The module-level name of the component's argument declaration."""

    @property
    def page(self) -> str:
        """The component's page under docs/components/."""
        return f"{self.module.replace('_', '-')}.md"


# The documented components, in reading order.
DOCUMENTED = (
    Documented("network", "Network", "NETWORK_ARGS"),
    Documented("cluster", "EcsCluster", "ECS_CLUSTER_ARGS"),
    Documented("auto_scaling_capacity", "AutoScalingCapacityProvider", "AUTO_SCALING_CAPACITY_ARGS"),
    Documented("managed_instances_capacity", "ManagedInstancesCapacityProvider", "MANAGED_INSTANCES_CAPACITY_ARGS"),
    Documented("fargate_workload", "FargateWorkload", "FARGATE_WORKLOAD_ARGS"),
    Documented("alb_web_service", "AlbWebService", "ALB_WEB_SERVICE_ARGS"),
    Documented("backend_service", "BackendService", "BACKEND_SERVICE_ARGS"),
    Documented("queue_backed_batch_service", "QueueBackedBatchService", "QUEUE_BACKED_BATCH_SERVICE_ARGS"),
    Documented("scheduled_ecs_task", "ScheduledEcsTask", "SCHEDULED_ECS_TASK_ARGS"),
    Documented("job_run_workflow", "JobRunWorkflow", "JOB_RUN_WORKFLOW_ARGS"),
    Documented("private_bucket", "PrivateBucket", "PRIVATE_BUCKET_ARGS"),
    Documented("efs_file_system", "EfsFileSystem", "EFS_FILE_SYSTEM_ARGS"),
    Documented("generated_secret", "GeneratedSecret", "GENERATED_SECRET_ARGS"),
    Documented("alarm_topic", "AlarmTopic", "ALARM_TOPIC_ARGS"),
    Documented("operations_dashboard", "OperationsDashboard", "OPERATIONS_DASHBOARD_ARGS"),
)

INDEX = "README.md"
COMPONENTS = Section("component table", "make docs")
REFERENCE = Section("arguments and outputs", "make docs")


def pages() -> dict[str, str]:
    """Each page under docs/components/ -> its generated section."""
    return {INDEX: render_index(), **{entry.page: render(entry) for entry in DOCUMENTED}}


def render_index() -> str:
    rows = [f"| [`{e.component}`]({e.page}) | {_cell(_summary(e))} |" for e in DOCUMENTED]
    return "\n".join(["| component | what it is |", "|---|---|", *rows])


def render(entry: Documented) -> str:
    module = import_module(f"{__package__}.{entry.module}")
    arguments: Arguments = getattr(module, entry.declaration)
    lines = [
        "## Arguments and outputs",
        "",
        "Generated from the argument declarations (`make docs`). Every argument is optional unless marked",
        "required. Invalid arguments fail before any resource is registered, with one message listing every",
        "problem as `field: value — what is allowed`.",
        "",
    ]
    # A component whose children are autonamed declares its name bound beside its arguments.
    names: ComponentNames | None = getattr(module, entry.declaration.replace("_ARGS", "_NAMES"), None)
    if names is not None:
        lines += [f"Name: {names.allowed()}.", ""]
    lines += _arguments_table(arguments, f"{entry.component} arguments (`{arguments.typed_dict.__name__}`)")
    lines += _outputs_table(getattr(module, entry.component))
    return "\n".join(lines).rstrip() + "\n"


def _summary(entry: Documented) -> str:
    component = getattr(import_module(f"{__package__}.{entry.module}"), entry.component)
    return " ".join(inspect.cleandoc(component.__doc__ or "").split("\n\n")[0].split())


def write(directory: Path) -> list[Path]:
    """Rewrites the generated section of every page under `directory`, starting a page that does not exist
    yet with its title; returns the pages that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for page, body in pages().items():
        path = directory / page
        section = COMPONENTS if page == INDEX else REFERENCE
        if not path.exists():
            title = "Components" if page == INDEX else next(e.component for e in DOCUMENTED if e.page == page)
            path.write_text(f"# {title}\n\n{section.start}\n{section.end}\n")
        if section.write(path, body):
            changed.append(path)
    return changed


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
    own = inspect.get_annotations(arguments.typed_dict)
    declaring = arguments.typed_dict if facts.name in own else arguments.origin
    kind = _written_type(declaring, facts.name)
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
    return {
        node.target.id: ast.unparse(node.annotation)
        for body in class_bodies(cls)
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
    if len(sys.argv) != 2:
        sys.exit("usage: python -m ecs_workloads.reference DIRECTORY  (docs/components)")
    for path in write(Path(sys.argv[1])):
        print(f"{path}: rewritten")

"""The components as a Pulumi package, `ecs-workloads`, for programs in any Pulumi language.

`EcsWorkloadsProvider` is Pulumi's `ComponentProvider` (which infers the schema from the args TypedDicts and
the components' annotated outputs, and constructs a component from the engine's inputs) with two repairs
for what the SDK leaves out:

- descriptions: the analyzer reads only a class's own docstrings, so fields declared on a base (the
  shapes' common outputs) came out undescribed; here each property's description is its docstring found
  along the class's MRO, followed by the default its `Arguments` declaration gives (`Spec.default_text`,
  the text the docs tables show), so no default is written a second time;
- integers: the wire carries every number as a double, and the SDK's conversion to `int` is overwritten by
  the float it received; here a whole float becomes an `int` wherever the schema says integer, at any depth
  (a fractional one stays a float, for the component's own message to name it).

Both overrides reach into `ComponentProvider`'s semi-internal parts (`_component_defs`, `_type_defs`,
`map_input_properties`), so the plugin pins the SDK (provider/requirements.txt) and the construct tests in
tests/package guard an upgrade.

`python -m ecs_workloads.package_provider --schema provider/schema.json` (`make schema`) writes the schema
the plugin serves; tests/package/test_schema.py fails when the committed file differs.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Iterator
from importlib import import_module
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import pulumi
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.schema import generate_schema
from pulumi.provider.provider import Provider

from .arguments import MISSING, Arguments, Nested, NestedList, Refused, field_docstrings
from .outputs import output_docs
from .reference import DOCUMENTED

PACKAGE = "ecs-workloads"
"""The package's name: the first part of every schema token, `ecs-workloads:index:<Name>`."""

VERSION = installed_version(PACKAGE)
"""The package version is the distribution's (pyproject.toml `version`, declared there only)."""

# The components other languages construct (the class names, as the schema names them).
HOSTED = (
    "Network",
    "EcsCluster",
    "FargateWorkload",
    "AlbWebService",
    "BackendService",
    "QueueBackedBatchService",
    "ScheduledEcsTask",
    "JobRunWorkflow",
    "PrivateBucket",
    "EfsFileSystem",
    "GeneratedSecret",
    "AlarmTopic",
    "OperationsDashboard",
)

# The public components left out, and why (tests/package/test_schema.py: every public component is in one of
# the two, so a new one needs a decision).
NOT_HOSTED = {
    "AutoScalingCapacityProvider": "EcsCluster builds it from a `capacity_providers` entry; standalone, the "
    "facts a workload needs from it are plain values another language could only restate",
    "ManagedInstancesCapacityProvider": "EcsCluster builds it from a `capacity_providers` entry, as above",
}


def hosted_components() -> list[type[pulumi.ComponentResource]]:
    """The hosted component classes, loaded from the modules the reference declares them in."""
    modules = {entry.component: entry.module for entry in DOCUMENTED}
    return [getattr(import_module(f"{__package__}.{modules[name]}"), name) for name in HOSTED]


def declaration(component: type) -> Arguments:
    """The `Arguments` declaration of a component's args (the one its reference page is generated from)."""
    entry = next(entry for entry in DOCUMENTED if entry.component == component.__name__)
    return getattr(import_module(f"{__package__}.{entry.module}"), entry.declaration)


class EcsWorkloadsProvider(ComponentProvider):
    """`ComponentProvider` for the hosted components, with complete descriptions and whole numbers as ints."""

    def __init__(self) -> None:
        components = hosted_components()
        super().__init__(components, PACKAGE, None, VERSION)
        defaults = _defaults(declaration(component) for component in components)
        for name, definition in self._component_defs.items():
            component = self._components[name]
            # The analyzer keeps a docstring's source indentation, which SDK docs would show as code blocks.
            definition.description = inspect.cleandoc(definition.description or "") or None
            args_type = inspect.get_annotations(component.__init__)["args"]
            _describe(definition.inputs, definition.inputs_mapping, _docs_along_mro(args_type), defaults.get(args_type))
            _describe(definition.outputs, definition.outputs_mapping, output_docs(component), None)
        for type_def in self._type_defs.values():
            type_def.description = inspect.cleandoc(type_def.description or "") or None
            if type_def.enum:
                continue
            docs = _docs_along_mro(type_def.python_type)
            _describe(type_def.properties, type_def.properties_mapping, docs, defaults.get(type_def.python_type))
        schema = generate_schema(
            PACKAGE, VERSION, None, self._component_defs, self._type_defs, self._dependencies
        ).to_json()
        # The schema ComponentProvider served was generated before the descriptions were complete.
        Provider.__init__(self, VERSION, json.dumps(schema))

    def map_input_properties(
        self,
        inputs: Any,
        properties: dict[str, PropertyDefinition],
        mapping: dict[str, str],
        component_name: str,
        property_path: str,
    ) -> Any:
        # The SDK recurses into nested objects through this same method, so every level passes here.
        if not isinstance(inputs, dict):
            return super().map_input_properties(inputs, properties, mapping, component_name, property_path)
        given = dict(inputs)
        later: dict[str, pulumi.Output[Any]] = {}
        for schema_name, prop in properties.items():
            value = given.get(schema_name)
            if prop.type is not PropertyType.INTEGER or value is None:
                continue
            if isinstance(value, pulumi.Output):
                # The SDK would call int() on the Output itself (a TypeError): it gets a stand-in, and the
                # component gets the Output converted when it resolves.
                later[schema_name] = value.apply(_whole)
                given[schema_name] = 0
            else:
                given[schema_name] = _whole(value)
        mapped = dict(super().map_input_properties(given, properties, mapping, component_name, property_path))
        for schema_name, output in later.items():
            mapped[mapping[schema_name]] = output
        return mapped


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _docs_along_mro(cls: type) -> dict[str, str]:
    """Each field's docstring, from the class that declares it (a subclass's own wins)."""
    docs: dict[str, str] = {}
    for base in reversed(cls.__mro__):
        if base.__module__.startswith(f"{__package__}.") and "__annotations__" in base.__dict__:
            docs.update(field_docstrings(base))
    return docs


def _defaults(declarations: Iterator[Arguments]) -> dict[type, dict[str, str]]:
    """TypedDict -> field -> the default text, for every declaration reachable from the components'.

    One TypedDict may be declared more than once (a shape embeds the workload's fields, refusing those it
    sets itself); the schema has one type for it, so a field takes the default of the declaration that
    accepts it."""
    found: dict[type, dict[str, str]] = {}
    pending = list(declarations)
    seen: set[int] = set()
    while pending:
        arguments = pending.pop()
        if id(arguments) in seen:
            continue
        seen.add(id(arguments))
        texts = found.setdefault(arguments.typed_dict, {})
        for name, spec in arguments.specs.items():
            if isinstance(spec, Nested | NestedList) and spec.arguments is not None:
                pending.append(spec.arguments)
            if isinstance(spec, Refused) or name in arguments.required:
                continue
            if spec.default is not MISSING or spec.otherwise is not None:
                texts.setdefault(name, spec.default_text())
    return found


def _describe(
    properties: dict[str, PropertyDefinition],
    mapping: dict[str, str],
    docs: dict[str, str],
    defaults: dict[str, str] | None,
) -> None:
    for schema_name, prop in properties.items():
        field = mapping[schema_name]
        # One line, as field_docstrings reads it: the docstrings wrap at the source's line length.
        text = " ".join((prop.description or docs.get(field, "")).split())
        default = (defaults or {}).get(field)
        if default is not None:
            text = f"{text} Default: {default}."
        prop.description = text.strip() or None


def schema() -> dict[str, Any]:
    """The schema the plugin serves (GetSchema), as JSON data."""
    served = EcsWorkloadsProvider().schema
    if served is None:  # Provider keeps it optional; EcsWorkloadsProvider always sets it
        raise RuntimeError("EcsWorkloadsProvider has no schema")
    return json.loads(served)


def schema_text() -> str:
    """The committed form of the schema: sorted keys, two-space indents, a final newline."""
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--schema":
        sys.exit("usage: python -m ecs_workloads.package_provider --schema FILE  (provider/schema.json)")
    target = Path(sys.argv[2])
    text = schema_text()
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
        print(f"{target}: rewritten")

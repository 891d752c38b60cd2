"""Pulumi's project file and stack files, read whole: nothing in them is silently ignored.

The Pulumi CLI decodes `Pulumi.<stack>.yaml` into its `ProjectStack` (pulumi/pulumi,
sdk/go/common/workspace/project.go) and drops any top-level key it does not know, so `configs:` instead of
`config:` leaves the stack on its defaults. This module refuses that, and everything else that would be
lost on the way to the program: a YAML syntax error, a key written twice (at any depth; the second would
silently win), a config key under a namespace nothing reads (`ecs-workload:cats`). Each problem is one line,
`<file>:<line>:<column>: <what is wrong>`, raised as `StackConfigError`.

A key without a namespace (`cats:`) is what the CLI takes as the project's own key (`<project>:cats`,
LoadProjectStackBytes in sdk/go/common/workspace/loaders.go), and so is the old `<project>:config:cats`
form (ParseKey in sdk/go/common/resource/config/key.go): both are read that way here too, with a warning
naming the full key. The harness, the offline tools and the program itself (under `pulumi up`) all read the
files through `read_stack`.

Values come out as the CLI hands them on: YAML 1.2 (`yes` is a string), timestamps as their text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from ruamel.yaml.scalarbool import ScalarBoolean

from ecs_workloads.validation import unknown

NAMESPACE = "ecs-workloads"
"""The program's own config namespace: every `ecs-workloads:*` key is a stack setting (stack/settings.py)."""

PROVIDER_NAMESPACES = ("aws", "pulumi")
"""Namespaces read outside the program: the AWS provider's (`aws:region`, `aws:defaultTags`, ...) and the Pulumi
engine's own (`pulumi:tags`, `pulumi:disable-default-providers`, documented under "Built-in configuration"
on Pulumi's configuration page)."""

NAMESPACES = tuple(sorted((NAMESPACE, *PROVIDER_NAMESPACES)))
"""Every config namespace a stack file may use."""

STACK_FILE_KEYS = ("config", "encryptedkey", "encryptionsalt", "environment", "mainEnvironment", "secretsprovider")
"""The top-level keys of a stack file: the fields of the CLI's `ProjectStack`."""

_OLD_FORM = ":config:"


class StackConfigError(pulumi.RunError):
    """A bad stack config. A RunError, so `pulumi up` prints the message without a traceback."""


@dataclass(frozen=True)
class Location:
    """Where a key is written: 1-based line and column, as editors count."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


KeyPath = tuple[str | int, ...]
"""A config key and the keys or list indexes inside its value: `("ecs-workloads:jobs", 0, "name")`."""


@dataclass
class StackConfig:
    """Config as `namespace:key -> value` (plain YAML values), with where each key and nested key is written."""

    values: dict[str, Any] = field(default_factory=dict)
    locations: dict[KeyPath, Location] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def location(self, path: KeyPath) -> Location | None:
        """Where `path` is written, else its nearest written parent (a required key that is missing)."""
        for end in range(len(path), 0, -1):
            found = self.locations.get(path[:end])
            if found is not None:
                return found
        return None

    def update(self, other: StackConfig) -> None:
        """`other` on top: a key it sets replaces this one's, with every nested location."""
        for key in other.values:
            self.locations = {path: at for path, at in self.locations.items() if path[0] != key}
        self.values.update(other.values)
        self.locations.update(other.locations)
        self.warnings.extend(other.warnings)


def project_name(project_dir: Path) -> str:
    return _project(project_dir)[0]


def read_stack(stack: str, project_dir: Path) -> StackConfig:
    """The config `pulumi up --stack <stack>` gives the program: Pulumi.yaml's values, then the stack file's.

    Raises StackConfigError for any problem of either file, FileNotFoundError when the stack has no file."""
    name, project = _project(project_dir)
    merged = _config(project.get("config"), project_dir / "Pulumi.yaml", name, project_config=True, parent=project)
    directory = project_dir / str(project.get("stackConfigDir") or ".")
    path = directory / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no stack file {path.name} in {directory}")
    document = _load(path)
    if document is None:
        return merged
    if not isinstance(document, CommentedMap):
        raise StackConfigError(
            f"{_start(path)}: {_show(document)} — a stack file is a mapping with keys from: "
            f"{', '.join(STACK_FILE_KEYS)}"
        )
    for key in document:
        if key not in STACK_FILE_KEYS:
            at = _key_location(path, document, key)
            raise StackConfigError(f"{at}: {key} — {unknown('top-level key', str(key), STACK_FILE_KEYS)}")
    merged.update(_config(document.get("config"), path, name, project_config=False, parent=document))
    return merged


def _project(project_dir: Path) -> tuple[str, CommentedMap]:
    path = project_dir / "Pulumi.yaml"
    document = _load(path)
    if not isinstance(document, CommentedMap) or not isinstance(document.get("name"), str):
        raise StackConfigError(f"{_start(path)}: a project file is a mapping with a `name`")
    return document["name"], document


def _config(
    section: Any, path: Path, project: str, *, project_config: bool, parent: CommentedMap | None = None
) -> StackConfig:
    found = StackConfig()
    if section is None:
        return found
    if not isinstance(section, CommentedMap):
        at = _key_location(path, parent, "config") if parent is not None else _start(path)
        raise StackConfigError(f"{at}: config — must be a mapping of `namespace:key: value`")
    for key, value in section.items():
        at = _key_location(path, section, key)
        full_key = _full_key(str(key), project)
        # Pulumi.yaml declares the project's own keys without a namespace: only there is that the usual form.
        if full_key != key and (not project_config or ":" in str(key)):
            found.warnings.append(f"{at}: {key} — read as {full_key}, as the Pulumi CLI does; write {full_key}")
        namespace = full_key.split(":", 1)[0]
        if namespace not in NAMESPACES:
            raise StackConfigError(
                f"{at}: {key} — {unknown(f'config namespace {_show(namespace)}', namespace, NAMESPACES)}"
            )
        if full_key in found.values:
            first = found.locations[(full_key,)]
            raise StackConfigError(
                f"{at}: {key} — duplicate key (line {first.line} sets {full_key} too); only one value would count"
            )
        if project_config and isinstance(value, CommentedMap):
            # Pulumi.yaml declares a key with `value` or `default` (and `type`, `description`, `secret`).
            chosen = next((part for part in ("value", "default") if part in value), None)
            if chosen is None:
                continue
            value = value[chosen]
        found.values[full_key] = _plain(value)
        found.locations[(full_key,)] = at
        _record(found, path, (full_key,), value)
    return found


def _full_key(key: str, project: str) -> str:
    if ":" not in key:
        return f"{project}:{key}"
    if key.count(":") == 2 and _OLD_FORM in key:
        return key.replace(_OLD_FORM, ":", 1)
    return key


def _record(found: StackConfig, path: Path, at: KeyPath, value: Any) -> None:
    """The location of every nested key and list item of `value`."""
    if isinstance(value, CommentedMap):
        for key, item in value.items():
            found.locations[(*at, str(key))] = _key_location(path, value, key)
            _record(found, path, (*at, str(key)), item)
    elif isinstance(value, CommentedSeq):
        for index, item in enumerate(value):
            line, column = value.lc.item(index)
            found.locations[(*at, index)] = Location(path.name, line + 1, column + 1)
            _record(found, path, (*at, index), item)


class _Constructor(RoundTripConstructor):
    """Round-trip loading (it keeps every key's line and column, and refuses duplicate keys), with
    timestamps kept as the text written: the CLI passes them to the program as strings."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


def _load(path: Path) -> Any:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        return yaml.load(path.read_text(encoding="utf-8-sig"))
    except DuplicateKeyError as error:
        raise StackConfigError(_duplicate(path, yaml, error)) from None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path.name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path.name
        problem = " ".join(str(error.problem or error.context or "invalid YAML").split())
        context = f" ({' '.join(str(error.context).split())})" if error.context and error.problem else ""
        raise StackConfigError(f"{where}: YAML syntax error: {problem}{context}") from None


def _duplicate(path: Path, yaml: YAML, error: DuplicateKeyError) -> str:
    """`<where>: <key> — set twice`, naming the line of the first one: ruamel says only where the mapping starts."""
    mark = error.problem_mark
    mapping = _node_at(yaml.compose(path.read_text(encoding="utf-8-sig")), error.context_mark)
    keys = [key for key, _ in mapping.value] if isinstance(mapping, MappingNode) else []
    duplicate = next((key for key in keys if key.start_mark.index == mark.index), None)
    first = next((key for key in keys if duplicate is not None and key.value == duplicate.value), None)
    name = duplicate.value if duplicate is not None else "key"
    earlier = f" (first at line {first.start_mark.line + 1})" if first is not None and first is not duplicate else ""
    return f"{path.name}:{mark.line + 1}:{mark.column + 1}: {name} — duplicate key{earlier}; only one value would count"


def _node_at(node: Node | None, mark: Any) -> Node | None:
    """The mapping node that starts at `mark`."""
    if node is None:
        return None
    if isinstance(node, MappingNode) and node.start_mark.index == mark.index:
        return node
    children: list[Node] = []
    if isinstance(node, MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, SequenceNode):
        children = list(node.value)
    for child in children:
        found = _node_at(child, mark)
        if found is not None:
            return found
    return None


def _key_location(path: Path, mapping: CommentedMap, key: Any) -> Location:
    line, column = mapping.lc.key(key)
    return Location(path.name, line + 1, column + 1)


def _start(path: Path) -> Location:
    return Location(path.name, 1, 1)


def _plain(value: Any) -> Any:
    """ruamel's round-trip types (CommentedMap, ScalarInt, ...) as the plain values json and pydantic expect."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, bool | ScalarBoolean) or value is None:
        return None if value is None else bool(value)
    for plain in (str, int, float):
        if isinstance(value, plain):
            return plain(value)
    # A scalar with a tag of its own (`!secret x`): the CLI passes its text.
    return str(getattr(value, "value", value))


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)

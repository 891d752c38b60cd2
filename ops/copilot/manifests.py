"""Reading a Copilot application's manifests and applying one environment's overrides.

Copilot reads `copilot/<workload>/manifest.yml` (one workload each) and `copilot/environments/<env>/manifest.yml`.
A workload's `environments.<env>` block overrides its top level with mergo and the transformers of
aws/copilot-cli internal/pkg/manifest/transform.go: mappings merge key by key, scalars and lists replace
(`basicTransformer`: a set slice or pointer wins, an unset one keeps the base), and where a field takes one
of two forms, setting one form in the override clears the other (`imageTransformer`: image.build vs
image.location; `advancedCountTransformer`: count.spot vs the autoscaling fields; `efsVolumeConfigurationTransformer`:
efs id/root_dir/auth vs uid/gid; the OrBool/OrString transformers: a scalar replaces a mapping and back).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from ..errors import ExitCode, OpsError

JOB = "Scheduled Job"
WORKER = "Worker Service"
WEB = "Load Balanced Web Service"
BACKEND = "Backend Service"
ENVIRONMENT = "Environment"
WORKLOAD_TYPES = (WEB, BACKEND, WORKER, JOB)
"""The Copilot workload types this importer converts (manifestinfo in aws/copilot-cli)."""

Path_ = tuple[str | int, ...]

# Fields where an override in one form clears the other form in the base (transform.go). Each entry: the
# mapping they sit in (`*` any key), then groups of keys; keys of one group clear every other group's keys.
_EXCLUSIVE: tuple[tuple[Path_, tuple[tuple[str, ...], ...]], ...] = (
    (("image",), (("build",), ("location",))),
    (("sidecars", "*", "image"), (("build",), ("location",))),
    (
        ("count",),
        (
            ("spot",),
            ("range", "cooldown", "cpu_percentage", "memory_percentage", "requests", "response_time", "queue_delay"),
        ),
    ),
    (("storage", "volumes", "*", "efs"), (("id", "root_dir", "auth"), ("uid", "gid"))),
)


class ImportInputError(OpsError):
    """Input the importer cannot read: exit 2 with one line naming the file (and line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.USAGE)


@dataclass(frozen=True)
class Manifest:
    """One manifest: its file (relative to DIR), its type and name, and its fields after overrides."""

    file: str
    type: str
    name: str
    fields: dict[str, Any]
    environments: tuple[str, ...]
    """Names under its `environments:` (reported: the one applied, the others left out)."""


@dataclass(frozen=True)
class Application:
    workloads: tuple[Manifest, ...]
    environment: Manifest | None
    environment_names: tuple[str, ...]


def read_application(directory: Path, env: str | None) -> Application:
    """The workloads of DIR/copilot in name order, overridden for `env`, and `env`'s environment manifest."""
    root = directory / "copilot"
    if not directory.is_dir():
        raise ImportInputError(f"{directory}: no such directory")
    if not root.is_dir():
        raise ImportInputError(f"{directory}: no copilot/ directory (a Copilot application keeps its manifests there)")
    environment_files = sorted(root.glob("environments/*/manifest.yml"))
    environment_names = tuple(path.parent.name for path in environment_files)
    if env is not None and environment_names and env not in environment_names:
        raise ImportInputError(
            f"{root / 'environments'}: no environment {env!r}; environments: {', '.join(environment_names)}"
        )
    if env is None and len(environment_names) == 1:
        env = environment_names[0]
    environment = None
    for path in environment_files:
        if path.parent.name == env:
            raw = _load(path, directory)
            environment = Manifest(_relative(path, directory), ENVIRONMENT, str(raw.get("name", env)), raw, ())
    workloads = []
    for path in sorted(root.glob("*/manifest.yml")):
        if path.parent.name == "environments":
            continue
        raw = _load(path, directory)
        kind = raw.get("type")
        if kind not in WORKLOAD_TYPES:
            line = _line_of(raw, "type")
            raise ImportInputError(
                f"{_relative(path, directory)}:{line}: type: {kind!r} — unknown workload type; this importer "
                f"converts {', '.join(WORKLOAD_TYPES)}"
            )
        overrides = raw.get("environments") or {}
        names = tuple(str(name) for name in overrides)
        fields = {key: value for key, value in raw.items() if key != "environments"}
        if env is not None and env in overrides and overrides[env] is not None:
            fields = apply_override(fields, overrides[env])
        workloads.append(
            Manifest(_relative(path, directory), kind, str(raw.get("name", path.parent.name)), fields, names)
        )
    if not workloads and not environment_files:
        raise ImportInputError(f"{directory}: no copilot/*/manifest.yml (neither a workload nor an environment)")
    return Application(tuple(workloads), environment, environment_names)


def apply_override(base: Mapping[str, Any], override: Mapping[str, Any], at: Path_ = ()) -> dict[str, Any]:
    """`base` with `override` merged in as Copilot's transformers do (module docstring)."""
    merged = dict(base)
    for group_keys in _exclusive_groups(at):
        if any(key in override and override[key] is not None for key in group_keys[0]):
            for key in group_keys[1]:
                merged.pop(key, None)
    for key, value in override.items():
        if value is None:
            # An unset pointer in the override keeps the base's value (transformPBasicOrSlice).
            continue
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = apply_override(current, value, (*at, key))
        else:
            merged[key] = _plain(value)
    return merged


def _exclusive_groups(at: Path_) -> Iterator[tuple[tuple[str, ...], tuple[str, ...]]]:
    for where, groups in _EXCLUSIVE:
        if len(where) == len(at) and all(part in ("*", given) for part, given in zip(where, at, strict=True)):
            for index, group in enumerate(groups):
                others = tuple(key for other, keys in enumerate(groups) if other != index for key in keys)
                yield group, others


def leaf_paths(fields: Mapping[str, Any]) -> Iterator[Path_]:
    """Every field the manifest sets: scalars, lists of scalars, and empty mappings, by their path; a list of
    mappings by each item's fields (`subscribe.topics[0].name`)."""

    def walk(node: Any, at: Path_) -> Iterator[Path_]:
        if isinstance(node, Mapping) and node:
            for key, value in node.items():
                yield from walk(value, (*at, str(key)))
        elif isinstance(node, list) and any(isinstance(item, Mapping) for item in node):
            for index, item in enumerate(node):
                yield from walk(item, (*at, index))
        else:
            yield at

    yield from walk(fields, ())


def show_path(path: Path_) -> str:
    """`http.alias`, `subscribe.topics[0].name`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def value_at(fields: Mapping[str, Any], path: Path_) -> Any:
    node: Any = fields
    for part in path:
        node = node[part]
    return node


def _relative(path: Path, directory: Path) -> str:
    return str(path.relative_to(directory))


def _load(path: Path, directory: Path) -> dict[str, Any]:
    yaml = YAML(typ="rt")
    try:
        with path.open(encoding="utf-8") as stream:
            data = yaml.load(stream)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ImportInputError(
            f"{_relative(path, directory)}{line}: bad YAML: {error.problem or error.context}"
        ) from None
    except OSError as error:
        raise ImportInputError(f"{_relative(path, directory)}: cannot read: {error.strerror}") from None
    if not isinstance(data, Mapping):
        raise ImportInputError(f"{_relative(path, directory)}:1: a manifest is a mapping of fields")
    return data  # type: ignore[return-value]


def _line_of(mapping: Any, key: str) -> int:
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return 1


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value

"""The one place that reads `pulumi.Config`: raw stack config in, validated `StackSettings` out."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pulumi
from pydantic import ValidationError

from ecs_workloads.validation import unknown

from .placeholders import OFFLINE_PLAN_KEY, placeholder_problems
from .settings import StackSettings
from .stack_file import NAMESPACE, Location, StackConfig, StackConfigError, read_stack
from .tags import DEFAULT_TAGS_KEY, REQUIRED_TAGS

_SEE_REFERENCE = "see the configuration reference in docs/configuration.md"

Where = Callable[[tuple[Any, ...]], Location | None]
"""Where a config path (`("jobs", 0, "name")` under `ecs-workloads:`) is written in the stack's files, if it is."""


def load_settings() -> StackSettings:
    """Reads every `ecs-workloads:*` key and the provider's default tags and validates them together, before
    any resource exists. Example values left in the stack file (stack/placeholders.py) are refused too, unless
    the mock harness says the program runs for the offline plan; there they are warnings.

    The stack's files are read whole first (stack/stack_file.py): the CLI ignores what it does not know in
    them (a misspelt `config:`), so the program refuses it; and a bad value is reported at its line."""
    stack = pulumi.get_stack()
    files = _stack_files(stack)
    for warning in files.warnings:
        pulumi.log.warn(warning)
    every = _every_config_value()
    prefix = f"{NAMESPACE}:"
    raw = {key[len(prefix) :]: _parse(value) for key, value in every.items() if key.startswith(prefix)}
    where = _where(files, raw)
    tags_problems = default_tags_problems(_parse(every.get(DEFAULT_TAGS_KEY)), stack)
    tags_at = files.location((DEFAULT_TAGS_KEY,)) if _same(files, DEFAULT_TAGS_KEY, every) else None
    settings = _validated(raw, [_located(problem, tags_at) for problem in tags_problems], where)
    placeholders = placeholder_problems(settings, NAMESPACE, where)
    if placeholders and _parse(every.get(OFFLINE_PLAN_KEY)) is not True:
        raise _config_error(placeholders)
    for problem in placeholders:
        # The offline plan shows the production shape with the stack file's examples; deploying refuses them.
        pulumi.log.warn(f"{problem} (pulumi up refuses it)")
    return settings


def settings_from_raw(raw: dict[str, Any]) -> StackSettings:
    return _validated(raw, [])


def settings_from_stack(files: StackConfig) -> StackSettings:
    """The settings of a stack's files as read by `stack_file.read_stack`, each problem at its line."""
    prefix = f"{NAMESPACE}:"
    raw = {key[len(prefix) :]: value for key, value in files.values.items() if key.startswith(prefix)}
    return _validated(raw, [], _where(files, raw))


def _stack_files(stack: str) -> StackConfig:
    """The stack's files, where the CLI ran the program (its project root); none when the stack has no file."""
    root = Path(pulumi.get_root_directory() or os.getcwd())
    if not (root / "Pulumi.yaml").is_file():
        return StackConfig()
    try:
        return read_stack(stack, root)
    except FileNotFoundError:
        # The CLI runs a stack without a file on its Pulumi.yaml defaults and `pulumi config set` values.
        return StackConfig()


def _where(files: StackConfig, raw: dict[str, Any]) -> Where:
    """Locations of the keys whose values are the files' own: a value that came from elsewhere (an ESC
    environment, a test's variant of the stack) has no line to point at."""
    same = {key for key, value in raw.items() if files.values.get(f"{NAMESPACE}:{key}") == value}

    def where(path: tuple[Any, ...]) -> Location | None:
        if not path or path[0] not in same:
            return None
        return files.location((f"{NAMESPACE}:{path[0]}", *path[1:]))

    return where


def _same(files: StackConfig, key: str, every: Mapping[str, Any]) -> bool:
    return key in files.values and files.values[key] == _parse(every.get(key))


def _located(problem: str, at: Location | None) -> str:
    return problem if at is None else f"{at}: {problem}"


def _validated(raw: dict[str, Any], problems: list[str], where: Where | None = None) -> StackSettings:
    try:
        settings = StackSettings.model_validate(raw)
    except ValidationError as error:
        described = [_located(_describe(detail), where(detail["loc"]) if where else None) for detail in error.errors()]
        raise _config_error([*described, *problems]) from None
    if problems:
        raise _config_error(problems)
    return settings


def _config_error(problems: list[str]) -> StackConfigError:
    return StackConfigError("invalid stack config:\n  " + "\n  ".join(problems))


def _every_config_value() -> dict[str, str]:
    """Every `namespace:key` the stack sets. The one use of a Pulumi SDK internal outside harness/."""
    # `pulumi.Config` can only look a key up by name; no public API lists the keys a stack sets, and without
    # that list a misspelt key would be silently ignored instead of reported. Keys from `pulumi config set`
    # reach the program as PULUMI_CONFIG (get_config_env); the mocks set them in the SDK's CONFIG directly.
    from pulumi.runtime import config as sdk_config

    return {**sdk_config.get_config_env(), **sdk_config.CONFIG.get()}


def default_tags_problems(value: Any, stack: str) -> list[str]:
    """What is wrong with `aws:defaultTags` (`{"tags": {...}}`) for `stack`: it must set every required tag,
    `stack` to the stack's name."""
    tags = value.get("tags") if isinstance(value, dict) else None
    if not isinstance(tags, dict):
        shown = "(missing)" if value is None else _show(value)
        example = {"tags": {key: stack if key == "stack" else "..." for key in REQUIRED_TAGS}}
        return [f"{DEFAULT_TAGS_KEY}: {shown} — required, the provider's default tags: {_show(example)}"]
    missing = [key for key in REQUIRED_TAGS if key not in tags]
    if missing:
        required = ", ".join(REQUIRED_TAGS)
        return [f"{DEFAULT_TAGS_KEY}.tags: {_show(tags)} — must set {required}; missing {', '.join(missing)}"]
    if tags["stack"] != stack:
        return [f"{DEFAULT_TAGS_KEY}.tags.stack: {_show(tags['stack'])} — must be the stack's name, {_show(stack)}"]
    return []


def _parse(value: Any) -> Any:
    """Structured values arrive as JSON text; a plain string stays a string."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


# Pydantic's wording for type errors, rewritten for someone editing YAML.
_TYPE_MESSAGES = {
    "int_parsing": "must be an integer",
    "int_type": "must be an integer",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
}


def _describe(detail: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in detail["loc"])
    key = f"{NAMESPACE}:{location}"
    kind = detail["type"]
    value = _show(detail["input"])
    if kind == "extra_forbidden":
        allowed = _allowed_keys(detail["loc"][:-1])
        if allowed is None:
            return f"{key}: {value} — unknown key; {_SEE_REFERENCE}"
        return f"{key}: {value} — {unknown('key', str(detail['loc'][-1]), allowed)}"
    if kind == "missing":
        return f"{key}: (missing) — required"
    if kind == "model_type":
        allowed = _allowed_keys(detail["loc"])
        return f"{key}: {value} — must be a mapping with keys: {', '.join(allowed) if allowed else _SEE_REFERENCE}"
    if kind in _TYPE_MESSAGES:
        return f"{key}: {value} — {_TYPE_MESSAGES[kind]}"
    message = detail["msg"]
    for prefix in ("Value error, ", "Input should be "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
            if prefix == "Input should be ":
                message = f"must be {message}"
    return f"{key}: {value} — {message}"


def _allowed_keys(location: tuple[Any, ...]) -> list[str] | None:
    """The keys allowed at a config location, found by walking the settings models' annotations."""
    annotation: Any = StackSettings
    for part in location:
        current = _unwrap(annotation)
        if hasattr(current, "model_fields"):
            field = next((f for name, f in current.model_fields.items() if (f.alias or name) == part), None)
            if field is None:
                return None
            annotation = field.annotation
        else:
            # A list index or a mapping key (a job's position, a pipeline's name): step to the item type.
            arguments = get_args(current)
            if not arguments:
                return None
            annotation = arguments[-1]
    model = _unwrap(annotation)
    if not hasattr(model, "model_fields"):
        return None
    return sorted(f.alias or name for name, f in model.model_fields.items())


def _unwrap(annotation: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` both stand for X."""
    if get_origin(annotation) is Annotated:
        return _unwrap(get_args(annotation)[0])
    arguments = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(arguments) == 1:
        return _unwrap(arguments[0])
    return annotation


def _show(value: Any) -> str:
    return json.dumps(value, default=str)

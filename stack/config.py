"""The one place that reads `pulumi.Config`: raw stack config in, validated `StackSettings` out."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import ValidationError

from .settings import StackSettings

NAMESPACE = "ecs-workloads"


class StackConfigError(pulumi.RunError):
    """A bad stack config. A RunError, so `pulumi up` prints the message without a traceback."""


def load_settings() -> StackSettings:
    """Reads every `ecs-workloads:*` key and validates them together, before any resource exists."""
    raw = {key: _parse(value) for key, value in _namespace_config().items()}
    return settings_from_raw(raw)


def settings_from_raw(raw: dict[str, Any]) -> StackSettings:
    try:
        return StackSettings.model_validate(raw)
    except ValidationError as error:
        problems = "\n  ".join(_describe(detail) for detail in error.errors())
        raise StackConfigError(f"invalid stack config:\n  {problems}") from None


def _namespace_config() -> dict[str, str]:
    # Keys set with `pulumi config set` reach the program as PULUMI_CONFIG; the mocks set them directly.
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{NAMESPACE}:"
    return {key[len(prefix) :]: value for key, value in merged.items() if key.startswith(prefix)}


def _parse(value: Any) -> Any:
    """Structured values arrive as JSON text; a plain string stays a string."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _describe(detail: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in detail["loc"])
    key = f"{NAMESPACE}:{location}"
    kind = detail["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(detail["loc"])
        return f"{key}: {_show(detail['input'])} — unknown key; allowed: {allowed}"
    if kind == "missing":
        return f"{key}: (missing) — required"
    message = detail["msg"]
    for prefix in ("Value error, ", "Input should be "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
            if prefix == "Input should be ":
                message = f"must be {message}"
    return f"{key}: {_show(detail['input'])} — {message}"


def _allowed_keys(location: tuple[Any, ...]) -> str:
    model: Any = StackSettings
    for part in location[:-1]:
        field = next((f for name, f in model.model_fields.items() if (f.alias or name) == part), None)
        annotation = getattr(field, "annotation", None)
        if field is None or not isinstance(annotation, type):
            return "see the configuration reference in README.md"
        model = annotation
    return ", ".join(sorted(f.alias or name for name, f in model.model_fields.items()))


def _show(value: Any) -> str:
    return json.dumps(value, default=str)

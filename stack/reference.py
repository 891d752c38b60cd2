"""The configuration reference (docs/configuration.md), written from the settings models: every key
under `ecs-workloads:` with its default, what it accepts and what it does.

`python -m stack.reference > docs/configuration.md` (or `make docs`) rewrites it;
tests/stack/test_reference.py fails when the committed file is not what the models say.
"""

from __future__ import annotations

import json
import sys
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .settings import StackSettings
from .stack_file import NAMESPACE, NAMESPACES, STACK_FILE_KEYS


def render() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from the settings models (`python -m stack.reference`); do not edit by hand.",
        f"Keys live under the `{NAMESPACE}:` namespace in `Pulumi.<stack>.yaml`. Every key is validated before any",
        "resource is registered; a bad value stops the program with one message listing every problem as",
        f"`{NAMESPACE}:<key>: <value> — <what is allowed>`, after `<file>:<line>:<column>:` when the value",
        "comes from the stack's files. Unknown keys are errors, with the closest allowed key suggested.",
        "",
        *_file_check(),
    ]
    sections: list[tuple[str, type[BaseModel]]] = [("", StackSettings)]
    # A model used under several keys (the workload settings) is documented once, where it first appears;
    # the other keys link there.
    documented_at: dict[type[BaseModel], str] = {StackSettings: ""}
    while sections:
        prefix, model = sections.pop(0)
        title = f"`{prefix.rstrip('.')}`" if prefix else "Top-level keys"
        doc = (model.__doc__ or "").strip().split("\n")[0]
        lines += [f"## {title}", "", doc, "", "| key | default | allowed | meaning |", "|---|---|---|---|"]
        for name, info in model.model_fields.items():
            key = info.alias or name
            nested, path = _nested(info.annotation, f"{prefix}{key}")
            if nested is not None:
                if nested not in documented_at:
                    documented_at[nested] = path
                    sections.append((f"{path}.", nested))
                target = documented_at[nested]
                lines.append(
                    f"| `{key}` | {_default(info, nested)} | see [`{target}`](#{_anchor(target)}) | {_cell(info)} |"
                )
            else:
                lines.append(f"| `{key}` | {_default(info, None)} | {_allowed(info)} | {_cell(info)} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _file_check() -> list[str]:
    """How the stack's files are read (stack/stack_file.py), from the declarations that check them."""
    keys = ", ".join(f"`{key}`" for key in STACK_FILE_KEYS)
    namespaces = ", ".join(f"`{namespace}:`" for namespace in NAMESPACES)
    return [
        "## How stack files are checked",
        "",
        "`Pulumi.yaml` and `Pulumi.<stack>.yaml` are read whole, by the program under `pulumi up` and by every",
        "offline command, before any setting is validated. Each of these stops with one line,",
        "`<file>:<line>:<column>: <what is wrong>` (with the closest allowed name where one is close), and the",
        "commands exit with code 2:",
        "",
        "- a YAML syntax error;",
        "- a key written twice in one mapping, at any depth;",
        "- a top-level key that is not a field of the Pulumi CLI's stack file (the CLI would ignore it);",
        f"  the fields are {keys};",
        f"- a config key under a namespace nothing reads; the namespaces are {namespaces}.",
        "",
        f"A key without a namespace (`cats:`) is read as `{NAMESPACE}:cats`, as the Pulumi CLI reads it, and so",
        f"is the old form `{NAMESPACE}:config:cats`; both print a warning naming the full key to write.",
        "",
    ]


def _nested(annotation: Any, path: str) -> tuple[type[BaseModel] | None, str]:
    """The settings model under a key (directly, optional, a list's items or a mapping's values)."""
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, path
    origin, arguments = get_origin(annotation), get_args(annotation)
    if origin is list and arguments:
        inner, _ = _nested(arguments[0], path)
        return inner, f"{path}[]"
    if origin is dict and len(arguments) == 2:
        inner, _ = _nested(arguments[1], path)
        return inner, f"{path}.<name>"
    return None, path


def _unwrap(annotation: Any) -> Any:
    if hasattr(annotation, "__metadata__"):
        annotation = get_args(annotation)[0]
    arguments = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(arguments) == 1:
        return _unwrap(arguments[0])
    return annotation


def _default(info: FieldInfo, nested: type[BaseModel] | None) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "the section's defaults"
    else:
        value = info.default
    if value is PydanticUndefined or value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "the section's defaults"
    return f"`{json.dumps(value if not isinstance(value, dict) or not nested else list(value), default=str)}`"


def _allowed(info: FieldInfo) -> str:
    extra = info.json_schema_extra
    if isinstance(extra, dict) and "allowed" in extra:
        return str(extra["allowed"])
    annotation = _unwrap(info.annotation)
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in get_args(annotation))
    bounds = []
    for item in info.metadata:
        for kind, attribute, word in (
            (annotated_types.Ge, "ge", "≥"),
            (annotated_types.Gt, "gt", ">"),
            (annotated_types.Le, "le", "≤"),
        ):
            if isinstance(item, kind):
                bounds.append(f"{word} {getattr(item, attribute)}")
    type_name = getattr(annotation, "__name__", str(annotation))
    return f"{type_name} {', '.join(bounds)}".strip()


def _cell(info: FieldInfo) -> str:
    return (info.description or "").replace("|", "\\|").replace("\n", " ")


def _anchor(path: str) -> str:
    return "".join(c for c in path.lower() if c.isalnum() or c in "-_")


if __name__ == "__main__":
    sys.stdout.write(render())

"""A component's outputs are its annotated attributes, each with a docstring: declared once.

Pulumi's component analyzer reads the same annotations and docstrings as the component's schema
outputs; `register_declared_outputs` registers exactly them, and the reference docs list them.
"""

from __future__ import annotations

import inspect
from typing import Any

import pulumi

from .arguments import field_docstrings


def declared_outputs(component: type[pulumi.ComponentResource]) -> dict[str, Any]:
    """Public annotated attributes of the component and its bases (the Pulumi base classes excluded)."""
    found: dict[str, Any] = {}
    for cls in reversed(component.__mro__):
        if cls in (object, pulumi.Resource, pulumi.ComponentResource):
            continue
        found.update({k: v for k, v in inspect.get_annotations(cls).items() if not k.startswith("_")})
    return found


def output_docs(component: type[pulumi.ComponentResource]) -> dict[str, str]:
    """Each output's docstring, from the class that declares it."""
    docs: dict[str, str] = {}
    for cls in reversed(component.__mro__):
        if cls in (object, pulumi.Resource, pulumi.ComponentResource):
            continue
        if inspect.get_annotations(cls):
            docs.update(field_docstrings(cls))
    return {name: docs.get(name, "") for name in declared_outputs(component)}


def register_declared_outputs(component: pulumi.ComponentResource) -> None:
    """Registers every declared output; a declared output the constructor never set is a bug, raised here."""
    component.register_outputs({name: getattr(component, name) for name in declared_outputs(type(component))})

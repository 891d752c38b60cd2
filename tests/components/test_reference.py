"""docs/components.md is what the argument declarations say, and every declaration is complete."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from ecs_workloads import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "components.md"


def test_the_committed_reference_is_current() -> None:
    assert DOC.read_text() == reference.render(), "docs/components.md is stale: run `make docs` and commit it"


def test_every_documented_field_and_output_has_a_description() -> None:
    for module_name, component_name, declaration_name in reference.DOCUMENTED:
        module = import_module(f"ecs_workloads.{module_name}")
        undocumented = [facts.name for facts in getattr(module, declaration_name).fields() if not facts.description]
        undocumented += [
            f"output {name}" for name, doc in reference.output_docs(getattr(module, component_name)).items() if not doc
        ]
        assert undocumented == [], f"{component_name}: no docstring under {undocumented}"

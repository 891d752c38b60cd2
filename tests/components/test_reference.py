"""docs/components/ is what the argument declarations say, and every declaration is complete."""

from __future__ import annotations

import inspect
import typing
from importlib import import_module
from pathlib import Path

from ecs_workloads import reference
from ecs_workloads.arguments import Arguments, Nested, NestedList

DOCS = Path(__file__).resolve().parents[2] / "docs" / "components"


def test_every_committed_page_is_current() -> None:
    for page, body in reference.pages().items():
        path = DOCS / page
        assert path.exists(), f"docs/components/{page} is missing: run `make docs` and commit it"
        section = reference.COMPONENTS if page == reference.INDEX else reference.REFERENCE
        text = path.read_text()
        assert section.embed(text, body) == text, f"docs/components/{page} is stale: run `make docs` and commit it"


def test_every_page_is_a_documented_component() -> None:
    expected = {reference.INDEX, *(entry.page for entry in reference.DOCUMENTED)}
    assert {path.name for path in DOCS.glob("*.md")} == expected


def test_writing_starts_a_missing_page_and_keeps_the_prose_of_an_existing_one(tmp_path) -> None:
    first = reference.DOCUMENTED[0]
    (tmp_path / first.page).write_text(
        f"# {first.component}\n\nProse.\n\n{reference.REFERENCE.start}\nold\n{reference.REFERENCE.end}\n"
    )
    reference.write(tmp_path)
    assert (tmp_path / first.page).read_text() == (
        f"# {first.component}\n\nProse.\n\n{reference.REFERENCE.start}\n{reference.render(first).rstrip()}\n"
        f"{reference.REFERENCE.end}\n"
    )
    started = (tmp_path / reference.DOCUMENTED[1].page).read_text()
    assert started.startswith(f"# {reference.DOCUMENTED[1].component}\n") and "| argument |" in started
    assert reference.write(tmp_path) == []


def test_every_documented_field_and_output_has_a_description() -> None:
    for module_name, component_name, declaration_name in reference.DOCUMENTED:
        module = import_module(f"ecs_workloads.{module_name}")
        undocumented = [facts.name for facts in getattr(module, declaration_name).fields() if not facts.description]
        undocumented += [
            f"output {name}" for name, doc in reference.output_docs(getattr(module, component_name)).items() if not doc
        ]
        assert undocumented == [], f"{component_name}: no docstring under {undocumented}"


def _declarations() -> list[Arguments]:
    """Every documented declaration and every one nested in it."""
    found: list[Arguments] = []
    pending = [getattr(import_module(f"ecs_workloads.{module}"), name) for module, _, name in reference.DOCUMENTED]
    while pending:
        arguments = pending.pop()
        found.append(arguments)
        pending += [
            spec.arguments
            for spec in arguments.specs.values()
            if isinstance(spec, Nested | NestedList) and spec.arguments is not None
        ]
    return found


def _unwrapped(annotation: object) -> object:
    while typing.get_origin(annotation) in (typing.Required, typing.NotRequired):
        annotation = typing.get_args(annotation)[0]
    return annotation


def test_every_mapping_argument_is_nested_with_the_declaration_of_its_type() -> None:
    """A TypedDict-typed field is checked, documented and fuzzed field by field, not as "a mapping"."""
    wrong = []
    for arguments in _declarations():
        for name, annotation in inspect.get_annotations(arguments.typed_dict).items():
            annotation = _unwrapped(annotation)
            if typing.get_origin(annotation) is list and typing.is_typeddict(typing.get_args(annotation)[0]):
                kind, inner = NestedList, typing.get_args(annotation)[0]
            elif typing.is_typeddict(annotation):
                kind, inner = Nested, annotation
            else:
                continue
            spec = arguments[name]
            if not (isinstance(spec, kind) and spec.arguments is not None and spec.arguments.typed_dict is inner):
                wrong.append(f"{arguments.typed_dict.__name__}.{name}")
    assert wrong == []

"""docs/configuration.md is what the settings models say."""

from __future__ import annotations

from pathlib import Path

from stack import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_committed_configuration_reference_is_current() -> None:
    assert DOC.read_text() == reference.render(), "docs/configuration.md is stale: run `make docs` and commit it"


def test_every_key_is_described() -> None:
    undescribed = [line.split("|")[1].strip() for line in reference.render().splitlines() if line.endswith("|  |")]
    assert undescribed == []

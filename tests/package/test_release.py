"""Releases: CHANGELOG.md's newest released section is pyproject's version, with only `[Unreleased]` above it,
so that the tag `vX.Y.Z`, the package version in the schema and the changelog name the same release."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from importlib.metadata import version
from pathlib import Path

from ecs_workloads.package_provider import VERSION

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
SECTION = re.compile(r"^## \[(?P<name>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?\s*$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


def _sections() -> list[tuple[str, str | None]]:
    lines = (ROOT / "CHANGELOG.md").read_text().splitlines()
    found = []
    for line in lines:
        if line.startswith("## "):
            match = SECTION.match(line)
            assert match, f"CHANGELOG.md: {line!r} is not `## [Unreleased]` or `## [X.Y.Z] - YYYY-MM-DD`"
            found.append((match["name"], match["date"]))
    return found


def test_the_newest_released_section_is_the_pyproject_version():
    sections = _sections()
    released = [(name, day) for name, day in sections if name != "Unreleased"]
    assert sections[0][0] == "Unreleased" or sections[0] == released[0], "[Unreleased] may only come first"
    assert [name for name, _ in sections].count("Unreleased") <= 1
    assert released[0][0] == PYPROJECT_VERSION, (
        f"CHANGELOG.md's newest release is {released[0][0]}, pyproject.toml says {PYPROJECT_VERSION}: "
        "release both together (docs/package.md)"
    )


def test_released_sections_are_dated_semantic_versions_newest_first():
    released = [(name, day) for name, day in _sections() if name != "Unreleased"]
    for name, day in released:
        assert SEMVER.match(name), f"{name} is not X.Y.Z"
        assert day is not None and date.fromisoformat(day), f"[{name}] needs its release date"
    versions = [tuple(int(part) for part in name.split(".")) for name, _ in released]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    days = [day for _, day in released]
    assert days == sorted(days, reverse=True)


def test_the_package_version_is_read_from_the_installed_distribution():
    # Declared once in pyproject.toml; a stale editable install (version bumped, not reinstalled) shows here.
    assert VERSION == version("ecs-workloads") == PYPROJECT_VERSION

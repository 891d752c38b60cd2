"""Checks every component's tests make: its taggable resources carry its tags, and it registers its outputs."""

from __future__ import annotations

from collections.abc import Mapping

from ecs_workloads.tags import takes_tags
from harness.recording import Recording


def untagged(recording: Recording, component_type: str, tags: Mapping[str, str]) -> list[str]:
    """The custom resources under the component whose AWS type takes tags but that lack any of `tags`."""
    component = recording.one(component_type)
    return [
        f"{child.type} {child.name}"
        for child in recording.descendants(component)
        if child.custom and takes_tags(child.type) and not tags.items() <= dict(child.inputs.get("tags") or {}).items()
    ]


def registered_output_names(recording: Recording, component_type: str) -> set[str]:
    """The outputs the one component of `component_type` registered."""
    return set(recording.registered_outputs[recording.one(component_type).urn])

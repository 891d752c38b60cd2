"""Checks every component's tests make: its taggable resources carry its tags, and it registers its outputs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

import pulumi

from ecs_workloads.tags import takes_tags
from harness.program import run_callable
from harness.recording import Recording


def untagged(recording: Recording, component_type: str, tags: Mapping[str, str]) -> list[str]:
    """The custom resources under the component whose AWS type takes tags but that lack any of `tags`."""
    component = recording.one(component_type)
    return [
        f"{child.type} {child.name}"
        for child in recording.descendants(component)
        if child.custom and _takes_tags(child.type) and not tags.items() <= dict(child.inputs.get("tags") or {}).items()
    ]


def _takes_tags(token: str) -> bool:
    # `aws:sns/topicPolicy:TopicPolicy` is pulumi_aws.sns.TopicPolicy.
    package, module, name = token.split(":")
    assert package == "aws", token
    return takes_tags(getattr(import_module(f"pulumi_aws.{module.split('/')[0]}"), name))


def registered_outputs(monkeypatch: Any, program: Callable[[], Any]) -> dict[str, dict[str, Any]]:
    """What each component type passed to `register_outputs` while `program` ran, by class name."""
    registered: dict[str, dict[str, Any]] = {}
    original = pulumi.ComponentResource.register_outputs

    def record(self: pulumi.ComponentResource, outputs: Any) -> None:
        registered[type(self).__name__] = dict(outputs)
        original(self, outputs)

    monkeypatch.setattr(pulumi.ComponentResource, "register_outputs", record)
    run_callable(program)
    return registered

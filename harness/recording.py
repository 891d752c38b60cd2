"""Keeps every resource registration the program makes, for assertions and for the offline plan."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor


@dataclass(frozen=True)
class Registration:
    """One resource as the program asked for it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    protect: bool
    retain_on_delete: bool
    dependencies: tuple[str, ...]
    ignore_changes: tuple[str, ...]
    outputs: dict[str, Any] = field(default_factory=dict)
    # The aliases as the SDK sent them: alias specs (`type`, `name`, `parentUrn`, `noParent`, ... as in
    # pulumi's alias.proto), or `{"urn": ...}` for an alias given as a URN.
    aliases: tuple[dict[str, Any], ...] = ()


@dataclass
class Recording:
    registrations: list[Registration] = field(default_factory=list)
    stack_outputs: dict[str, Any] = field(default_factory=dict)
    # The output names each component registered (`register_outputs`), by URN.
    registered_outputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The values of those outputs, by URN: what a component declares about itself (an EfsFileSystem's
    # expected size) for readers of the plan such as the cost estimate.
    registered_output_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What the program logged at warning level or above (`pulumi.log.warn`), in order.
    warnings: list[str] = field(default_factory=list)

    def of_type(self, typ: str) -> list[Registration]:
        """Sorted by URN: the SDK registers from worker threads, so arrival order differs between runs."""
        return sorted((r for r in self.registrations if r.type == typ), key=lambda r: r.urn)

    def one(self, typ: str, name: str | None = None) -> Registration:
        """The single registration of a type (and name, when given); fails loudly otherwise."""
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.of_type(typ)]
            raise LookupError(f"expected one {typ} named {name!r}, found {len(found)}; registered: {names}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        for registration in self.registrations:
            if registration.urn == urn:
                return registration
        raise LookupError(urn)

    def children(self, parent: Registration) -> list[Registration]:
        return [r for r in self.registrations if r.parent == parent.urn]

    def descendants(self, parent: Registration) -> list[Registration]:
        found: list[Registration] = []
        for child in self.children(parent):
            found.append(child)
            found.extend(self.descendants(child))
        return found

    def duplicate_urns(self) -> list[str]:
        counts = Counter(r.urn for r in self.registrations)
        return sorted(urn for urn, count in counts.items() if count > 1)


def is_secret(value: Any) -> bool:
    """Whether a recorded input is marked secret, i.e. would be encrypted in the state."""
    # The SDK serialises a secret as a mapping tagged with its private signature key.
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def _alias(alias: Any) -> dict[str, Any]:
    if alias.WhichOneof("alias") == "urn":
        return {"urn": alias.urn}
    spec = alias.spec
    return {
        "name": spec.name,
        "type": spec.type,
        "stack": spec.stack,
        "project": spec.project,
        "parentUrn": spec.parentUrn if spec.WhichOneof("parent") == "parentUrn" else "",
        "noParent": spec.noParent if spec.WhichOneof("parent") == "noParent" else False,
    }


class RecordingMonitor(MockMonitor):
    """The SDK's mock monitor, plus a record of the request fields the plain mocks drop."""

    def __init__(self, mocks, recording: Recording) -> None:
        super().__init__(mocks)
        self.recording = recording
        # The SDK's monitor deserialises each request's inputs for the mocks; keep them rather than
        # deserialising the same request a second time. Per thread: the SDK registers from a thread pool.
        self._seen = threading.local()
        new_resource = mocks.new_resource

        def keeping_inputs(args):
            self._seen.inputs = args.inputs
            return new_resource(args)

        mocks.new_resource = keeping_inputs

    def RegisterResource(self, request):  # the SDK's gRPC method name
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        inputs = self._seen.inputs
        outputs = self.resources[response.urn].state if response.urn in self.resources else {}
        self.recording.registrations.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=response.urn,
                parent=request.parent,
                custom=bool(request.custom),
                inputs=inputs,
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                dependencies=tuple(request.dependencies),
                ignore_changes=tuple(request.ignoreChanges),
                outputs=dict(outputs),
                aliases=tuple(_alias(alias) for alias in request.aliases),
            )
        )
        return response

    def RegisterResourceOutputs(self, request):  # the SDK's gRPC method name
        # The stack's own outputs are read where the program returns them (harness.program).
        if "::pulumi:pulumi:Stack::" not in request.urn:
            values = rpc.deserialize_properties(request.outputs)
            self.recording.registered_outputs[request.urn] = tuple(sorted(values))
            self.recording.registered_output_values[request.urn] = dict(values)
        return super().RegisterResourceOutputs(request)

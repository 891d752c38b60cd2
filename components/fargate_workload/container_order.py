"""Whether a task's containers can start at all: what ECS needs of `dependsOn` across the containers.

RegisterTaskDefinition accepts a dependency on a missing container or a cycle and the task then never
starts; these checks refuse them before any resource exists. The facts are the ContainerDependency
conditions of the ECS API reference: HEALTHY needs the container it waits for to have a health check,
and COMPLETE and SUCCESS "can't be set on an essential container" (a container that must keep running
cannot also be waited on to exit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..validation import ArgumentProblems

EXITS = ("COMPLETE", "SUCCESS")


@dataclass(frozen=True)
class ContainerFacts:
    """What the order checks need of one container: where its fields are, and its dependencies."""

    name: str
    prefix: str
    """Where its fields are in the arguments: `""` for the main container, `sidecars[1].` for a sidecar."""
    depends_on: Sequence[Mapping[str, str]]
    has_health_check: bool
    essential: bool


def order_problems(containers: Sequence[ContainerFacts], problems: ArgumentProblems) -> None:
    """Records each dependency on an unknown container or itself, each condition the awaited container
    cannot meet, and each cycle."""
    by_name = {container.name: container for container in containers}
    for container in containers:
        others = ", ".join(name for name in by_name if name != container.name) or "none (declare it in sidecars)"
        for index, dependency in enumerate(container.depends_on):
            where = f"{container.prefix}depends_on[{index}]"
            awaited = by_name.get(dependency["container"])
            if awaited is None or awaited is container:
                problems.add(f"{where}.container", dependency["container"], f"one of the other containers: {others}")
                continue
            condition = dependency["condition"]
            if condition == "HEALTHY" and not awaited.has_health_check:
                problems.add(
                    f"{where}.condition",
                    condition,
                    f"START, COMPLETE or SUCCESS: container {awaited.name} has no health_check",
                )
            if condition in EXITS and awaited.essential:
                problems.add(
                    f"{where}.condition",
                    condition,
                    f"START or HEALTHY: container {awaited.name} is essential, and ECS waits for an exit only "
                    "of a non-essential container",
                )
    cycle = _cycle(containers)
    if cycle:
        first = by_name[cycle[0]]
        problems.add(
            f"{first.prefix}depends_on",
            [dict(dependency) for dependency in first.depends_on],
            "no cycle in the start order: " + " -> ".join(cycle) + " waits on itself",
        )


def _cycle(containers: Sequence[ContainerFacts]) -> list[str]:
    """The first cycle of the dependency graph as names (ending where it starts), or `[]`."""
    edges = {c.name: [d["container"] for d in c.depends_on if d["container"] != c.name] for c in containers}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done or name not in edges:
            return []
        for awaited in edges[name]:
            found = visit(awaited, [*path, name])
            if found:
                return found
        done.add(name)
        return []

    for container in containers:
        found = visit(container.name, [])
        if found:
            return found
    return []

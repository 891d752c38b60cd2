"""How ECS places a workload's tasks on the instances of EC2 capacity: strategies and constraints.

Fargate has no instances to choose between and refuses both (ECS Developer Guide, "How Amazon ECS places
tasks on container instances": placement strategies and constraints apply to the EC2 launch type and
Auto Scaling group capacity providers).
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from collections.abc import Mapping
from typing import Any, Required, TypedDict

from .arguments import Arguments, NestedList, OneOf, Text
from .validation import ArgumentProblems


class PlacementStrategy(TypedDict, total=False):
    """One task placement strategy; ECS applies them in order."""

    type: Required[str]
    """`spread` (evenly over `field`), `binpack` (fewest instances, by `field`) or `random`."""
    field: str
    """spread: `instanceId`, `host` or `attribute:<name>` such as `attribute:ecs.availability-zone`;
    binpack: `cpu` or `memory`; none for random."""


class PlacementConstraint(TypedDict, total=False):
    """One task placement constraint."""

    type: Required[str]
    """`distinctInstance` (each task on its own instance) or `memberOf` (instances matching `expression`)."""
    expression: str
    """Cluster query language expression of `memberOf`, e.g. `attribute:ecs.instance-type =~ g5.*`."""


def _strategy_field(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    kind, field = args["type"], args.get("field")
    if kind == "binpack" and field not in ("cpu", "memory"):
        problems.add(f"{prefix}field", field, "cpu or memory for binpack")
    elif kind == "spread" and not (field in ("instanceId", "host") or str(field).startswith("attribute:")):
        problems.add(f"{prefix}field", field, "instanceId, host or attribute:<name> for spread")
    elif kind == "random" and field is not None:
        problems.add(f"{prefix}field", field, "none for random")


def _constraint_expression(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    if (args["type"] == "memberOf") != ("expression" in args):
        problems.add(f"{prefix}expression", args.get("expression"), "required with memberOf, refused otherwise")


# PlacementStrategy and PlacementConstraint (ECS API reference); expressions are up to 2,000 characters.
PLACEMENT_STRATEGY_ARGS = Arguments(
    PlacementStrategy,
    {"type": OneOf(values=("spread", "binpack", "random")), "field": Text(max_length=255, otherwise="none")},
    rules=[_strategy_field],
)
PLACEMENT_CONSTRAINT_ARGS = Arguments(
    PlacementConstraint,
    {"type": OneOf(values=("distinctInstance", "memberOf")), "expression": Text(max_length=2000, otherwise="none")},
    rules=[_constraint_expression],
)

DEFAULT_STRATEGIES: list[PlacementStrategy] = [
    {"type": "spread", "field": "attribute:ecs.availability-zone"},
    {"type": "binpack", "field": "memory"},
]
"""On EC2 capacity: tasks spread over the Availability Zones, then packed onto the fewest instances by
memory, so managed scaling can retire the emptied ones."""

# CreateService: at most 5 placement strategies and 10 constraints.
PLACEMENT_STRATEGIES = NestedList(
    arguments=PLACEMENT_STRATEGY_ARGS,
    max_items=5,
    otherwise="on EC2: spread over Availability Zones, then binpack on memory",
)
PLACEMENT_CONSTRAINTS = NestedList(arguments=PLACEMENT_CONSTRAINT_ARGS, max_items=10, otherwise="none")


def strategies(given: list[PlacementStrategy] | None) -> list[dict[str, Any]]:
    return [dict(entry) for entry in (given if given is not None else DEFAULT_STRATEGIES)]

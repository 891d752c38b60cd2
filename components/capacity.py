"""Fargate capacity provider weights, shared by the cluster default, services and scheduled runs."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from collections.abc import Mapping
from typing import Any, TypedDict

from .arguments import Arguments, Integer, Nested
from .validation import ArgumentProblems


class CapacityWeights(TypedDict, total=False):
    """How tasks are spread between on-demand Fargate and Fargate Spot."""

    fargate: int
    """Relative weight of on-demand FARGATE."""
    fargate_spot: int
    """Relative weight of FARGATE_SPOT (up to 70% cheaper; tasks can be reclaimed with two minutes' notice)."""
    base: int
    """Tasks always placed on on-demand FARGATE before weights apply."""


def _some_weight(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    if CAPACITY_WEIGHTS.value(args, "fargate") == 0 and CAPACITY_WEIGHTS.value(args, "fargate_spot") == 0:
        problems.add(f"{prefix}fargate", 0, "at least one of fargate and fargate_spot must have a weight above 0")


def _base_on_fargate(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    base = CAPACITY_WEIGHTS.value(args, "base")
    if base and not CAPACITY_WEIGHTS.value(args, "fargate"):
        problems.add(f"{prefix}base", base, "base tasks run on FARGATE, so its weight must be above 0")


# CapacityProviderStrategyItem (ECS API reference): weight and base are integers from 0 to 100,000; 1,000
# bounds a typo, as no strategy needs ratios finer than that.
CAPACITY_WEIGHTS = Arguments(
    CapacityWeights,
    {
        "fargate": Integer(low=0, high=1000, default=1),
        "fargate_spot": Integer(low=0, high=1000, default=0),
        "base": Integer(low=0, high=1000, default=0),
    },
    rules=[_some_weight, _base_on_fargate],
)

ON_DEMAND: CapacityWeights = {}
"""No weights given: every weight's default, which is on-demand FARGATE only."""

CAPACITY = Nested(arguments=CAPACITY_WEIGHTS, default=ON_DEMAND, otherwise="on-demand FARGATE (each weight's default)")
"""The spec of every argument that takes capacity weights."""


def capacity_strategy(weights: CapacityWeights) -> list[dict[str, Any]]:
    """The capacity provider strategy list that ECS services, RunTask and Scheduler all accept."""
    strategy: list[dict[str, Any]] = []
    fargate = CAPACITY_WEIGHTS.value(weights, "fargate")
    if fargate:
        strategy.append(
            {"capacity_provider": "FARGATE", "weight": fargate, "base": CAPACITY_WEIGHTS.value(weights, "base")}
        )
    spot = CAPACITY_WEIGHTS.value(weights, "fargate_spot")
    if spot:
        strategy.append({"capacity_provider": "FARGATE_SPOT", "weight": spot, "base": 0})
    return strategy

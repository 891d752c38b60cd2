"""Fargate capacity provider weights, shared by the cluster default, services and scheduled runs."""

from __future__ import annotations

from typing import TypedDict

from .validation import ArgumentProblems, is_int_in


class CapacityWeights(TypedDict, total=False):
    """How tasks are spread between on-demand Fargate and Fargate Spot."""

    fargate: int
    """Relative weight of on-demand FARGATE. Default 1."""
    fargate_spot: int
    """Relative weight of FARGATE_SPOT (up to 70% cheaper; tasks can be reclaimed with two minutes'
    notice). Default 0."""
    base: int
    """Tasks always placed on on-demand FARGATE before weights apply. Default 0."""


ON_DEMAND: CapacityWeights = {"fargate": 1, "fargate_spot": 0, "base": 0}
SPOT: CapacityWeights = {"fargate": 0, "fargate_spot": 1, "base": 0}


def validate_capacity(problems: ArgumentProblems, field: str, weights: CapacityWeights) -> None:
    weights = problems.mapping(field, weights, CapacityWeights)
    if weights is None:
        return
    for key in ("fargate", "fargate_spot", "base"):
        value = weights.get(key, 0)
        problems.check(
            is_int_in(value, 0, 1000),
            f"{field}.{key}",
            value,
            "an integer from 0 to 1000",
        )
    if weights.get("fargate", 1) == 0 and weights.get("fargate_spot", 0) == 0:
        problems.add(field, weights, "at least one of fargate and fargate_spot must have a weight above 0")
    if weights.get("base", 0) and not weights.get("fargate", 1):
        problems.add(f"{field}.base", weights.get("base"), "base tasks run on FARGATE, so its weight must be above 0")


def capacity_strategy(weights: CapacityWeights) -> list[dict[str, int | str]]:
    """The capacity provider strategy list that ECS services, RunTask and Scheduler all accept."""
    strategy: list[dict[str, int | str]] = []
    fargate = weights.get("fargate", 1)
    if fargate:
        strategy.append({"capacity_provider": "FARGATE", "weight": fargate, "base": weights.get("base", 0)})
    spot = weights.get("fargate_spot", 0)
    if spot:
        strategy.append({"capacity_provider": "FARGATE_SPOT", "weight": spot, "base": 0})
    return strategy

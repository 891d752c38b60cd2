"""Capacity provider weights, shared by the cluster default, services and scheduled runs: FARGATE and
FARGATE_SPOT, or the cluster's own EC2 capacity providers by name (never both in one strategy: "a capacity
provider strategy can only contain Auto Scaling group capacity providers or Fargate capacity providers",
ECS Developer Guide, "Amazon ECS capacity providers")."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from collections.abc import Mapping
from typing import Any, Required, TypedDict

import pulumi

from .arguments import Arguments, Integer, Nested, NestedList, Text
from .instance_types import INSTANCE_TYPES, architecture, has_gpus
from .validation import ArgumentProblems


class ProviderWeight(TypedDict, total=False):
    """One of the cluster's EC2 capacity providers in a strategy."""

    name: Required[str]
    """The provider's name in the cluster (`EcsCluster` `capacity_providers[].name`)."""
    weight: int
    """Relative share of the tasks placed on this provider."""
    base: int
    """Tasks always placed on this provider before weights apply; one provider at most has a base."""


PROVIDER_WEIGHT_ARGS = Arguments(
    ProviderWeight,
    {
        "name": Text(max_length=255),
        "weight": Integer(low=0, high=1000, default=1),
        "base": Integer(low=0, high=1000, default=0),
    },
)


class CapacityWeights(TypedDict, total=False):
    """How tasks are spread between on-demand Fargate and Fargate Spot."""

    fargate: int
    """Relative weight of on-demand FARGATE."""
    fargate_spot: int
    """Relative weight of FARGATE_SPOT (up to 70% cheaper; tasks can be reclaimed with two minutes' notice)."""
    base: int
    """Tasks always placed on on-demand FARGATE before weights apply."""
    providers: list[ProviderWeight]
    """The cluster's EC2 capacity providers by name, with their weights, instead of Fargate."""


_FARGATE_KEYS = ("fargate", "fargate_spot", "base")


def _some_weight(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    if "providers" in args:
        _provider_weights(args["providers"], problems, prefix)
        for key in _FARGATE_KEYS:
            if key in args:
                problems.add(
                    f"{prefix}{key}",
                    args[key],
                    "not with providers: a strategy holds Fargate or the cluster's EC2 providers, not both",
                )
        return
    if CAPACITY_WEIGHTS.value(args, "fargate") == 0 and CAPACITY_WEIGHTS.value(args, "fargate_spot") == 0:
        problems.add(f"{prefix}fargate", 0, "at least one of fargate and fargate_spot must have a weight above 0")


def _provider_weights(providers: list[dict[str, Any]], problems: ArgumentProblems, prefix: str) -> None:
    names = [entry.get("name") for entry in providers]
    for index, name in enumerate(names):
        if name in names[:index]:
            problems.add(f"{prefix}providers[{index}].name", name, "each provider once")
    if not any(PROVIDER_WEIGHT_ARGS.value(entry, "weight") for entry in providers):
        problems.add(f"{prefix}providers", providers, "at least one provider with a weight above 0")
    # CapacityProviderStrategyItem: only one capacity provider in a strategy can have a base defined.
    with_base = [index for index, entry in enumerate(providers) if PROVIDER_WEIGHT_ARGS.value(entry, "base")]
    for index in with_base[1:]:
        problems.add(f"{prefix}providers[{index}].base", providers[index]["base"], "a base on one provider only")


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
        # CapacityProviderStrategyItem: a strategy may contain a maximum of 20 capacity providers.
        "providers": NestedList(
            arguments=PROVIDER_WEIGHT_ARGS, min_items=1, max_items=20, otherwise="none: Fargate capacity"
        ),
    },
    rules=[_some_weight, _base_on_fargate],
)

ON_DEMAND: CapacityWeights = {}
"""No weights given: every weight's default, which is on-demand FARGATE only."""

CAPACITY = Nested(arguments=CAPACITY_WEIGHTS, default=ON_DEMAND, otherwise="on-demand FARGATE (each weight's default)")
"""The spec of every argument that takes capacity weights."""


def capacity_strategy(
    weights: CapacityWeights, providers: Mapping[str, "CapacityProviderFacts"] | None = None
) -> list[dict[str, Any]]:
    """The capacity provider strategy list that ECS services, RunTask and Scheduler all accept; `providers`
    (the cluster's, by name) turn the names of `weights["providers"]` into the ECS provider names."""
    if "providers" in weights:
        known = providers or {}
        return [
            {
                "capacity_provider": known[entry["name"]]["provider_name"],
                "weight": PROVIDER_WEIGHT_ARGS.value(entry, "weight"),
                "base": PROVIDER_WEIGHT_ARGS.value(entry, "base"),
            }
            for entry in weights["providers"]
        ]
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


class CapacityProviderFacts(TypedDict):
    """What a workload needs to know of one of the cluster's EC2 capacity providers; `EcsCluster`
    `capacity_providers` gives them by name."""

    provider_name: pulumi.Input[str]
    """The ECS capacity provider's name."""
    kind: str
    """`auto_scaling` (an Auto Scaling group) or `managed_instances` (ECS Managed Instances)."""
    architecture: str
    """CPU architecture of every instance: X86_64 or ARM64."""
    gpus: int
    """GPUs every instance has at least (0: none)."""
    cpu_units: int
    """CPU units of the largest instance (1,024 per vCPU); 0 when not known."""
    memory_mib: int
    """Memory of the largest instance in MiB; 0 when not known."""
    security_group_id: pulumi.Input[str]
    """Security group of the instances, through which bridge-mode tasks are reached."""


COMPATIBILITY_BY_KIND = {"auto_scaling": "EC2", "managed_instances": "MANAGED_INSTANCES"}
"""The task definition compatibility (requiresCompatibilities) each provider kind runs."""


def instance_facts(
    provider_name: pulumi.Input[str], kind: str, instance_types: list[str], security_group_id: pulumi.Input[str]
) -> CapacityProviderFacts:
    """The facts of a provider over a fixed list of instance types; sizes only when the library knows all."""
    known = [INSTANCE_TYPES[t] for t in instance_types if t in INSTANCE_TYPES]
    complete = len(known) == len(instance_types)
    return CapacityProviderFacts(
        provider_name=provider_name,
        kind=kind,
        architecture=architecture(instance_types[0]),
        gpus=min(t.gpus for t in known) if complete else int(has_gpus(instance_types[0])),
        cpu_units=max(t.cpu_units for t in known) if complete else 0,
        memory_mib=max(t.memory_mib for t in known) if complete else 0,
        security_group_id=security_group_id,
    )

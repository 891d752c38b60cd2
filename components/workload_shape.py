"""What the four shapes share about the `FargateWorkload` they embed, handled in one place.

`ScheduledEcsTask`, `QueueBackedBatchService`, `AlbWebService` and `BackendService` each derive from `WorkloadShape`:
their `workload` argument is `EmbeddedWorkloadArgs`: `FargateWorkloadArgs` without `vpc_id` and
`subnet_ids` (they come from `placement`) and without `protect_data` (the shape's own `protect_data`
decides); the environment names the shape sets itself are refused, and the task definition family
defaults the same way. Every shape exposes the
same workload outputs and `grant()`.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from collections.abc import Collection, Mapping
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from .arguments import Check, Nested
from .capacity import COMPATIBILITY_BY_KIND, CapacityProviderFacts
from .fargate_workload import (
    FARGATE_WORKLOAD_ARGS,
    BackendWorkloadArgs,
    EmbeddedWorkloadArgs,
    FargateWorkload,
    FargateWorkloadArgs,
    host_port_needs_port,
)
from .fargate_workload.volumes import subnets_for_mount_targets
from .options import child
from .validation import ArgumentProblems

EMBEDDED_WORKLOAD_ARGS = FARGATE_WORKLOAD_ARGS.refusing(
    {
        "vpc_id": "comes from placement.vpc_id; remove it",
        "subnet_ids": "comes from placement.subnet_ids; remove it",
        "protect_data": "set protect_data on the component itself; remove it here",
    },
    EmbeddedWorkloadArgs,
)
"""`FargateWorkloadArgs` as a shape takes them (`EmbeddedWorkloadArgs`, which leaves the three fields out): the
shape sets `vpc_id`, `subnet_ids` and `protect_data` itself, and a caller who gives one is told so."""

EMBEDDED_WORKLOAD = Nested(arguments=EMBEDDED_WORKLOAD_ARGS)
"""The spec of every shape's `workload` argument; `validate_embedded_workload` adds each shape's own limits."""

CAPACITY_PROVIDERS = Check(
    default={},
    test=lambda value: isinstance(value, dict),
    says="a mapping of provider names to their facts, as EcsCluster.capacity_providers gives them",
    otherwise="none: Fargate only",
)
"""The spec of every shape's `capacity_providers` argument."""


class WorkloadShape(pulumi.ComponentResource):
    """Base of the four shapes."""

    # The embedded workload's logical name and default family, as `str.format` patterns of the shape's
    # name. They differ per shape because each kept the names of its first release: a new name would
    # replace the workload's roles, log group and task definition in every deployed stack. Not annotated:
    # a component's annotations are its outputs, to Pulumi's analyzer and to `register_declared_outputs`.
    WORKLOAD_NAME = "{name}"
    FAMILY = "{name}"

    task_role_arn: pulumi.Output[str]
    """ARN of the task role: the containers' own AWS permissions, none until `grant()` adds some."""
    task_role_name: pulumi.Output[str]
    """Name of the task role, for policies attached outside the component."""
    log_group_name: pulumi.Output[str]
    """CloudWatch Logs group of the containers."""
    security_group_id: pulumi.Output[str]
    """Security group of the tasks; other security groups admit the tasks by it."""

    @property
    def workload(self) -> FargateWorkload:
        """The embedded `FargateWorkload` (task definition, roles, log group, security group)."""
        return self._workload

    def grant(self, purpose: str, statements: list[dict[str, Any]]) -> aws.iam.RolePolicy:
        """Adds scoped statements to the task role, which starts with no permissions."""
        return self._workload.grant(purpose, statements)

    def _embed_workload(
        self,
        name: str,
        workload: BackendWorkloadArgs,
        *,
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[list[str]],
        protect_data: bool,
    ) -> FargateWorkload:
        """Creates the shape's workload (its `compatibility` set by `placed_on_capacity`) and copies its
        outputs onto the shape. The subnets reach it as a list of known length only: a file system the
        workload creates gets a mount target in each."""
        family = (
            workload.get("family") or f"{pulumi.get_project()}-{pulumi.get_stack()}-{self.FAMILY.format(name=name)}"
        )
        args: FargateWorkloadArgs = {**workload, "vpc_id": vpc_id, "protect_data": protect_data, "family": family}
        if isinstance(subnet_ids, list):
            args["subnet_ids"] = cast("list[pulumi.Input[str]]", subnet_ids)
        self._workload = FargateWorkload(self.WORKLOAD_NAME.format(name=name), args, child(self))
        self.task_role_arn = self._workload.task_role_arn
        self.task_role_name = self._workload.task_role_name
        self.log_group_name = self._workload.log_group_name
        self.security_group_id = self._workload.security_group_id
        return self._workload


def validate_embedded_workload(
    problems: ArgumentProblems,
    workload: Any,
    *,
    reserved_environment: Collection[str] = (),
    required: Mapping[str, str] | None = None,
) -> None:
    """What a shape asks of its `workload` beyond `EMBEDDED_WORKLOAD`: the environment names it sets itself
    are refused, and the `required` fields (name -> why) are present."""
    if not isinstance(workload, dict):
        return
    host_port_needs_port(workload, problems, "workload.")
    for key, why in (required or {}).items():
        if key not in workload:
            problems.add(f"workload.{key}", None, why)
    for section in ("environment", "secrets"):
        given = workload.get(section)
        if isinstance(given, dict):
            for key in sorted(set(given) & set(reserved_environment)):
                problems.add(f"workload.{section}.{key}", given[key], "set by the component itself; remove it")


def _at(args: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        args = args.get(key) if isinstance(args, dict) else None
    return args


def _named(capacity: Any, providers: Any) -> list[tuple[int, Any, CapacityProviderFacts | None]]:
    """(index, name, facts or None) of each provider the capacity names."""
    if not isinstance(capacity, dict) or not isinstance(capacity.get("providers"), list):
        return []
    known = providers if isinstance(providers, dict) else {}
    return [
        (index, entry.get("name"), known.get(entry.get("name")) if isinstance(entry.get("name"), str) else None)
        for index, entry in enumerate(capacity["providers"])
        if isinstance(entry, dict)
    ]


def capacity_compatibility(capacity: Any, providers: Any) -> str | None:
    """The task definition compatibility the capacity weights lead to; None while they name unknown
    providers or providers of two kinds (`validate_capacity` reports those)."""
    named = _named(capacity, providers)
    if not named:
        return "FARGATE"
    kinds = {facts["kind"] for _, _, facts in named if facts is not None}
    if len(kinds) != 1 or any(facts is None for _, _, facts in named):
        return None
    return COMPATIBILITY_BY_KIND[kinds.pop()]


def placed_on_capacity(args: Any, capacity_path: tuple[str, ...]) -> Any:
    """`args` with `workload.compatibility` following the capacity at `capacity_path`: the workload's task
    definition runs where the shape places its tasks. A compatibility the caller gave is kept, and
    `validate_capacity` compares it."""
    if not isinstance(args, dict) or not isinstance(args.get("workload"), dict) or "compatibility" in args["workload"]:
        return args
    compatibility = capacity_compatibility(_at(args, capacity_path), args.get("capacity_providers"))
    if compatibility is None:
        return args
    return {**args, "workload": {**args["workload"], "compatibility": compatibility}}


def validate_capacity(
    problems: ArgumentProblems, args: Any, capacity_path: tuple[str, ...], placement_path: tuple[str, ...] | None = None
) -> None:
    """The workload fits the providers its capacity names: they exist in the cluster and are of one kind,
    and the task's architecture, GPUs and size fit their instances; and it fits its placement (public IPs,
    subnets for a created EFS share's mount targets). Runs before any resource exists."""
    if not isinstance(args, dict):
        return
    field = ".".join(capacity_path)
    capacity = _at(args, capacity_path)
    providers = args.get("capacity_providers")
    named = _named(capacity, providers)
    known = sorted(providers) if isinstance(providers, dict) else []
    for index, name, facts in named:
        if facts is None:
            problems.add(
                f"{field}.providers[{index}].name",
                name,
                f"one of the cluster's capacity providers given in capacity_providers: {', '.join(known) or 'none'}",
            )
    kinds = sorted({facts["kind"] for _, _, facts in named if facts is not None})
    if len(kinds) > 1:
        problems.add(
            f"{field}.providers", [name for _, name, _ in named], "providers of one kind, not " + " and ".join(kinds)
        )
    workload = args.get("workload")
    if not isinstance(workload, dict):
        return
    derived = capacity_compatibility(capacity, providers)
    given = workload.get("compatibility")
    if derived is not None and given is not None and given != derived:
        problems.add("workload.compatibility", given, f"{derived}, as {field} places the tasks; remove it")
    value = FARGATE_WORKLOAD_ARGS.value
    for _, name, facts in named:
        if facts is None:
            continue
        architecture = value(workload, "cpu_architecture")
        if architecture != facts["architecture"]:
            problems.add(
                "workload.cpu_architecture",
                architecture,
                f"{facts['architecture']}, the architecture of provider {name}",
            )
        gpus = workload.get("gpus", 0)
        if gpus > facts["gpus"]:
            problems.add("workload.gpus", gpus, f"at most {facts['gpus']}, the GPUs of provider {name}'s instances")
        for key, limit in (("cpu", facts["cpu_units"]), ("memory", facts["memory_mib"])):
            if limit and value(workload, key) > limit:
                problems.add(
                    f"workload.{key}", value(workload, key), f"at most {limit}, the largest instance of provider {name}"
                )
    deployment = _at(args, capacity_path[:-1]) if len(capacity_path) > 1 else args
    if derived not in ("EC2", None) and isinstance(deployment, dict):
        prefix = ".".join(capacity_path[:-1])
        for key in ("placement_strategies", "placement_constraints"):
            if key in deployment:
                where = f"{prefix}.{key}" if prefix else key
                problems.add(
                    where, deployment[key], "only on Auto Scaling group capacity (ECS places Fargate tasks itself)"
                )
    placement = _at(args, placement_path or ("placement",))
    if isinstance(placement, dict) and "subnet_ids" in placement:
        # A share the workload creates gets a mount target in each of the placement's subnets.
        placed = {"efs_volumes": workload.get("efs_volumes"), "subnet_ids": placement["subnet_ids"]}
        subnets_for_mount_targets(placed, problems, ".".join(placement_path or ("placement",)) + ".")
    if (
        derived in ("EC2", "MANAGED_INSTANCES")
        and value(workload, "network_mode") == "awsvpc"
        and isinstance(placement, dict)
        and placement.get("assign_public_ip") is True
    ):
        problems.add(
            "placement.assign_public_ip",
            True,
            "false on EC2 capacity: awsvpc tasks on instances get no public IP, so their subnets need NAT",
        )

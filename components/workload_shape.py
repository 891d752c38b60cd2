"""What the three shapes share about the `FargateWorkload` they embed, handled in one place.

`ScheduledEcsTask`, `QueueBackedBatchService` and `AlbWebService` each derive from `WorkloadShape`:
their `workload` argument is `FargateWorkloadArgs` without `vpc_id` (it comes from `placement`) and
without `protect_data` (the shape's own `protect_data` decides), the environment names the shape sets
itself are refused, and the task definition family defaults the same way. Every shape exposes the
same workload outputs and `grant()`.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from collections.abc import Collection, Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from .arguments import Nested
from .fargate_workload import FARGATE_WORKLOAD_ARGS, FargateWorkload, FargateWorkloadArgs
from .options import child
from .validation import ArgumentProblems

EMBEDDED_WORKLOAD_ARGS = FARGATE_WORKLOAD_ARGS.refusing(
    {
        "vpc_id": "comes from placement.vpc_id; remove it",
        "protect_data": "set protect_data on the component itself; remove it here",
    }
)
"""`FargateWorkloadArgs` as a shape takes them: the shape sets `vpc_id` and `protect_data` itself."""

EMBEDDED_WORKLOAD = Nested(arguments=EMBEDDED_WORKLOAD_ARGS)
"""The spec of every shape's `workload` argument; `validate_embedded_workload` adds each shape's own limits."""


class WorkloadShape(pulumi.ComponentResource):
    """Base of the three shapes."""

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
        self, name: str, workload: FargateWorkloadArgs, *, vpc_id: pulumi.Input[str], protect_data: bool
    ) -> FargateWorkload:
        """Creates the shape's workload and copies its outputs onto the shape."""
        family = (
            workload.get("family") or f"{pulumi.get_project()}-{pulumi.get_stack()}-{self.FAMILY.format(name=name)}"
        )
        args: FargateWorkloadArgs = {**workload, "vpc_id": vpc_id, "protect_data": protect_data, "family": family}
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
    for key, why in (required or {}).items():
        if key not in workload:
            problems.add(f"workload.{key}", None, why)
    for section in ("environment", "secrets"):
        given = workload.get(section)
        if isinstance(given, dict):
            for key in sorted(set(given) & set(reserved_environment)):
                problems.add(f"workload.{section}.{key}", given[key], "set by the component itself; remove it")

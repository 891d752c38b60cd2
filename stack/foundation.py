"""What the workload builders receive from the stack: the shared network, cluster and alarms, and the
stack-wide choices. Narrow on purpose: a builder reads its own settings section and this, never the
whole stack's settings, so `stack.settings` (which embeds the builders' models) and `stack.system`
(which calls the builders) depend on the builders and not the other way round."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from ecs_workloads.capacity import CapacityProviderFacts
from ecs_workloads.network import WorkloadPlacement

from .workload_settings import CapacitySettings


@dataclass(frozen=True)
class Foundation:
    """What every workload of the stack shares."""

    placement: WorkloadPlacement
    """The VPC, subnets and public-IP choice every task runs with."""
    load_balancer_subnet_ids: pulumi.Output[list[str]]
    """Where internet-facing load balancers go."""
    cluster_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    alarm_topic_arn: pulumi.Output[str]
    """Where every alarm notifies."""
    protect_data: bool
    """Whether stateful resources get `protect` and `retain_on_delete`."""
    log_retention_days: int
    """Retention of every log group."""
    execute_command: bool
    """Whether ECS Exec is on for a workload that does not say."""
    default_capacity: CapacitySettings
    """The cluster's on-demand/Spot weights, for a workload that sets none of its own."""
    capacity_providers: dict[str, CapacityProviderFacts]
    """The cluster's EC2 capacity providers by name; none on a Fargate-only stack."""
    service_connect_namespace_arn: pulumi.Output[str] | None = None
    """The cluster's Service Connect namespace, when the stack runs a backend."""

"""The building block all four shapes share: one container on Fargate, its task definition, image, log
group, roles and security group.

`ScheduledEcsTask`, `QueueBackedBatchService` and `AlbWebService` each embed one `FargateWorkload` and
add only what makes them different (a schedule, a queue, a load balancer).
"""

from .args import (
    CONTAINER_DEPENDENCY_ARGS,
    CONTAINER_HEALTH_CHECK_ARGS,
    ENV_NAME,
    FARGATE_WORKLOAD_ARGS,
    FARGATE_WORKLOAD_NAMES,
    LOG_RETENTION_DAYS,
    SECRET_LOOKING_NAME,
    SECRETS_MANAGER_REFERENCE,
    SIDECAR_ARGS,
    ContainerDependency,
    ContainerHealthCheck,
    FargateWorkloadArgs,
    SidecarContainer,
    environment_entries,
    host_port_needs_port,
    validate_workload_args,
    where_it_runs,
)
from .component import FargateWorkload

__all__ = [
    "CONTAINER_DEPENDENCY_ARGS",
    "CONTAINER_HEALTH_CHECK_ARGS",
    "ENV_NAME",
    "FARGATE_WORKLOAD_ARGS",
    "FARGATE_WORKLOAD_NAMES",
    "LOG_RETENTION_DAYS",
    "SECRETS_MANAGER_REFERENCE",
    "SECRET_LOOKING_NAME",
    "SIDECAR_ARGS",
    "ContainerDependency",
    "ContainerHealthCheck",
    "FargateWorkload",
    "FargateWorkloadArgs",
    "SidecarContainer",
    "environment_entries",
    "host_port_needs_port",
    "validate_workload_args",
    "where_it_runs",
]

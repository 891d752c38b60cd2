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
    BackendWorkloadArgs,
    ContainerDependency,
    ContainerHealthCheck,
    EmbeddedWorkloadArgs,
    FargateWorkloadArgs,
    SidecarContainer,
    containers_fit_together,
    environment_entries,
    host_port_needs_port,
    validate_workload_args,
    where_it_runs,
)
from .component import FargateWorkload
from .log_routing import LOG_ROUTING_ARGS, LogRouting
from .volumes import EFS_SHARE_ARGS, EFS_VOLUME_ARGS, EfsShare, EfsVolume

__all__ = [
    "CONTAINER_DEPENDENCY_ARGS",
    "CONTAINER_HEALTH_CHECK_ARGS",
    "EFS_SHARE_ARGS",
    "EFS_VOLUME_ARGS",
    "ENV_NAME",
    "FARGATE_WORKLOAD_ARGS",
    "FARGATE_WORKLOAD_NAMES",
    "LOG_RETENTION_DAYS",
    "LOG_ROUTING_ARGS",
    "SECRETS_MANAGER_REFERENCE",
    "SECRET_LOOKING_NAME",
    "SIDECAR_ARGS",
    "BackendWorkloadArgs",
    "ContainerDependency",
    "ContainerHealthCheck",
    "EfsShare",
    "EfsVolume",
    "EmbeddedWorkloadArgs",
    "FargateWorkload",
    "FargateWorkloadArgs",
    "LogRouting",
    "SidecarContainer",
    "containers_fit_together",
    "environment_entries",
    "host_port_needs_port",
    "validate_workload_args",
    "where_it_runs",
]

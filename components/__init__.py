"""ecs-workloads: Fargate workloads in four shapes, plus the network and cluster they share.

`from ecs_workloads import AlbWebService` works as usual, but the package itself loads nothing until a name
is asked for: the operator CLI (`ecs_workloads.ops`) lives in this namespace and must start without importing
the Pulumi provider SDKs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Public name -> the module that declares it.
_EXPORTS = {
    "AlarmTopic": "alarm_topic",
    "AlarmTopicArgs": "alarm_topic",
    "AlbWebService": "alb_web_service",
    "AlbWebServiceArgs": "alb_web_service",
    "DatabaseAccessArgs": "alb_web_service",
    "SharedListenerArgs": "alb_web_service",
    "WebAutoscalingArgs": "alb_web_service",
    "AutoScalingCapacityArgs": "auto_scaling_capacity",
    "AutoScalingCapacityProvider": "auto_scaling_capacity",
    "ClusterAutoScalingArgs": "auto_scaling_capacity",
    "BackendAutoscalingArgs": "backend_service",
    "BackendService": "backend_service",
    "BackendServiceArgs": "backend_service",
    "ClientAliasArgs": "backend_service",
    "ServiceConnectBackend": "service_connect",
    "ServiceConnectClientArgs": "service_connect",
    "CapacityProviderFacts": "capacity",
    "CapacityWeights": "capacity",
    "ProviderWeight": "capacity",
    "ClusterCapacityProvider": "cluster",
    "EcsCluster": "cluster",
    "EcsClusterArgs": "cluster",
    "JobRunWorkflow": "job_run_workflow",
    "JobRunWorkflowArgs": "job_run_workflow",
    "ManagedInstancesCapacityArgs": "managed_instances_capacity",
    "ManagedInstancesCapacityProvider": "managed_instances_capacity",
    "ClusterManagedInstancesArgs": "managed_instances_capacity",
    "PlacementConstraint": "task_placement",
    "PlacementStrategy": "task_placement",
    "ContainerDependency": "fargate_workload",
    "ContainerHealthCheck": "fargate_workload",
    "SidecarContainer": "fargate_workload",
    "LogRouting": "fargate_workload",
    "EfsShare": "fargate_workload",
    "EfsVolume": "fargate_workload",
    "EfsFileSystem": "efs_file_system",
    "EfsFileSystemArgs": "efs_file_system",
    "FargateWorkload": "fargate_workload",
    "FargateWorkloadArgs": "fargate_workload",
    "EmbeddedWorkloadArgs": "fargate_workload",
    "BackendWorkloadArgs": "fargate_workload",
    "ServiceDeploymentArgs": "fargate_service",
    "AutoscaledDeploymentArgs": "fargate_service",
    "DeploymentStrategyArgs": "deployment_strategy",
    "LifecycleHookArgs": "deployment_strategy",
    "GeneratedSecret": "generated_secret",
    "GeneratedSecretArgs": "generated_secret",
    "ExistingVpcArgs": "network",
    "Network": "network",
    "NetworkArgs": "network",
    "WorkloadPlacement": "network",
    "OperationsDashboard": "operations_dashboard",
    "OperationsDashboardArgs": "operations_dashboard",
    "QueueMetrics": "operations_dashboard",
    "ScheduleMetrics": "operations_dashboard",
    "WebMetrics": "operations_dashboard",
    "PrivateBucket": "private_bucket",
    "PrivateBucketArgs": "private_bucket",
    "CapacityStep": "queue_backed_batch_service",
    "QueueBackedBatchService": "queue_backed_batch_service",
    "QueueBackedBatchServiceArgs": "queue_backed_batch_service",
    "SubscriptionArgs": "queue_backed_batch_service",
    "ScheduledEcsTask": "scheduled_ecs_task",
    "ScheduledEcsTaskArgs": "scheduled_ecs_task",
    "ScheduledScalingActionArgs": "scheduled_scaling",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .alarm_topic import AlarmTopic, AlarmTopicArgs
    from .alb_web_service import (
        AlbWebService,
        AlbWebServiceArgs,
        DatabaseAccessArgs,
        SharedListenerArgs,
        WebAutoscalingArgs,
    )
    from .auto_scaling_capacity import AutoScalingCapacityArgs, AutoScalingCapacityProvider, ClusterAutoScalingArgs
    from .backend_service import BackendAutoscalingArgs, BackendService, BackendServiceArgs, ClientAliasArgs
    from .capacity import CapacityProviderFacts, CapacityWeights, ProviderWeight
    from .cluster import ClusterCapacityProvider, EcsCluster, EcsClusterArgs
    from .deployment_strategy import DeploymentStrategyArgs, LifecycleHookArgs
    from .efs_file_system import EfsFileSystem, EfsFileSystemArgs
    from .fargate_service import AutoscaledDeploymentArgs, ServiceDeploymentArgs
    from .fargate_workload import (
        BackendWorkloadArgs,
        ContainerDependency,
        ContainerHealthCheck,
        EfsShare,
        EfsVolume,
        EmbeddedWorkloadArgs,
        FargateWorkload,
        FargateWorkloadArgs,
        LogRouting,
        SidecarContainer,
    )
    from .generated_secret import GeneratedSecret, GeneratedSecretArgs
    from .job_run_workflow import JobRunWorkflow, JobRunWorkflowArgs
    from .managed_instances_capacity import (
        ClusterManagedInstancesArgs,
        ManagedInstancesCapacityArgs,
        ManagedInstancesCapacityProvider,
    )
    from .network import ExistingVpcArgs, Network, NetworkArgs, WorkloadPlacement
    from .operations_dashboard import (
        OperationsDashboard,
        OperationsDashboardArgs,
        QueueMetrics,
        ScheduleMetrics,
        WebMetrics,
    )
    from .private_bucket import PrivateBucket, PrivateBucketArgs
    from .queue_backed_batch_service import (
        CapacityStep,
        QueueBackedBatchService,
        QueueBackedBatchServiceArgs,
        SubscriptionArgs,
    )
    from .scheduled_ecs_task import ScheduledEcsTask, ScheduledEcsTaskArgs
    from .scheduled_scaling import ScheduledScalingActionArgs
    from .service_connect import ServiceConnectBackend, ServiceConnectClientArgs
    from .task_placement import PlacementConstraint, PlacementStrategy


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

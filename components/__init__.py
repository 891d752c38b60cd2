"""ecs-workloads components: Fargate workloads in three shapes, plus the network and cluster they share."""

from .alarm_topic import AlarmTopic, AlarmTopicArgs
from .alb_web_service import (
    AlbWebService,
    AlbWebServiceArgs,
    DatabaseAccessArgs,
    SharedListenerArgs,
    WebAutoscalingArgs,
)
from .capacity import CapacityWeights
from .cluster import EcsCluster, EcsClusterArgs
from .fargate_workload import ContainerHealthCheck, FargateWorkload, FargateWorkloadArgs
from .generated_secret import GeneratedSecret, GeneratedSecretArgs
from .network import ExistingVpcArgs, Network, NetworkArgs, WorkloadPlacement
from .operations_dashboard import OperationsDashboard, OperationsDashboardArgs
from .private_bucket import PrivateBucket, PrivateBucketArgs
from .queue_backed_batch_service import CapacityStep, QueueBackedBatchService, QueueBackedBatchServiceArgs
from .scheduled_ecs_task import ScheduledEcsTask, ScheduledEcsTaskArgs

__all__ = [
    "AlarmTopic",
    "AlarmTopicArgs",
    "AlbWebService",
    "AlbWebServiceArgs",
    "CapacityStep",
    "CapacityWeights",
    "ContainerHealthCheck",
    "DatabaseAccessArgs",
    "EcsCluster",
    "EcsClusterArgs",
    "ExistingVpcArgs",
    "FargateWorkload",
    "FargateWorkloadArgs",
    "GeneratedSecret",
    "GeneratedSecretArgs",
    "Network",
    "NetworkArgs",
    "OperationsDashboard",
    "OperationsDashboardArgs",
    "PrivateBucket",
    "PrivateBucketArgs",
    "QueueBackedBatchService",
    "QueueBackedBatchServiceArgs",
    "ScheduledEcsTask",
    "ScheduledEcsTaskArgs",
    "SharedListenerArgs",
    "WebAutoscalingArgs",
    "WorkloadPlacement",
]

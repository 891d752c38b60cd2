"""ecs-workloads components: Fargate workloads in three shapes, plus the network and cluster they share."""

from .alarm_topic import AlarmTopic, AlarmTopicArgs
from .capacity import CapacityWeights
from .cluster import EcsCluster, EcsClusterArgs
from .fargate_workload import ContainerHealthCheck, FargateWorkload, FargateWorkloadArgs
from .network import ExistingVpcArgs, Network, NetworkArgs, WorkloadPlacement
from .scheduled_ecs_task import ScheduledEcsTask, ScheduledEcsTaskArgs

__all__ = [
    "AlarmTopic",
    "AlarmTopicArgs",
    "CapacityWeights",
    "ContainerHealthCheck",
    "EcsCluster",
    "EcsClusterArgs",
    "ExistingVpcArgs",
    "FargateWorkload",
    "FargateWorkloadArgs",
    "Network",
    "NetworkArgs",
    "ScheduledEcsTask",
    "ScheduledEcsTaskArgs",
    "WorkloadPlacement",
]

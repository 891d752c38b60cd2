"""ecs-workloads components: Fargate workloads in three shapes, plus the network and cluster they share."""

from .capacity import CapacityWeights
from .cluster import EcsCluster, EcsClusterArgs
from .fargate_workload import ContainerHealthCheck, FargateWorkload, FargateWorkloadArgs
from .network import ExistingVpcArgs, Network, NetworkArgs, WorkloadPlacement

__all__ = [
    "CapacityWeights",
    "ContainerHealthCheck",
    "EcsCluster",
    "EcsClusterArgs",
    "ExistingVpcArgs",
    "FargateWorkload",
    "FargateWorkloadArgs",
    "Network",
    "NetworkArgs",
    "WorkloadPlacement",
]

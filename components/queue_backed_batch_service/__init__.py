"""Queue-backed batch workers: objects created in an S3 input bucket become messages on an SQS queue
(with a dead-letter queue), and an autoscaled Fargate service works through them into an output bucket.

One module per concept: `args` (the declaration and its rules), `capacity` (the backlog step table),
`buckets`, `event_route` (S3 → EventBridge → SQS), `subscriptions` (SNS → SQS), `iam` (the task role's
statements), `scaling` (step policies and alarms) and `component`, which puts them together.
"""

from ..dead_letters import DLQ_RETENTION_SECONDS
from .args import (
    DEFAULT_MAX_RECEIVE_COUNT,
    MAX_RECEIVE_COUNT,
    QUEUE_BACKED_BATCH_SERVICE_ARGS,
    QUEUE_BACKED_BATCH_SERVICE_NAMES,
    QUEUE_RETENTION_SECONDS,
    SHUTDOWN_MARGIN_SECONDS,
    WORKER_ENVIRONMENT,
    QueueBackedBatchServiceArgs,
)
from .capacity import MAX_STEP_ADJUSTMENTS, CapacityStep, capacity_steps
from .component import QueueBackedBatchService
from .event_route import object_created_pattern
from .subscriptions import (
    FILTER_POLICY_MAX_BYTES,
    FILTER_POLICY_MAX_COMBINATIONS,
    FILTER_POLICY_MAX_KEYS,
    SUBSCRIPTION_ARGS,
    SubscriptionArgs,
    filter_policy_problem,
)

__all__ = [
    "DEFAULT_MAX_RECEIVE_COUNT",
    "DLQ_RETENTION_SECONDS",
    "FILTER_POLICY_MAX_BYTES",
    "FILTER_POLICY_MAX_COMBINATIONS",
    "FILTER_POLICY_MAX_KEYS",
    "MAX_RECEIVE_COUNT",
    "MAX_STEP_ADJUSTMENTS",
    "QUEUE_BACKED_BATCH_SERVICE_ARGS",
    "QUEUE_BACKED_BATCH_SERVICE_NAMES",
    "QUEUE_RETENTION_SECONDS",
    "SHUTDOWN_MARGIN_SECONDS",
    "SUBSCRIPTION_ARGS",
    "WORKER_ENVIRONMENT",
    "CapacityStep",
    "QueueBackedBatchService",
    "QueueBackedBatchServiceArgs",
    "SubscriptionArgs",
    "capacity_steps",
    "filter_policy_problem",
    "object_created_pattern",
]

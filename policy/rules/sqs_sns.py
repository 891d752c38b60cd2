"""SQS and SNS: queues and topics are encrypted; a work queue has a dead-letter queue."""

from __future__ import annotations

from typing import Any

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import EVENT_TARGET, QUEUE, QUEUE_REDRIVE, SCHEDULE, TOPIC
from .values import document, get, known, pointing_at, refers_to


# Security Hub SQS.1.
@rule(
    "sqs-queue-encrypted",
    "SQS queues are encrypted at rest (SSE-SQS or KMS).",
    enforcement=MANDATORY,
    resource_types=QUEUE,
    control="Security Hub SQS.1",
)
def check_queue_encrypted(queue: ResourceView, context: StackContext) -> list[str]:
    if queue.props.get("sqsManagedSseEnabled") is True or queue.props.get("kmsMasterKeyId"):
        return []
    return ["neither sqsManagedSseEnabled nor kmsMasterKeyId is set"]


def _redrive_target(resource: ResourceView) -> Any:
    """The dead-letter queue ARN in a redrive policy, None when absent or unknown."""
    return get(document(known(resource.props, "redrivePolicy")), "deadLetterTargetArn")


def _is_dead_letter_queue(queue: ResourceView, context: StackContext) -> bool:
    if known(queue.props, "redriveAllowPolicy"):
        return True
    for source in context.of_type([QUEUE, QUEUE_REDRIVE]):
        if source is not queue and refers_to(source, "redrivePolicy", _redrive_target(source), queue):
            return True
    for schedule in context.of_type([SCHEDULE]):
        arn = get(known(schedule.props, "target"), "deadLetterConfig", "arn")
        if refers_to(schedule, "target", arn, queue):
            return True
    for target in context.of_type([EVENT_TARGET]):
        arn = get(known(target.props, "deadLetterConfig"), "arn")
        if refers_to(target, "deadLetterConfig", arn, queue):
            return True
    return False


# No AWS control; CDK's QueueProcessingFargateService always creates a DLQ for the same reason.
@rule(
    "sqs-work-queue-has-dlq",
    "SQS work queues have a dead-letter queue (redrivePolicy); dead-letter queues themselves are exempt.",
    enforcement=MANDATORY,
    resource_types=QUEUE,
    control="none",
    cross_resource=True,
)
def check_work_queue_has_dlq(queue: ResourceView, context: StackContext) -> list[str]:
    if _is_dead_letter_queue(queue, context):
        return []
    redrive = document(queue.props.get("redrivePolicy"))
    if get(redrive, "deadLetterTargetArn") and get(redrive, "maxReceiveCount"):
        return []
    if pointing_at(queue, context, QUEUE_REDRIVE, "queueUrl"):
        return []
    return ["a work queue without redrivePolicy (deadLetterTargetArn + maxReceiveCount): poison messages loop forever"]


# Security Hub SNS.1.
@rule(
    "sns-topic-encrypted",
    "SNS topics are encrypted at rest with KMS.",
    enforcement=MANDATORY,
    resource_types=TOPIC,
    control="Security Hub SNS.1",
)
def check_topic_encrypted(topic: ResourceView, context: StackContext) -> list[str]:
    return [] if topic.props.get("kmsMasterKeyId") else ["kmsMasterKeyId is not set"]

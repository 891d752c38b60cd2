"""Queue workers of the stack (`ecs-workloads:workers`): name → a `QueueBackedBatchService` with trigger
`queue`, the shape of an AWS Copilot Worker Service.

A worker has no input bucket: producers send to its queue, or SNS topics deliver to it through
`subscriptions` (a topic of `ecs-workloads:topics` by name, or any topic by ARN). Like a batch pipeline's
worker it reads QUEUE_URL (and DEAD_LETTER_QUEUE_URL, OUTPUT_BUCKET) from its environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Self

import pulumi
from pydantic import AfterValidator, Field, field_validator, model_validator

from ecs_workloads.queue_backed_batch_service import (
    QUEUE_BACKED_BATCH_SERVICE_NAMES,
    SUBSCRIPTION_ARGS,
    QueueBackedBatchService,
    SubscriptionArgs,
)

from .batch import QueueServiceSettings, queue_service, queue_service_name, queue_service_outputs
from .component_rules import raise_rule_problems
from .foundation import Foundation
from .section import Section
from .workload_settings import WorkloadSettings, require_image_or_app

_WORKER_RESOURCE_NAME = "worker-{name}"
WORKER_NAME_MAX_LENGTH = QUEUE_BACKED_BATCH_SERVICE_NAMES.max_length - len(_WORKER_RESOURCE_NAME.format(name=""))
"""A worker's `QueueBackedBatchService` is `worker-<name>`, so the component's name bound less the prefix."""
_SUB = SUBSCRIPTION_ARGS


class SubscriptionSettings(Section):
    """One topic that delivers to a worker's queue: `topic` (a name in `topics`) or `topicArn`."""

    topic: str | None = Field(None, description="Name of a topic in ecs-workloads:topics.")
    topic_arn: str | None = _SUB["topic_arn"].setting(None, description="ARN of an existing topic, instead of topic.")
    filter_policy: dict[str, Any] | None = _SUB["filter_policy"].setting(
        None, description="SNS filter policy (JSON object); default: every message."
    )
    filter_policy_scope: str = _SUB["filter_policy_scope"].setting(
        description="What filterPolicy matches: MessageAttributes or MessageBody."
    )
    raw_message_delivery: bool = _SUB["raw_message_delivery"].setting(
        description="true: the published message as is; false: inside SNS's JSON envelope (its Message field)."
    )

    @model_validator(mode="after")
    def _one_topic(self) -> Self:
        if (self.topic is None) == (self.topic_arn is None):
            raise ValueError("set topic (a name in topics) or topicArn, one of them")
        raise_rule_problems(_SUB, _SUB.rules, self.args({}))
        return self

    def topic_key(self) -> str:
        """The topic's name or ARN, whichever is set."""
        return self.topic if self.topic is not None else str(self.topic_arn)

    def args(self, topic_arns: Mapping[str, pulumi.Input[str]]) -> SubscriptionArgs:
        """The component's `SubscriptionArgs`, the named topic's ARN taken from `topic_arns`."""
        arn: pulumi.Input[str] = self.topic_arn if self.topic_arn is not None else topic_arns.get(self.topic or "", "")
        args: dict[str, Any] = {"topic_arn": arn, "raw_message_delivery": self.raw_message_delivery}
        if self.filter_policy is not None:
            args["filter_policy"] = dict(self.filter_policy)
        if "filter_policy_scope" in self.model_fields_set:
            args["filter_policy_scope"] = self.filter_policy_scope
        return args  # type: ignore[return-value]


class WorkerSettings(QueueServiceSettings):
    """One worker of `ecs-workloads:workers`."""

    workload: WorkloadSettings = Field(description="Worker container; `image` or `app` is required.")
    subscriptions: list[SubscriptionSettings] = Field(
        default_factory=list, description="SNS topics that deliver to the worker's queue; default none."
    )

    @field_validator("workload")
    @classmethod
    def _image_or_app(cls, value: WorkloadSettings) -> WorkloadSettings:
        return require_image_or_app(value)

    @field_validator("subscriptions")
    @classmethod
    def _distinct_topics(cls, value: list[SubscriptionSettings]) -> list[SubscriptionSettings]:
        keys = [entry.topic_key() for entry in value]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"one subscription per topic; repeated: {', '.join(repeated)}")
        return value

    def component_args(self) -> dict[str, Any]:
        return {**super().component_args(), "trigger": "queue"}


Workers = dict[
    Annotated[str, AfterValidator(queue_service_name("worker", _WORKER_RESOURCE_NAME, WORKER_NAME_MAX_LENGTH))],
    WorkerSettings,
]
"""`ecs-workloads:workers`: worker name → settings."""


def build_workers(
    foundation: Foundation,
    workers: Mapping[str, WorkerSettings],
    topic_arns: Mapping[str, pulumi.Input[str]],
    environment: Mapping[str, Mapping[str, pulumi.Input[str]]],
) -> tuple[dict[str, QueueBackedBatchService], dict[str, Any]]:
    """Creates every worker; returns them by name and their `services` and `queues` stack outputs.
    `topic_arns` resolves subscriptions by topic name, `environment` adds the stack's variables by worker."""
    services = {
        name: queue_service(
            foundation,
            _WORKER_RESOURCE_NAME.format(name=name),
            settings,
            default_app="",
            extra={"subscriptions": [entry.args(topic_arns) for entry in settings.subscriptions]}
            if settings.subscriptions
            else None,
            environment=environment.get(name),
        )
        for name, settings in workers.items()
    }
    return services, queue_service_outputs(services, workers)

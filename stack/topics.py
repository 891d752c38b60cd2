"""SNS topics the stack's services publish to (`ecs-workloads:topics`).

Each topic is encrypted with the AWS-managed key `alias/aws/sns`; its publishers' task roles get
sns:Publish on it, and each publisher finds the ARNs of its topics in SNS_TOPIC_ARNS, a JSON object of
topic name → ARN (AWS Copilot's COPILOT_SNS_TOPIC_ARNS has the same shape). Workers subscribe to a topic by
its name (`workers.<name>.subscriptions[].topic`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Protocol

import pulumi
import pulumi_aws as aws
from pydantic import AfterValidator, Field, field_validator

from ecs_workloads.name_limits import AUTONAME_SUFFIX, SNS_TOPIC

from .section import Section, unique_names

TOPIC_ARNS_VARIABLE = "SNS_TOPIC_ARNS"
"""The environment variable of a publisher: a JSON object of the name → ARN of each topic it publishes to."""
_TOPIC_RESOURCE_NAME = "topic-{name}"
TOPIC_NAME_MAX_LENGTH = SNS_TOPIC.limit - len(_TOPIC_RESOURCE_NAME.format(name="")) - AUTONAME_SUFFIX
"""A topic is autonamed from `topic-<name>`, so SNS's name bound less the prefix and the autoname suffix."""
# CreateTopic Name: "Constraints: Topic names must be made up of only uppercase and lowercase ASCII letters,
# numbers, underscores, and hyphens, and must be between 1 and 256 characters long." (SNS API Reference)
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# The AWS-managed SNS key: its key policy lets every principal of the account that may use SNS encrypt and
# decrypt through SNS (kms:ViaService), so publishers need only sns:Publish (AWS KMS Developer Guide, "AWS
# managed keys"; SNS Developer Guide, sns-key-management). CloudWatch and EventBridge cannot publish to it,
# which is why the alarm topic has a key of its own; services publish here through the SNS API.
TOPIC_KEY = "alias/aws/sns"


class TopicSettings(Section):
    """One entry of `ecs-workloads:topics`."""

    name: str = Field(
        description=f"Unique name: letters, digits, - or _, up to {TOPIC_NAME_MAX_LENGTH} characters "
        "(the key of the topic in SNS_TOPIC_ARNS)."
    )
    publishers: list[str] = Field(
        default_factory=list,
        description="Names of the stack's services (workers, jobs) whose task role may publish; each finds the "
        f"topic's ARN in {TOPIC_ARNS_VARIABLE}.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _TOPIC_NAME.match(value) or len(value) > TOPIC_NAME_MAX_LENGTH:
            raise ValueError(
                f"must be 1-{TOPIC_NAME_MAX_LENGTH} letters, digits, - or _ (the topic is autonamed "
                f"{_TOPIC_RESOURCE_NAME.format(name='<name>')} plus the {AUTONAME_SUFFIX}-character autoname "
                f"suffix, and {SNS_TOPIC.what} is at most {SNS_TOPIC.limit} characters)"
            )
        return value

    @field_validator("publishers")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        repeated = sorted({name for name in value if value.count(name) > 1})
        if repeated:
            raise ValueError(f"each publisher once; repeated: {', '.join(repeated)}")
        return value


TopicList = Annotated[list[TopicSettings], AfterValidator(unique_names("topics", "topic"))]
"""`ecs-workloads:topics`: topic names must be unique."""


class Grantable(Protocol):
    """A workload whose task role takes statements: every shape (`WorkloadShape.grant`)."""

    def grant(self, purpose: str, statements: list[dict[str, Any]]) -> Any: ...


def build_topics(topics: Sequence[TopicSettings]) -> dict[str, aws.sns.Topic]:
    """One encrypted standard topic per entry, by name."""
    return {
        topic.name: aws.sns.Topic(_TOPIC_RESOURCE_NAME.format(name=topic.name), kms_master_key_id=TOPIC_KEY)
        for topic in topics
    }


def published_topics(topics: Sequence[TopicSettings]) -> dict[str, list[str]]:
    """Publisher name → the names of the topics it publishes to, in the order of `topics`."""
    found: dict[str, list[str]] = {}
    for topic in topics:
        for publisher in topic.publishers:
            found.setdefault(publisher, []).append(topic.name)
    return found


def publisher_environment(
    topics: Sequence[TopicSettings], created: Mapping[str, aws.sns.Topic]
) -> dict[str, dict[str, pulumi.Input[str]]]:
    """Publisher name → the environment the stack gives it: SNS_TOPIC_ARNS."""
    return {
        publisher: {TOPIC_ARNS_VARIABLE: pulumi.Output.json_dumps({name: created[name].arn for name in names})}
        for publisher, names in published_topics(topics).items()
    }


def grant_publish(
    topics: Sequence[TopicSettings], created: Mapping[str, aws.sns.Topic], task_roles: Mapping[str, Grantable]
) -> None:
    """sns:Publish on exactly its topics for each publisher; `task_roles` maps every service name of the stack
    that may publish to its workload (settings have checked that each publisher is one of them)."""
    for publisher, names in published_topics(topics).items():
        task_roles[publisher].grant(
            "publish",
            [
                {
                    "Sid": "PublishToOwnTopics",
                    "Effect": "Allow",
                    "Action": "sns:Publish",
                    "Resource": [created[name].arn for name in names],
                }
            ],
        )

"""The SNS topic that alarms and failed-run alerts publish to."""

from __future__ import annotations

import re
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from .iam import policy_document
from .options import child
from .validation import ArgumentProblems, is_known

# The AWS services that publish alarms and alerts to the topic.
PUBLISHERS = ("cloudwatch.amazonaws.com", "events.amazonaws.com")
SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")


def validate_topic_arn(problems: ArgumentProblems, field: str, topic: Any) -> None:
    """Alarm actions name the topic: a wrong value would fail only when CloudWatch first publishes."""
    if topic is not None and is_known(topic):
        problems.check(
            isinstance(topic, str) and bool(SNS_TOPIC_ARN.match(topic)),
            field,
            topic,
            "an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alarms",
        )


class AlarmTopicArgs(TypedDict, total=False):
    """Arguments of `AlarmTopic`."""

    email: str
    """Address subscribed to the topic (AWS sends a confirmation e-mail). Default: no subscription."""


class AlarmTopic(pulumi.ComponentResource):
    """An encrypted SNS topic that CloudWatch alarms and EventBridge rules of this account may publish to.

    CloudWatch and EventBridge cannot use the AWS-managed `alias/aws/sns` key, so the topic gets its own
    customer-managed key that only those two services (for this account) may use to publish.
    Outputs: `arn`.
    """

    arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlarmTopicArgs | None = None, opts: pulumi.ResourceOptions | None = None):
        args = args or {}
        problems = ArgumentProblems("AlarmTopic")
        problems.unknown_keys("", args, AlarmTopicArgs)
        email = args.get("email")
        if email is not None:
            problems.check(
                isinstance(email, str) and bool(re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email)),
                "email",
                email,
                "an e-mail address such as ops@example.com",
            )
        problems.raise_if_any()
        super().__init__("ecs-workloads:alarm_topic:AlarmTopic", name, None, opts)

        account_id = aws.get_caller_identity_output().account_id
        root = pulumi.Output.concat("arn:aws:iam::", account_id, ":root")
        key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts the {name} alarm topic",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy_document(
                [
                    {
                        "Sid": "AccountAdministers",
                        "Effect": "Allow",
                        "Principal": {"AWS": root},
                        "Action": "kms:*",
                        # In a key policy "*" means this key.
                        "Resource": "*",
                    },
                    {
                        "Sid": "PublishersEncrypt",
                        "Effect": "Allow",
                        "Principal": {"Service": list(PUBLISHERS)},
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                    },
                ]
            ),
            opts=child(self),
        )
        topic = aws.sns.Topic(f"{name}-topic", kms_master_key_id=key.arn, opts=child(self))
        aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=topic.arn,
            policy=policy_document(
                [
                    {
                        "Sid": "OwnerManages",
                        "Effect": "Allow",
                        "Principal": {"AWS": root},
                        "Action": ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:SetTopicAttributes"],
                        "Resource": topic.arn,
                    },
                    {
                        "Sid": "AlarmsAndAlertsPublish",
                        "Effect": "Allow",
                        "Principal": {"Service": list(PUBLISHERS)},
                        "Action": "sns:Publish",
                        "Resource": topic.arn,
                        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                    },
                ]
            ),
            opts=child(self),
        )
        if email is not None:
            aws.sns.TopicSubscription(
                f"{name}-email", topic=topic.arn, protocol="email", endpoint=email, opts=child(self)
            )
        self.arn = topic.arn
        self.register_outputs({"arn": self.arn})

"""The SNS topic that alarms and failed-run alerts publish to."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, Text
from .iam import policy_document
from .options import child, component_type, with_former_type
from .outputs import register_declared_outputs
from .tags import TAGS, with_tags
from .validation import ArgumentProblems

# The AWS services that publish alarms and alerts to the topic. They are granted apart because AWS supports
# confused-deputy conditions for one and not the other (docs/aws-facts.md, "EventBridge to an encrypted topic").
CLOUDWATCH = "cloudwatch.amazonaws.com"
EVENTBRIDGE = "events.amazonaws.com"
# The key actions SNS needs on behalf of a publisher to an SSE-KMS topic (SNS Developer Guide, sns-key-management).
PUBLISHER_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]
# Topic names are 1-256 letters, digits, `-` and `_`, `.fifo` for FIFO topics (CreateTopic).
_SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
TOPIC_ARN = Text(
    pattern=_SNS_TOPIC_ARN,
    shape="an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alarms",
    otherwise="no notifications",
)
"""The spec of every argument naming the topic alarms notify: alarm actions name the topic, so a wrong value
would fail only when CloudWatch first publishes (an Output is checked at deploy time). A component says what
leaving it out means with `dataclasses.replace(TOPIC_ARN, otherwise=...)`."""


class AlarmTopicArgs(TypedDict, total=False):
    """Arguments of `AlarmTopic`."""

    email: str
    """Address subscribed to the topic (AWS sends a confirmation e-mail)."""
    tags: dict[str, str]
    """Tags of the topic and its key."""


ALARM_TOPIC_ARGS = Arguments(
    AlarmTopicArgs,
    {
        "email": Text(
            pattern=re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"),
            shape="an e-mail address such as ops@example.com",
            otherwise="no subscription",
        ),
        "tags": TAGS,
    },
)


class AlarmTopic(pulumi.ComponentResource):
    """An encrypted SNS topic that CloudWatch alarms of this account and EventBridge rules may publish to.

    CloudWatch and EventBridge cannot use the AWS-managed `alias/aws/sns` key, so the topic gets its own
    customer-managed key that only those two services may use to publish; CloudWatch only for this account,
    EventBridge unconditionally because AWS supports no condition on its grants (docs/aws-facts.md).
    """

    arn: pulumi.Output[str]
    """The topic's ARN, for alarm actions and EventBridge targets."""

    def __init__(self, name: str, args: AlarmTopicArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = ArgumentProblems("AlarmTopic")
        ALARM_TOPIC_ARGS.check(args, problems)
        problems.raise_if_any()
        email = args.get("email")
        super().__init__(
            component_type("AlarmTopic"), name, None, with_former_type("AlarmTopic", with_tags(args.get("tags"), opts))
        )

        account_id = aws.get_caller_identity_output().account_id
        root = pulumi.Output.concat("arn:aws:iam::", account_id, ":root")
        # CloudWatch alarms support the confused-deputy condition on both the key and the topic policy.
        this_account = {"StringEquals": {"aws:SourceAccount": account_id}}
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
                        "Sid": "AlarmsEncrypt",
                        "Effect": "Allow",
                        "Principal": {"Service": CLOUDWATCH},
                        "Action": PUBLISHER_KEY_ACTIONS,
                        "Resource": "*",
                        "Condition": this_account,
                    },
                    {
                        "Sid": "AlertsEncrypt",
                        "Effect": "Allow",
                        "Principal": {"Service": EVENTBRIDGE},
                        "Action": PUBLISHER_KEY_ACTIONS,
                        "Resource": "*",
                        # No condition: the SNS Developer Guide (sns-key-management) says "Adding the
                        # aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is not supported
                        # for EventBridge-to-encrypted topics"; with one, every failed-run alert is dropped (seen
                        # only as the rule's FailedInvocations). AWS documents no other condition for this path
                        # either, so the statement is bounded by the principal, the two actions and this key.
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
                        "Sid": "AlarmsPublish",
                        "Effect": "Allow",
                        "Principal": {"Service": CLOUDWATCH},
                        "Action": "sns:Publish",
                        "Resource": topic.arn,
                        "Condition": this_account,
                    },
                    {
                        "Sid": "AlertsPublish",
                        "Effect": "Allow",
                        "Principal": {"Service": EVENTBRIDGE},
                        "Action": "sns:Publish",
                        "Resource": topic.arn,
                        # No condition: the EventBridge User Guide (eb-use-resource-based, "Amazon SNS
                        # permissions") says "You can't use Condition blocks in Amazon SNS topic policies for
                        # EventBridge."
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
        register_declared_outputs(self)

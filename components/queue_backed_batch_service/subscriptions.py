"""SNS topic subscriptions of the queue (trigger `queue`): each topic delivers to the queue, and the queue
policy lets SNS send only on behalf of those topics.

The queue is encrypted with SSE-SQS, which has no key policy: SNS delivers to it like any producer. A queue
under SSE-KMS would need a customer-managed key whose policy grants sns.amazonaws.com kms:GenerateDataKey* and
kms:Decrypt (SQS Developer Guide, "Amazon SQS Key management", Configure KMS permissions for AWS services:
event sources "must" use a customer managed key, the AWS managed key for SQS cannot be changed).
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from ..alarm_topic import TOPIC_ARN
from ..arguments import Arguments, Flag, OneOf, Spec
from ..options import child
from ..validation import ArgumentProblems, is_known
from .queue_access import allow_service_to_send

# SNS Developer Guide, "Filter policy constraints in Amazon SNS" (subscription-filter-policy-constraints):
# "A filter policy can have a maximum of five keys", "The total combination of values in a filter policy
# must not exceed 150" (the product of the number of values of each array), "The maximum size of a filter
# policy is 256 KB", and "Amazon SNS does not accept a nested filter policy for attribute-based filtering".
FILTER_POLICY_MAX_KEYS = 5
FILTER_POLICY_MAX_COMBINATIONS = 150
FILTER_POLICY_MAX_BYTES = 256 * 1024
# Subscribe's FilterPolicyScope (SNS API Reference, Subscribe Attributes): MessageAttributes is the default.
FILTER_POLICY_SCOPES = ("MessageAttributes", "MessageBody")


def filter_policy_facts(policy: Any) -> tuple[int, int, bool] | None:
    """(keys, combinations, nested) of a filter policy as SNS counts them: each key whose value is an array
    of values counts once, and the combinations are the product of those arrays' lengths. None when the
    policy is not a JSON object whose leaves are non-empty arrays."""
    if not isinstance(policy, dict) or not policy:
        return None
    keys, combinations, nested = 0, 1, False
    for value in policy.values():
        if isinstance(value, dict):
            inner = filter_policy_facts(value)
            if inner is None:
                return None
            keys, combinations, nested = keys + inner[0], combinations * inner[1], True
        elif isinstance(value, list) and value:
            keys, combinations = keys + 1, combinations * len(value)
        else:
            return None
    return keys, combinations, nested


def filter_policy_problem(policy: Any, scope: str) -> str | None:
    """What is wrong with `policy` under `scope` by SNS's documented limits, or None."""
    facts = filter_policy_facts(policy)
    if facts is None:
        return "a JSON object whose keys each hold a non-empty array of values (or, with MessageBody, an object)"
    keys, combinations, nested = facts
    if nested and scope != "MessageBody":
        return "flat with filter_policy_scope MessageAttributes: nested keys only with MessageBody"
    if keys > FILTER_POLICY_MAX_KEYS:
        return f"at most {FILTER_POLICY_MAX_KEYS} keys, not {keys}"
    if combinations > FILTER_POLICY_MAX_COMBINATIONS:
        return (
            f"at most {FILTER_POLICY_MAX_COMBINATIONS} combinations of values (the product of the arrays' "
            f"lengths), not {combinations}"
        )
    size = len(json.dumps(policy).encode())
    if size > FILTER_POLICY_MAX_BYTES:
        return f"at most {FILTER_POLICY_MAX_BYTES} bytes of JSON, not {size}"
    return None


@dataclass(frozen=True)
class FilterPolicy(Spec):
    """An SNS filter policy as a JSON object; its limits depend on the scope, checked by the rule below."""

    def accepts(self, value: Any) -> bool:
        return filter_policy_facts(value) is not None

    def allowed(self) -> str:
        return (
            f"a JSON object whose keys each hold a non-empty array of values; at most {FILTER_POLICY_MAX_KEYS} "
            f"keys, {FILTER_POLICY_MAX_COMBINATIONS} combinations and {FILTER_POLICY_MAX_BYTES // 1024} KB"
        )


class SubscriptionArgs(TypedDict, total=False):
    """One SNS topic that delivers to the queue."""

    topic_arn: Required[pulumi.Input[str]]
    """ARN of the topic (standard, in any account whose topic policy allows the subscription)."""
    filter_policy: dict[str, Any]
    """SNS filter policy: only matching messages reach the queue."""
    filter_policy_scope: str
    """What the filter policy matches: the message's attributes or its JSON body."""
    raw_message_delivery: bool
    """true: the queue gets the published message as is; false: inside SNS's JSON envelope (Message,
    MessageAttributes, TopicArn, ...)."""


def _scope_fits_the_policy(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    policy = args.get("filter_policy")
    scope = SUBSCRIPTION_ARGS.value(args, "filter_policy_scope")
    if policy is None:
        if "filter_policy_scope" in args:
            problems.add(f"{prefix}filter_policy_scope", scope, "only with a filter_policy")
        return
    if problem := filter_policy_problem(policy, scope):
        problems.add(f"{prefix}filter_policy", policy, problem)


SUBSCRIPTION_ARGS = Arguments(
    SubscriptionArgs,
    {
        "topic_arn": replace(TOPIC_ARN, otherwise=None),
        "filter_policy": FilterPolicy(otherwise="every message"),
        "filter_policy_scope": OneOf(values=FILTER_POLICY_SCOPES, default="MessageAttributes"),
        # SNS's own default (Subscribe RawMessageDelivery false), which is also what AWS Copilot worker
        # services receive: the SNS envelope, whose Message field holds the published body.
        "raw_message_delivery": Flag(default=False),
    },
    rules=[_scope_fits_the_policy],
)


def distinct_topics(subscriptions: Any, problems: ArgumentProblems, field: str) -> None:
    """One subscription per topic: SNS answers a second Subscribe of the same queue with the same
    subscription, which two resources would then both own."""
    seen: set[str] = set()
    for index, entry in enumerate(subscriptions if isinstance(subscriptions, list) else []):
        arn = entry.get("topic_arn") if isinstance(entry, dict) else None
        if isinstance(arn, str) and is_known(arn):
            if arn in seen:
                problems.add(f"{field}[{index}].topic_arn", arn, "a topic not subscribed already")
            seen.add(arn)


def subscribe_queue(
    parent: pulumi.Resource, name: str, queue: aws.sqs.Queue, subscriptions: list[SubscriptionArgs]
) -> list[aws.sns.TopicSubscription]:
    """The queue policy for the topics and one sqs subscription per topic."""
    arns = [entry["topic_arn"] for entry in subscriptions]
    # SNS Developer Guide, "Fanout to Amazon SQS queues" (subscribe-sqs-queue-to-sns-topic): the queue policy
    # allows sns.amazonaws.com sqs:SendMessage with aws:SourceArn the topic.
    queue_policy = allow_service_to_send(
        parent,
        name,
        queue,
        sid="OnlyTheSubscribedTopics",
        service="sns.amazonaws.com",
        condition={"ArnEquals": {"aws:SourceArn": arns}},
    )
    created = []
    for index, entry in enumerate(subscriptions):
        policy = entry.get("filter_policy")
        created.append(
            aws.sns.TopicSubscription(
                f"{name}-subscription-{index}",
                topic=entry["topic_arn"],
                protocol="sqs",
                endpoint=queue.arn,
                raw_message_delivery=SUBSCRIPTION_ARGS.value(entry, "raw_message_delivery"),
                filter_policy=json.dumps(policy) if policy is not None else None,
                filter_policy_scope=SUBSCRIPTION_ARGS.value(entry, "filter_policy_scope") if policy else None,
                # Messages published before the queue policy exists would be refused by SQS.
                opts=child(parent, depends_on=[queue_policy]),
            )
        )
    return created

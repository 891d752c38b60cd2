from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ecs_workloads import AlarmTopic
from ecs_workloads.alarm_topic import TOPIC_ARN
from ecs_workloads.alb_web_service import ALB_WEB_SERVICE_ARGS
from ecs_workloads.outputs import declared_outputs
from ecs_workloads.queue_backed_batch_service import QUEUE_BACKED_BATCH_SERVICE_ARGS
from ecs_workloads.scheduled_ecs_task import SCHEDULED_ECS_TASK_ARGS
from harness.program import run_callable
from harness.recording import Recording
from tests.components.component_checks import registered_output_names, untagged

# The components whose alarms notify a topic given by its ARN.
TOPIC_TAKERS = (ALB_WEB_SERVICE_ARGS, QUEUE_BACKED_BATCH_SERVICE_ARGS, SCHEDULED_ECS_TASK_ARGS)


SOURCE_CONDITION_KEYS = {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"}


def _by_sid(document: str) -> dict:
    return {s["Sid"]: s for s in json.loads(document)["Statement"]}


def _condition_keys(statement: dict) -> set[str]:
    """Every condition key a statement tests, lower-cased: IAM condition keys are case-insensitive."""
    return {key.lower() for test in statement.get("Condition", {}).values() for key in test}


def test_topic_uses_its_own_key_and_only_alarm_services_publish():
    recording = run_callable(lambda: AlarmTopic("alarms", {"email": "ops@example.com"}))
    key = recording.one("aws:kms/key:Key")
    topic = recording.one("aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True
    statements = _by_sid(recording.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    assert set(statements) == {"OwnerManages", "AlarmsPublish", "AlertsPublish"}
    assert statements["AlarmsPublish"] == {
        "Sid": "AlarmsPublish",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic.outputs["arn"],
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }
    key_statements = _by_sid(key.inputs["policy"])
    assert set(key_statements) == {"AccountAdministers", "AlarmsEncrypt", "AlertsEncrypt"}
    assert key_statements["AlarmsEncrypt"] == {
        "Sid": "AlarmsEncrypt",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }
    subscription = recording.one("aws:sns/topicSubscription:TopicSubscription")
    assert subscription.inputs["endpoint"] == "ops@example.com" and subscription.inputs["protocol"] == "email"


def test_eventbridge_grants_carry_no_condition_aws_does_not_support():
    """Regression: an aws:SourceAccount condition on EventBridge's key or topic grant dropped every alert."""
    recording = run_callable(lambda: AlarmTopic("alarms", {}))
    topic = recording.one("aws:sns/topic:Topic")
    key_grant = _by_sid(recording.one("aws:kms/key:Key").inputs["policy"])["AlertsEncrypt"]
    assert key_grant == {
        "Sid": "AlertsEncrypt",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
    }
    publish_grant = _by_sid(recording.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])["AlertsPublish"]
    assert publish_grant == {
        "Sid": "AlertsPublish",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic.outputs["arn"],
    }


def test_no_statement_naming_eventbridge_tests_a_source_condition():
    """EventBridge must not be reachable through any statement with a source condition, whatever its Sid."""
    recording = run_callable(lambda: AlarmTopic("alarms", {}))
    documents = [
        recording.one("aws:kms/key:Key").inputs["policy"],
        recording.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"],
    ]
    for document in documents:
        for statement in json.loads(document)["Statement"]:
            services = statement["Principal"].get("Service", [])
            if "events.amazonaws.com" in ([services] if isinstance(services, str) else services):
                assert _condition_keys(statement) & SOURCE_CONDITION_KEYS == set(), statement["Sid"]


def test_no_subscription_without_email_and_bad_email_rejected():
    assert run_callable(lambda: AlarmTopic("alarms", {})).of_type("aws:sns/topicSubscription:TopicSubscription") == []
    recording = Recording()
    with pytest.raises(ValueError, match="email: 'ops' — an e-mail address"):
        run_callable(lambda: AlarmTopic("alarms", {"email": "ops"}), recording=recording)
    assert recording.registrations == []


TAGS = {"team": "platform"}


def test_tags_on_the_topic_and_its_key():
    recording = run_callable(lambda: AlarmTopic("alarms", {"email": "ops@example.com", "tags": TAGS}))
    assert recording.one("aws:kms/key:Key").inputs["tags"] == TAGS
    assert recording.one("aws:sns/topic:Topic").inputs["tags"] == TAGS
    assert untagged(recording, "ecs-workloads:index:AlarmTopic", TAGS) == []


def test_every_declared_output_is_registered():
    recording = run_callable(lambda: AlarmTopic("alarms", {}))
    registered = registered_output_names(recording, "ecs-workloads:index:AlarmTopic")
    assert registered == set(declared_outputs(AlarmTopic)) == {"arn"}


@pytest.mark.parametrize(
    ("topic", "problem"),
    [
        ("arn:aws:sns:us-east-1:123456789012:alarms", None),
        ("arn:aws:sns:us-east-1:123456789012:alarms.fifo", None),
        ("arn:aws:sqs:us-east-1:123456789012:alarms", "an SNS topic ARN such as"),
        (5, "an SNS topic ARN such as"),
    ],
)
def test_the_topic_arn_spec_takes_sns_topic_arns_only(topic, problem):
    if problem is None:
        assert TOPIC_ARN.problem(topic) is None
    else:
        assert TOPIC_ARN.problem(topic) == TOPIC_ARN.allowed()
        assert problem in TOPIC_ARN.allowed()


@pytest.mark.parametrize("arguments", TOPIC_TAKERS, ids=lambda arguments: arguments.typed_dict.__name__)
def test_every_alarm_topic_argument_is_the_shared_spec_saying_what_its_absence_means(arguments):
    spec = arguments["alarm_topic_arn"]
    assert replace(spec, otherwise=TOPIC_ARN.otherwise) == TOPIC_ARN
    assert spec.otherwise

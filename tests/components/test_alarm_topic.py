from __future__ import annotations

import json

import pytest

from ecs_workloads import AlarmTopic
from harness.program import run_callable
from harness.recording import Recording


def test_topic_uses_its_own_key_and_only_alarm_services_of_this_account_publish():
    recording = run_callable(lambda: AlarmTopic("alarms", {"email": "ops@example.com"}))
    key = recording.one("aws:kms/key:Key")
    topic = recording.one("aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True
    statements = {
        s["Sid"]: s for s in json.loads(recording.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])["Statement"]
    }
    publish = statements["AlarmsAndAlertsPublish"]
    assert publish["Principal"] == {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]}
    assert publish["Action"] == "sns:Publish"
    assert publish["Resource"] == topic.outputs["arn"]
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    key_statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert key_statements["PublishersEncrypt"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    subscription = recording.one("aws:sns/topicSubscription:TopicSubscription")
    assert subscription.inputs["endpoint"] == "ops@example.com" and subscription.inputs["protocol"] == "email"


def test_no_subscription_without_email_and_bad_email_rejected():
    assert run_callable(lambda: AlarmTopic("alarms", {})).of_type("aws:sns/topicSubscription:TopicSubscription") == []
    recording = Recording()
    with pytest.raises(ValueError, match="email: 'ops' — an e-mail address"):
        run_callable(lambda: AlarmTopic("alarms", {"email": "ops"}), recording=recording)
    assert recording.registrations == []

"""Queue workers and SNS topics of a stack: workers subscribed to the stack's topics, publishers granted and
told the ARNs, all conformant to AWS."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from harness.mocks import ACCOUNT_ID
from harness.program import run_program, stack_config
from harness.recording import Recording
from plan import conformance
from stack.config import StackConfigError, settings_from_raw
from stack.topics import TOPIC_ARNS_VARIABLE, TOPIC_KEY, TOPIC_NAME_MAX_LENGTH
from stack.workers import WORKER_NAME_MAX_LENGTH

SERVICE = "ecs-workloads:index:QueueBackedBatchService"
TASK = "ecs-workloads:index:ScheduledEcsTask"
EXTERNAL = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:legacy-events"
IMAGE = "public.ecr.aws/example/orders:1.0"
LONG = "o" * (WORKER_NAME_MAX_LENGTH + 1)
GENERIC = {
    "ecs-workloads:workers": {
        "orders": {
            "workload": {"image": IMAGE, "environment": {"MODE": "orders"}},
            "maxTasks": 3,
            "subscriptions": [
                {"topic": "api-orderEvents", "filterPolicy": {"store": ["example_corp"]}, "rawMessageDelivery": True},
                {"topicArn": EXTERNAL},
            ],
        },
        "audit": {"workload": {"image": IMAGE}},
    },
    "ecs-workloads:jobs": [{"name": "nightly", "schedule": "cron(0 2 * * ? *)", "workload": {"image": IMAGE}}],
    "ecs-workloads:topics": [
        {"name": "api-orderEvents", "publishers": ["nightly", "audit"]},
        {"name": "audit_log", "publishers": ["audit"]},
    ],
}


@pytest.fixture(scope="module")
def recording() -> Recording:
    return run_program("dev", {**stack_config("dev"), **GENERIC})


def _under(recording: Recording, component_type: str, component: str, typ: str) -> list:
    parent = recording.one(component_type, component)
    return [r for r in recording.descendants(parent) if r.type == typ]


def _environment(recording: Recording, component_type: str, component: str) -> dict[str, Any]:
    (definition,) = _under(recording, component_type, component, "aws:ecs/taskDefinition:TaskDefinition")
    container = json.loads(definition.inputs["containerDefinitions"])[0]
    return {entry["name"]: entry["value"] for entry in container["environment"]}


def _topic_arn(recording: Recording, name: str) -> str:
    return recording.one("aws:sns/topic:Topic", f"topic-{name}").outputs["arn"]


def test_the_stack_with_workers_and_topics_conforms_to_aws(recording):
    report = conformance.check(recording)
    assert report.problems == []
    subscribes = [r for r in report.requests if (r.service, r.operation) == ("sns", "Subscribe")]
    assert len(subscribes) == 2


def test_topics_are_encrypted_with_the_aws_managed_key(recording):
    topics = [r for r in recording.registrations if r.type == "aws:sns/topic:Topic" and r.name.startswith("topic-")]
    assert sorted(r.name for r in topics) == ["topic-api-orderEvents", "topic-audit_log"]
    assert {r.inputs["kmsMasterKeyId"] for r in topics} == {TOPIC_KEY}


def test_the_worker_subscribes_its_queue_to_the_named_topic_and_the_given_arn(recording):
    subscriptions = _under(recording, SERVICE, "worker-orders", "aws:sns/topicSubscription:TopicSubscription")
    by_topic = {r.inputs["topic"]: r.inputs for r in subscriptions}
    named = by_topic[_topic_arn(recording, "api-orderEvents")]
    assert json.loads(named["filterPolicy"]) == {"store": ["example_corp"]}
    assert named["rawMessageDelivery"] is True
    assert named["protocol"] == "sqs"
    assert by_topic[EXTERNAL]["rawMessageDelivery"] is False
    assert "filterPolicy" not in by_topic[EXTERNAL]
    (policy,) = _under(recording, SERVICE, "worker-orders", "aws:sqs/queuePolicy:QueuePolicy")
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": [_topic_arn(recording, "api-orderEvents"), EXTERNAL]}
    }


def test_a_worker_reads_its_queue_url_and_keeps_its_own_environment(recording):
    environment = _environment(recording, SERVICE, "worker-orders")
    (queue,) = [
        r for r in _under(recording, SERVICE, "worker-orders", "aws:sqs/queue:Queue") if r.name.endswith("-queue")
    ]
    assert environment["QUEUE_URL"] == queue.outputs["url"]
    assert environment["MODE"] == "orders"
    assert TOPIC_ARNS_VARIABLE not in environment


def test_publishers_get_publish_on_exactly_their_topics_and_their_arns(recording):
    orders, audit_log = _topic_arn(recording, "api-orderEvents"), _topic_arn(recording, "audit_log")
    assert json.loads(_environment(recording, SERVICE, "worker-audit")[TOPIC_ARNS_VARIABLE]) == {
        "api-orderEvents": orders,
        "audit_log": audit_log,
    }
    assert json.loads(_environment(recording, TASK, "job-nightly")[TOPIC_ARNS_VARIABLE]) == {"api-orderEvents": orders}
    for component_type, component, arns in (
        (SERVICE, "worker-audit", [orders, audit_log]),
        (TASK, "job-nightly", [orders]),
    ):
        (grant,) = [
            r
            for r in _under(recording, component_type, component, "aws:iam/rolePolicy:RolePolicy")
            if r.name.endswith("-task-publish")
        ]
        assert json.loads(grant.inputs["policy"])["Statement"] == [
            {"Sid": "PublishToOwnTopics", "Effect": "Allow", "Action": "sns:Publish", "Resource": arns}
        ]


def test_workers_are_services_and_queues_on_the_outputs_and_the_dashboard(recording):
    outputs = recording.stack_outputs
    assert {"orders", "audit"} <= set(outputs["services"]) and {"orders", "audit"} <= set(outputs["queues"])
    assert outputs["queues"]["orders"]["inputBucket"] is None
    body = json.loads(recording.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    assert "orders" in json.dumps(body) and "audit" in json.dumps(body)


def _error(extra: dict[str, Any]) -> str:
    config = {**stack_config("dev"), **GENERIC, **extra}
    raw = {
        key.removeprefix("ecs-workloads:"): value for key, value in config.items() if key.startswith("ecs-workloads:")
    }
    with pytest.raises(StackConfigError) as error:
        settings_from_raw(raw)
    return str(error.value)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"ecs-workloads:topics": [{"name": "api-orderEvents", "publishers": ["nobody"]}]},
            'topics.0.publishers.0: "nobody" — one of the stack\'s services: orders, audit, nightly',
        ),
        (
            {"ecs-workloads:topics": [{"name": "other", "publishers": []}]},
            'workers.orders.subscriptions.0.topic: "api-orderEvents" — one of the stack\'s topics: other '
            "(or topicArn for another)",
        ),
        (
            {"ecs-workloads:topics": [{"name": "a.b"}]},
            f'topics.0.name: "a.b" — must be 1-{TOPIC_NAME_MAX_LENGTH} letters, digits, - or _ (the topic is autonamed '
            "topic-<name> plus the 8-character autoname suffix, and an SNS topic name is at most 256 characters)",
        ),
        (
            {"ecs-workloads:workers": {LONG: {"workload": {"image": IMAGE}}}},
            f'workers.{LONG}.[key]: "{LONG}" — worker names are '
            f"1-{WORKER_NAME_MAX_LENGTH} lowercase letters, digits or -, starting with a letter (the longest resource "
            "name worker-<name>-worker-execution-role plus the 8-character autoname suffix must fit the 64 characters "
            "an IAM role name allows)",
        ),
        (
            {"ecs-workloads:workers": {"nightly": {"workload": {"image": IMAGE}}}, "ecs-workloads:topics": []},
            'workers.nightly: "nightly" — a name of its own across webServices, backends, workers, jobs, batch and '
            "the reference system; jobs[0].name has it",
        ),
        (
            {
                "ecs-workloads:workers": {
                    "audit": {"workload": {"image": IMAGE, "environment": {TOPIC_ARNS_VARIABLE: "{}"}}}
                }
            },
            f'workers.audit.workload.environment.{TOPIC_ARNS_VARIABLE}: "{{}}" — set by the stack: the ARNs of the '
            "topics the service publishes to; remove it",
        ),
        (
            {
                "ecs-workloads:workers": {
                    "w": {"workload": {"image": IMAGE}, "subscriptions": [{"topicArn": EXTERNAL, "topic": "x"}]}
                },
                "ecs-workloads:topics": [],
            },
            f'workers.w.subscriptions.0: {{"topicArn": "{EXTERNAL}", "topic": "x"}} — set topic (a name in topics) or '
            "topicArn, one of them",
        ),
        (
            {
                "ecs-workloads:workers": {
                    "w": {
                        "workload": {"image": IMAGE},
                        "subscriptions": [{"topicArn": EXTERNAL, "filterPolicy": {"a": {"b": ["c"]}}}],
                    }
                },
                "ecs-workloads:topics": [],
            },
            f'workers.w.subscriptions.0: {{"topicArn": "{EXTERNAL}", "filterPolicy": {{"a": {{"b": ["c"]}}}}}} — '
            "filterPolicy: {'a': {'b': ['c']}} — flat with filterPolicyScope MessageAttributes: nested keys only "
            "with MessageBody",
        ),
        (
            {
                "ecs-workloads:workers": {
                    "w": {"workload": {"image": IMAGE}, "subscriptions": [{"topicArn": "arn:aws:sqs:x"}]}
                },
                "ecs-workloads:topics": [],
            },
            'workers.w.subscriptions.0.topicArn: "arn:aws:sqs:x" — must be an SNS topic ARN such as '
            "arn:aws:sns:us-east-1:123456789012:alarms",
        ),
    ],
)
def test_config_errors_name_the_key(extra, expected):
    assert _error(extra) == f"invalid stack config:\n  ecs-workloads:{expected}"


@pytest.mark.parametrize(
    ("changes", "path", "rule"),
    [
        (
            {"filterPolicy": json.dumps({f"k{n}": ["v"] for n in range(6)})},
            "Attributes.FilterPolicy",
            "at most 5 keys, not 6",
        ),
        (
            {"filterPolicy": json.dumps({"a": list(range(10)), "b": list(range(16))})},
            "Attributes.FilterPolicy",
            "at most 150 combinations of values (the product of the arrays' lengths), not 160",
        ),
        ({"filterPolicyScope": "Body"}, "Attributes.FilterPolicyScope", "one of MessageAttributes, MessageBody"),
        ({"endpoint": "https://sqs.example/queue"}, "Endpoint", "the ARN of an SQS queue"),
    ],
)
def test_the_conformance_check_catches_a_subscription_sns_would_refuse(recording, changes, path, rule):
    original = next(
        r
        for r in recording.registrations
        if r.type == "aws:sns/topicSubscription:TopicSubscription" and "filterPolicy" in r.inputs
    )
    seeded = dataclasses.replace(original, inputs={**original.inputs, **changes})
    problems = conformance.check(Recording(registrations=[seeded])).problems
    assert [(p.path, p.rule.split(" [")[0]) for p in problems] == [(path, rule)]


def test_web_services_and_backends_publish_to_their_topics_without_the_reference_system():
    base = {
        k: v
        for k, v in stack_config("dev").items()
        if k.split(":", 1)[1] not in ("cats", "imageAssessor", "jobApi", "pictureScorer")
    }
    recording = run_program(
        "dev",
        {
            **base,
            "ecs-workloads:referenceSystem": False,
            "ecs-workloads:webServices": {"front": {"workload": {"image": IMAGE, "port": 8080}, "rulePriority": 100}},
            "ecs-workloads:backends": {"api": {"workload": {"image": IMAGE, "port": 9000}}},
            "ecs-workloads:workers": {"orders": {"workload": {"image": IMAGE}, "subscriptions": [{"topic": "events"}]}},
            "ecs-workloads:topics": [{"name": "events", "publishers": ["front", "api"]}],
        },
    )
    events = _topic_arn(recording, "events")
    for component_type, component in (
        ("ecs-workloads:index:AlbWebService", "front"),
        ("ecs-workloads:index:BackendService", "api"),
    ):
        assert json.loads(_environment(recording, component_type, component)[TOPIC_ARNS_VARIABLE]) == {"events": events}
        (grant,) = [
            r
            for r in _under(recording, component_type, component, "aws:iam/rolePolicy:RolePolicy")
            if r.name.endswith("-task-publish")
        ]
        assert json.loads(grant.inputs["policy"])["Statement"][0]["Resource"] == [events]
    assert conformance.check(recording).problems == []

"""The batch pipelines of a stack: the two reference pipelines by default, or those declared in config."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pydantic import Field, ValidationError
from pydantic.alias_generators import to_camel

from ecs_workloads.arguments import Integer
from ecs_workloads.private_bucket import PRIVATE_BUCKET_ARGS
from ecs_workloads.queue_backed_batch_service import (
    DEFAULT_MAX_RECEIVE_COUNT,
    MAX_RECEIVE_COUNT,
    QUEUE_BACKED_BATCH_SERVICE_ARGS,
)
from harness.program import run_callable
from harness.recording import Recording
from stack.batch import BatchPipelines, BatchPipelineSettings, build_batch, default_pipelines
from stack.config import _describe
from stack.section import Section
from stack.settings import StackSettings
from stack.system import build_foundation

SERVICE = "ecs-workloads:index:QueueBackedBatchService"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
DEV_LIKE = {"cluster": {"defaultCapacity": {"fargate": 0, "fargateSpot": 1}}, "logs": {"retentionDays": 14}}


class _BatchConfig(Section):
    """The config key as the stack settings will hold it."""

    batch: BatchPipelines = Field(default_factory=default_pipelines)


def _run(raw: dict[str, Any] | None = None, stack_raw: dict[str, Any] | None = None) -> Recording:
    config = _BatchConfig.model_validate(raw or {})
    settings = StackSettings.model_validate(stack_raw or {})

    def program():
        foundation = build_foundation(settings)
        for key, value in build_batch(foundation, config.batch).items():
            pulumi.export(key, value)

    return run_callable(program)


def _under(recording: Recording, component: str, typ: str):
    parent = recording.one(SERVICE, component)
    found = [r for r in recording.descendants(parent) if r.type == typ]
    assert len(found) == 1, (component, typ, [r.name for r in found])
    return found[0]


def _environment(recording: Recording, component: str) -> dict[str, str]:
    container = json.loads(_under(recording, component, TASK_DEFINITION).inputs["containerDefinitions"])[0]
    return {entry["name"]: entry["value"] for entry in container["environment"]}


def _errors(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        _BatchConfig.model_validate(raw)
    return [_describe(detail) for detail in caught.value.errors()]


def test_default_stack_runs_the_jsonl_and_images_pipelines():
    recording = _run(stack_raw=DEV_LIKE)
    assert sorted(r.name for r in recording.of_type(SERVICE)) == ["batch-images", "batch-jsonl"]
    assert recording.duplicate_urns() == []

    expected = {"batch-jsonl": ("jsonl", [".json", ".jsonl"]), "batch-images": ("thumbnails", [".jpg", ".jpeg"])}
    for component, (processor, suffixes) in expected.items():
        environment = _environment(recording, component)
        assert environment["PROCESSOR"] == processor
        assert environment["INPUT_SUFFIXES"] == ",".join(suffixes)
        pattern = json.loads(_under(recording, component, "aws:cloudwatch/eventRule:EventRule").inputs["eventPattern"])
        assert pattern["detail"]["object"]["key"] == [{"suffix": {"equals-ignore-case": s}} for s in suffixes]
        # Both scale to zero when idle.
        target = _under(recording, component, "aws:appautoscaling/target:Target")
        assert target.inputs["minCapacity"] == 0 and target.inputs["maxCapacity"] == 4

    images = _under(recording, "batch-images", TASK_DEFINITION).inputs
    assert (images["cpu"], images["memory"]) == ("1024", "2048")
    jsonl = _under(recording, "batch-jsonl", TASK_DEFINITION).inputs
    assert (jsonl["cpu"], jsonl["memory"]) == ("256", "512")
    contexts = [image.inputs["context"] for image in recording.of_type("awsx:ecr:Image")]
    assert len(contexts) == 2 and all(context.endswith("apps/batch_worker") for context in contexts)


def test_pipelines_use_the_stacks_logs_capacity_alarm_topic_and_protection():
    recording = _run(stack_raw={**DEV_LIKE, "protectData": True})
    topic = recording.one("aws:sns/topic:Topic").outputs["arn"]
    for component in ("batch-jsonl", "batch-images"):
        assert _under(recording, component, "aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 14
        service = _under(recording, component, "aws:ecs/service:Service")
        assert service.inputs["capacityProviderStrategies"] == [
            {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}
        ]
        parent = recording.one(SERVICE, component)
        alarm = recording.one("aws:cloudwatch/metricAlarm:MetricAlarm", f"{component}-dlq-not-empty")
        assert alarm.parent == parent.urn
        assert alarm.inputs["alarmActions"] == [topic]
        assert recording.one("aws:sqs/queue:Queue", f"{component}-queue").protect is True


def test_stack_outputs_name_where_to_put_and_find_data():
    recording = _run()
    queues, services = recording.stack_outputs["queues"], recording.stack_outputs["services"]
    assert set(queues) == set(services) == {"jsonl", "images"}
    input_bucket = recording.one("aws:s3/bucket:Bucket", "batch-jsonl-input").outputs["bucket"]
    output_bucket = recording.one("aws:s3/bucket:Bucket", "batch-jsonl-output").outputs["bucket"]
    queue = recording.one("aws:sqs/queue:Queue", "batch-jsonl-queue").outputs
    dlq = recording.one("aws:sqs/queue:Queue", "batch-jsonl-dlq").outputs
    assert queues["jsonl"] == {
        "inputBucket": input_bucket,
        "outputBucket": output_bucket,
        "queueUrl": queue["url"],
        "queueArn": queue["arn"],
        "queueName": queue["name"],
        "dlqUrl": dlq["url"],
        "dlqName": dlq["name"],
    }
    jsonl = services["jsonl"]
    assert jsonl["serviceName"] == recording.one("aws:ecs/service:Service", "batch-jsonl-service").outputs["name"]
    assert jsonl["clusterName"] == recording.one("aws:ecs/cluster:Cluster").outputs["name"]
    assert (jsonl["autoscaled"], jsonl["minTasks"], jsonl["maxTasks"]) == (True, 0, 4)
    assert jsonl["logGroupName"].startswith("batch-jsonl-worker-logs")


def test_configured_pipeline_replaces_the_defaults_with_its_settings():
    recording = _run(
        {
            "batch": {
                "reports": {
                    "workload": {"image": "public.ecr.aws/example/reports:2", "capacity": {"fargate": 1}},
                    "processor": "reports.render:main",
                    "prefixes": ["incoming/"],
                    "suffixes": [".CSV"],
                    "minTasks": 1,
                    "maxTasks": 8,
                    "messagesPerTask": 2,
                    "idleMinutes": 15,
                    "visibilityTimeoutSeconds": 600,
                    "maxReceiveCount": DEFAULT_MAX_RECEIVE_COUNT + 2,
                    "inputExpiryDays": 7,
                    "maxMessageAgeSeconds": 7200,
                }
            }
        },
        stack_raw=DEV_LIKE,
    )
    assert [r.name for r in recording.of_type(SERVICE)] == ["batch-reports"]
    environment = _environment(recording, "batch-reports")
    assert environment["PROCESSOR"] == "reports.render:main"
    assert environment["INPUT_PREFIXES"] == "incoming/"
    assert environment["VISIBILITY_TIMEOUT"] == "600"
    target = _under(recording, "batch-reports", "aws:appautoscaling/target:Target")
    assert target.inputs["minCapacity"] == 1 and target.inputs["maxCapacity"] == 8
    steps = recording.one("aws:appautoscaling/policy:Policy", "batch-reports-backlog-policy").inputs[
        "stepScalingPolicyConfiguration"
    ]["stepAdjustments"]
    assert steps[0] == {"metricIntervalLowerBound": "0", "metricIntervalUpperBound": "2", "scalingAdjustment": 1}
    assert (
        recording.one("aws:cloudwatch/metricAlarm:MetricAlarm", "batch-reports-idle").inputs["evaluationPeriods"] == 15
    )
    queue = recording.one("aws:sqs/queue:Queue", "batch-reports-queue").inputs
    assert json.loads(queue["redrivePolicy"])["maxReceiveCount"] == DEFAULT_MAX_RECEIVE_COUNT + 2
    age = recording.one("aws:cloudwatch/metricAlarm:MetricAlarm", "batch-reports-oldest-message").inputs
    assert age["threshold"] == 7200
    lifecycle = recording.one(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "batch-reports-input-lifecycle"
    ).inputs
    assert {"days": 7} in [rule.get("expiration") for rule in lifecycle["rules"]]
    # The pipeline's own capacity wins over the cluster's Spot default.
    service = _under(recording, "batch-reports", "aws:ecs/service:Service")
    assert service.inputs["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert recording.of_type("awsx:ecr:Image") == []


def test_empty_mapping_means_no_pipelines():
    recording = _run({"batch": {}})
    assert recording.of_type(SERVICE) == []
    assert recording.stack_outputs["queues"] == {}
    assert recording.stack_outputs["services"] == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"batch": {"Images": {}}},
            'ecs-workloads:batch.Images.[key]: "Images" — pipeline names are 1-28 lowercase letters, digits or -, '
            "starting with a letter (the longest resource name batch-<name>-worker-execution-role plus the "
            "8-character autoname suffix must fit the 64 characters an IAM role name allows)",
        ),
        (
            {"batch": {"jsonl": {"suffix": [".json"]}}},
            'ecs-workloads:batch.jsonl.suffix: [".json"] — unknown key; did you mean "suffixes"? allowed: idleMinutes, '
            "inputExpiryDays, "
            "maxMessageAgeSeconds, maxReceiveCount, maxTasks, messagesPerTask, minTasks, outputExpiryDays, prefixes, "
            "processor, scheduledScaling, suffixes, visibilityTimeoutSeconds, workload",
        ),
        (
            {"batch": {"jsonl": {"minTasks": 3, "maxTasks": 2}}},
            'ecs-workloads:batch.jsonl: {"minTasks": 3, "maxTasks": 2} — minTasks: 3 — at most maxTasks (2)',
        ),
        (
            {"batch": {"jsonl": {"processor": "resize"}}},
            'ecs-workloads:batch.jsonl.processor: "resize" — must be jsonl, thumbnails or module:function',
        ),
        (
            {"batch": {"images": {"suffixes": [".jpg", ".JPG"]}}},
            'ecs-workloads:batch.images.suffixes: [".jpg", ".JPG"] — must be a list of distinct non-empty strings up'
            " to 1024 characters without * ? , (ignoring case): '.JPG' is listed twice",
        ),
        (
            {"batch": {"images": {"prefixes": ["in/*"]}}},
            'ecs-workloads:batch.images.prefixes: ["in/*"] — must be a list of distinct non-empty strings up to 1024'
            " characters without * ? , (not starting with /): 'in/*' is not allowed",
        ),
        (
            {"batch": {"images": {"workload": {"environment": {"QUEUE_URL": "x"}}}}},
            'ecs-workloads:batch.images.workload: {"environment": {"QUEUE_URL": "x"}} — the pipeline sets QUEUE_URL'
            " from its own settings; remove it here",
        ),
        (
            {"batch": {"images": {"maxTasks": 0}}},
            "ecs-workloads:batch.images.maxTasks: 0 — must be an integer from 1 to 1000",
        ),
    ],
)
def test_bad_batch_config_names_the_key(raw, expected):
    assert _errors(raw) == [expected]


def test_bad_pipeline_name_and_bad_settings_are_reported_together():
    assert _errors({"batch": {"Bad": {}, "ok": {"maxTasks": 0}}}) == [
        'ecs-workloads:batch.Bad.[key]: "Bad" — pipeline names are 1-28 lowercase letters, digits or -, '
        "starting with a letter (the longest resource name batch-<name>-worker-execution-role plus the "
        "8-character autoname suffix must fit the 64 characters an IAM role name allows)",
        "ecs-workloads:batch.ok.maxTasks: 0 — must be an integer from 1 to 1000",
    ]


def test_the_receive_count_default_and_bounds_are_the_component_declaration() -> None:
    low, high, default = MAX_RECEIVE_COUNT
    assert {name: p.max_receive_count for name, p in default_pipelines().items()} == {
        "jsonl": default,
        "images": default,
    }
    assert BatchPipelineSettings.model_validate({"maxReceiveCount": high}).max_receive_count == high
    for bad in (low - 1, high + 1):
        with pytest.raises(ValidationError, match="maxReceiveCount"):
            BatchPipelineSettings.model_validate({"maxReceiveCount": bad})


@pytest.mark.parametrize("key", ["input_expiry_days", "output_expiry_days"])
def test_expiry_days_are_bounded_like_the_private_buckets_they_expire(key: str) -> None:
    bound = PRIVATE_BUCKET_ARGS["expiry_days"]
    assert isinstance(bound, Integer)
    camel = to_camel(key)
    assert getattr(BatchPipelineSettings.model_validate({camel: bound.high}), key) == bound.high
    assert getattr(BatchPipelineSettings.model_validate({}), key) is None
    for bad in (bound.low - 1, bound.high + 1):
        with pytest.raises(ValidationError, match=f"{camel}\n.*must be an integer from {bound.low} to {bound.high}"):
            BatchPipelineSettings.model_validate({camel: bad})


def test_settings_default_to_the_component_declaration() -> None:
    settings = BatchPipelineSettings.model_validate({})
    passed = settings.component_args()
    assert passed == {name: QUEUE_BACKED_BATCH_SERVICE_ARGS.value({}, name) for name in passed}
    assert settings.visibility_timeout_seconds == QUEUE_BACKED_BATCH_SERVICE_ARGS["visibility_timeout_seconds"].default

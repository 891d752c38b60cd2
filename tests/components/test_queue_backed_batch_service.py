from __future__ import annotations

import itertools
import json
import math
import re

import pytest

from ecs_workloads.queue_backed_batch_service import (
    DEFAULT_MAX_RECEIVE_COUNT,
    MAX_RECEIVE_COUNT,
    MAX_STEP_ADJUSTMENTS,
    CapacityStep,
    QueueBackedBatchService,
    capacity_steps,
    object_created_pattern,
)
from ecs_workloads.tags import takes_tags
from harness.mocks import ACCOUNT_ID
from harness.program import run_callable
from harness.recording import Recording

CLUSTER_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:cluster/workers"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:alarms"
BASE = {
    "cluster_name": "workers",
    "cluster_arn": CLUSTER_ARN,
    "placement": {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0abc1234"], "assign_public_ip": True},
    "workload": {"image": "public.ecr.aws/example/batch-worker:1.0"},
    "alarm_topic_arn": TOPIC,
}
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
POLICY = "aws:appautoscaling/policy:Policy"
QUEUE = "aws:sqs/queue:Queue"
BUCKET = "aws:s3/bucket:Bucket"


def _service(name: str = "pipe", **args):
    holder = {}

    def program():
        holder["service"] = QueueBackedBatchService(name, {**BASE, **args})

    return run_callable(program), holder


def _policy(recording, name):
    return json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])["Statement"]


def _environment(recording) -> dict[str, str]:
    container = json.loads(recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])[0]
    return {entry["name"]: entry["value"] for entry in container["environment"]}


def _pattern(recording) -> dict:
    return json.loads(recording.one("aws:cloudwatch/eventRule:EventRule").inputs["eventPattern"])


def _key_matches(pattern: dict, key: str) -> bool:
    """EventBridge semantics of the matchers this component uses on detail.object.key."""
    matchers = pattern["detail"].get("object", {}).get("key")
    if matchers is None:
        return True
    for matcher in matchers:
        if "prefix" in matcher and key.startswith(matcher["prefix"]):
            return True
        if "suffix" in matcher and key.lower().endswith(matcher["suffix"]["equals-ignore-case"].lower()):
            return True
    return False


def _tasks_set(recording, alarm_name: str, demand: float) -> int | None:
    """The task count Application Auto Scaling sets when the alarm sees `demand`: None when the alarm is
    not in ALARM; otherwise the matching step (lower bound inclusive / upper exclusive above the threshold,
    the reverse below it), clamped to the scalable target."""
    alarm = _alarm(recording, alarm_name)
    threshold = alarm.inputs["threshold"]
    breached = {
        "GreaterThanThreshold": demand > threshold,
        "LessThanThreshold": demand < threshold,
    }[alarm.inputs["comparisonOperator"]]
    if not breached:
        return None
    (policy_arn,) = alarm.inputs["alarmActions"]
    policy = next(p for p in recording.of_type(POLICY) if p.outputs["arn"] == policy_arn)
    config = policy.inputs["stepScalingPolicyConfiguration"]
    assert config["adjustmentType"] == "ExactCapacity"
    delta = demand - threshold
    matched = []
    for step in config["stepAdjustments"]:
        lower = float(step.get("metricIntervalLowerBound", "-inf"))
        upper = float(step.get("metricIntervalUpperBound", "inf"))
        # AWS: above the threshold lower bounds are inclusive, below it upper bounds are; a datapoint on a
        # bound would make the outcome depend on that, so none may land there.
        assert delta not in (lower, upper), f"demand {demand} lands on a step bound"
        inside = lower <= delta < upper if delta > 0 else lower < delta <= upper
        if inside:
            matched.append(int(step["scalingAdjustment"]))
    assert len(matched) == 1, f"demand {demand} matched {len(matched)} steps"
    target = recording.one("aws:appautoscaling/target:Target")
    return max(int(target.inputs["minCapacity"]), min(int(target.inputs["maxCapacity"]), matched[0]))


def _alarm(recording, suffix: str):
    return recording.one(ALARM, f"pipe-{suffix}")


# --- trigger -------------------------------------------------------------------------------------------------


def test_every_object_created_event_with_either_suffix_case_reaches_the_queue():
    recording, _ = _service(suffixes=[".jpg", ".jpeg"])
    input_bucket = recording.one(BUCKET, "pipe-input")
    notification = recording.one("aws:s3/bucketNotification:BucketNotification")
    # S3 → EventBridge only: no direct queue notification, so no s3:TestEvent ever reaches the queue.
    assert notification.inputs["bucket"] == input_bucket.outputs["bucket"]
    assert notification.inputs["eventbridge"] is True
    assert "queues" not in notification.inputs
    pattern = _pattern(recording)
    # "Object Created" covers PutObject, POST, CopyObject and CompleteMultipartUpload.
    assert pattern["source"] == ["aws.s3"]
    assert pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["bucket"] == {"name": [input_bucket.outputs["bucket"]]}
    assert pattern["detail"]["object"]["key"] == [
        {"suffix": {"equals-ignore-case": ".jpg"}},
        {"suffix": {"equals-ignore-case": ".jpeg"}},
    ]
    for key in ("a.jpg", "b.JPG", "dir/c.Jpeg", "d.JPEG"):
        assert _key_matches(pattern, key), key
    for key in ("e.png", "jpg", "f.jpg.txt"):
        assert not _key_matches(pattern, key), key
    target = recording.one("aws:cloudwatch/eventTarget:EventTarget")
    rule = recording.one("aws:cloudwatch/eventRule:EventRule")
    assert target.inputs["rule"] == rule.outputs["name"]
    assert target.inputs["arn"] == recording.one(QUEUE, "pipe-queue").outputs["arn"]
    assert recording.one("aws:sqs/queuePolicy:QueuePolicy").urn in target.dependencies


def test_without_filters_the_rule_matches_every_key_of_the_bucket():
    recording, _ = _service()
    pattern = _pattern(recording)
    assert "object" not in pattern["detail"]
    env = _environment(recording)
    assert "INPUT_PREFIXES" not in env and "INPUT_SUFFIXES" not in env


def test_prefixes_and_suffixes_together_rule_on_prefixes_worker_filters_suffixes():
    recording, _ = _service(prefixes=["incoming/", "uploads/raw/"], suffixes=[".JSON", ".jsonl"])
    pattern = _pattern(recording)
    assert pattern["detail"]["object"]["key"] == [{"prefix": "incoming/"}, {"prefix": "uploads/raw/"}]
    assert _key_matches(pattern, "incoming/a.json")
    # Case-sensitive like the read grant: a key the workers could not read is never queued.
    assert not _key_matches(pattern, "Incoming/a.json")
    assert not _key_matches(pattern, "other/a.json")
    env = _environment(recording)
    assert env["INPUT_PREFIXES"] == "incoming/,uploads/raw/"
    assert env["INPUT_SUFFIXES"] == ".JSON,.jsonl"


def test_pattern_function_prefers_prefixes_and_falls_back_to_suffixes():
    assert object_created_pattern("b", ["p/"], [".x"])["detail"]["object"] == {"key": [{"prefix": "p/"}]}
    assert object_created_pattern("b", [], [".x"])["detail"]["object"] == {
        "key": [{"suffix": {"equals-ignore-case": ".x"}}]
    }
    assert "object" not in object_created_pattern("b", [], [])["detail"]


def test_queue_accepts_messages_only_from_the_rule_of_this_account():
    recording, _ = _service(suffixes=[".jpg"])
    queue = recording.one(QUEUE, "pipe-queue")
    rule = recording.one("aws:cloudwatch/eventRule:EventRule")
    queue_policy = recording.one("aws:sqs/queuePolicy:QueuePolicy")
    assert queue_policy.inputs["queueUrl"] == queue.outputs["url"]
    (statement,) = json.loads(queue_policy.inputs["policy"])["Statement"]
    assert statement == {
        "Sid": "OnlyTheObjectCreatedRule",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue.outputs["arn"],
        "Condition": {
            "ArnEquals": {"aws:SourceArn": rule.outputs["arn"]},
            "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        },
    }


# --- queues and alarms ---------------------------------------------------------------------------------------


def test_dead_letter_queue_redrive_encryption_and_visibility():
    recording, _ = _service(max_receive_count=DEFAULT_MAX_RECEIVE_COUNT + 2, visibility_timeout_seconds=300)
    queue = recording.one(QUEUE, "pipe-queue")
    dlq = recording.one(QUEUE, "pipe-dlq")
    assert dlq.inputs["messageRetentionSeconds"] == 1_209_600
    assert queue.inputs["sqsManagedSseEnabled"] is True and dlq.inputs["sqsManagedSseEnabled"] is True
    assert json.loads(queue.inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": dlq.outputs["arn"],
        "maxReceiveCount": DEFAULT_MAX_RECEIVE_COUNT + 2,
    }
    assert queue.inputs["visibilityTimeoutSeconds"] == 300
    assert queue.inputs["receiveWaitTimeSeconds"] == 20
    assert _environment(recording)["VISIBILITY_TIMEOUT"] == "300"


def test_default_redrive_after_the_declared_receives():
    recording, _ = _service()
    redrive = json.loads(recording.one(QUEUE, "pipe-queue").inputs["redrivePolicy"])
    assert redrive["maxReceiveCount"] == DEFAULT_MAX_RECEIVE_COUNT == MAX_RECEIVE_COUNT[2]
    assert recording.one(QUEUE, "pipe-queue").inputs["visibilityTimeoutSeconds"] == 120


def test_alarms_for_dead_letters_and_old_messages_notify_the_topic():
    recording, _ = _service(max_message_age_seconds=900)
    dlq_alarm = _alarm(recording, "dlq-not-empty")
    assert dlq_alarm.inputs["namespace"] == "AWS/SQS"
    assert dlq_alarm.inputs["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert dlq_alarm.inputs["dimensions"] == {"QueueName": recording.one(QUEUE, "pipe-dlq").outputs["name"]}
    assert dlq_alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
    assert dlq_alarm.inputs["threshold"] == 0
    age_alarm = _alarm(recording, "oldest-message")
    assert age_alarm.inputs["metricName"] == "ApproximateAgeOfOldestMessage"
    assert age_alarm.inputs["dimensions"] == {"QueueName": recording.one(QUEUE, "pipe-queue").outputs["name"]}
    assert age_alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
    assert age_alarm.inputs["threshold"] == 900
    for alarm in (dlq_alarm, age_alarm):
        assert alarm.inputs["alarmActions"] == [TOPIC]
        assert alarm.inputs["okActions"] == [TOPIC]


def test_alarms_exist_without_a_topic():
    holder = {}

    def program():
        args = {k: v for k, v in BASE.items() if k != "alarm_topic_arn"}
        holder["service"] = QueueBackedBatchService("pipe", args)

    recording = run_callable(program)
    assert not _alarm(recording, "dlq-not-empty").inputs.get("alarmActions")


# --- buckets -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["input", "output"])
def test_new_buckets_are_private_encrypted_and_tls_only(role):
    recording, _ = _service(input_expiry_days=7, output_expiry_days=30)
    bucket = recording.one(BUCKET, f"pipe-{role}")
    name = bucket.outputs["bucket"]
    block = recording.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"pipe-{role}-public-access")
    assert block.inputs["bucket"] == name
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block.inputs[flag] is True
    encryption = recording.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        f"pipe-{role}-encryption",
    )
    assert encryption.inputs["bucket"] == name
    assert encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    (deny,) = json.loads(recording.one("aws:s3/bucketPolicy:BucketPolicy", f"pipe-{role}-policy").inputs["policy"])[
        "Statement"
    ]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Resource"] == [bucket.outputs["arn"], f"{bucket.outputs['arn']}/*"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = {
        rule["id"]: rule
        for rule in recording.one(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", f"pipe-{role}-lifecycle"
        ).inputs["rules"]
    }
    assert rules["expire-objects"]["expiration"] == {"days": 7 if role == "input" else 30}
    assert rules["abort-incomplete-uploads"]["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}


def test_no_expiry_unless_asked():
    recording, _ = _service()
    for role in ("input", "output"):
        lifecycle = recording.one(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", f"pipe-{role}-lifecycle"
        )
        assert [rule["id"] for rule in lifecycle.inputs["rules"]] == ["abort-incomplete-uploads"]


@pytest.mark.parametrize("protect", [True, False])
def test_stateful_resources_follow_protect_data(protect):
    recording, _ = _service(protect_data=protect)
    stateful = [
        recording.one(BUCKET, "pipe-input"),
        recording.one(BUCKET, "pipe-output"),
        recording.one(QUEUE, "pipe-queue"),
        recording.one(QUEUE, "pipe-dlq"),
        recording.one("aws:cloudwatch/logGroup:LogGroup"),
    ]
    for resource in stateful:
        assert resource.protect is protect and resource.retain_on_delete is protect, resource.name
    for bucket in stateful[:2]:
        assert bucket.inputs["forceDestroy"] is (not protect)


def test_existing_buckets_are_used_not_created_or_reconfigured():
    recording, _ = _service(input_bucket_name="team-uploads", output_bucket_name="team-results")
    assert recording.of_type(BUCKET) == []
    assert recording.of_type("aws:s3/bucketPolicy:BucketPolicy") == []
    assert recording.one("aws:s3/bucketNotification:BucketNotification").inputs["bucket"] == "team-uploads"
    assert _pattern(recording)["detail"]["bucket"] == {"name": ["team-uploads"]}
    resources = {s["Sid"]: s["Resource"] for s in _policy(recording, "pipe-worker-task-batch")}
    assert resources["ReadInputObjects"] == ["arn:aws:s3:::team-uploads/*"]
    assert resources["WriteOutputBucket"] == "arn:aws:s3:::team-results/*"
    assert _environment(recording)["OUTPUT_BUCKET"] == "team-results"


# --- workers and least privilege -----------------------------------------------------------------------------


def test_task_role_names_only_this_queue_these_buckets_and_this_cluster():
    recording, _ = _service(prefixes=["in/", "batch/"])
    queue_arn = recording.one(QUEUE, "pipe-queue").outputs["arn"]
    dlq_arn = recording.one(QUEUE, "pipe-dlq").outputs["arn"]
    input_arn = recording.one(BUCKET, "pipe-input").outputs["arn"]
    output_arn = recording.one(BUCKET, "pipe-output").outputs["arn"]
    assert _policy(recording, "pipe-worker-task-batch") == [
        {
            "Sid": "ConsumeOwnQueue",
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
            ],
            "Resource": queue_arn,
        },
        {
            "Sid": "ReadInputObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": [f"{input_arn}/in/*", f"{input_arn}/batch/*"],
        },
        {"Sid": "DeadLetterUnprocessableInputs", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dlq_arn},
        {
            "Sid": "WriteOutputBucket",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject"],
            "Resource": f"{output_arn}/*",
        },
        {"Sid": "FindOwnOutputs", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": output_arn},
        {
            "Sid": "HoldScaleInProtectionWhileBusy",
            "Effect": "Allow",
            "Action": ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"],
            "Resource": f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task/workers/*",
        },
    ]
    # The task role starts empty; this policy is all it holds (plus nothing for ECS Exec by default).
    task_role = recording.one("aws:iam/role:Role", "pipe-worker-task-role")
    policies = [
        r for r in recording.of_type("aws:iam/rolePolicy:RolePolicy") if r.inputs["role"] == task_role.outputs["id"]
    ]
    assert [p.name for p in policies] == ["pipe-worker-task-batch"]


def test_worker_environment_and_shutdown_grace_fit_the_stop_timeout():
    recording, _ = _service(processor="thumbnails")
    env = _environment(recording)
    assert env["QUEUE_URL"] == recording.one(QUEUE, "pipe-queue").outputs["url"]
    assert env["DEAD_LETTER_QUEUE_URL"] == recording.one(QUEUE, "pipe-dlq").outputs["url"]
    assert env["OUTPUT_BUCKET"] == recording.one(BUCKET, "pipe-output").outputs["bucket"]
    assert env["PROCESSOR"] == "thumbnails"
    assert env["SCALE_IN_PROTECTION"] == "true"
    container = json.loads(recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])[0]
    assert container["stopTimeout"] == 30
    assert env["SHUTDOWN_GRACE_SECONDS"] == "25"

    recording, _ = _service(workload={**BASE["workload"], "stop_timeout": 90, "environment": {"LOG_LEVEL": "DEBUG"}})
    env = _environment(recording)
    assert env["SHUTDOWN_GRACE_SECONDS"] == "85"
    assert env["LOG_LEVEL"] == "DEBUG"
    assert env["PROCESSOR"] == "jsonl"


def test_service_is_autoscaled_from_min_tasks_and_keeps_its_count_across_updates():
    recording, _ = _service(min_tasks=1, max_tasks=6, deployment={"capacity": {"fargate": 0, "fargate_spot": 1}})
    service = recording.one("aws:ecs/service:Service")
    assert service.ignore_changes == ("desiredCount",)
    assert service.inputs["desiredCount"] == 1
    assert service.inputs["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}
    ]
    target = recording.one("aws:appautoscaling/target:Target")
    assert target.inputs["minCapacity"] == 1 and target.inputs["maxCapacity"] == 6
    assert target.inputs["resourceId"] == f"service/workers/{service.outputs['name']}"


# --- scaling rules -------------------------------------------------------------------------------------------


def test_rule1_one_message_wakes_a_service_at_zero_within_one_minute_period():
    recording, _ = _service(messages_per_task=5, max_tasks=4)
    backlog = _alarm(recording, "backlog")
    assert backlog.inputs["comparisonOperator"] == "GreaterThanThreshold"
    assert backlog.inputs["threshold"] == 0.5
    assert backlog.inputs["evaluationPeriods"] == 1 and backlog.inputs["datapointsToAlarm"] == 1
    periods = {q["metric"]["period"] for q in backlog.inputs["metricQueries"] if "metric" in q}
    assert periods == {60}
    assert recording.one("aws:appautoscaling/target:Target").inputs["minCapacity"] == 0
    assert _tasks_set(recording, "backlog", 1) == 1
    assert _tasks_set(recording, "backlog", 0) is None


def test_rule1_demand_includes_the_rules_deliveries_so_an_idle_queue_wakes_without_sqs_metrics():
    recording, _ = _service()
    queries = {q["id"]: q for q in _alarm(recording, "backlog").inputs["metricQueries"]}
    rule_name = recording.one("aws:cloudwatch/eventRule:EventRule").outputs["name"]
    assert queries["delivered"]["metric"] == {
        "namespace": "AWS/Events",
        "metricName": "Invocations",
        "dimensions": {"RuleName": rule_name},
        "stat": "Sum",
        "period": 60,
    }
    assert queries["deliveries"]["expression"] == "FILL(delivered, 0)"
    assert queries["demand"]["expression"] == "MAX([backlog, deliveries])"
    assert [q["id"] for q in queries.values() if q["returnData"]] == ["demand"]


def test_rule2_backlog_counts_visible_and_in_flight_messages():
    recording, _ = _service()
    queries = {q["id"]: q for q in _alarm(recording, "backlog").inputs["metricQueries"]}
    queue_name = recording.one(QUEUE, "pipe-queue").outputs["name"]
    assert queries["visible"]["metric"]["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert queries["inflight"]["metric"]["metricName"] == "ApproximateNumberOfMessagesNotVisible"
    for query_id in ("visible", "inflight"):
        assert queries[query_id]["metric"]["dimensions"] == {"QueueName": queue_name}
        assert queries[query_id]["metric"]["stat"] == "Maximum"
    assert queries["backlog"]["expression"] == "FILL(visible, 0) + FILL(inflight, 0)"


@pytest.mark.parametrize(("messages_per_task", "max_tasks"), [(5, 4), (1, 20), (3, 7), (10, 1)])
def test_rule2_tasks_follow_ceil_backlog_over_messages_per_task_up_to_max(messages_per_task, max_tasks):
    recording, _ = _service(messages_per_task=messages_per_task, max_tasks=max_tasks)
    for backlog in range(1, messages_per_task * max_tasks * 2 + 3):
        expected = min(math.ceil(backlog / messages_per_task), max_tasks)
        assert _tasks_set(recording, "backlog", backlog) == expected, backlog


def test_rule2_backlog_of_ten_at_five_per_task_runs_two_tasks():
    recording, _ = _service(messages_per_task=5, max_tasks=10)
    assert _tasks_set(recording, "backlog", 10) == 2
    assert _tasks_set(recording, "backlog", 11) == 3


def test_rule2_more_tasks_than_steps_rounds_up_never_short():
    recording, holder = _service(messages_per_task=2, max_tasks=50)
    config = recording.one(POLICY, "pipe-backlog-policy").inputs["stepScalingPolicyConfiguration"]
    assert len(config["stepAdjustments"]) == MAX_STEP_ADJUSTMENTS
    assert _tasks_set(recording, "backlog", 1) == 1
    for backlog in range(1, 130):
        needed = min(math.ceil(backlog / 2), 50)
        tasks = _tasks_set(recording, "backlog", backlog)
        assert needed <= tasks <= 50, backlog
        assert tasks - needed < 50 / (MAX_STEP_ADJUSTMENTS - 1) + 1, backlog
    assert _tasks_set(recording, "backlog", 1000) == 50
    assert holder["service"].capacity_steps[-1] == CapacityStep(97, None, 50)


def test_capacity_steps_table():
    assert capacity_steps(5, 3) == [CapacityStep(1, 5, 1), CapacityStep(6, 10, 2), CapacityStep(11, None, 3)]
    assert capacity_steps(4, 1) == [CapacityStep(1, None, 1)]
    many = capacity_steps(1, 1000)
    assert len(many) == MAX_STEP_ADJUSTMENTS
    assert many[0] == CapacityStep(1, 1, 1) and many[-1].tasks == 1000
    assert all(a.max_backlog + 1 == b.min_backlog for a, b in itertools.pairwise(many))


def test_rule3_busy_workers_hold_scale_in_protection():
    recording, _ = _service()
    assert _environment(recording)["SCALE_IN_PROTECTION"] == "true"
    protection = next(
        s for s in _policy(recording, "pipe-worker-task-batch") if s["Sid"] == "HoldScaleInProtectionWhileBusy"
    )
    assert protection["Action"] == ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"]
    assert protection["Resource"] == f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task/workers/*"


def test_rule4_idle_for_idle_minutes_returns_to_min_tasks():
    recording, _ = _service(min_tasks=1, idle_minutes=7)
    idle = _alarm(recording, "idle")
    assert idle.inputs["comparisonOperator"] == "LessThanThreshold"
    assert idle.inputs["threshold"] == 0.5
    assert idle.inputs["evaluationPeriods"] == 7 and idle.inputs["datapointsToAlarm"] == 7
    # A queue that has gone quiet stops publishing metrics: that is idle, not unknown.
    assert idle.inputs["treatMissingData"] == "breaching"
    assert _tasks_set(recording, "idle", 0) == 1
    assert _tasks_set(recording, "idle", 1) is None
    # Both alarms read the same demand, so they are never in ALARM together.
    assert idle.inputs["metricQueries"] == _alarm(recording, "backlog").inputs["metricQueries"]
    assert _alarm(recording, "backlog").inputs["treatMissingData"] == "notBreaching"


def test_rule5_no_cpu_or_target_tracking_scaling():
    recording, _ = _service()
    policies = recording.of_type(POLICY)
    assert sorted(p.name for p in policies) == ["pipe-backlog-policy", "pipe-idle-policy"]
    assert {p.inputs["policyType"] for p in policies} == {"StepScaling"}
    assert all("targetTrackingScalingPolicyConfiguration" not in p.inputs for p in policies)
    metrics = {
        q["metric"]["metricName"]
        for alarm in recording.of_type(ALARM)
        for q in alarm.inputs.get("metricQueries", [])
        if "metric" in q
    }
    assert "CPUUtilization" not in metrics


# --- plain-queue mode ----------------------------------------------------------------------------------------


def test_queue_mode_has_no_input_bucket_and_no_event_route():
    recording, holder = _service(trigger="queue")
    assert [b.name for b in recording.of_type(BUCKET)] == ["pipe-output"]
    for typ in (
        "aws:s3/bucketNotification:BucketNotification",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:sqs/queuePolicy:QueuePolicy",
    ):
        assert recording.of_type(typ) == [], typ
    assert [s["Sid"] for s in _policy(recording, "pipe-worker-task-batch")] == [
        "ConsumeOwnQueue",
        "DeadLetterUnprocessableInputs",
        "WriteOutputBucket",
        "FindOwnOutputs",
        "HoldScaleInProtectionWhileBusy",
    ]
    queries = {q["id"]: q for q in _alarm(recording, "backlog").inputs["metricQueries"]}
    assert set(queries) == {"visible", "inflight", "demand"}
    assert queries["demand"]["expression"] == "FILL(visible, 0) + FILL(inflight, 0)"
    assert holder["service"].input_bucket_name is None
    assert _tasks_set(recording, "backlog", 1) == 1


def test_queue_mode_with_an_existing_input_bucket_only_grants_reading_it():
    recording, _ = _service(trigger="queue", input_bucket_name="shared-drop", prefixes=["jobs/"])
    assert [b.name for b in recording.of_type(BUCKET)] == ["pipe-output"]
    assert recording.of_type("aws:s3/bucketNotification:BucketNotification") == []
    read = next(s for s in _policy(recording, "pipe-worker-task-batch") if s["Sid"] == "ReadInputObjects")
    assert read["Resource"] == ["arn:aws:s3:::shared-drop/jobs/*"]


# --- validation ----------------------------------------------------------------------------------------------


def _rejected(name: str, args: dict) -> str:
    messages = []

    def program():
        with pytest.raises(ValueError) as error:
            QueueBackedBatchService(name, args)
        messages.append(str(error.value))

    recording = run_callable(program)
    assert recording.registrations == []
    return messages[0]


def test_bad_arguments_are_all_reported_before_any_resource():
    message = _rejected(
        "Pipe_1",
        {
            **BASE,
            "trigger": "sns",
            "workload": {"image": "x:1", "vpc_id": "vpc-1", "stop_timeout": 5, "environment": {"QUEUE_URL": "q"}},
            "deployment": {"desired_count": 2},
            "prefixes": ["/abs", "a*"],
            "suffixes": [".jpg", ".JPG", ""],
            "processor": "no-such",
            "visibility_timeout_seconds": 10,
            "max_receive_count": 0,
            "max_message_age_seconds": 10,
            "min_tasks": 5,
            "max_tasks": 3,
            "messages_per_task": 0,
            "idle_minutes": 2000,
            "output_bucket_name": "Bad_Bucket",
            "output_expiry_days": 3,
            "alarm_topic_arn": "topic",
            "cpu_target_percent": 50,
        },
    )
    for fragment in (
        "name: 'Pipe_1'",
        "cpu_target_percent: 50 — unknown argument",
        "trigger: 'sns' — one of s3, queue",
        "workload.vpc_id: 'vpc-1' — comes from placement",
        "workload.stop_timeout: 5 — 10 to 120",
        "workload.environment.QUEUE_URL: 'q' — set by the component",
        "deployment.desired_count: 2 — autoscaling owns the count",
        "prefixes: ['/abs', 'a*'] — a list of distinct non-empty strings",
        "'/abs' starts with /; 'a*' is not allowed",
        "suffixes: ['.jpg', '.JPG', ''] — a list of distinct non-empty strings",
        "'.JPG' is listed twice; '' is not allowed",
        "processor: 'no-such' — jsonl, thumbnails or module:function",
        "visibility_timeout_seconds: 10 — an integer from 30 to 43200",
        "max_receive_count: 0",
        "max_message_age_seconds: 10",
        "messages_per_task: 0",
        "idle_minutes: 2000 — an integer from 1 to 1440",
        "output_bucket_name: 'Bad_Bucket'",
        "alarm_topic_arn: 'topic' — an SNS topic ARN",
    ):
        assert fragment in message, fragment


def test_rules_across_fields_are_reported_together_once_every_field_is_valid():
    message = _rejected(
        "pipe",
        {**BASE, "min_tasks": 5, "max_tasks": 3, "output_bucket_name": "team-results", "output_expiry_days": 3},
    )
    assert message.splitlines()[1:] == [
        "  min_tasks: 5 — at most max_tasks (3)",
        "  output_expiry_days: 3 — only for an output bucket this component creates",
    ]


def test_missing_required_arguments_are_named():
    message = _rejected("pipe", {})
    for field in ("cluster_name", "cluster_arn", "placement", "workload"):
        assert f"\n  {field}: None — required" in message, field


def test_input_expiry_needs_a_bucket_this_component_creates():
    message = _rejected("pipe", {**BASE, "trigger": "queue", "input_expiry_days": 3})
    assert "input_expiry_days: 3 — only for an input bucket this component creates" in message


def test_invalid_embedded_workload_is_reported_with_its_prefix():
    message = _rejected("pipe", {**BASE, "workload": {"image": "x:1", "cpu": 300}})
    assert "workload.cpu: 300" in message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"placement": {**BASE["placement"], "assign_public_ip": "true"}}, "placement.assign_public_ip"),
        ({"placement": {**BASE["placement"], "assign_public_ip": [True]}}, "placement.assign_public_ip"),
        ({"placement": {**BASE["placement"], "subnet_id": "subnet-0abc1234"}}, "placement.subnet_id"),
        ({"placement": {**BASE["placement"], "subnet_ids": [5]}}, "placement.subnet_ids"),
        ({"deployment": {"capacity": "spot"}}, "deployment.capacity"),
        ({"deployment": 3}, "deployment"),
        ({"workload": {**BASE["workload"], "environment": ["MODE=x"]}}, "workload.environment"),
        ({"workload": {**BASE["workload"], "log_retention_days": 30.0}}, "workload.log_retention_days"),
    ],
)
def test_wrongly_typed_arguments_raise_a_value_error_naming_the_field(changes, field):
    recording = Recording()
    with pytest.raises(ValueError, match=rf"\n  {re.escape(field)}: "):
        run_callable(lambda: QueueBackedBatchService("pipe", {**BASE, **changes}), recording=recording)
    assert recording.registrations == []


# --- tags ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["s3", "queue"])
def test_every_taggable_resource_carries_the_tags_and_tasks_inherit_them(trigger):
    tags = {"team": "data", "cost-centre": "4711"}
    recording, _ = _service(trigger=trigger, tags=tags)
    component = recording.one("ecs-workloads:index:QueueBackedBatchService", "pipe")
    taggable = [r for r in recording.descendants(component) if r.custom and takes_tags(r.type)]
    assert {r.type for r in taggable} >= {QUEUE, BUCKET, ALARM, "aws:ecs/service:Service"}
    assert [r.name for r in taggable if dict(r.inputs.get("tags") or {}) != tags] == []
    service = recording.one("aws:ecs/service:Service")
    assert service.inputs["propagateTags"] == "TASK_DEFINITION"
    assert service.inputs["enableEcsManagedTags"] is True


def test_tags_are_checked_with_the_other_arguments():
    message = _rejected("pipe", {**BASE, "tags": {"aws:owner": "me"}, "min_tasks": -1})
    assert "tags: {'aws:owner': 'me'} — a mapping of at most 50 tags" in message
    assert "min_tasks: -1 — an integer from 0 to 1000" in message


# --- the shape contract --------------------------------------------------------------------------------------


def test_the_worker_is_embedded_like_every_shape_and_grant_adds_to_its_task_role():
    holder = {}

    def program():
        service = QueueBackedBatchService("pipe", BASE)
        service.grant("reports", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::r/*"}])
        holder["service"] = service

    recording = run_callable(program)
    service = holder["service"]
    definition = recording.one("aws:ecs/taskDefinition:TaskDefinition")
    assert definition.name == "pipe-worker-task"
    assert definition.inputs["family"] == service.workload.family
    assert service.workload.family.endswith("-pipe-worker")
    task_role = recording.one("aws:iam/role:Role", "pipe-worker-task-role")
    granted = [
        r for r in recording.of_type("aws:iam/rolePolicy:RolePolicy") if r.inputs["role"] == task_role.outputs["id"]
    ]
    assert [p.name for p in granted] == ["pipe-worker-task-batch", "pipe-worker-task-reports"]
    for output in ("task_role_arn", "task_role_name", "log_group_name", "security_group_id"):
        assert getattr(service, output) is getattr(service.workload, output), output


def test_the_worker_reads_the_queues_visibility_timeout_from_its_environment():
    recording, _ = _service()
    queue = recording.one(QUEUE, "pipe-queue")
    assert int(_environment(recording)["VISIBILITY_TIMEOUT"]) == queue.inputs["visibilityTimeoutSeconds"]


def test_the_longest_name_gives_names_aws_accepts():
    from ecs_workloads.name_limits import NAME_LIMITS

    recording, _ = _service("p" * 34, trigger="s3")
    autonamed = {r.name: r.outputs["name"] for r in recording.registrations if r.type in NAME_LIMITS}
    assert len(autonamed[f"{'p' * 34}-worker-execution-role"]) == 64
    too_long = [
        r.name
        for r in recording.registrations
        if r.type in NAME_LIMITS and len(r.outputs["name"]) > NAME_LIMITS[r.type].limit
    ]
    assert too_long == []


def test_a_name_too_long_for_the_worker_role_is_refused():
    assert _rejected("p" * 35, BASE) == (
        "invalid QueueBackedBatchService arguments:\n"
        f"  name: '{'p' * 35}' — at most 34 characters: the longest resource name <name>-worker-execution-role plus "
        "the 8-character autoname suffix must fit the 64 characters an IAM role name allows"
    )


# --- SNS subscriptions ---------------------------------------------------------------------------------------

ORDERS = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:orders"
AUDIT = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:audit"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


def test_each_topic_delivers_to_the_queue_with_its_filter_policy_and_raw_choice():
    recording, holder = _service(
        trigger="queue",
        subscriptions=[
            {
                "topic_arn": ORDERS,
                "filter_policy": {"store": ["example_corp"], "price": [{"numeric": [">=", 100]}]},
                "raw_message_delivery": True,
            },
            {"topic_arn": AUDIT, "filter_policy": {"kind": {"type": ["audit"]}}, "filter_policy_scope": "MessageBody"},
            {"topic_arn": f"arn:aws:sns:eu-west-1:{ACCOUNT_ID}:plain"},
        ],
    )
    queue_arn = recording.one(QUEUE, "pipe-queue").outputs["arn"]
    orders, audit, plain = (recording.one(SUBSCRIPTION, f"pipe-subscription-{index}").inputs for index in range(3))
    assert {s["protocol"] for s in (orders, audit, plain)} == {"sqs"}
    assert {s["endpoint"] for s in (orders, audit, plain)} == {queue_arn}
    assert orders["topic"] == ORDERS and orders["rawMessageDelivery"] is True
    assert json.loads(orders["filterPolicy"]) == {"store": ["example_corp"], "price": [{"numeric": [">=", 100]}]}
    assert orders["filterPolicyScope"] == "MessageAttributes"
    assert json.loads(audit["filterPolicy"]) == {"kind": {"type": ["audit"]}}
    assert audit["filterPolicyScope"] == "MessageBody" and audit["rawMessageDelivery"] is False
    assert "filterPolicy" not in plain and "filterPolicyScope" not in plain
    policy = recording.one("aws:sqs/queuePolicy:QueuePolicy", "pipe-queue-policy")
    assert policy.inputs["queueUrl"] == recording.one(QUEUE, "pipe-queue").outputs["url"]
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "OnlyTheSubscribedTopics",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": [ORDERS, AUDIT, f"arn:aws:sns:eu-west-1:{ACCOUNT_ID}:plain"]}},
        }
    ]
    # The subscriptions wait for the policy, so SQS never refuses SNS's first delivery.
    for index in range(3):
        assert policy.urn in recording.one(SUBSCRIPTION, f"pipe-subscription-{index}").dependencies
    assert _environment(recording)["QUEUE_URL"] == recording.one(QUEUE, "pipe-queue").outputs["url"]
    assert holder["service"].input_bucket_name is None


def test_the_queue_stays_sse_sqs_so_sns_needs_no_key_policy():
    recording, _ = _service(trigger="queue", subscriptions=[{"topic_arn": ORDERS}])
    queue = recording.one(QUEUE, "pipe-queue").inputs
    assert queue["sqsManagedSseEnabled"] is True and "kmsMasterKeyId" not in queue
    assert recording.of_type("aws:kms/key:Key") == []


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            {"trigger": "s3", "subscriptions": [{"topic_arn": ORDERS}]},
            f"subscriptions: [{{'topic_arn': '{ORDERS}'}}] — only with trigger queue",
        ),
        (
            {"trigger": "queue", "subscriptions": [{"topic_arn": ORDERS}, {"topic_arn": ORDERS}]},
            f"subscriptions[1].topic_arn: '{ORDERS}' — a topic not subscribed already",
        ),
        (
            {"trigger": "queue", "subscriptions": [{"topic_arn": "arn:aws:sqs:us-east-1:1:q"}]},
            "subscriptions[0].topic_arn: 'arn:aws:sqs:us-east-1:1:q' — an SNS topic ARN such as "
            "arn:aws:sns:us-east-1:123456789012:alarms",
        ),
        (
            {"trigger": "queue", "subscriptions": [{"topic_arn": ORDERS, "filter_policy": {"a": "b"}}]},
            "subscriptions[0].filter_policy: {'a': 'b'} — a JSON object whose keys each hold a non-empty array of "
            "values; at most 5 keys, 150 combinations and 256 KB",
        ),
        (
            {
                "trigger": "queue",
                "subscriptions": [{"topic_arn": ORDERS, "filter_policy": {f"k{n}": ["v"] for n in range(6)}}],
            },
            "subscriptions[0].filter_policy: {'k0': ['v'], 'k1': ['v'], 'k2': ['v'], 'k3': ['v'], 'k4': ['v'], "
            "'k5': ['v']} — at most 5 keys, not 6",
        ),
        (
            {
                "trigger": "queue",
                "subscriptions": [{"topic_arn": ORDERS, "filter_policy": {"a": list(range(10)), "b": list(range(16))}}],
            },
            f"subscriptions[0].filter_policy: {{'a': {list(range(10))}, 'b': {list(range(16))}}} — at most 150 "
            "combinations of values (the product of the arrays' lengths), not 160",
        ),
        (
            {
                "trigger": "queue",
                "subscriptions": [{"topic_arn": ORDERS, "filter_policy": {"big": ["x" * 262_144]}}],
            },
            None,
        ),
        (
            {"trigger": "queue", "subscriptions": [{"topic_arn": ORDERS, "filter_policy": {"a": {"b": ["c"]}}}]},
            "subscriptions[0].filter_policy: {'a': {'b': ['c']}} — flat with filter_policy_scope MessageAttributes: "
            "nested keys only with MessageBody",
        ),
        (
            {"trigger": "queue", "subscriptions": [{"topic_arn": ORDERS, "filter_policy_scope": "MessageBody"}]},
            "subscriptions[0].filter_policy_scope: 'MessageBody' — only with a filter_policy",
        ),
        (
            {"trigger": "queue", "subscriptions": [{"topic_arn": ORDERS, "raw_message_delivery": "yes"}]},
            "subscriptions[0].raw_message_delivery: 'yes' — true or false",
        ),
    ],
)
def test_bad_subscriptions_are_refused_exactly(args, line):
    message = _rejected("pipe", {**BASE, **args})
    if line is None:
        assert "subscriptions[0].filter_policy: " in message
        assert message.endswith(
            f"— at most {256 * 1024} bytes of JSON, not {len(json.dumps({'big': ['x' * 262_144]}))}"
        )
    else:
        assert message == f"invalid QueueBackedBatchService arguments:\n  {line}"

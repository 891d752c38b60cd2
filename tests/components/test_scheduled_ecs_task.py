from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from ecs_workloads.outputs import declared_outputs
from ecs_workloads.scheduled_ecs_task import ScheduledEcsTask
from harness.mocks import ACCOUNT_ID
from harness.program import run_callable
from harness.recording import Recording

CLUSTER_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:cluster/ecs-abc"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:alarms"
ALB_URL = "http://cats-alb-123.us-east-1.elb.amazonaws.com"
FAMILY = "ecs-workloads-test-assessor"
BASE: dict[str, Any] = {
    "cluster_arn": CLUSTER_ARN,
    "cluster_name": "ecs-abc",
    "placement": {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0a", "subnet-0b"], "assign_public_ip": True},
    "workload": {"image": "public.ecr.aws/catsndogs/image-assessor:1", "environment": {"ALB_URL": ALB_URL}},
    "schedule": "rate(2 minutes)",
}
SCHEDULE = "aws:scheduler/schedule:Schedule"
PRIVATE_PLACEMENT = {**BASE["placement"], "assign_public_ip": False}


def _task(**args) -> Recording:
    return run_callable(lambda: ScheduledEcsTask("assessor", {**BASE, **args}))


def _schedule(recording: Recording) -> dict[str, Any]:
    return recording.one(SCHEDULE).inputs


def _ecs(recording: Recording) -> dict[str, Any]:
    return _schedule(recording)["target"]["ecsParameters"]


def _scheduler_statements(recording: Recording) -> dict[str, dict[str, Any]]:
    policy = json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", "assessor-scheduler-policy").inputs["policy"])
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def test_expression_time_zone_state_dates_and_task_count_reach_the_scheduler():
    recording = _task(
        schedule="cron(0 9 ? * MON-FRI *)",
        timezone="Europe/London",
        enabled=False,
        task_count=3,
        flexible_window_minutes=15,
        start_date="2030-01-01T09:00:00+01:00",
        end_date="2030-12-31T00:00:00Z",
    )
    schedule = _schedule(recording)
    assert schedule["scheduleExpression"] == "cron(0 9 ? * MON-FRI *)"
    assert schedule["scheduleExpressionTimezone"] == "Europe/London"
    assert schedule["state"] == "DISABLED"
    assert schedule["flexibleTimeWindow"] == {"mode": "FLEXIBLE", "maximumWindowInMinutes": 15}
    assert schedule["startDate"] == "2030-01-01T08:00:00Z"
    assert schedule["endDate"] == "2030-12-31T00:00:00Z"
    assert _ecs(recording)["taskCount"] == 3


def test_defaults_enabled_utc_exact_time_one_on_demand_task_in_its_own_group():
    recording = _task()
    schedule = _schedule(recording)
    assert schedule["state"] == "ENABLED"
    assert schedule["scheduleExpressionTimezone"] == "UTC"
    assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}
    assert "startDate" not in schedule and "endDate" not in schedule
    assert "input" not in schedule["target"]
    group = recording.one("aws:scheduler/scheduleGroup:ScheduleGroup")
    assert schedule["groupName"] == group.outputs["name"]
    ecs = _ecs(recording)
    assert ecs["taskCount"] == 1
    # BASE's placement gives the tasks a public IP, which Scheduler takes only with launch type FARGATE.
    assert ecs["launchType"] == "FARGATE"
    assert "capacityProviderStrategies" not in ecs
    assert ecs["propagateTags"] == "TASK_DEFINITION"
    assert ecs["enableEcsManagedTags"] is True


@pytest.mark.parametrize(
    ("friendly", "expected"),
    [("@every 2m", "rate(2 minutes)"), ("@daily", "cron(0 0 * * ? *)"), ("*/5 * * * 1-5", "cron(*/5 * ? * MON-FRI *)")],
)
def test_friendly_forms_are_normalised_before_they_reach_the_scheduler(friendly, expected):
    assert _schedule(_task(schedule=friendly))["scheduleExpression"] == expected


def test_target_runs_this_task_definition_on_the_cluster_in_the_placement():
    recording = _task()
    target = _schedule(recording)["target"]
    assert target["arn"] == CLUSTER_ARN
    assert target["roleArn"] == recording.one("aws:iam/role:Role", "assessor-scheduler-role").outputs["arn"]
    task_definition = recording.one("aws:ecs/taskDefinition:TaskDefinition")
    assert task_definition.inputs["family"] == FAMILY
    assert target["ecsParameters"]["taskDefinitionArn"] == task_definition.outputs["arn"]
    security_group = recording.one("aws:ec2/securityGroup:SecurityGroup")
    assert target["ecsParameters"]["networkConfiguration"] == {
        "subnets": ["subnet-0a", "subnet-0b"],
        "securityGroups": [security_group.outputs["id"]],
        "assignPublicIp": True,
    }
    container = json.loads(task_definition.inputs["containerDefinitions"])[0]
    assert {"name": "ALB_URL", "value": ALB_URL} in container["environment"]


def test_scheduler_role_runs_only_this_family_on_this_cluster_and_passes_only_its_two_roles():
    recording = _task()
    statements = _scheduler_statements(recording)
    assert set(statements) == {
        "RunThisFamilyOnThisCluster",
        "PassThisTasksRoles",
        "TagTasksItStarts",
        "SendToOwnDeadLetterQueue",
    }
    run = statements["RunThisFamilyOnThisCluster"]
    assert run["Action"] == "ecs:RunTask"
    assert run["Resource"] == f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task-definition/{FAMILY}:*"
    assert run["Condition"] == {"ArnEquals": {"ecs:cluster": CLUSTER_ARN}}
    roles = {r.name: r.outputs["arn"] for r in recording.of_type("aws:iam/role:Role")}
    passed = statements["PassThisTasksRoles"]
    assert passed["Action"] == "iam:PassRole"
    assert sorted(passed["Resource"]) == sorted(
        [roles["assessor-workload-execution-role"], roles["assessor-workload-task-role"]]
    )
    assert passed["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    tag = statements["TagTasksItStarts"]
    assert tag["Resource"] == f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task/ecs-abc/*"
    assert tag["Condition"] == {"StringEquals": {"ecs:CreateAction": "RunTask"}}
    dlq = recording.one("aws:sqs/queue:Queue")
    assert statements["SendToOwnDeadLetterQueue"]["Resource"] == dlq.outputs["arn"]
    assert all(s["Resource"] != "*" for s in statements.values())
    trust = json.loads(recording.one("aws:iam/role:Role", "assessor-scheduler-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}


def test_schedule_waits_for_the_role_policy():
    recording = _task()
    policy = recording.one("aws:iam/rolePolicy:RolePolicy", "assessor-scheduler-policy")
    assert policy.urn in recording.one(SCHEDULE).dependencies


def test_retry_policy_and_encrypted_dead_letter_queue_with_an_alarm_to_the_topic():
    recording = _task(max_retry_attempts=5, max_event_age_seconds=600, alarm_topic_arn=TOPIC, protect_data=True)
    target = _schedule(recording)["target"]
    assert target["retryPolicy"] == {"maximumRetryAttempts": 5, "maximumEventAgeInSeconds": 600}
    dlq = recording.one("aws:sqs/queue:Queue")
    assert target["deadLetterConfig"] == {"arn": dlq.outputs["arn"]}
    assert dlq.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
    assert dlq.inputs["sqsManagedSseEnabled"] is True
    assert dlq.protect and dlq.retain_on_delete
    alarm = recording.one("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarm.inputs["namespace"] == "AWS/SQS"
    assert alarm.inputs["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm.inputs["dimensions"] == {"QueueName": dlq.outputs["name"]}
    assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold" and alarm.inputs["threshold"] == 0
    assert alarm.inputs["alarmActions"] == [TOPIC]


def test_default_retry_policy_and_no_topic_means_no_failed_run_rule():
    recording = _task()
    assert _schedule(recording)["target"]["retryPolicy"] == {
        "maximumRetryAttempts": 3,
        "maximumEventAgeInSeconds": 3600,
    }
    assert not recording.one("aws:sqs/queue:Queue").protect
    assert "alarmActions" not in recording.one("aws:cloudwatch/metricAlarm:MetricAlarm").inputs
    assert recording.of_type("aws:cloudwatch/eventRule:EventRule") == []
    assert recording.of_type("aws:cloudwatch/eventTarget:EventTarget") == []


def test_spot_capacity_becomes_the_runs_capacity_provider_strategy_in_private_subnets():
    recording = _task(placement=PRIVATE_PLACEMENT, capacity={"fargate": 1, "fargate_spot": 3, "base": 1})
    ecs = _ecs(recording)
    assert ecs["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0},
    ]
    assert "launchType" not in ecs
    assert ecs["networkConfiguration"]["assignPublicIp"] is False


def test_on_demand_default_is_a_one_provider_strategy_in_private_subnets():
    ecs = _ecs(_task(placement=PRIVATE_PLACEMENT))
    assert ecs["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert "launchType" not in ecs


def test_runs_with_a_public_ip_use_launch_type_fargate_and_no_strategy_even_with_spot_weights():
    # Scheduler's AwsVpcConfiguration: ENABLED "only when LaunchType in EcsParameters is set to FARGATE";
    # a launch type excludes a capacity provider strategy, so the Spot weights cannot apply to these runs.
    ecs = _ecs(_task(capacity={"fargate": 0, "fargate_spot": 1}))
    assert ecs["launchType"] == "FARGATE"
    assert "capacityProviderStrategies" not in ecs
    assert ecs["networkConfiguration"]["assignPublicIp"] is True


def test_run_environment_is_sent_as_runtask_container_overrides():
    recording = _task(run_environment={"RESETPICTURES": "1", "DELETE_COUNT": "5"})
    assert json.loads(_schedule(recording)["target"]["input"]) == {
        "containerOverrides": [
            {
                "name": "app",
                "environment": [{"name": "DELETE_COUNT", "value": "5"}, {"name": "RESETPICTURES", "value": "1"}],
            }
        ]
    }


def test_given_schedule_group_is_used_and_none_is_created():
    recording = _task(schedule_group_name="nightly-jobs")
    assert _schedule(recording)["groupName"] == "nightly-jobs"
    assert recording.of_type("aws:scheduler/scheduleGroup:ScheduleGroup") == []


# --- failed-run alert -------------------------------------------------------------------------------


def _leaf_matches(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict):
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(rule["prefix"])
        if "anything-but" in rule:
            excluded = rule["anything-but"]
            return value not in excluded if isinstance(excluded, list) else value != excluded
        raise AssertionError(f"operator not supported by this evaluator: {rule}")
    return type(rule) is type(value) and rule == value


def event_matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """The subset of EventBridge matching the failed-run pattern uses: value lists, prefix, anything-but,
    $or, nested objects, and arrays in the event (any element may match). A missing field never matches."""
    for key, rule in pattern.items():
        if key == "$or":
            if not any(event_matches(branch, event) for branch in rule):
                return False
            continue
        if key not in event:
            return False
        values = event[key] if isinstance(event[key], list) else [event[key]]
        if isinstance(rule, dict):
            if not any(isinstance(value, dict) and event_matches(rule, value) for value in values):
                return False
        elif not any(_leaf_matches(option, value) for option in rule for value in values):
            return False
    return True


def _stopped_event(
    family: str = FAMILY,
    exit_code: int | None = 1,
    stop_code: str = "EssentialContainerExited",
    cluster: str = CLUSTER_ARN,
    last_status: str = "STOPPED",
) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "lastStatus": "STOPPED"}
    if exit_code is not None:
        container["exitCode"] = exit_code
    return {
        "version": "0",
        "source": "aws.ecs",
        "detail-type": "ECS Task State Change",
        "account": ACCOUNT_ID,
        "region": "us-east-1",
        "detail": {
            "clusterArn": cluster,
            "taskArn": f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task/ecs-abc/0123456789abcdef",
            "taskDefinitionArn": f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task-definition/{family}:7",
            "group": f"family:{family}",
            "startedBy": "chronos-schedule",
            "lastStatus": last_status,
            "desiredStatus": "STOPPED",
            "stopCode": stop_code,
            "stoppedReason": "Essential container in task exited",
            "containers": [container],
        },
    }


def _failure_pattern(recording: Recording) -> dict[str, Any]:
    return json.loads(recording.one("aws:cloudwatch/eventRule:EventRule").inputs["eventPattern"])


def test_failed_run_rule_names_this_cluster_and_family_and_non_zero_exits():
    pattern = _failure_pattern(_task(alarm_topic_arn=TOPIC))
    assert pattern["source"] == ["aws.ecs"]
    assert pattern["detail-type"] == ["ECS Task State Change"]
    detail = pattern["detail"]
    assert detail["lastStatus"] == ["STOPPED"]
    assert detail["clusterArn"] == [CLUSTER_ARN]
    assert detail["taskDefinitionArn"] == [{"prefix": f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task-definition/{FAMILY}:"}]
    assert {"containers": {"exitCode": [{"anything-but": 0}]}} in detail["$or"]
    assert {"stopCode": ["TaskFailedToStart", "SpotInterruption"]} in detail["$or"]


@pytest.mark.parametrize(
    ("event", "alerts"),
    [
        (_stopped_event(exit_code=1), True),
        (_stopped_event(exit_code=137, stop_code="UserInitiated"), True),
        (_stopped_event(exit_code=None, stop_code="TaskFailedToStart"), True),
        (_stopped_event(exit_code=0, stop_code="SpotInterruption"), True),
        (_stopped_event(exit_code=0), False),
        (_stopped_event(exit_code=1, family=f"{FAMILY}-2"), False),
        (_stopped_event(exit_code=1, family="other-job"), False),
        (_stopped_event(exit_code=1, cluster=f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:cluster/other"), False),
        (_stopped_event(exit_code=1, last_status="RUNNING"), False),
    ],
)
def test_failed_run_pattern_against_sample_task_state_changes(event, alerts):
    pattern = _failure_pattern(_task(alarm_topic_arn=TOPIC))
    assert event_matches(pattern, event) is alerts


def test_failed_run_alert_sends_a_readable_message_to_the_topic():
    recording = _task(alarm_topic_arn=TOPIC)
    rule = recording.one("aws:cloudwatch/eventRule:EventRule")
    target = recording.one("aws:cloudwatch/eventTarget:EventTarget")
    assert target.inputs["arn"] == TOPIC
    assert target.inputs["rule"] == rule.outputs["name"]
    transformer = target.inputs["inputTransformer"]
    assert transformer["inputPaths"] == {
        "task": "$.detail.taskArn",
        "stopCode": "$.detail.stopCode",
        "exitCode": "$.detail.containers[0].exitCode",
        "reason": "$.detail.stoppedReason",
    }
    message = json.loads(transformer["inputTemplate"])
    assert isinstance(message, str)
    assert FAMILY in message
    for placeholder in ("<task>", "<stopCode>", "<exitCode>", "<reason>"):
        assert placeholder in message


# --- outputs ----------------------------------------------------------------------------------------


def test_outputs_carry_everything_needed_to_run_the_task_by_hand():
    def program():
        task = ScheduledEcsTask("assessor", BASE)
        for key in (
            "schedule_name",
            "schedule_group_name",
            "schedule_arn",
            "schedule_expression",
            "timezone",
            "task_definition_arn",
            "family",
            "container_name",
            "cluster_arn",
            "cluster_name",
            "subnet_ids",
            "security_group_ids",
            "assign_public_ip",
            "log_group_name",
            "dlq_url",
        ):
            pulumi.export(key, getattr(task, key))

    recording = run_callable(program)
    out = recording.stack_outputs
    schedule = recording.one(SCHEDULE)
    assert out["schedule_name"] == schedule.outputs["name"]
    assert out["schedule_arn"] == schedule.outputs["arn"]
    assert out["schedule_group_name"] == schedule.inputs["groupName"]
    assert out["schedule_expression"] == "rate(2 minutes)" and out["timezone"] == "UTC"
    assert out["task_definition_arn"] == recording.one("aws:ecs/taskDefinition:TaskDefinition").outputs["arn"]
    assert out["family"] == FAMILY and out["container_name"] == "app"
    assert out["cluster_arn"] == CLUSTER_ARN and out["cluster_name"] == "ecs-abc"
    assert out["subnet_ids"] == ["subnet-0a", "subnet-0b"]
    assert out["security_group_ids"] == [recording.one("aws:ec2/securityGroup:SecurityGroup").outputs["id"]]
    assert out["assign_public_ip"] is True
    assert out["log_group_name"] == recording.one("aws:cloudwatch/logGroup:LogGroup").outputs["name"]
    assert out["dlq_url"] == recording.one("aws:sqs/queue:Queue").outputs["url"]
    assert recording.duplicate_urns() == []


TAGS = {"team": "imaging", "schedule": "nightly"}
# AWS has no tags on these: Scheduler schedules, policies attached to a role or repository, event targets.
UNTAGGABLE = {
    SCHEDULE,
    "aws:iam/rolePolicy:RolePolicy",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:cloudwatch/eventTarget:EventTarget",
}


def test_tags_reach_every_taggable_resource_and_the_runs_take_the_task_definitions_tags():
    recording = _task(
        workload={"build_context": "apps/x"}, alarm_topic_arn=TOPIC, tags=TAGS, run_environment={"MODE": "1"}
    )
    custom = [r for r in recording.registrations if r.custom]
    assert {r.type for r in custom if r.inputs.get("tags") != TAGS} == UNTAGGABLE
    assert {
        "aws:sqs/queue:Queue",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:scheduler/scheduleGroup:ScheduleGroup",
        "aws:iam/role:Role",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ecr/repository:Repository",
    } <= {r.type for r in custom if r.inputs.get("tags") == TAGS}
    assert recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["tags"] == TAGS
    ecs = _ecs(recording)
    assert ecs["propagateTags"] == "TASK_DEFINITION"
    assert ecs["enableEcsManagedTags"] is True


def test_workload_is_embedded_under_its_first_release_names():
    recording = _task()
    task = recording.one("ecs-workloads:index:ScheduledEcsTask", "assessor")
    workload = recording.one("ecs-workloads:index:FargateWorkload", "assessor-workload")
    assert workload.parent == task.urn
    assert recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["family"] == FAMILY
    assert {r.name for r in recording.children(task) if r.custom} >= {"assessor-dlq", "assessor-dlq-alarm"}
    assert recording.one("aws:cloudwatch/metricAlarm:MetricAlarm", "assessor-dlq-alarm").inputs["period"] == 300


def test_every_declared_output_is_registered_and_the_workload_outputs_are_the_shapes():
    def program():
        task = ScheduledEcsTask("assessor", BASE)
        pulumi.export("task_role_name", task.task_role_name)
        pulumi.export("workload_task_role_name", task.workload.task_role_name)

    recording = run_callable(program)
    component = recording.one("ecs-workloads:index:ScheduledEcsTask")
    registered = set(recording.registered_outputs[component.urn])
    # A task without a workflow has no state machine (a None output is not registered).
    assert registered == set(declared_outputs(ScheduledEcsTask)) - {"state_machine_arn"}
    assert {"task_role_arn", "task_role_name", "log_group_name", "security_group_id"} <= registered
    outputs = recording.stack_outputs
    assert outputs["task_role_name"] == outputs["workload_task_role_name"]
    assert (
        outputs["task_role_name"] == recording.one("aws:iam/role:Role", "assessor-workload-task-role").outputs["name"]
    )


def test_bad_tags_are_refused_before_anything_is_registered():
    recording = Recording()
    with pytest.raises(ValueError, match=r"\n  tags: \{'aws:team': 'x'\} — a mapping of at most 50 tags"):
        run_callable(lambda: ScheduledEcsTask("assessor", {**BASE, "tags": {"aws:team": "x"}}), recording=recording)
    assert recording.registrations == []


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            {"schedule": "rate(1 minutes)"},
            "schedule: 'rate(1 minutes)' — 'rate(1 minutes)': use the singular unit when the value is 1",
        ),
        ({"schedule": "every day"}, "schedule: 'every day' — unrecognised schedule expression"),
        (
            {"task_count": 11},
            "task_count: 11 — at most 10 with target run_task (Scheduler's EcsParameters.TaskCount); target "
            "workflow starts up to 50",
        ),
        ({"task_count": 0}, "task_count: 0 — an integer from 1 to 50"),
        ({"task_count": 51, "target": "workflow"}, "task_count: 51 — an integer from 1 to 50"),
        (
            {"retries": 2},
            "retries: 2 — only with target workflow: Scheduler retries only runs it could not start "
            "(max_retry_attempts)",
        ),
        ({"target": "step_functions"}, "target: 'step_functions' — one of run_task, workflow"),
        ({"timezone": "Mars/Olympus"}, "timezone: 'Mars/Olympus' — time zone 'Mars/Olympus' is not an IANA time zone"),
        (
            {"start_date": "2030-06-01T00:00:00Z", "end_date": "2030-06-01T00:00:00Z"},
            "end_date: '2030-06-01T00:00:00Z' — must be after start_date 2030-06-01T00:00:00Z",
        ),
        ({"start_date": "2030-06-01"}, "start_date: '2030-06-01' — add a UTC offset"),
        ({"end_date": "June"}, "end_date: 'June' — an ISO 8601 date-time with a UTC offset"),
        ({"flexible_window_minutes": 1441}, "flexible_window_minutes: 1441 — an integer from 0 to 1440"),
        ({"max_retry_attempts": 186}, "max_retry_attempts: 186 — an integer from 0 to 185"),
        ({"max_event_age_seconds": 59}, "max_event_age_seconds: 59 — an integer from 60 to 86400"),
        ({"enabled": "yes"}, "enabled: 'yes' — true or false"),
        ({"capacity": {"fargate": 0}}, "at least one of fargate and fargate_spot must have a weight above 0"),
        (
            {"run_environment": {"API_TOKEN": "s3cr3t"}},
            "run_environment.API_TOKEN: '<hidden>' — looks like a credential",
        ),
        ({"run_environment": {"bad-name": "1"}}, "run_environment.bad-name: '1' — names are letters, digits and _"),
        (
            {"schedule_group_name": "bad group"},
            "schedule_group_name: 'bad group' — letters, digits, '.', '_' or '-' of up to 64 characters",
        ),
        ({"alarm_topic_arn": "alarms"}, "alarm_topic_arn: 'alarms' — an SNS topic ARN"),
        (
            {"workload": {**BASE["workload"], "vpc_id": "vpc-1"}},
            "workload.vpc_id: 'vpc-1' — comes from placement.vpc_id",
        ),
        ({"workload": {"image": "x:1", "cpu": 300}}, "workload.cpu: 300 — one of 256"),
        ({"workload": {}}, "workload.image: None — give exactly one of image and build_context"),
        ({"cron": "@daily"}, "cron: '@daily' — unknown argument"),
    ],
)
def test_bad_arguments_are_named_and_register_nothing(args, expected):
    recording = Recording()
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: ScheduledEcsTask("assessor", {**BASE, **args}), recording=recording)
    assert expected in str(caught.value)
    assert recording.registrations == []


def test_every_problem_is_listed_in_one_error():
    recording = Recording()
    with pytest.raises(ValueError) as caught:
        run_callable(
            lambda: ScheduledEcsTask(
                "assessor",
                {**BASE, "schedule": "@fortnightly", "task_count": 0, "timezone": "Nowhere", "placement": {}},
            ),
            recording=recording,
        )
    message = str(caught.value)
    assert message.startswith("invalid ScheduledEcsTask arguments:")
    for field in ("schedule:", "task_count:", "timezone:", "placement.vpc_id:", "placement.assign_public_ip:"):
        assert f"\n  {field}" in message
    assert recording.registrations == []


def test_missing_required_arguments_are_named():
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: ScheduledEcsTask("assessor", {"workload": BASE["workload"]}))
    for key in ("cluster_arn", "cluster_name", "placement", "schedule"):
        assert f"{key}: None — required" in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"placement": "public"}, "placement"),
        ({"placement": {**BASE["placement"], "subnet_ids": {"a": "subnet-0abc1234"}}}, "placement.subnet_ids"),
        ({"workload": "image"}, "workload"),
        ({"workload": {**BASE["workload"], "cpu": 512.0, "memory": 1024}}, "workload.cpu"),
        ({"capacity": "spot"}, "capacity"),
    ],
)
def test_wrongly_typed_arguments_raise_a_value_error_naming_the_field(changes, field):
    recording = Recording()
    with pytest.raises(ValueError, match=rf"\n  {field}: "):
        run_callable(lambda: ScheduledEcsTask("assessor", {**BASE, **changes}), recording=recording)
    assert recording.registrations == []


def test_a_name_whose_workload_role_would_pass_iams_limit_is_refused():
    caught = {}

    def program():
        try:
            ScheduledEcsTask("t" * 33, BASE)
        except ValueError as error:
            caught["error"] = str(error)

    recording = run_callable(program)
    assert recording.registrations == []
    assert caught["error"] == (
        "invalid ScheduledEcsTask arguments:\n"
        f"  name: '{'t' * 33}' — at most 32 characters: the longest resource name <name>-workload-execution-role "
        "plus the 8-character autoname suffix must fit the 64 characters an IAM role name allows"
    )


def test_the_longest_name_gives_names_aws_accepts():
    from ecs_workloads.name_limits import NAME_LIMITS

    recording = run_callable(lambda: ScheduledEcsTask("t" * 32, {**BASE, "alarm_topic_arn": TOPIC}))
    autonamed = {r.name: r.outputs["name"] for r in recording.registrations if r.type in NAME_LIMITS}
    assert len(autonamed[f"{'t' * 32}-workload-execution-role"]) == 64
    too_long = [
        r.name
        for r in recording.registrations
        if r.type in NAME_LIMITS and len(r.outputs["name"]) > NAME_LIMITS[r.type].limit
    ]
    assert too_long == []


def _at(moment: str):
    from datetime import datetime

    return staticmethod(lambda: datetime.fromisoformat(moment))


@pytest.mark.parametrize(
    ("now", "sent"),
    [
        ("2030-01-01T07:59:59+00:00", "2030-01-01T08:00:00Z"),
        ("2030-01-01T09:00:00+01:00", None),
        ("2031-06-01T00:00:00+00:00", None),
    ],
)
def test_a_start_date_is_sent_only_while_it_lies_ahead(monkeypatch, now, sent):
    # Scheduler refuses a StartDate more than 5 minutes ago, and a passed one restricts nothing.
    monkeypatch.setattr(ScheduledEcsTask, "clock", _at(now))
    recording = _task(start_date="2030-01-01T09:00:00+01:00", end_date="2031-12-31T00:00:00Z")
    schedule = _schedule(recording)
    assert schedule.get("startDate") == sent
    assert schedule["endDate"] == "2031-12-31T00:00:00Z"
    notes = [warning for warning in recording.warnings if "has passed" in warning]
    expected = (
        "start_date 2030-01-01T09:00:00+01:00 has passed: it is left out (EventBridge Scheduler refuses a start "
        "date more than 5 minutes ago) and the schedule runs from now"
    )
    assert notes == ([] if sent else [expected])

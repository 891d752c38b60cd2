"""The scheduled jobs of a stack: the ImageAssessor against the cats URL, plus jobs declared in config."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pydantic import Field, ValidationError

from harness.program import run_callable
from harness.recording import Recording
from stack.config import _describe
from stack.jobs import AssessorTarget, ImageAssessorSettings, JobList, JobSettings, build_jobs
from stack.section import Section
from stack.settings import StackSettings
from stack.system import build_foundation

CATS_URL = "http://cats-alb-0123.us-east-1.elb.amazonaws.com"
TOKEN_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cats-api-token-0123456-AbCdEf"
SCHEDULE = "aws:scheduler/schedule:Schedule"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SPOT_CLUSTER = {"cluster": {"defaultCapacity": {"fargate": 0, "fargateSpot": 1}}}
# Behind NAT the tasks need no public IP, so the schedules carry the capacity weights.
PRIVATE_SPOT_CLUSTER = {**SPOT_CLUSTER, "network": {"natStrategy": "single"}}
THREE_JOBS = [
    {"name": "nightly-report", "schedule": "@daily", "timezone": "Europe/London", "workload": {"image": "busybox:1"}},
    {
        "name": "reset-pictures",
        "schedule": "cron(0 6 ? * MON *)",
        "enabled": False,
        "taskCount": 2,
        "workload": {"app": "image_assessor"},
        "runEnvironment": {"RESETPICTURES": "1"},
    },
    {
        "name": "cleanup",
        "schedule": "*/30 * * * *",
        "command": ["sh", "-c", "echo cleaning"],
        "startDate": "2030-01-01T00:00:00Z",
        "endDate": "2030-02-01T00:00:00Z",
        "flexibleWindowMinutes": 10,
        "retry": {"maxAttempts": 0, "maxEventAgeSeconds": 120},
        "workload": {"image": "busybox:1", "capacity": {"fargate": 1}},
    },
]


class _JobsConfig(Section):
    """The two config keys as the stack settings will hold them."""

    image_assessor: ImageAssessorSettings = Field(default_factory=ImageAssessorSettings)
    jobs: JobList = Field(default_factory=list)


def _run(raw: dict[str, Any] | None = None, stack_raw: dict[str, Any] | None = None) -> Recording:
    config = _JobsConfig.model_validate(raw or {})
    settings = StackSettings.model_validate(stack_raw or {})

    def program():
        foundation = build_foundation(settings)
        assessor = AssessorTarget(
            config.image_assessor, pulumi.Output.from_input(CATS_URL), pulumi.Output.from_input(TOKEN_ARN)
        )
        built = build_jobs(foundation, assessor, config.jobs)
        for key, value in built.outputs.items():
            pulumi.export(key, value)

    return run_callable(program)


def _container(recording: Recording, family_suffix: str) -> dict[str, Any]:
    [task] = [t for t in recording.of_type(TASK_DEFINITION) if t.inputs["family"].endswith(family_suffix)]
    return json.loads(task.inputs["containerDefinitions"])[0]


def _schedule_of(recording: Recording, name: str) -> dict[str, Any]:
    return recording.one(SCHEDULE, f"{name}-schedule").inputs


def _errors(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        _JobsConfig.model_validate(raw)
    return [_describe(detail) for detail in caught.value.errors()]


def test_image_assessor_defaults_every_two_minutes_with_the_cats_url_passed_in():
    recording = _run()
    schedule = _schedule_of(recording, "image-assessor")
    assert schedule["scheduleExpression"] == "rate(2 minutes)"
    assert schedule["state"] == "ENABLED"
    assert schedule["target"]["ecsParameters"]["taskCount"] == 1
    container = _container(recording, "-image-assessor")
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment == {"ALB_URL": CATS_URL, "DELETE_COUNT": "3"}
    # The token arrives as a secret ECS resolves at start, never as a plain variable.
    assert container["secrets"] == [{"name": "API_TOKEN", "valueFrom": TOKEN_ARN}]
    policy = recording.one("aws:iam/rolePolicy:RolePolicy", "image-assessor-workload-execution-policy").inputs["policy"]
    reads = [s for s in json.loads(policy)["Statement"] if "secretsmanager:GetSecretValue" in str(s["Action"])]
    assert reads == [
        {
            "Sid": "ReadListedSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [TOKEN_ARN],
        }
    ]
    image = recording.one("awsx:ecr:Image")
    assert image.inputs["context"].endswith("apps/image_assessor")


def test_image_assessor_settings_reach_the_schedule_and_container():
    recording = _run(
        {
            "imageAssessor": {
                "schedule": "@every 5m",
                "timezone": "America/New_York",
                "enabled": False,
                "deleteCount": 2,
                "taskCount": 2,
                "workload": {"image": "205094881157.dkr.ecr.us-west-2.amazonaws.com/image-assessor:latest"},
            }
        }
    )
    schedule = _schedule_of(recording, "image-assessor")
    assert schedule["scheduleExpression"] == "rate(5 minutes)"
    assert schedule["scheduleExpressionTimezone"] == "America/New_York"
    assert schedule["state"] == "DISABLED"
    assert schedule["target"]["ecsParameters"]["taskCount"] == 2
    container = _container(recording, "-image-assessor")
    assert container["image"] == "205094881157.dkr.ecr.us-west-2.amazonaws.com/image-assessor:latest"
    assert {"name": "DELETE_COUNT", "value": "2"} in container["environment"]
    assert container["secrets"] == [{"name": "API_TOKEN", "valueFrom": TOKEN_ARN}]
    assert recording.of_type("awsx:ecr:Image") == []


def test_private_subnets_run_the_assessor_on_spot_from_the_cluster_default():
    recording = _run(stack_raw=PRIVATE_SPOT_CLUSTER)
    ecs = _schedule_of(recording, "image-assessor")["target"]["ecsParameters"]
    assert ecs["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    assert "launchType" not in ecs


def test_dev_public_subnets_run_scheduled_jobs_on_launch_type_fargate_despite_the_spot_default():
    # Scheduler takes assignPublicIp ENABLED only with launch type FARGATE (docs/aws-design-notes.md).
    recording = _run(stack_raw=SPOT_CLUSTER)
    ecs = _schedule_of(recording, "image-assessor")["target"]["ecsParameters"]
    assert ecs["launchType"] == "FARGATE"
    assert "capacityProviderStrategies" not in ecs
    assert ecs["networkConfiguration"]["assignPublicIp"] is True


def test_three_configured_jobs_add_three_schedules_with_their_settings():
    recording = _run({"jobs": THREE_JOBS}, stack_raw=PRIVATE_SPOT_CLUSTER)
    assert len(recording.of_type(SCHEDULE)) == 4
    assert len(recording.of_type(TASK_DEFINITION)) == 4
    assert recording.duplicate_urns() == []

    report = _schedule_of(recording, "job-nightly-report")
    assert report["scheduleExpression"] == "cron(0 0 * * ? *)"
    assert report["scheduleExpressionTimezone"] == "Europe/London"
    assert "input" not in report["target"]
    assert _container(recording, "-job-nightly-report")["image"] == "busybox:1"

    reset = _schedule_of(recording, "job-reset-pictures")
    assert reset["state"] == "DISABLED"
    assert reset["target"]["ecsParameters"]["taskCount"] == 2
    assert json.loads(reset["target"]["input"]) == {
        "containerOverrides": [{"name": "app", "environment": [{"name": "RESETPICTURES", "value": "1"}]}]
    }

    cleanup = _schedule_of(recording, "job-cleanup")
    assert cleanup["scheduleExpression"] == "cron(*/30 * * * ? *)"
    assert cleanup["startDate"] == "2030-01-01T00:00:00Z" and cleanup["endDate"] == "2030-02-01T00:00:00Z"
    assert cleanup["flexibleTimeWindow"] == {"mode": "FLEXIBLE", "maximumWindowInMinutes": 10}
    assert cleanup["target"]["retryPolicy"] == {"maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 120}
    # The job's own capacity wins over the cluster's Spot default.
    assert cleanup["target"]["ecsParameters"]["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
    ]
    assert _container(recording, "-job-cleanup")["command"] == ["sh", "-c", "echo cleaning"]


def test_jobs_output_lists_every_job_with_what_an_operator_needs():
    recording = _run({"jobs": THREE_JOBS})
    jobs = recording.stack_outputs["jobs"]
    assert set(jobs) == {"image-assessor", "nightly-report", "reset-pictures", "cleanup"}
    report = jobs["nightly-report"]
    schedule = recording.one(SCHEDULE, "job-nightly-report-schedule")
    task = next(t for t in recording.of_type(TASK_DEFINITION) if t.inputs["family"].endswith("-job-nightly-report"))
    assert report["scheduleName"] == schedule.outputs["name"]
    assert report["scheduleGroup"] == schedule.inputs["groupName"]
    assert report["scheduleExpression"] == "cron(0 0 * * ? *)" and report["timezone"] == "Europe/London"
    assert report["taskDefinitionArn"] == task.outputs["arn"]
    assert report["family"] == task.inputs["family"]
    assert report["containerName"] == "app"
    assert report["clusterArn"] == recording.one("aws:ecs/cluster:Cluster").outputs["arn"]
    assert report["subnetIds"] == schedule.inputs["target"]["ecsParameters"]["networkConfiguration"]["subnets"]
    assert (
        report["securityGroupIds"]
        == schedule.inputs["target"]["ecsParameters"]["networkConfiguration"]["securityGroups"]
    )
    assert report["assignPublicIp"] is True
    assert report["logGroupName"].startswith("job-nightly-report-workload-logs")
    assert report["dlqUrl"].startswith("https://sqs.")


def test_jobs_alert_the_stack_alarm_topic_and_keep_data_when_protected():
    recording = _run({"jobs": THREE_JOBS[:1]}, stack_raw={"protectData": True})
    topic = recording.one("aws:sns/topic:Topic").outputs["arn"]
    targets = recording.of_type("aws:cloudwatch/eventTarget:EventTarget")
    assert [t.inputs["arn"] for t in targets] == [topic, topic]
    assert all(q.protect and q.retain_on_delete for q in recording.of_type("aws:sqs/queue:Queue"))
    retention = {g.inputs["retentionInDays"] for g in recording.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert retention == {30}


# --- config errors name the key -------------------------------------------------------------------------


def _job(**fields) -> dict[str, Any]:
    return {"name": "job", "schedule": "@daily", "workload": {"image": "busybox:1"}, **fields}


@pytest.mark.parametrize(
    ("jobs", "expected"),
    [
        (
            [_job(name="a"), _job(name="b", schedule="rate(1 minutes)")],
            "ecs-workloads:jobs.1.schedule: \"rate(1 minutes)\" — 'rate(1 minutes)': use the singular unit when the "
            "value is 1: rate(1 minute)",
        ),
        (
            [_job(name="a"), _job(name="b"), _job(name="a")],
            'ecs-workloads:jobs.2.name: "a" — duplicate job name; also used by jobs.0',
        ),
        (
            [_job(workload={"cpu": 512, "memory": 1024})],
            'ecs-workloads:jobs.0.workload: {"cpu": 512, "memory": 1024} — set image (an image URI) or app '
            "(a directory under apps/ with a Dockerfile)",
        ),
        ([{"name": "a", "schedule": "@daily"}], "ecs-workloads:jobs.0.workload: (missing) — required"),
        ([_job(name="Nightly")], 'ecs-workloads:jobs.0.name: "Nightly" — must be 1-28 lowercase letters'),
        ([_job(name="image-assessor")], 'ecs-workloads:jobs.0.name: "image-assessor" — image-assessor is the'),
        (
            [_job(taskCount=11)],
            "ecs-workloads:jobs.0.taskCount: 11 — at most 10 with target run_task (Scheduler's "
            "EcsParameters.TaskCount); target workflow starts up to 50",
        ),
        (
            [_job(taskCount=51, target="workflow")],
            "ecs-workloads:jobs.0.taskCount: 51 — must be an integer from 1 to 50",
        ),
        (
            [_job(retries=2)],
            "ecs-workloads:jobs.0.retries: 2 — only with target workflow: Scheduler retries only runs it could not "
            "start (max_retry_attempts)",
        ),
        ([_job(target="lambda")], 'ecs-workloads:jobs.0.target: "lambda" — must be one of run_task, workflow'),
        ([_job(target="workflow", retries=11)], "ecs-workloads:jobs.0.retries: 11 — must be an integer from 0 to 10"),
        ([_job(timezone="Mars/Olympus")], 'ecs-workloads:jobs.0.timezone: "Mars/Olympus" — time zone'),
        (
            [_job(startDate="2030-02-01T00:00:00Z", endDate="2030-01-01T00:00:00Z")],
            'ecs-workloads:jobs.0.endDate: "2030-01-01T00:00:00Z" — must be after startDate 2030-02-01T00:00:00Z',
        ),
        ([_job(startDate="tomorrow")], 'ecs-workloads:jobs.0.startDate: "tomorrow" — an ISO 8601 date-time'),
        (
            [_job(runEnvironment={"DB_PASSWORD": "hunter2"})],
            'ecs-workloads:jobs.0.runEnvironment.DB_PASSWORD: "<hidden>" — looks like a credential',
        ),
        (
            [_job(retry={"maxAttempts": 200})],
            "ecs-workloads:jobs.0.retry.maxAttempts: 200 — must be an integer from 0 to 185",
        ),
        ([_job(command=[])], "ecs-workloads:jobs.0.command: [] — must not be empty"),
        ([_job(schedul="@daily")], 'ecs-workloads:jobs.0.schedul: "@daily" — unknown key'),
    ],
)
def test_bad_job_entries_name_the_config_key(jobs, expected):
    errors = _errors({"jobs": jobs})
    assert any(line.startswith(expected) for line in errors), errors
    assert "hunter2" not in "\n".join(errors)


@pytest.mark.parametrize(
    ("assessor", "expected"),
    [
        (
            {"schedule": "every two minutes"},
            'ecs-workloads:imageAssessor.schedule: "every two minutes" — unrecognised schedule expression',
        ),
        ({"deleteCount": 0}, "ecs-workloads:imageAssessor.deleteCount: 0 — must be greater than or equal to 1"),
        (
            {"workload": {"environment": {"ALB_URL": "http://typed-by-hand"}}},
            'ecs-workloads:imageAssessor.workload: {"environment": {"ALB_URL": "http://typed-by-hand"}} — '
            "ALB_URL is set by the stack",
        ),
        (
            {"workload": {"secrets": {"API_TOKEN": TOKEN_ARN}}},
            f'ecs-workloads:imageAssessor.workload: {{"secrets": {{"API_TOKEN": "{TOKEN_ARN}"}}}} — '
            "API_TOKEN is set by the stack (the cats service URL and token, deleteCount); remove it",
        ),
        # The token is generated by the stack; there is no key to point it elsewhere.
        ({"apiTokenSecretArn": TOKEN_ARN}, "ecs-workloads:imageAssessor.apiTokenSecretArn: "),
    ],
)
def test_bad_image_assessor_settings_name_the_config_key(assessor, expected):
    errors = _errors({"imageAssessor": assessor})
    assert any(line.startswith(expected) for line in errors), errors


def test_job_defaults_are_documented_values():
    job = JobSettings.model_validate({"name": "a", "schedule": "@hourly", "workload": {"image": "busybox:1"}})
    assert job.schedule == "cron(0 * * * ? *)"
    assert (job.timezone, job.enabled, job.task_count, job.flexible_window_minutes) == ("UTC", True, 1, 0)
    assert (job.retry.max_attempts, job.retry.max_event_age_seconds) == (3, 3600)
    assessor = ImageAssessorSettings()
    assert (assessor.schedule, assessor.delete_count, assessor.enabled) == ("rate(2 minutes)", 3, True)


def _autonamed(recording: Recording) -> dict[str, tuple[str, int]]:
    """Each recorded resource that Pulumi names `<logical name>-<7 hex>`: its physical name and AWS's limit."""
    from ecs_workloads.name_limits import NAME_LIMITS

    return {
        r.name: (r.outputs["name"], NAME_LIMITS[r.type].limit)
        for r in recording.registrations
        if r.type in NAME_LIMITS and "name" not in r.inputs
    }


def test_the_longest_job_name_the_settings_accept_gives_names_aws_accepts():
    longest = "j" + "x" * 27
    recording = _run({"jobs": [_job(name=longest)]})
    names = _autonamed(recording)
    role, limit = names[f"job-{longest}-workload-execution-role"]
    # IAM's 64 characters exactly: `job-<28>-workload-execution-role` and the 8-character autoname suffix.
    assert (len(role), limit) == (64, 64)
    assert {logical: name for logical, (name, limit) in names.items() if len(name) > limit} == {}


def test_a_job_name_one_character_longer_is_refused_with_the_reason():
    errors = _errors({"jobs": [_job(name="j" + "x" * 28)]})
    assert errors == [
        f'ecs-workloads:jobs.0.name: "j{"x" * 28}" — must be 1-28 lowercase letters, digits or -, starting with a '
        "letter (the longest resource name job-<name>-workload-execution-role plus the 8-character autoname suffix "
        "must fit the 64 characters an IAM role name allows)"
    ]


def test_a_job_whose_start_date_has_passed_keeps_deploying_without_it():
    # The tests' clock reads 2026-01-01 (tests/conftest.py); Scheduler would refuse a 2025 StartDate.
    recording = _run({"jobs": [_job(name="late", startDate="2025-06-01T00:00:00Z", endDate="2030-01-01T00:00:00Z")]})
    schedule = _schedule_of(recording, "job-late")
    assert "startDate" not in schedule
    assert schedule["endDate"] == "2030-01-01T00:00:00Z"


def test_a_workflow_job_runs_through_its_state_machine_and_outputs_it():
    job = {**THREE_JOBS[0], "target": "workflow", "retries": 2, "taskCount": 20}
    recording = _run({"jobs": [job, THREE_JOBS[1]]})
    machine = recording.one("aws:sfn/stateMachine:StateMachine", "job-nightly-report-workflow-state-machine")
    schedule = _schedule_of(recording, "job-nightly-report")
    assert schedule["target"]["arn"] == machine.outputs["arn"]
    job_input = json.loads(schedule["target"]["input"])
    assert (job_input["taskCount"], job_input["maxCount"], job_input["retries"]) == (20, 20, 2)
    jobs = recording.stack_outputs["jobs"]
    assert jobs["nightly-report"]["stateMachineArn"] == machine.outputs["arn"]
    # The other job still runs its task directly, with the outputs it had.
    assert "stateMachineArn" not in jobs["reset-pictures"]
    assert _schedule_of(recording, "job-reset-pictures")["target"]["ecsParameters"]["taskCount"] == 2

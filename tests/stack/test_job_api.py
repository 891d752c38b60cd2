"""The job API as the stack composes it: the cats listener's path rule, the schedule group, the scheduler's
role, the token, the container's settings and the task role's statements."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pulumi
import pytest
from job_api.app import create_app
from job_api.config import settings_from_env
from pydantic import ValidationError

from harness.program import run_callable
from harness.recording import Recording
from stack.config import settings_from_raw
from stack.job_api import HEALTH_CHECK_PATH, JOB_API_PATHS, JobApiSettings, build_job_api, runnable_jobs
from stack.jobs import AssessorTarget, build_jobs
from stack.settings import StackSettings
from stack.system import build_foundation
from stack.web import build_web

STATE_MACHINE_TYPE = "aws:sfn/stateMachine:StateMachine"
RULE = "aws:lb/listenerRule:ListenerRule"
POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"
SECRET = "aws:secretsmanager/secret:Secret"
REPORT_JOB = {"name": "report", "schedule": "rate(1 hour)", "workload": {"image": "busybox:1.36"}}
PROD_CATS = {"domainName": "cats.example.com", "hostedZoneId": "Z0123456789EXAMPLE"}


def _settings(**job_api: Any) -> dict[str, Any]:
    return {"enabled": True, "allowedJobs": ["image-assessor"], **job_api}


def _api(raw: dict[str, Any] | None = None) -> tuple[Recording, dict[str, Any]]:
    settings = StackSettings.model_validate({"jobApi": _settings(), **(raw or {})})
    holder: dict[str, Any] = {}

    def program():
        foundation = build_foundation(settings)
        web = build_web(foundation, settings.cats)
        jobs = build_jobs(
            foundation, AssessorTarget(settings.image_assessor, web.alb_url, web.api_token_secret_arn), settings.jobs
        )
        api = build_job_api(foundation, settings.job_api, web.listener, runnable_jobs(settings.job_api, jobs.tasks))
        pulumi.Output.all(outputs=api.outputs, service=api.service).apply(holder.update)

    return run_callable(program), holder


def _container(recording: Recording) -> dict[str, Any]:
    [task] = [t for t in recording.of_type("aws:ecs/taskDefinition:TaskDefinition") if "job-api" in t.inputs["family"]]
    return json.loads(task.inputs["containerDefinitions"])[0]


def _state_machine(recording: Recording) -> str:
    return recording.one(STATE_MACHINE_TYPE).outputs["arn"]


def _statements(recording: Recording, name: str) -> list[dict[str, Any]]:
    return json.loads(recording.one(POLICY, name).inputs["policy"])["Statement"]


def test_the_api_joins_the_cats_listener_under_its_own_paths():
    recording, _ = _api()
    rules = {rule.name: rule.inputs for rule in recording.of_type(RULE)}
    api_rule = rules["job-api-rule"]
    [listener] = recording.of_type("aws:lb/listener:Listener")
    assert api_rule["listenerArn"] == listener.outputs["arn"]
    assert api_rule["conditions"] == [{"pathPattern": {"values": list(JOB_API_PATHS)}}]
    assert api_rule["priority"] == 110
    assert rules["cats-rule"]["priority"] == 100
    # One load balancer: the API has none of its own.
    assert len(recording.of_type("aws:lb/loadBalancer:LoadBalancer")) == 1
    group = recording.one("aws:lb/targetGroup:TargetGroup", "job-api-tg").inputs
    assert group["healthCheck"]["path"] == HEALTH_CHECK_PATH == "/health"
    assert group["port"] == 8080


def test_with_tls_the_api_joins_the_https_listener():
    recording, holder = _api({"cats": PROD_CATS})
    listeners = {r.inputs["protocol"]: r for r in recording.of_type("aws:lb/listener:Listener")}
    assert recording.one(RULE, "job-api-rule").inputs["listenerArn"] == listeners["HTTPS"].outputs["arn"]
    assert holder["outputs"]["url"] == "https://cats.example.com/jobs"
    assert holder["outputs"]["docsUrl"] == "https://cats.example.com/docs"


def test_the_paths_cover_every_route_of_the_app_and_leave_cats_alone():
    settings = settings_from_env(
        {
            "API_TOKEN": "t",
            "JOB_SCHEDULE_GROUP": "g",
            "JOB_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:s",
            "JOB_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/r",
            "JOB_TASK_FAMILIES": "f",
        }
    )
    app = create_app(settings, store=None, history=None)  # type: ignore[arg-type]
    # Flask's own /static route is not one the app serves (it has no static folder of Flask's).
    routes = [rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    public = {route.replace("<job_id>", "report").replace("<name>", "swagger-ui.css") for route in routes}
    routed = {path for path in public if any(fnmatch.fnmatchcase(path, pattern) for pattern in JOB_API_PATHS)}
    assert public - routed == {HEALTH_CHECK_PATH}
    assert not any(fnmatch.fnmatchcase(path, pattern) for pattern in JOB_API_PATHS for path in ("/cats", "/cats/api/"))


def test_the_container_gets_the_group_the_state_machine_the_role_and_the_token_as_a_secret():
    recording, _ = _api({"jobs": [REPORT_JOB], "jobApi": _settings(allowedJobs=["report", "image-assessor"])})
    container = _container(recording)
    environment = {entry["name"]: entry["value"] for entry in container["environment"]}
    group = recording.one("aws:scheduler/scheduleGroup:ScheduleGroup", "job-api-jobs")
    role = recording.one(ROLE, "job-api-scheduler-role")
    assert environment == {
        "JOB_SCHEDULE_GROUP": group.outputs["name"],
        "JOB_STATE_MACHINE_ARN": _state_machine(recording),
        "JOB_SCHEDULER_ROLE_ARN": role.outputs["arn"],
        "JOB_TASK_FAMILIES": "ecs-workloads-test-image-assessor,ecs-workloads-test-job-report",
    }
    secret = recording.one(SECRET, "job-api-token")
    assert container["secrets"] == [{"name": "API_TOKEN", "valueFrom": secret.outputs["arn"]}]
    assert group.inputs["tags"] == {"managed-by": "job-api"}
    image = next(i for i in recording.of_type("awsx:ecr:Image") if "job-api" in i.name).inputs
    assert image["dockerfile"].endswith("apps/job_api/Dockerfile")
    assert image["dockerfile"] == image["context"] + "/apps/job_api/Dockerfile"


def test_the_state_machine_runs_and_passes_only_the_allowed_jobs():
    recording, _ = _api({"jobs": [REPORT_JOB], "jobApi": _settings(allowedJobs=["report"])})
    workflow = recording.one("ecs-workloads:index:JobRunWorkflow", "job-api-runs")
    roles = {r.name: r.outputs["arn"] for r in recording.of_type(ROLE)}
    policy = json.loads(recording.one(POLICY, "job-api-runs-policy").inputs["policy"])
    [pass_role] = [s for s in policy["Statement"] if s["Action"] == "iam:PassRole"]
    assert sorted(pass_role["Resource"]) == sorted(
        [roles["job-report-workload-task-role"], roles["job-report-workload-execution-role"]]
    )
    definition = recording.one(STATE_MACHINE_TYPE).inputs["definition"]
    assert "ecs-workloads-test-job-report" in definition
    assert "ecs-workloads-test-image-assessor" not in definition
    assert recording.children(workflow)


def test_the_app_refuses_a_family_the_stack_did_not_allow():
    recording, _ = _api()
    environment = {entry["name"]: entry["value"] for entry in _container(recording)["environment"]}
    settings = settings_from_env({**environment, "API_TOKEN": "t"})
    # The body is refused before the store is asked anything, so the app needs none here.
    client = create_app(settings, store=None, history=None, randint=lambda low, high: low).test_client()  # type: ignore[arg-type]
    answer = client.post(
        "/jobs",
        json={"taskDefinition": "ecs-workloads-test-cats:1", "schedule": "rate(1 hour)"},
        headers={"Authorization": "Bearer t"},
    )
    assert answer.status_code == 400
    [problem] = answer.get_json()["problems"]
    assert (problem["field"], problem["value"]) == ("taskDefinition", "ecs-workloads-test-cats:1")
    assert problem["allowed"].endswith("allowed families: ecs-workloads-test-image-assessor")


def test_the_scheduler_role_trusts_scheduler_in_this_account_and_starts_only_the_state_machine():
    recording, _ = _api()
    trust = json.loads(recording.one(ROLE, "job-api-scheduler-role").inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ]
    assert _statements(recording, "job-api-scheduler-policy") == [
        {
            "Sid": "StartJobRuns",
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": _state_machine(recording),
        }
    ]


def test_the_task_role_may_do_exactly_what_the_app_calls():
    recording, _ = _api()
    group_arn = recording.one("aws:scheduler/scheduleGroup:ScheduleGroup", "job-api-jobs").outputs["arn"]
    role_arn = recording.one(ROLE, "job-api-scheduler-role").outputs["arn"]
    grant = recording.one(POLICY, "job-api-task-schedules")
    assert grant.inputs["role"] == recording.one(ROLE, "job-api-task-role").outputs["id"]
    schedules = group_arn.replace(":schedule-group/", ":schedule/") + "/*"
    machine = _state_machine(recording)
    assert machine.startswith("arn:aws:states:us-east-1:123456789012:stateMachine:job-api-runs-state-machine-")
    assert schedules.startswith("arn:aws:scheduler:us-east-1:123456789012:schedule/job-api-jobs-")
    assert _statements(recording, "job-api-task-schedules") == [
        {
            "Sid": "ManageJobSchedules",
            "Effect": "Allow",
            "Action": [
                "scheduler:CreateSchedule",
                "scheduler:UpdateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
            ],
            "Resource": schedules,
        },
        {"Sid": "ListJobSchedules", "Effect": "Allow", "Action": "scheduler:ListSchedules", "Resource": "*"},
        {
            "Sid": "PassTheSchedulerRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        },
        {"Sid": "ListJobRuns", "Effect": "Allow", "Action": "states:ListExecutions", "Resource": machine},
        {
            "Sid": "ReadJobRuns",
            "Effect": "Allow",
            "Action": "states:DescribeExecution",
            "Resource": machine.replace(":stateMachine:", ":execution:") + ":*",
        },
    ]
    # Nothing else on the task role.
    task_role = recording.one(ROLE, "job-api-task-role").outputs["id"]
    assert [p.name for p in recording.of_type(POLICY) if p.inputs["role"] == task_role] == ["job-api-task-schedules"]


def test_outputs_name_the_group_the_state_machine_and_the_service():
    recording, holder = _api()
    dns = recording.one("aws:lb/loadBalancer:LoadBalancer").outputs["dnsName"]
    group = recording.one("aws:scheduler/scheduleGroup:ScheduleGroup", "job-api-jobs").outputs["name"]
    assert holder["outputs"] == {
        "url": f"http://{dns}/jobs",
        "docsUrl": f"http://{dns}/docs",
        "scheduleGroup": group,
        "stateMachineArn": _state_machine(recording),
        "schedulerRoleArn": recording.one(ROLE, "job-api-scheduler-role").outputs["arn"],
        "taskFamilies": ["ecs-workloads-test-image-assessor"],
    }
    service = holder["service"]
    assert service["serviceName"] == recording.one("aws:ecs/service:Service", "job-api-service").outputs["name"]
    assert service["apiTokenSecretArn"] == recording.one(SECRET, "job-api-token").outputs["arn"]
    assert (service["autoscaled"], service["minTasks"], service["maxTasks"]) == (False, 1, 1)


@pytest.mark.parametrize(
    ("job_api", "message"),
    [
        (
            _settings(allowedJobs=["cats"]),
            'ecs-workloads:jobApi.allowedJobs.0: "cats" — one of the stack\'s jobs: image-assessor, report',
        ),
        (
            _settings(allowedJobs=[]),
            "ecs-workloads:jobApi.allowedJobs: [] — at least one of the stack's jobs: image-assessor, report",
        ),
        (
            _settings(rulePriority=100),
            "ecs-workloads:jobApi.rulePriority: 100 — a priority of its own on the cats listener, not that of "
            "cats.rulePriority",
        ),
        (
            _settings(allowedJobs=["report", "report"]),
            'ecs-workloads:jobApi.allowedJobs: ["report", "report"] — each name once; repeated: report',
        ),
        (
            _settings(workload={"environment": {"JOB_TASK_FAMILIES": "anything"}}),
            "JOB_TASK_FAMILIES is set by the stack (the generated token, the schedule group, the state machine, its "
            "scheduler role, the allowed families); remove it",
        ),
    ],
)
def test_settings_refuse_what_the_stack_cannot_honour(job_api, message):
    with pytest.raises(Exception) as refused:
        settings_from_raw({"jobs": [REPORT_JOB], "jobApi": job_api})
    assert message in str(refused.value)


def test_the_cats_test_rule_priority_is_taken_too():
    cats = {"deployment": {"strategy": "canary", "testTrafficHeader": "X-Canary"}}
    with pytest.raises(Exception) as refused:
        settings_from_raw({"cats": cats, "jobApi": _settings(rulePriority=99)})
    assert (
        "jobApi.rulePriority: 99 — a priority of its own on the cats listener, not that of the cats test rule, "
        "cats.rulePriority - 1" in str(refused.value)
    )


def test_disabled_it_asks_for_nothing():
    assert JobApiSettings().enabled is False
    settings_from_raw({"jobApi": {"allowedJobs": ["nope"]}})
    with pytest.raises(ValidationError):
        JobApiSettings.model_validate({"allowed_jobs": []})

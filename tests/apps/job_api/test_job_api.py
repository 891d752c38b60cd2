"""The job API over real HTTP on 127.0.0.1, its jobs kept in EventBridge Scheduler and its runs read from
Step Functions, both answered by in-process moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import count

import boto3
import pytest
import requests
from job_api.app import create_app
from job_api.config import Settings
from job_api.runs import StepFunctionsRunHistory
from job_api.schedules import START_EXECUTION_TARGET, RunTarget, ScheduleStore
from moto.stepfunctions.models import stepfunctions_backends
from openapi_spec_validator import validate

REGION = "us-east-1"
ACCOUNT = "123456789012"
GROUP = "jobs"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/scheduler"
TOKEN = "job-api-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)  # a Sunday
FAMILIES = frozenset({"report", "report_v2", "thumbnails"})


@pytest.fixture
def aws(mock_s3):
    """Scheduler with the API's group, and the state machine its schedules start."""
    scheduler = boto3.client("scheduler", region_name=REGION)
    scheduler.create_schedule_group(Name=GROUP)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = json.dumps({"StartAt": "Run", "States": {"Run": {"Type": "Pass", "End": True}}})
    arn = sfn.create_state_machine(name="jobs", definition=definition, roleArn=ROLE)["stateMachineArn"]
    return scheduler, sfn, arn


@pytest.fixture
def draws():
    """The values `?` is replaced with, in order: 7, 8, 9, ..."""
    return count(7)


@pytest.fixture
def api(aws, serve, draws):
    scheduler, sfn, arn = aws
    settings = Settings(TOKEN, GROUP, arn, ROLE, FAMILIES)
    store = ScheduleStore(scheduler, GROUP, RunTarget(arn, ROLE), clock=lambda: NOW)
    history = StepFunctionsRunHistory(sfn, arn)
    app = create_app(settings, store, history, randint=lambda low, high: next(draws), clock=lambda: NOW)
    return serve(app).url


def post(api, body, headers=AUTH):
    return requests.post(f"{api}/jobs", json=body, headers=headers, timeout=5)


def get(api, path, headers=AUTH):
    return requests.get(f"{api}{path}", headers=headers, timeout=5)


def put(api, job_id, body):
    return requests.put(f"{api}/jobs/{job_id}", json=body, headers=AUTH, timeout=5)


def schedule(aws, job_id):
    return aws[0].get_schedule(GroupName=GROUP, Name=job_id)


def test_create_get_and_the_schedule_behind_the_job(api, aws):
    body = {"taskDefinition": "report:3", "schedule": "cron(0 9 ? * MON-FRI *)", "timezone": "Europe/London"}
    created = post(api, body)
    assert created.status_code == 201
    assert created.headers["Location"] == "/jobs/report"
    job = created.json()
    assert job == {
        "id": "report",
        "taskDefinition": "report:3",
        "schedule": "cron(0 9 ? * MON-FRI *)",
        "timezone": "Europe/London",
        "scheduleStart": None,
        "scheduleEnd": None,
        "taskCount": 1,
        "maxCount": 50,
        "trigger": None,
        "suspended": False,
        "overrides": [],
        "lastRun": None,
        "lastRunTasks": None,
        "lastRunStatus": None,
        "lastRunTaskResults": None,
        # Monday 7 January 2030, 09:00 in London (GMT in winter).
        "estimatedNextRun": "2030-01-07T09:00:00+00:00",
    }
    assert get(api, "/jobs/report").json() == job
    stored = schedule(aws, "report")
    assert stored["State"] == "ENABLED"
    assert stored["ScheduleExpression"] == "cron(0 9 ? * MON-FRI *)"
    assert stored["ScheduleExpressionTimezone"] == "Europe/London"
    target = stored["Target"]
    assert (target["Arn"], target["RoleArn"]) == (START_EXECUTION_TARGET, ROLE)
    start_execution = json.loads(target["Input"])
    assert start_execution["StateMachineArn"] == aws[2]
    assert start_execution["Name"] == "report.<aws.scheduler.execution-id>"
    # The run's input is the job as written, which the state machine runs.
    assert json.loads(start_execution["Input"])["taskDefinition"] == "report:3"


def test_the_project_schedule_forms_are_stored_in_scheduler_syntax(api, aws):
    assert post(api, {"taskDefinition": "report", "schedule": "@every 90m"}).json()["schedule"] == "rate(90 minutes)"
    assert schedule(aws, "report")["ScheduleExpression"] == "rate(90 minutes)"
    job = post(api, {"id": "nightly", "taskDefinition": "report", "schedule": "30 2 * * 1-5"}).json()
    assert job["schedule"] == "cron(30 2 ? * MON-FRI *)"
    # A rate counts from when Scheduler created the schedule: no estimate.
    assert get(api, "/jobs/report").json()["estimatedNextRun"] is None


def test_time_zone_shifts_the_next_run(api):
    body = {"taskDefinition": "report", "schedule": "@daily", "timezone": "America/New_York"}
    # Midnight in New York is 05:00 UTC in January; it is 12:00 UTC now, so the next is tomorrow's.
    assert post(api, body).json()["estimatedNextRun"] == "2030-01-07T00:00:00-05:00"


def test_random_times_are_drawn_once_and_kept(api, aws, draws):
    job = post(api, {"taskDefinition": "report", "schedule": "cron(? ? * * ? *)"}).json()
    assert job["schedule"] == "cron(7 8 * * ? *)"  # day-of-week `?` keeps its AWS meaning
    assert schedule(aws, "report")["ScheduleExpression"] == "cron(7 8 * * ? *)"
    for _ in range(3):
        assert get(api, "/jobs/report").json()["schedule"] == "cron(7 8 * * ? *)"
    # A change that leaves the schedule alone keeps the drawn time; a new `?` schedule draws again.
    assert put(api, "report", {"taskCount": 2}).json()["schedule"] == "cron(7 8 * * ? *)"
    assert put(api, "report", {"schedule": "? 3 * * *"}).json()["schedule"] == "cron(9 3 * * ? *)"
    assert next(draws) == 10


def test_suspend_and_resume_disable_and_enable_the_schedule(api, aws):
    post(api, {"taskDefinition": "report", "schedule": "@hourly"})
    suspended = put(api, "report", {"suspended": True})
    assert suspended.status_code == 200
    assert suspended.json()["suspended"] is True
    assert suspended.json()["estimatedNextRun"] is None
    assert schedule(aws, "report")["State"] == "DISABLED"
    resumed = put(api, "report", {"suspended": False}).json()
    assert schedule(aws, "report")["State"] == "ENABLED"
    assert resumed["estimatedNextRun"] == "2030-01-06T13:00:00+00:00"


def test_put_replaces_the_fields_given_and_keeps_the_rest(api, aws):
    post(api, {"taskDefinition": "thumbnails", "schedule": "@hourly", "taskCount": 2})
    body = {
        "maxCount": 10,
        "trigger": {"type": "sqs", "queueName": "uploads", "messagesPerTask": 100},
        "overrides": [{"name": "worker", "environment": {"MODE": "fast"}}],
    }
    changed = put(api, "thumbnails", body).json()
    assert (changed["taskCount"], changed["maxCount"], changed["schedule"]) == (2, 10, "cron(0 * * * ? *)")
    assert changed["trigger"] == {"type": "sqs", "queueName": "uploads", "messagesPerTask": 100}
    assert changed["overrides"] == [{"name": "worker", "environment": {"MODE": "fast"}}]
    run_input = json.loads(json.loads(schedule(aws, "thumbnails")["Target"]["Input"])["Input"])
    assert run_input["overrides"] == [{"name": "worker", "environment": {"MODE": "fast"}}]
    # A GET body sent back, server-managed fields included, changes nothing.
    assert put(api, "thumbnails", changed).json() == changed


def test_schedule_window(api, aws):
    body = {
        "taskDefinition": "report",
        "schedule": "@daily",
        "scheduleStart": "2030-02-01T00:00:00+01:00",
        "scheduleEnd": "2030-03-01T00:00:00Z",
    }
    job = post(api, body).json()
    assert (job["scheduleStart"], job["scheduleEnd"]) == ("2030-01-31T23:00:00Z", "2030-03-01T00:00:00Z")
    assert job["estimatedNextRun"] == "2030-02-01T00:00:00+00:00"
    stored = schedule(aws, "report")
    assert stored["StartDate"] == datetime(2030, 1, 31, 23, tzinfo=UTC)
    assert stored["EndDate"] == datetime(2030, 3, 1, tzinfo=UTC)
    assert put(api, "report", {"scheduleEnd": "2030-01-31T23:30:00Z"}).json()["estimatedNextRun"] is None


def test_delete(api, aws):
    post(api, {"taskDefinition": "report", "schedule": "@daily"})
    deleted = requests.delete(f"{api}/jobs/report", headers=AUTH, timeout=5)
    assert (deleted.status_code, deleted.text) == (204, "")
    assert aws[0].list_schedules(GroupName=GROUP)["Schedules"] == []
    assert requests.delete(f"{api}/jobs/report", headers=AUTH, timeout=5).status_code == 404


def test_pages_in_id_order_with_a_next_token(api):
    for job_id in ("e", "a", "d", "c", "b"):
        assert post(api, {"id": job_id, "taskDefinition": "report", "schedule": "@daily"}).status_code == 201
    seen, token, pages = [], None, 0
    while True:
        query = "/jobs?limit=2" + (f"&nextToken={token}" if token else "")
        page = get(api, query).json()
        seen += [job["id"] for job in page["jobs"]]
        pages += 1
        token = page["nextToken"]
        if token is None:
            break
    assert (seen, pages) == (["a", "b", "c", "d", "e"], 3)
    # Jobs created between pages: one that sorts after the token shows on the next page, one before it is
    # not, and none that was there before is repeated or skipped.
    first = get(api, "/jobs?limit=2").json()
    post(api, {"id": "aa", "taskDefinition": "report", "schedule": "@daily"})
    post(api, {"id": "ca", "taskDefinition": "report", "schedule": "@daily"})
    rest = get(api, f"/jobs?nextToken={first['nextToken']}").json()
    assert [job["id"] for job in first["jobs"]] == ["a", "b"]
    assert [job["id"] for job in rest["jobs"]] == ["c", "ca", "d", "e"]
    assert get(api, "/jobs").json()["nextToken"] is None


def test_last_run_is_read_from_the_state_machine_executions(api, aws):
    _, sfn, arn = aws
    post(api, {"taskDefinition": "report", "schedule": "@daily"})
    post(api, {"id": "report-b", "taskDefinition": "report", "schedule": "@daily"})
    backend = stepfunctions_backends[ACCOUNT][REGION]
    older = sfn.start_execution(stateMachineArn=arn, name="report.aaaa000000000001")["executionArn"]
    newer = sfn.start_execution(stateMachineArn=arn, name="report.aaaa000000000002")["executionArn"]
    # A job whose id starts with another's is told apart by the separator.
    sfn.start_execution(stateMachineArn=arn, name="report-b.aaaa000000000003")
    # What the state machine leaves when a run ends, set on moto's record (moto keeps naive UTC times).
    task = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/c/0123456789abcdef0123456789abcdef"
    results = [{"index": 1, "taskArn": task, "exitCodes": [0, 0], "attempts": 2}]
    for execution_arn, tasks, day in ((older, 9, 5), (newer, 4, 6)):
        execution = backend.describe_execution(execution_arn)
        execution.status, execution.start_date = "SUCCEEDED", datetime(2030, 1, day)
        execution.output = json.dumps({"tasksStarted": tasks, "tasks": results})
    job = get(api, "/jobs/report").json()
    assert (job["lastRun"], job["lastRunTasks"], job["lastRunStatus"]) == ("2030-01-06T00:00:00+00:00", 4, "SUCCEEDED")
    assert job["lastRunTaskResults"] == [{"taskArn": task, "exitCodes": [0, 0], "attempts": 2}]
    listed = {job["id"]: job for job in get(api, "/jobs").json()["jobs"]}
    assert listed["report"]["lastRunTasks"] == 4
    assert listed["report-b"]["lastRun"] is not None
    # Still running: no tasks yet.
    assert (listed["report-b"]["lastRunStatus"], listed["report-b"]["lastRunTasks"]) == ("RUNNING", None)
    assert listed["report-b"]["lastRunTaskResults"] is None


def test_a_failed_last_run_shows_its_status_and_no_tasks(api, aws):
    _, sfn, arn = aws
    post(api, {"taskDefinition": "report", "schedule": "@daily"})
    execution_arn = sfn.start_execution(stateMachineArn=arn, name="report.aaaa000000000009")["executionArn"]
    execution = stepfunctions_backends[ACCOUNT][REGION].describe_execution(execution_arn)
    execution.status = "FAILED"
    job = get(api, "/jobs/report").json()
    assert (job["lastRunStatus"], job["lastRunTasks"], job["lastRunTaskResults"]) == ("FAILED", None, None)


@pytest.mark.parametrize(
    ("body", "field", "value", "allowed"),
    [
        ({"schedule": "@daily"}, "taskDefinition", None, "Field required"),
        ({"taskDefinition": "mailer", "schedule": "@daily"}, "taskDefinition", "mailer",
         "family mailer is not allowed; allowed families: report, report_v2, thumbnails"),
        ({"taskDefinition": "report", "schedule": "every day"}, "schedule", "every day",
         "unrecognised schedule expression 'every day': expected rate(<n> <unit>), cron(<6 fields>), "
         "at(yyyy-mm-ddThh:mm:ss), @every <duration>, @hourly, @daily, @weekly, @monthly, @yearly or a 5-field "
         "Unix cron"),
        ({"taskDefinition": "report", "schedule": "@daily", "timezone": "europe/london"}, "timezone", "europe/london",
         "time zone 'europe/london' is not an IANA time zone name such as Europe/London or UTC; did you mean "
         "'Europe/London'?"),
        ({"taskDefinition": "report", "schedule": "@daily", "taskCount": 51}, "taskCount", 51,
         "Input should be less than or equal to 50"),
        ({"taskDefinition": "report", "schedule": "@daily", "taskCount": "2"}, "taskCount", "2",
         "Input should be a valid integer"),
        ({"taskDefinition": "report", "schedule": "@daily", "taskCount": 5, "maxCount": 3}, "maxCount", 3,
         "must be at least taskCount 5"),
        ({"taskDefinition": "report", "schedule": "@daily", "scheduleStart": "2030-02-01T00:00:00Z",
          "scheduleEnd": "2030-01-01T00:00:00Z"}, "scheduleEnd", "2030-01-01T00:00:00Z",
         "must be after scheduleStart 2030-02-01T00:00:00Z"),
        ({"taskDefinition": "report", "schedule": "@daily", "scheduleStart": "2030-02-01"}, "scheduleStart",
         "2030-02-01", "add a UTC offset (Z or +01:00); a date-time without one is ambiguous"),
        ({"taskDefinition": "report_v2", "schedule": "@daily"}, "id", "report_v2",
         "must be 1-63 lowercase letters, digits or -, starting with a letter"),
        ({"taskDefinition": "report", "schedule": "@daily", "trigger": {"type": "sns", "queueName": "q"}},
         "trigger.type", "sns", "Input should be 'sqs'"),
        ({"taskDefinition": "report", "schedule": "@daily",
          "overrides": [{"name": "app", "environment": {"DB_PASSWORD": "x"}}]},
         "overrides.0.environment.DB_PASSWORD", "<hidden>",
         "looks like a credential; overrides are stored in the schedule in plain text: use workload secrets"),
        ({"taskDefinition": "report", "schedule": "@daily", "colour": "blue"}, "colour", "blue",
         "Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_bad_jobs_are_400_naming_the_field_the_value_and_what_is_allowed(api, aws, body, field, value, allowed):
    answer = post(api, body)
    assert answer.status_code == 400
    assert answer.json()["problems"] == [{"field": field, "value": value, "allowed": allowed}]
    assert aws[0].list_schedules(GroupName=GROUP)["Schedules"] == []


def test_other_400s(api):
    assert post(api, ["not", "an", "object"]).json()["problems"][0]["field"] == "(body)"
    assert get(api, "/jobs?limit=0").json()["problems"] == [
        {"field": "limit", "value": "0", "allowed": "an integer from 1 to 100"}
    ]
    assert get(api, "/jobs?nextToken=%25%25").status_code == 400
    post(api, {"taskDefinition": "report", "schedule": "@daily"})
    renamed = put(api, "report", {"id": "other"})
    assert (renamed.status_code, renamed.json()["problems"][0]["field"]) == (400, "id")


def test_duplicate_id_is_409_and_unknown_is_404(api):
    body = {"taskDefinition": "report", "schedule": "@daily"}
    assert post(api, body).status_code == 201
    conflict = post(api, body)
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "conflict"
    assert get(api, "/jobs/missing").status_code == 404
    assert put(api, "missing", {"taskCount": 2}).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"}],
)
def test_every_job_call_needs_the_token(api, aws, headers):
    for method, path in (
        ("GET", "/jobs"),
        ("POST", "/jobs"),
        ("GET", "/jobs/a"),
        ("PUT", "/jobs/a"),
        ("DELETE", "/jobs/a"),
    ):
        answer = requests.request(method, f"{api}{path}", json={"taskDefinition": "report", "schedule": "@daily"},
                                  headers=headers, timeout=5)  # fmt: skip
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == 'Bearer realm="jobs"'
    assert aws[0].list_schedules(GroupName=GROUP)["Schedules"] == []


def test_spec_is_a_valid_openapi_document_of_the_model(api):
    answer = requests.get(f"{api}/spec", timeout=5)
    assert answer.status_code == 200
    spec = answer.json()
    validate(spec)
    assert set(spec["paths"]) == {"/jobs", "/jobs/{id}", "/spec"}
    job = spec["components"]["schemas"]["Job"]["properties"]
    assert job["maxCount"]["maximum"] == 50
    assert {"lastRun", "lastRunTasks", "estimatedNextRun"} <= set(job)
    assert spec["components"]["schemas"]["NewJob"]["required"] == ["taskDefinition", "schedule"]


def test_interactive_docs_load_swagger_ui_from_the_app(api):
    page = requests.get(f"{api}/docs", timeout=5)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for path in ("/docs/swagger/swagger-ui-bundle.js", "/docs/swagger/swagger-ui.css", "/docs/docs.js"):
        assert path in page.text
        assert requests.get(f"{api}{path}", timeout=5).status_code == 200
    assert 'url: "/spec"' in requests.get(f"{api}/docs/docs.js", timeout=5).text
    assert requests.get(f"{api}/docs/swagger/index.html", timeout=5).status_code == 404

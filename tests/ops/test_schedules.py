"""`schedules`, `pause` and `resume`: the state flips, every other field of the schedule stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from job_api.model import parse_job
from job_api.schedules import RunTarget, ScheduleStore

from ecs_workloads.schedule_expression import next_occurrence

UNCHANGED = (
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "Target",
    "Description",
    "StartDate",
    "Arn",
)


def test_schedules_lists_expression_time_zone_state_and_next_run(stack, cli):
    before = datetime.now(UTC)
    result = cli("schedules", "--json")

    assert result.code == 0, result.err
    rows = {row["job"]: row for row in result.json()["schedules"]}
    assessor, report = rows["image-assessor"], rows["nightly-report"]
    assert (assessor["expression"], assessor["timezone"], assessor["state"]) == ("rate(2 minutes)", "UTC", "ENABLED")
    # A rate has no computable next run without knowing when it was anchored; it is shown from its start date.
    assert assessor["nextRun"] is None
    start = stack.schedule("image-assessor")["StartDate"].astimezone(UTC)
    assert assessor["nextRunText"] == f"every 2 minutes from {start:%Y-%m-%d %H:%M:%S}Z"
    assert (report["expression"], report["timezone"]) == ("cron(30 2 * * ? *)", "Europe/London")
    next_run = datetime.fromisoformat(report["nextRun"])
    assert next_run.utcoffset() is not None
    expected = next_occurrence("cron(30 2 * * ? *)", before, "Europe/London")
    assert next_run in (expected, next_occurrence("cron(30 2 * * ? *)", expected, "Europe/London"))
    assert (next_run.hour, next_run.minute) == (2, 30)


def test_schedules_table_is_plain_text_with_one_row_per_job(cli):
    result = cli("schedules")

    assert result.code == 0
    header, *lines = result.out.splitlines()
    assert header.split()[:4] == ["JOB", "SCHEDULE", "EXPRESSION", "TIME"]
    # A row too wide for 120 columns goes on in indented lines below its first; rows start at the margin.
    rows = [line for line in lines if not line.startswith(" ")]
    assert all(len(line) <= 120 for line in lines)
    assert [row.split()[0] for row in rows] == ["image-assessor", "nightly-report"]
    assert "every 2 minutes from" in rows[0]


def test_pause_then_resume_flips_the_state_and_preserves_the_rest(stack, cli):
    original = stack.schedule("image-assessor")

    paused = cli("pause", "image-assessor")

    assert paused.code == 0, paused.err
    after_pause = stack.schedule("image-assessor")
    assert after_pause["State"] == "DISABLED"
    assert {key: after_pause.get(key) for key in UNCHANGED} == {key: original.get(key) for key in UNCHANGED}
    assert "ENABLED -> DISABLED" in paused.out
    assert "pulumi config set --path 'ecs-workloads:imageAssessor.enabled' false" in paused.err

    resumed = cli("resume", "image-assessor")

    assert resumed.code == 0, resumed.err
    after_resume = stack.schedule("image-assessor")
    assert after_resume["State"] == "ENABLED"
    assert {key: after_resume.get(key) for key in UNCHANGED} == {key: original.get(key) for key in UNCHANGED}
    assert "pulumi config set --path 'ecs-workloads:imageAssessor.enabled' true" in resumed.err


def test_a_paused_schedule_shows_as_paused(cli):
    cli("pause", "nightly-report")

    rows = {row["job"]: row for row in cli("schedules", "--json").json()["schedules"]}

    assert rows["nightly-report"]["state"] == "DISABLED"
    assert rows["nightly-report"]["nextRunText"] == "paused"
    assert rows["image-assessor"]["state"] == "ENABLED"


def test_pause_warns_about_drift_and_names_the_config_path_and_stack(cli):
    result = cli("pause", "nightly-report", "--stack", "prod", "--json")

    assert result.code == 0
    document = result.json()
    assert document["configCommand"] == "pulumi config set --path 'ecs-workloads:jobs[0].enabled' false --stack prod"
    assert any("outside Pulumi" in warning for warning in document["warnings"])
    assert "warning: schedule of nightly-report is now disabled outside Pulumi" in result.err


def test_a_job_without_config_path_still_gets_the_drift_warning(stack, cli):
    stack.rewrite(lambda outputs: outputs["jobs"]["image-assessor"].pop("configPath"))

    result = cli("pause", "image-assessor", "--json")

    assert result.code == 0
    assert result.json()["configCommand"] is None
    assert "set the job's `enabled` setting in the stack config" in result.err


def test_pausing_a_paused_schedule_changes_nothing(cli, spy):
    cli("pause", "image-assessor")

    result = cli("pause", "image-assessor", session=spy)

    assert result.code == 0
    assert "already DISABLED" in result.out
    assert spy.called("scheduler", "update_schedule") == []


def test_a_start_date_in_the_past_is_not_sent_back(stack, cli, spy):
    past = datetime.now(UTC) - timedelta(days=30)

    def started_long_ago(get_schedule, **kwargs):
        return {**get_schedule(**kwargs), "StartDate": past}

    spy.answers[("scheduler", "get_schedule")] = started_long_ago

    result = cli("pause", "image-assessor", session=spy)

    assert result.code == 0, result.err
    [update] = spy.called("scheduler", "update_schedule")
    assert "StartDate" not in update
    assert update["State"] == "DISABLED"
    assert update["Target"] == stack.schedule("image-assessor")["Target"]
    assert "start date" in result.err
    assert "has passed" in result.err


def test_pause_of_an_unknown_job_lists_the_valid_ones(cli):
    result = cli("pause", "assessor")

    assert result.code == 2
    assert "allowed: image-assessor, nightly-report" in result.err


API_GROUP = "job-api-jobs-4d5e6f7"
API_STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:job-runs-8a9b0c1"
API_SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/job-api-scheduler-role-2b3c4d5"


def _api_jobs(stack, *bodies):
    """The job API's group in the stack's outputs, holding `bodies` written as the API writes them."""
    scheduler = stack.client("scheduler")
    scheduler.create_schedule_group(Name=API_GROUP)
    store = ScheduleStore(scheduler, API_GROUP, RunTarget(API_STATE_MACHINE, API_SCHEDULER_ROLE))
    for body in bodies:
        store.create(parse_job(body, families={"ecs-workloads-dev-nightly-report"}, randint=lambda low, high: low))
    stack.rewrite(
        lambda outputs: outputs.update(jobApi={"scheduleGroup": API_GROUP, "stateMachineArn": API_STATE_MACHINE})
    )


REPORT = {"taskDefinition": "ecs-workloads-dev-nightly-report", "schedule": "cron(0 9 ? * MON-FRI *)"}


def test_schedules_lists_the_job_apis_jobs_after_the_config_jobs_marked_as_such(stack, cli):
    _api_jobs(
        stack,
        {**REPORT, "id": "weekday-report", "timezone": "Europe/London"},
        {**REPORT, "id": "adhoc-report", "schedule": "rate(1 hour)", "suspended": True},
    )

    result = cli("schedules", "--json")

    assert result.code == 0, result.err
    rows = result.json()["schedules"]
    assert [(row["job"], row["source"]) for row in rows] == [
        ("image-assessor", "config"),
        ("nightly-report", "config"),
        ("adhoc-report", "api"),
        ("weekday-report", "api"),
    ]
    weekday, adhoc = rows[3], rows[2]
    assert (weekday["scheduleGroup"], weekday["scheduleName"], weekday["configPath"]) == (
        API_GROUP,
        "weekday-report",
        None,
    )
    assert (weekday["expression"], weekday["timezone"], weekday["state"]) == (
        "cron(0 9 ? * MON-FRI *)",
        "Europe/London",
        "ENABLED",
    )
    assert (weekday["nextRun"] is not None, adhoc["state"], adhoc["nextRunText"]) == (True, "DISABLED", "paused")
    assert rows[0]["configPath"] == "imageAssessor"


def test_the_table_says_where_each_job_is_changed(stack, cli):
    _api_jobs(stack, {**REPORT, "id": "weekday-report"})

    result = cli("schedules")

    assert result.code == 0, result.err
    header, *lines = result.out.splitlines()
    assert header.split()[-1] == "FROM"
    rows = {line.split()[0]: line for line in lines if not line.startswith(" ")}
    assert rows["weekday-report"].rstrip().endswith("job API")
    assert rows["image-assessor"].rstrip().endswith("imageAssessor")
    assert rows["nightly-report"].rstrip().endswith("jobs[0]")


def test_an_empty_api_group_adds_no_rows(stack, cli):
    _api_jobs(stack)

    rows = cli("schedules", "--json").json()["schedules"]

    assert [row["source"] for row in rows] == ["config", "config"]


def test_job_api_outputs_without_a_group_are_a_usage_error(stack, cli):
    stack.rewrite(lambda outputs: outputs.update(jobApi={"url": "http://alb/jobs"}))

    result = cli("schedules")

    assert result.code == 2
    assert "jobApi.scheduleGroup: missing — expected a non-empty string" in result.err


def test_status_shows_the_job_apis_jobs_too(stack, cli):
    _api_jobs(stack, {**REPORT, "id": "weekday-report"})

    result = cli("status", "--json")

    assert result.code == 0, result.err
    rows = result.json()["schedules"]
    assert [(row["job"], row["source"]) for row in rows][-1] == ("weekday-report", "api")

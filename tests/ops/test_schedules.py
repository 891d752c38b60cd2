"""`schedules`, `pause` and `resume`: the state flips, every other field of the schedule stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
    header, *rows = result.out.splitlines()
    assert header.split()[:4] == ["JOB", "SCHEDULE", "EXPRESSION", "TIME"]
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

"""Jobs' EventBridge Scheduler schedules: when they run next, and pausing or resuming them."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import RenderableType

from ecs_workloads.schedule_expression import next_occurrence

from .outputs import Job, StackOutputs
from .table import duration, table, when

# UpdateSchedule replaces the whole schedule; these are the GetSchedule fields it accepts back.
_UPDATABLE = (
    "Name",
    "GroupName",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "Target",
    "Description",
    "StartDate",
    "EndDate",
    "KmsKeyArn",
    "ActionAfterCompletion",
)
# Scheduler refuses a StartDate more than a few minutes in the past, even when it is unchanged.
_START_DATE_GRACE = timedelta(minutes=5)


CONFIG_SOURCE = "config"
API_SOURCE = "api"
"""A row's `source`: a job of the stack's config, or one the job API created at run time."""


def describe_all(scheduler: Any, outputs: StackOutputs, now: datetime) -> list[dict[str, Any]]:
    """The stack's configured jobs, then the job API's (the schedules of its group), each row marked by
    `source`."""
    rows = [describe(scheduler, job, now) for job in outputs.jobs.values()]
    if outputs.job_api is not None:
        rows += describe_api_jobs(scheduler, outputs.job_api.schedule_group, now)
    return rows


def describe(scheduler: Any, job: Job, now: datetime) -> dict[str, Any]:
    names = {
        "job": job.name,
        "source": CONFIG_SOURCE,
        "configPath": job.config_path,
        "scheduleName": job.schedule_name,
        "scheduleGroup": job.schedule_group,
    }
    try:
        schedule = scheduler.get_schedule(Name=job.schedule_name, GroupName=job.schedule_group)
    except scheduler.exceptions.ResourceNotFoundException:
        # Deleted outside the stack; the other jobs are still worth showing.
        missing = dict.fromkeys(("expression", "timezone", "startDate", "endDate", "nextRun"))
        return {**names, **missing, "state": "MISSING", "nextRunText": "schedule not found"}
    return {**names, **_schedule_fields(schedule, now)}


def describe_api_jobs(scheduler: Any, group: str, now: datetime) -> list[dict[str, Any]]:
    """The job API's jobs: every schedule in its group, named by the job id (apps/job_api/schedules.py).
    ListSchedules gives no expression, so each is read with GetSchedule; one removed in between is left out."""
    names = sorted(
        schedule["Name"]
        for page in scheduler.get_paginator("list_schedules").paginate(GroupName=group)
        for schedule in page["Schedules"]
    )
    rows = []
    for name in names:
        try:
            schedule = scheduler.get_schedule(Name=name, GroupName=group)
        except scheduler.exceptions.ResourceNotFoundException:
            continue
        row = {"job": name, "source": API_SOURCE, "configPath": None, "scheduleName": name, "scheduleGroup": group}
        rows.append({**row, **_schedule_fields(schedule, now)})
    return rows


def _schedule_fields(schedule: dict[str, Any], now: datetime) -> dict[str, Any]:
    expression = schedule["ScheduleExpression"]
    timezone = schedule.get("ScheduleExpressionTimezone") or "UTC"
    return {
        "expression": expression,
        "timezone": timezone,
        "state": schedule.get("State", "ENABLED"),
        "startDate": schedule.get("StartDate"),
        "endDate": schedule.get("EndDate"),
        **_next_run(schedule, expression, timezone, now),
    }


def _next_run(schedule: dict[str, Any], expression: str, timezone: str, now: datetime) -> dict[str, Any]:
    """`nextRun` when it can be known, and `nextRunText` saying it, or why not, for people."""
    if schedule.get("State") == "DISABLED":
        return {"nextRun": None, "nextRunText": "paused"}
    start, end = schedule.get("StartDate"), schedule.get("EndDate")
    if end is not None and end <= now:
        return {"nextRun": None, "nextRunText": "ended"}
    if rate := re.fullmatch(r"rate\((\d+) (\w+)\)", expression):
        # A rate counts from the start date, or from a moment Scheduler does not report when there is none.
        text = f"every {rate[1]} {rate[2]} from {when(start.astimezone(UTC))}" if start is not None else None
        return {"nextRun": None, "nextRunText": text}
    after = max(now, start - timedelta(microseconds=1)) if start is not None else now
    try:
        run = next_occurrence(expression, after, timezone)
    except ValueError:
        run = None
    if run is None or (end is not None and run > end):
        return {"nextRun": None, "nextRunText": None}
    return {"nextRun": run, "nextRunText": f"{when(run)} (in {duration((run - now).total_seconds())})"}


def set_state(scheduler: Any, job: Job, enabled: bool, now: datetime, stack: str | None = None) -> dict[str, Any]:
    """Sets the schedule's State and keeps every other field as it is; returns what changed and why it matters."""
    wanted = "ENABLED" if enabled else "DISABLED"
    schedule = scheduler.get_schedule(Name=job.schedule_name, GroupName=job.schedule_group)
    previous = schedule.get("State", "ENABLED")
    notes: list[str] = []
    if previous != wanted:
        update = {key: schedule[key] for key in _UPDATABLE if schedule.get(key) is not None}
        start = update.get("StartDate")
        if start is not None and start < now - _START_DATE_GRACE:
            del update["StartDate"]
            notes.append(
                f"start date {when(start.astimezone(UTC))} has passed and Scheduler refuses past start dates, "
                "so it was not sent again"
            )
        scheduler.update_schedule(**update, State=wanted)
    end = schedule.get("EndDate")
    if enabled and end is not None and end <= now:
        notes.append(f"the schedule ended at {when(end.astimezone(UTC))}: it will not run again")
    return {
        "job": job.name,
        "scheduleName": job.schedule_name,
        "scheduleGroup": job.schedule_group,
        "previousState": previous,
        "state": wanted,
        "changed": previous != wanted,
        "configCommand": config_command(job, enabled, stack),
        "notes": notes,
    }


def config_command(job: Job, enabled: bool, stack: str | None = None) -> str | None:
    """The `pulumi config` command that records the same decision in the stack, if the job's config path is known."""
    if job.config_path is None:
        return None
    # Always quoted: config paths such as jobs[0] hold shell glob characters.
    key = f"'ecs-workloads:{job.config_path}.enabled'"
    stack_flag = f" --stack {shlex.quote(stack)}" if stack else ""
    return f"pulumi config set --path {key} {'true' if enabled else 'false'}{stack_flag}"


def drift_warning(result: dict[str, Any]) -> str:
    decision = "enabled" if result["state"] == "ENABLED" else "disabled"
    record = (
        f"record it with: {result['configCommand']}"
        if result["configCommand"]
        else "set the job's `enabled` setting in the stack config to match"
    )
    return (
        f"schedule of {result['job']} is now {decision} outside Pulumi; until the stack config says the same, "
        f"`pulumi up --refresh` (or any update of this schedule) puts it back. To keep it, {record}"
    )


def render(rows: list[dict[str, Any]]) -> RenderableType:
    return table(
        ["JOB", "SCHEDULE", "EXPRESSION", "TIME ZONE", "STATE", "NEXT RUN", "FROM"],
        [
            (
                row["job"],
                f"{row['scheduleGroup']}/{row['scheduleName']}",
                row["expression"],
                row["timezone"],
                row["state"],
                row["nextRunText"],
                _source(row),
            )
            for row in rows
        ],
    )


def _source(row: dict[str, Any]) -> str:
    """Where the job is changed: its config key, or the job API (`PUT /jobs/<id>`)."""
    if row["source"] == API_SOURCE:
        return "job API"
    return row["configPath"] or "config"

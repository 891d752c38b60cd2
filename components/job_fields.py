"""The fields of a scheduled job and their rules, shared by the stack's `jobs` settings and the job API.

Both describe the same thing, a container run on a schedule, so both validate with these types and
functions and word their errors alike. The module needs only the standard library, pydantic and tzdata
(through `schedule_expression`), never Pulumi: the job API's image (apps/job_api) carries it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .schedule_expression import next_occurrence, normalize_schedule_expression, validate_timezone

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""An environment variable name, in a task definition or in a run's container overrides."""
# Names that carry credentials belong in `secrets`, where ECS resolves them at start-up and they never
# appear in the task definition.
SECRET_LOOKING_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL)", re.IGNORECASE)
JOB_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
"""A job's name: lowercase, so that it is also a valid part of every AWS name made from it."""
HIDDEN = "<hidden>"
"""Shown instead of an override's value: a badly named variable may still hold a credential."""


def job_name_problem(value: str, max_length: int) -> str | None:
    """What is wrong with a job name that may be up to `max_length` characters long, or None."""
    if JOB_NAME.match(value) and len(value) <= max_length:
        return None
    return f"1-{max_length} lowercase letters, digits or -, starting with a letter"


def utc_timestamp(text: str) -> str:
    """An ISO 8601 date-time with an offset, as the UTC `yyyy-mm-ddThh:mm:ssZ` Scheduler takes."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError("an ISO 8601 date-time with a UTC offset, e.g. 2030-01-01T00:00:00Z") from None
    if moment.tzinfo is None:
        raise ValueError("add a UTC offset (Z or +01:00); a date-time without one is ambiguous") from None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def start_date_to_send(start_date: str, now: datetime) -> str | None:
    """The StartDate to give Scheduler for the given `start_date`: None once it has passed. CreateSchedule and
    UpdateSchedule refuse "The StartDate you specify cannot be earlier than 5 minutes ago" (the rule moto
    reproduces, getmoto/moto#8172), so a job written with a start date would otherwise fail on every write
    after that date (`pulumi up`, the job API's PUT); a start date that has passed restricts nothing, the
    schedule runs from now either way. `now` is the caller's clock, so the decision is the same under tests
    whatever the time."""
    timestamp = utc_timestamp(start_date)
    return timestamp if timestamp > now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") else None


def end_problem(start: str | None, end: str | None, start_field: str) -> str | None:
    """What is wrong with the end of a run window of two `utc_timestamp` values (either may be absent), or
    None; `start_field` names the start as the caller's users write it."""
    if start and end and start >= end:
        return f"must be after {start_field} {start}"
    return None


def next_run(schedule: str, timezone: str, start: str | None, end: str | None, now: datetime) -> datetime | None:
    """When a schedule (in any accepted form) next runs after `now`, within its `utc_timestamp` window, in
    `timezone`; None when it will not, or when that cannot be known (a rate counts from when Scheduler
    created the schedule, see `next_occurrence`)."""
    after = now
    if start:
        # A run exactly at the start counts: the window includes it.
        after = max(now, datetime.fromisoformat(start) - timedelta(seconds=1))
    run = next_occurrence(schedule, after, timezone)
    if run is None or (end and run.astimezone(UTC) > datetime.fromisoformat(end)):
        return None
    return run


def field_error(field: str, value: object, message: str) -> ValidationError:
    """A rule that spans fields, reported at the one it concerns, so the error names that field."""
    error = PydanticCustomError("value_error", message)
    return ValidationError.from_exception_data("settings", [InitErrorDetails(type=error, loc=(field,), input=value)])


def run_environment_problem(key: str) -> str | None:
    """What is wrong with a run-environment variable name, or None."""
    if not ENV_NAME.match(key):
        return "names are letters, digits and _"
    if SECRET_LOOKING_NAME.search(key):
        return "looks like a credential; overrides are stored in the schedule in plain text: use workload secrets"
    return None


def _check_run_environment(value: dict[str, str]) -> dict[str, str]:
    errors = [
        InitErrorDetails(type=PydanticCustomError("value_error", problem), loc=(key,), input=HIDDEN)
        for key in value
        if (problem := run_environment_problem(key))
    ]
    if errors:
        raise ValidationError.from_exception_data("runEnvironment", errors)
    return value


ScheduleExpression = Annotated[str, AfterValidator(normalize_schedule_expression)]
"""Any form `schedule_expression` accepts, turned into EventBridge Scheduler syntax."""
TimeZone = Annotated[str, AfterValidator(validate_timezone)]
"""An IANA time zone name."""
UtcTimestamp = Annotated[str, AfterValidator(utc_timestamp)]
"""An ISO 8601 date-time with an offset, kept as UTC `yyyy-mm-ddThh:mm:ssZ`."""
RunEnvironment = Annotated[dict[str, str], AfterValidator(_check_run_environment)]
"""Environment variables added to a run (container overrides), never credentials."""

"""Jobs kept as EventBridge Scheduler schedules, one a job, in a schedule group the API owns.

A schedule has no tags (only schedule groups do: TagResource takes a schedule group ARN, and neither
CreateSchedule nor GetSchedule has Tags, botocore's scheduler model), so the job is kept in the schedule
itself: its name is the job id, and its target's input, which Step Functions receives as the run's input,
holds the job as the client wrote it. The schedule's own fields (expression, time zone, start and end,
ENABLED or DISABLED) are derived from that document on every write, so there is one record of the job.

The target is Scheduler's universal target for StartExecution rather than the templated Step Functions
one, because only it lets the schedule name each execution: `<id>.<aws.scheduler.execution-id>`, which is
how `runs` finds a job's last run (Scheduler replaces the placeholder on each invocation, User Guide,
"Adding context attributes").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from ecs_workloads.job_fields import start_date_to_send

from .model import RUN_NAME_SEPARATOR, JobFields

# Scheduler User Guide, "Using universal targets": arn:aws:scheduler:::aws-sdk:<service>:<apiAction>.
START_EXECUTION_TARGET = "arn:aws:scheduler:::aws-sdk:sfn:startExecution"
EXECUTION_ID = "<aws.scheduler.execution-id>"
# Target.Input is 1-8192 characters (CreateSchedule, botocore's scheduler model).
TARGET_INPUT_MAX_LENGTH = 8192


class JobNotFound(Exception):
    pass


class JobExists(Exception):
    pass


class JobTooLarge(Exception):
    pass


@dataclass(frozen=True)
class RunTarget:
    """What each schedule starts: the state machine, and the role Scheduler assumes to start it."""

    state_machine_arn: str
    scheduler_role_arn: str


class ScheduleStore:
    """The jobs of one schedule group."""

    def __init__(
        self, client: Any, group: str, target: RunTarget, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ):
        self._client = client
        self._group = group
        self._target = target
        self._clock = clock

    def create(self, job: JobFields) -> None:
        try:
            self._client.create_schedule(**self._schedule(job))
        except ClientError as error:
            if _code(error) == "ConflictException":
                raise JobExists(job.id) from None
            raise

    def replace(self, job: JobFields) -> None:
        try:
            self._client.update_schedule(**self._schedule(job))
        except ClientError as error:
            _raise_not_found(error, job.id)
            raise

    def get(self, job_id: str) -> dict[str, Any]:
        """The stored job, as JSON keyed as clients write it."""
        try:
            schedule = self._client.get_schedule(GroupName=self._group, Name=job_id)
        except ClientError as error:
            _raise_not_found(error, job_id)
            raise
        return json.loads(json.loads(schedule["Target"]["Input"])["Input"])

    def delete(self, job_id: str) -> None:
        try:
            self._client.delete_schedule(GroupName=self._group, Name=job_id)
        except ClientError as error:
            _raise_not_found(error, job_id)
            raise

    def ids(self) -> list[str]:
        """Every job id, sorted: the order pages are cut in."""
        pages = self._client.get_paginator("list_schedules").paginate(GroupName=self._group)
        return sorted(schedule["Name"] for page in pages for schedule in page["Schedules"])

    def _schedule(self, job: JobFields) -> dict[str, Any]:
        run_input = json.dumps(
            {
                "StateMachineArn": self._target.state_machine_arn,
                "Name": f"{job.id}{RUN_NAME_SEPARATOR}{EXECUTION_ID}",
                "Input": json.dumps(job.document(), separators=(",", ":")),
            },
            separators=(",", ":"),
        )
        if len(run_input) > TARGET_INPUT_MAX_LENGTH:
            raise JobTooLarge(
                f"the stored job is {len(run_input)} characters; a schedule holds {TARGET_INPUT_MAX_LENGTH}"
            )
        schedule: dict[str, Any] = {
            "Name": job.id,
            "GroupName": self._group,
            "Description": f"Job {job.id} of the job API",
            "ScheduleExpression": job.schedule,
            "ScheduleExpressionTimezone": job.timezone,
            "State": "DISABLED" if job.suspended else "ENABLED",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": START_EXECUTION_TARGET,
                "RoleArn": self._target.scheduler_role_arn,
                "Input": run_input,
            },
        }
        start = job.schedule_start and start_date_to_send(job.schedule_start, self._clock())
        if start:
            schedule["StartDate"] = datetime.fromisoformat(start)
        if job.schedule_end:
            schedule["EndDate"] = datetime.fromisoformat(job.schedule_end)
        return schedule


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _raise_not_found(error: ClientError, job_id: str) -> None:
    if _code(error) == "ResourceNotFoundException":
        raise JobNotFound(job_id) from None

"""What a job is, as clients write it: the fields, their rules and the errors they give.

The rules a job shares with the stack's `jobs` settings (schedule forms, time zone, run window, run
environment, name) come from `ecs_workloads.job_fields`; the task counts from `ecs_workloads.job_trigger`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

from ecs_workloads.job_fields import (
    RunEnvironment,
    ScheduleExpression,
    TimeZone,
    UtcTimestamp,
    end_problem,
    field_error,
    job_name_problem,
)
from ecs_workloads.job_trigger import TASK_LIMIT
from ecs_workloads.schedule_expression import pick_random_times

RUN_NAME_SEPARATOR = "."
"""Between the job id and Scheduler's id of the invocation in a run's execution name; no id holds one."""
# StartExecution `name` is 1-80 characters (Step Functions API reference); a run is named
# `<id>.<aws.scheduler.execution-id>`, an id of 16 characters such as d32c5kddcf5bb8c3 (Scheduler User Guide,
# "Adding context attributes"). The schedule's name, the id itself, may be 64 (CreateSchedule Name).
JOB_ID_MAX_LENGTH = 80 - len(RUN_NAME_SEPARATOR) - 16
# RegisterTaskDefinition: a family is up to 255 letters, digits, hyphens and underscores; `:<revision>` may
# follow. Container names follow the same rule.
_FAMILY = r"[A-Za-z0-9_-]{1,255}"
TASK_DEFINITION = re.compile(rf"^({_FAMILY})(:[1-9][0-9]*)?$")
CONTAINER_NAME = re.compile(rf"^{_FAMILY}$")
# CreateQueue QueueName: 1-80 letters, digits, hyphens and underscores; a FIFO queue's ends in .fifo.
QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.fifo)?$")
QUEUE_NAME_MAX_LENGTH = 80
SERVER_FIELDS = ("lastRun", "lastRunTasks", "lastRunStatus", "lastRunTaskResults", "estimatedNextRun")
"""Set by the API; a client may send them back (a GET body edited and PUT), and they are ignored."""


class _ApiModel(BaseModel):
    # Strict: JSON `"3"` is not a count and `true` is not 1. Unknown keys are errors, so a typo fails.
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=False, strict=True, frozen=True
    )


class Trigger(_ApiModel):
    """Start tasks for the backlog of an SQS queue: ceil(messages / messagesPerTask) per run, within the
    job's taskCount and maxCount; none for an empty queue when taskCount is 0."""

    type: Literal["sqs"] = Field(description="The trigger's kind; `sqs` is the only one.")
    queue_name: str = Field(
        pattern=QUEUE_NAME.pattern,
        max_length=QUEUE_NAME_MAX_LENGTH,
        description="Name of the queue whose visible messages are counted.",
    )
    messages_per_task: int = Field(1, ge=1, description="Waiting messages one task is started for.")


class ContainerOverride(_ApiModel):
    """Environment added to one container of the task definition on the job's runs."""

    name: str = Field(pattern=CONTAINER_NAME.pattern, description="The container's name in the task definition.")
    environment: RunEnvironment = Field(
        default_factory=dict,
        description="Variables added on these runs; never credentials (they are stored in plain text).",
    )


class JobFields(_ApiModel):
    """A job as a client writes it (POST, PUT) and as the API stores it."""

    id: str = Field(
        description=f"Unique job id, 1-{JOB_ID_MAX_LENGTH} lowercase letters, digits or -; default: the task "
        "definition's family."
    )
    task_definition: str = Field(
        pattern=TASK_DEFINITION.pattern,
        description="Task definition family, or family:revision, to run; its family must be allowed.",
    )
    schedule: ScheduleExpression = Field(
        description="rate(...), cron(6 fields), at(...), @every 2m, @hourly/@daily/@weekly/@monthly or 5-field "
        "cron; `?` as minute or hour is one random value, picked when written and then kept."
    )
    timezone: TimeZone = Field("UTC", description="IANA time zone of cron and at expressions, e.g. Europe/London.")
    schedule_start: UtcTimestamp | None = Field(None, description="ISO 8601 date-time with offset; no runs before it.")
    schedule_end: UtcTimestamp | None = Field(None, description="ISO 8601 date-time with offset; no runs after it.")
    task_count: int = Field(1, ge=0, le=TASK_LIMIT, description="Tasks each run starts at least.")
    max_count: int = Field(
        TASK_LIMIT, ge=1, le=TASK_LIMIT, description="Tasks each run starts at most (a trigger's backlog included)."
    )
    trigger: Trigger | None = Field(None, description="Queue whose backlog adds tasks to each run.")
    suspended: bool = Field(False, description="true keeps the job but stops its runs (the schedule is DISABLED).")
    overrides: list[ContainerOverride] = Field(default_factory=list, description="Environment per container.")

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        if isinstance(value, str) and (problem := job_name_problem(value, JOB_ID_MAX_LENGTH)):
            raise ValueError(f"must be {problem}")
        return value

    @field_validator("schedule", mode="before")
    @classmethod
    def _pick_random_times(cls, value: Any, info: ValidationInfo) -> Any:
        randint = (info.context or {}).get("randint")
        return pick_random_times(value, randint) if isinstance(value, str) and randint else value

    @field_validator("task_definition")
    @classmethod
    def _allowed_family(cls, value: str, info: ValidationInfo) -> str:
        allowed: Collection[str] | None = (info.context or {}).get("families")
        if allowed is not None and family(value) not in allowed:
            raise ValueError(f"family {family(value)} is not allowed; allowed families: {', '.join(sorted(allowed))}")
        return value

    @model_validator(mode="after")
    def _counts_and_window(self) -> JobFields:
        if self.max_count < self.task_count:
            raise field_error("maxCount", self.max_count, f"must be at least taskCount {self.task_count}")
        if problem := end_problem(self.schedule_start, self.schedule_end, "scheduleStart"):
            raise field_error("scheduleEnd", self.schedule_end, problem)
        return self

    def document(self) -> dict[str, Any]:
        """The job as JSON, keyed as clients write it."""
        return self.model_dump(mode="json", by_alias=True)


def family(task_definition: str) -> str:
    return task_definition.split(":", 1)[0]


@dataclass(frozen=True)
class Problem:
    field: str
    value: Any
    allowed: str


class InvalidJob(Exception):
    """A job that breaks a rule; each problem names the field, the value and what is allowed."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.field}: {p.value!r} — {p.allowed}" for p in problems))
        self.problems = problems


def parse_job(
    body: Any,
    *,
    families: Collection[str],
    randint: Callable[[int, int], int],
    stored: dict[str, Any] | None = None,
) -> JobFields:
    """The job a POST (`stored` None) or a PUT (the stored job's fields, which the body's replace) describes.

    A POST without `id` takes the task definition's family. `?` times are drawn with `randint`, only from
    a schedule the body gives: a stored one has them drawn already.
    """
    if not isinstance(body, dict):
        raise InvalidJob([Problem("(body)", body, "a JSON object of job fields")])
    fields = {key: value for key, value in body.items() if key not in SERVER_FIELDS}
    if stored is not None:
        fields = {**stored, **fields}
    elif "id" not in fields and isinstance(fields.get("taskDefinition"), str):
        fields["id"] = family(fields["taskDefinition"])
    try:
        return JobFields.model_validate(fields, context={"families": families, "randint": randint})
    except ValidationError as error:
        problems = [_problem(detail) for detail in error.errors()]
        # Without a task definition there is no family to default the id to: that one problem is the cause.
        if any(problem.field == "taskDefinition" for problem in problems) and "id" not in body:
            problems = [problem for problem in problems if problem.field != "id" or problem.value is not None]
        raise InvalidJob(problems) from None


def _problem(detail: Any) -> Problem:
    where = ".".join(str(part) for part in detail["loc"]) or "(body)"
    message = detail["msg"].removeprefix("Value error, ")
    value = detail.get("input")
    if detail["type"] == "missing":
        value = None
    return Problem(where, value, message)

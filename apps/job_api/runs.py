"""A job's last run, read from the executions of the state machine its schedule starts."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol

import botocore.session

from ecs_workloads.job_trigger import TASK_RESULTS, TASKS_STARTED

from .model import RUN_NAME_SEPARATOR

SCAN_LIMIT = 1000
"""Executions read, newest first, when looking for the last runs of a page of jobs; a job whose last run
is older than that many runs of all jobs shows no last run."""


@cache
def execution_statuses() -> tuple[str, ...]:
    """Step Functions' ExecutionStatus values, from the service model botocore ships."""
    model = botocore.session.get_session().get_service_model("stepfunctions")
    return tuple(model.shape_for("ExecutionStatus").enum)


@dataclass(frozen=True)
class LastRun:
    started: datetime
    status: str
    """The execution's status, one of `execution_statuses()`."""
    tasks: int | None = None
    """Tasks the run started, from its output's `tasksStarted`; None while it runs or when it failed."""
    task_results: list[dict[str, Any]] | None = None
    """Each task the run ran, from its output's `tasks`: `taskArn`, `exitCodes`, `attempts`."""


class RunHistory(Protocol):
    def last_runs(self, job_ids: Collection[str]) -> dict[str, LastRun]:
        """The last run of each of `job_ids` that has one."""
        ...


class StepFunctionsRunHistory:
    """Runs are executions named `<job id>.<invocation>` (see `schedules`); ListExecutions lists the newest
    first (Step Functions API reference), so the first one found for a job is its last."""

    def __init__(self, client: Any, state_machine_arn: str, scan_limit: int = SCAN_LIMIT):
        self._client = client
        self._state_machine_arn = state_machine_arn
        self._scan_limit = scan_limit

    def last_runs(self, job_ids: Collection[str]) -> dict[str, LastRun]:
        wanted, found = set(job_ids), {}
        pages = self._client.get_paginator("list_executions").paginate(
            stateMachineArn=self._state_machine_arn, PaginationConfig={"MaxItems": self._scan_limit}
        )
        for page in pages:
            for execution in page["executions"]:
                job_id = execution["name"].split(RUN_NAME_SEPARATOR, 1)[0]
                if job_id in wanted and job_id not in found:
                    found[job_id] = self._last_run(execution)
                    if len(found) == len(wanted):
                        return found
        return found

    def _last_run(self, execution: dict[str, Any]) -> LastRun:
        started, status = execution["startDate"], execution["status"]
        if status != "SUCCEEDED":
            return LastRun(started, status)
        output = self._client.describe_execution(executionArn=execution["executionArn"]).get("output")
        try:
            document = json.loads(output or "null")
        except ValueError:
            document = None
        if not isinstance(document, dict):
            return LastRun(started, status)
        tasks = document.get(TASKS_STARTED)
        results = document.get(TASK_RESULTS)
        return LastRun(
            started,
            status,
            tasks if isinstance(tasks, int) and not isinstance(tasks, bool) else None,
            [_task_result(entry) for entry in results if isinstance(entry, dict)]
            if isinstance(results, list)
            else None,
        )


def _task_result(entry: dict[str, Any]) -> dict[str, Any]:
    """The fields of one task's result the API shows."""
    return {"taskArn": entry.get("taskArn"), "exitCodes": entry.get("exitCodes"), "attempts": entry.get("attempts")}

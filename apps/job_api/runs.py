"""A job's last run, read from the executions of the state machine its schedule starts."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ecs_workloads.job_trigger import TASKS_STARTED

from .model import RUN_NAME_SEPARATOR

SCAN_LIMIT = 1000
"""Executions read, newest first, when looking for the last runs of a page of jobs; a job whose last run
is older than that many runs of all jobs shows no last run."""


@dataclass(frozen=True)
class LastRun:
    started: datetime
    tasks: int | None
    """Tasks the run started, from its output's `tasksStarted`; None while it runs or when it failed."""


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
                    found[job_id] = LastRun(execution["startDate"], self._tasks(execution))
                    if len(found) == len(wanted):
                        return found
        return found

    def _tasks(self, execution: dict[str, Any]) -> int | None:
        if execution["status"] != "SUCCEEDED":
            return None
        output = self._client.describe_execution(executionArn=execution["executionArn"]).get("output")
        try:
            tasks = json.loads(output or "null")[TASKS_STARTED]
        except (ValueError, TypeError, KeyError):
            return None
        return tasks if isinstance(tasks, int) and not isinstance(tasks, bool) else None

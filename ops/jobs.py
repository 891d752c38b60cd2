"""Run a job's task now, outside its schedule, and wait for the tasks' exit codes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import RenderableType

from ecs_workloads.task_stop_codes import FAILED_STOP_CODES

from .errors import ExitCode, OpsError
from .outputs import Job
from .table import table

STARTED_BY = "ecs-workloads-cli"
MAX_TASKS_PER_RUN = 10  # RunTask's own limit


@dataclass(frozen=True)
class TaskOutcome:
    task_arn: str
    task_id: str
    last_status: str
    exit_code: int | None
    stop_code: str | None
    stopped_reason: str | None
    failed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "taskArn": self.task_arn,
            "taskId": self.task_id,
            "lastStatus": self.last_status,
            "exitCode": self.exit_code,
            "stopCode": self.stop_code,
            "stoppedReason": self.stopped_reason,
            "failed": self.failed,
        }


def task_id(task_arn: str) -> str:
    return task_arn.rsplit("/", 1)[-1]


def run_task_request(job: Job, count: int, environment: dict[str, str], command: list[str] | None) -> dict[str, Any]:
    """RunTask arguments that start `count` copies of the job the way its schedule does."""
    if not 1 <= count <= MAX_TASKS_PER_RUN:
        raise OpsError(f"--count {count}: RunTask starts 1 to {MAX_TASKS_PER_RUN} tasks", ExitCode.USAGE)
    request: dict[str, Any] = {
        "cluster": job.cluster_arn,
        "taskDefinition": job.task_definition_arn,
        "count": count,
        "startedBy": STARTED_BY,
    }
    # RunTask takes a network configuration for awsvpc tasks only; a bridge task uses its instance's network.
    if job.network_mode == "awsvpc":
        request["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": job.subnet_ids,
                "securityGroups": job.security_group_ids,
                "assignPublicIp": "ENABLED" if job.assign_public_ip else "DISABLED",
            }
        }
    if job.capacity_provider_strategy:
        request["capacityProviderStrategy"] = job.capacity_provider_strategy
    else:
        request["launchType"] = "FARGATE"
    override: dict[str, Any] = {}
    if environment:
        override["environment"] = [{"name": key, "value": value} for key, value in environment.items()]
    if command:
        override["command"] = command
    if override:
        request["overrides"] = {"containerOverrides": [{"name": job.container_name, **override}]}
    return request


def start(ecs: Any, job: Job, count: int, environment: dict[str, str], command: list[str] | None) -> dict[str, Any]:
    """Starts the tasks; returns their ARNs and RunTask's failures (capacity, placement)."""
    response = ecs.run_task(**run_task_request(job, count, environment, command))
    return {
        "taskArns": [task["taskArn"] for task in response.get("tasks", [])],
        "failures": [
            {"arn": failure.get("arn"), "reason": failure.get("reason"), "detail": failure.get("detail")}
            for failure in response.get("failures", [])
        ],
    }


def wait_until_stopped(
    ecs: Any,
    job: Job,
    task_arns: list[str],
    *,
    poll_seconds: float,
    timeout_seconds: float,
    progress: Callable[[str], None],
) -> list[TaskOutcome]:
    """Polls until every task has stopped; raises TIMED_OUT (the tasks keep running) after the timeout."""
    started = time.monotonic()
    last_line = ""
    while True:
        outcomes = describe(ecs, job, task_arns)
        elapsed = time.monotonic() - started
        line = ", ".join(f"{outcome.task_id[:8]} {outcome.last_status}" for outcome in outcomes)
        if line != last_line:
            progress(f"[{elapsed:5.0f}s] {line}")
            last_line = line
        if all(outcome.last_status == "STOPPED" for outcome in outcomes):
            return outcomes
        if elapsed >= timeout_seconds:
            raise OpsError(
                f"tasks still running after {timeout_seconds:g}s; they go on running, follow them with "
                f"`aws ecs describe-tasks --cluster {job.cluster_arn} --tasks {' '.join(task_arns)}`",
                ExitCode.TIMED_OUT,
            )
        time.sleep(poll_seconds)


def describe(ecs: Any, job: Job, task_arns: list[str]) -> list[TaskOutcome]:
    response = ecs.describe_tasks(cluster=job.cluster_arn, tasks=task_arns)
    found = {task["taskArn"]: task for task in response.get("tasks", [])}
    return [_outcome(arn, found.get(arn), job.container_name) for arn in task_arns]


def _outcome(task_arn: str, task: dict[str, Any] | None, container_name: str) -> TaskOutcome:
    if task is None:
        # ECS forgets stopped tasks after about an hour; nothing is known about how it ended.
        return TaskOutcome(task_arn, task_id(task_arn), "STOPPED", None, None, "task no longer known to ECS", True)
    container: dict[str, Any] = next((c for c in task.get("containers", []) if c.get("name") == container_name), {})
    exit_code = container.get("exitCode")
    stop_code = task.get("stopCode")
    stopped = task.get("lastStatus") == "STOPPED"
    reason = " / ".join(filter(None, [task.get("stoppedReason"), container.get("reason")])) or None
    failed = stopped and (exit_code is None or exit_code != 0 or stop_code in FAILED_STOP_CODES)
    return TaskOutcome(
        task_arn, task_id(task_arn), task.get("lastStatus", "UNKNOWN"), exit_code, stop_code, reason, failed
    )


def render_outcomes(outcomes: list[TaskOutcome]) -> RenderableType:
    return table(
        ["TASK", "STATUS", "EXIT CODE", "RESULT", "REASON"],
        [(o.task_id, o.last_status, o.exit_code, "failed" if o.failed else "ok", o.stopped_reason) for o in outcomes],
    )

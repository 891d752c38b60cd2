"""What moto_server lacks to stand in for ECS when tasks really run: an agent to report their end.

moto's RunTask records tasks without running anything, and by default moves each task one state further
every time it is described, so a waiting client sees it STOPPED (exit code 0) after a few polls. Here a task
stays RUNNING until whoever runs its container reports how it ended through `SubmitTaskStateChange`, the
ECS API the container agent itself uses. moto has no handler for that operation; `install()` adds one to
the ECS backend of the moto_server process: it records the containers' exit codes, the task's STOPPED
state, its stop code and reason, as ECS shows them to DescribeTasks.
"""

from __future__ import annotations

import sys
from typing import Any

from moto.core.responses import ActionResult
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.moto_api import state_manager

TASK_MODEL = "ecs::task"
# What ECS reports when a task's essential container exits (the only kind of end the local agent reports).
STOP_CODE = "EssentialContainerExited"


def _submit_task_state_change(self: EC2ContainerServiceResponse) -> ActionResult:
    cluster = self._get_param("cluster", "default")
    task_ref = self._get_param("task")
    status = self._get_param("status")
    reason = self._get_param("reason")
    reported: list[dict[str, Any]] = self._get_param("containers") or []
    (task,) = self.ecs_backend.describe_tasks(cluster, [task_ref])
    by_name = {item.get("containerName"): item for item in reported}
    for container in task.containers:
        item = by_name.get(container.name)
        if item is None:
            continue
        # moto serialises these attributes by their ECS names; `reason` and `stopCode` are ones it never sets.
        vars(container).update(
            last_status=item.get("status", container.last_status),
            exitCode=item.get("exitCode"),
            reason=item.get("reason"),
        )
    for item in reported:
        if item.get("status") == "RUNNING":
            task.last_status = "RUNNING"
    if status == "STOPPED":
        task.last_status = "STOPPED"
        task.desired_status = "STOPPED"
        task.stopped_reason = reason or "Essential container in task exited"
        vars(task)["stopCode"] = STOP_CODE
    return ActionResult({"acknowledgment": "ACK"})


def install() -> None:
    """Add the operation and keep tasks in the state last reported (call before the server starts)."""
    # "manual" with an unreachable count: DescribeTasks never moves a task on by itself.
    state_manager.set_transition(TASK_MODEL, {"progression": "manual", "times": sys.maxsize})
    EC2ContainerServiceResponse.submit_task_state_change = _submit_task_state_change  # type: ignore[attr-defined]

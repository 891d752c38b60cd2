"""A finished task's log lines from CloudWatch Logs (the awslogs driver, stream prefix = container name)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .outputs import Job
from .table import when

# A guard against a token that never settles, far above any real task's output.
_MAX_PAGES = 1000


def stream_name(job: Job, task_id: str) -> str:
    return f"{job.container_name}/{job.container_name}/{task_id}"


def read_task_log(logs: Any, job: Job, task_id: str) -> list[dict[str, Any]] | None:
    """The task's events oldest first, or None when the stream does not exist (the task never started)."""
    request = {"logGroupName": job.log_group_name, "logStreamName": stream_name(job, task_id), "startFromHead": True}
    events: list[dict[str, Any]] = []
    try:
        for _ in range(_MAX_PAGES):
            page = logs.get_log_events(**request)
            events.extend(
                {"timestamp": datetime.fromtimestamp(event["timestamp"] / 1000, UTC), "message": event["message"]}
                for event in page.get("events", [])
            )
            # The forward token repeats once the end of the stream is reached.
            if page.get("nextForwardToken") in (None, request.get("nextToken")):
                break
            request["nextToken"] = page["nextForwardToken"]
    except logs.exceptions.ResourceNotFoundException:
        return None
    return events


def render_log(job: Job, task_id: str, events: list[dict[str, Any]] | None) -> str:
    header = f"--- {job.log_group_name} {stream_name(job, task_id)}"
    if events is None:
        return f"{header}\n(no log stream: the container never started or wrote nothing)"
    if not events:
        return f"{header}\n(empty)"
    return "\n".join([header, *(f"{when(event['timestamp'])}  {event['message']}" for event in events)])

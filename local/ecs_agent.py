"""A stand-in for the ECS container agent: runs the tasks RunTask records in moto and reports how they ended.

moto's RunTask only records tasks. The agent polls the cluster for tasks that should be running and runs
each one's container as a local process, the way ECS would: the task definition's image `local/<app>` is
`python -m <app>` from apps/, its environment is the container definition's, its secrets are resolved from
Secrets Manager, and RunTask's container overrides (environment, command) go on top. When the process
exits, its output goes to the task's CloudWatch Logs stream (`<prefix>/<container>/<task id>`, as the
awslogs driver names it) and the agent reports the exit code with SubmitTaskStateChange
(`local.ecs_agent_api`), so DescribeTasks shows the task STOPPED with that exit code.

Whoever started the task (the local scheduler, `ecs-workloads run`, a test) sees the result through ECS.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .aws import Aws
from .control_plane import LOCAL_IMAGE_PREFIX
from .processes import Child, Processes, child_env

POLL_SECONDS = 0.2
_MAX_LOG_EVENTS = 10_000  # PutLogEvents' limit per call
_SIGNAL_EXIT_BASE = 128  # a container killed by signal N exits 128 + N, as Docker reports it


@dataclass(frozen=True)
class StoppedTask:
    task_arn: str
    task_id: str
    started_by: str
    overrides: dict[str, str]
    exit_code: int | None
    reason: str
    log_path: Path | None


@dataclass
class _Waiters:
    done: dict[str, StoppedTask] = field(default_factory=dict)
    changed: threading.Condition = field(default_factory=threading.Condition)


class EcsAgent:
    """Polls `cluster` for RUNNING tasks, runs each once, and calls `on_stopped` after reporting its end."""

    def __init__(
        self,
        processes: Processes,
        aws: Aws,
        cluster: str,
        *,
        task_timeout_seconds: float,
        on_stopped: Callable[[StoppedTask], None] = lambda _task: None,
    ) -> None:
        self._processes = processes
        self._aws = aws
        self._ecs = aws.client("ecs")
        self._cluster = cluster
        self._timeout = task_timeout_seconds
        self._on_stopped = on_stopped
        self._seen: set[str] = set()
        self._waiters = _Waiters()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="ecs-agent", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def wait(self, task_arns: list[str], timeout: float) -> list[StoppedTask]:
        """The ends of `task_arns`, in that order; TimeoutError if one is still running after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._waiters.changed:
            while not all(arn in self._waiters.done for arn in task_arns):
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    missing = [arn for arn in task_arns if arn not in self._waiters.done]
                    raise TimeoutError(f"tasks still running after {timeout:g} s: {', '.join(missing)}")
                self._waiters.changed.wait(min(left, 1.0))
            return [self._waiters.done[arn] for arn in task_arns]

    def _poll(self) -> None:
        try:
            while not self._stop.wait(POLL_SECONDS):
                arns = self._ecs.list_tasks(cluster=self._cluster, desiredStatus="RUNNING")["taskArns"]
                new = [arn for arn in arns if arn not in self._seen]
                if not new:
                    continue
                self._seen.update(new)
                for task in self._ecs.describe_tasks(cluster=self._cluster, tasks=new)["tasks"]:
                    threading.Thread(target=self._run_task, args=(task,), name="ecs-task", daemon=True).start()
        except BaseException as exc:
            if not self._stop.is_set():
                self.error = exc

    def _run_task(self, task: dict[str, Any]) -> None:
        arn = task["taskArn"]
        task_id = arn.rsplit("/", 1)[-1]
        started_by = task.get("startedBy") or ""
        overrides: dict[str, str] = {}
        container_name = ""
        try:
            definition = self._ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])["taskDefinition"]
            container = definition["containerDefinitions"][0]
            container_name = container["name"]
            override: dict[str, Any] = next(
                (
                    item
                    for item in (task.get("overrides") or {}).get("containerOverrides", [])
                    if item.get("name") == container["name"]
                ),
                {},
            )
            overrides = {item["name"]: item["value"] for item in override.get("environment", [])}
            # The override's command replaces the task definition's, which replaces the image's (ECS).
            argv = _argv(container["image"], override.get("command") or container.get("command"))
            if argv is None:
                self._report(
                    task,
                    container["name"],
                    None,
                    f"CannotPullContainerError: {container['image']} is not "
                    f"an app of this repository ({LOCAL_IMAGE_PREFIX}<app> runs apps/<app>)",
                )
                self._finish(StoppedTask(arn, task_id, started_by, overrides, None, "image not runnable", None))
                return
            env = {item["name"]: item["value"] for item in container.get("environment", [])}
            secrets = self._aws.client("secretsmanager")
            for item in container.get("secrets", []):
                env[item["name"]] = secrets.get_secret_value(SecretId=item["valueFrom"])["SecretString"]
            env.update(overrides)
            self._report(task, container["name"], None, None, status="RUNNING")
            child = self._processes.start(
                f"task-{task_id[:8]}", argv, child_env(None, **env), log_name=f"task-{task_id}.log"
            )
            code = _exit_code(child, self._timeout)
            self._ship_log(container, task_id, child.log_path)
            reason = "Essential container in task exited"
            self._report(task, container["name"], code, reason)
            self._finish(StoppedTask(arn, task_id, started_by, overrides, code, reason, child.log_path))
        except Exception as error:
            if self._stop.is_set():
                return  # moto_server is going away with the rest of the run
            reason = f"local agent failed: {error}"
            # Stopped in ECS too, so that nobody waits on a task that will never end.
            with contextlib.suppress(Exception):
                self._report(task, container_name, None, reason)
            self._finish(StoppedTask(arn, task_id, started_by, overrides, None, reason, None))

    def _report(
        self, task: dict[str, Any], container: str, code: int | None, reason: str | None, *, status: str = "STOPPED"
    ) -> None:
        item: dict[str, Any] = {"containerName": container, "status": status}
        if code is not None:
            item["exitCode"] = code
        request: dict[str, Any] = {"cluster": self._cluster, "task": task["taskArn"], "status": status}
        if reason:
            request["reason"] = reason
        self._ecs.submit_task_state_change(**request, containers=[item])

    def _ship_log(self, container: dict[str, Any], task_id: str, log_path: Path) -> None:
        options = (container.get("logConfiguration") or {}).get("options") or {}
        group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
        if not group or not prefix:
            return
        logs = self._aws.client("logs")
        stream = f"{prefix}/{container['name']}/{task_id}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        lines = log_path.read_text(errors="replace").splitlines()[-_MAX_LOG_EVENTS:]
        if lines:
            now = int(time.time() * 1000)
            events = [{"timestamp": now, "message": line} for line in lines if line]
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)

    def _finish(self, stopped: StoppedTask) -> None:
        self._on_stopped(stopped)
        with self._waiters.changed:
            self._waiters.done[stopped.task_arn] = stopped
            self._waiters.changed.notify_all()


def _argv(image: str, command: list[str] | None) -> list[str] | None:
    """How the container's image runs here; None for an image that is not one of the repository's apps."""
    if not image.startswith(LOCAL_IMAGE_PREFIX):
        return None
    if command:
        # The images' interpreter is `python`; here it is the one running the local system.
        return [sys.executable, *command[1:]] if command[0] in ("python", "python3") else list(command)
    return [sys.executable, "-m", image[len(LOCAL_IMAGE_PREFIX) :]]


def _exit_code(child: Child, timeout: float) -> int:
    code = child.wait(timeout)
    if code is None:
        code = child.stop()
    return _SIGNAL_EXIT_BASE - code if code < 0 else code


def describe_overrides(overrides: dict[str, str]) -> str:
    return " ".join(shlex.quote(f"{key}={value}") for key, value in overrides.items())

"""`exec`: a shell (or any command) in a running task of a service or a job, through ECS Exec.

The stack outputs say whether a workload has ECS Exec on; a task started without it can never be
entered (ExecuteCommand refuses it), so both are checked before AWS is asked to open a session. The
session itself needs the AWS CLI with the Session Manager plugin on this machine; without them the
exact `aws ecs execute-command` invocation is printed to run elsewhere.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from .errors import ExitCode, OpsError
from .jobs import run_task_request, task_id
from .outputs import Job, Service, StackOutputs

# What a task started only to be entered runs: long enough for a session, and it ends by itself.
KEEP_ALIVE = ["sleep", "3600"]
PLUGIN = "session-manager-plugin"


@dataclass(frozen=True)
class Target:
    """The workload an operator names: a service (its tasks run) or a job (its tasks may)."""

    name: str
    cluster: str
    execute_command: bool
    container_names: list[str] | None
    default_container: str
    service: Service | None = None
    job: Job | None = None


def target(outputs: StackOutputs, name: str) -> Target:
    """The service or job called `name`; a usage error naming both lists when neither has it."""
    if name in outputs.services:
        service = outputs.services[name]
        containers = service.container_names
        return Target(
            name,
            service.cluster_name,
            service.execute_command,
            containers,
            containers[0] if containers else "app",
            service=service,
        )
    if name in outputs.jobs:
        job = outputs.jobs[name]
        return Target(name, job.cluster_arn, job.execute_command, job.container_names, job.container_name, job=job)
    known = ", ".join(sorted([*outputs.services, *outputs.jobs])) or "none"
    raise OpsError(f"unknown workload '{name}'; services and jobs: {known}", ExitCode.USAGE)


def container(found: Target, requested: str | None) -> str:
    if requested is None:
        return found.default_container
    if found.container_names is not None and requested not in found.container_names:
        raise OpsError(
            f"--container {requested}: {found.name} has the containers {', '.join(found.container_names)}",
            ExitCode.USAGE,
        )
    return requested


def require_exec(found: Target) -> None:
    if not found.execute_command:
        raise OpsError(
            f"ECS Exec is off for {found.name}: set its workload's enableExecuteCommand: true (or the stack's "
            "executeCommand: true), run `pulumi up`, then restart the service or start a new run",
            ExitCode.USAGE,
        )


def running_task(ecs: Any, found: Target, requested: str | None) -> str | None:
    """The id of the requested task, or of a running task of the workload that has ECS Exec; None when
    the workload runs none."""
    if requested is not None:
        tasks = ecs.describe_tasks(cluster=found.cluster, tasks=[requested]).get("tasks", [])
        if not tasks or tasks[0].get("lastStatus") != "RUNNING":
            raise OpsError(f"task {requested} is not running in {found.cluster}", ExitCode.USAGE)
        _require_task_exec(tasks[0])
        return task_id(tasks[0]["taskArn"])
    if found.service is not None:
        listed = ecs.list_tasks(cluster=found.cluster, serviceName=found.service.service_name, desiredStatus="RUNNING")
    else:
        assert found.job is not None
        listed = ecs.list_tasks(cluster=found.cluster, family=found.job.family, desiredStatus="RUNNING")
    arns = listed.get("taskArns", [])
    if not arns:
        return None
    tasks = ecs.describe_tasks(cluster=found.cluster, tasks=arns[:100]).get("tasks", [])
    running = [task for task in tasks if task.get("lastStatus") == "RUNNING"]
    if not running:
        return None
    # Tasks started before ECS Exec was turned on cannot be entered; any other one can.
    with_exec = [task for task in running if task.get("enableExecuteCommand")]
    if not with_exec:
        _require_task_exec(running[0])
    return task_id(sorted(task["taskArn"] for task in with_exec)[0])


def _require_task_exec(task: dict[str, Any]) -> None:
    if not task.get("enableExecuteCommand"):
        raise OpsError(
            f"task {task_id(task['taskArn'])} was started without ECS Exec (before it was turned on): "
            "`ecs-workloads restart` replaces a service's tasks",
            ExitCode.USAGE,
        )


def start_keep_alive(ecs: Any, job: Job, container_name: str) -> str:
    """Starts one run of the job with ECS Exec, its main container kept alive by `KEEP_ALIVE`."""
    request = run_task_request(job, 1, {}, None)
    request["overrides"] = {"containerOverrides": [{"name": container_name, "command": KEEP_ALIVE}]}
    # RunTask enableExecuteCommand: the run can be entered only when it is started with it.
    request["enableExecuteCommand"] = True
    response = ecs.run_task(**request)
    tasks = response.get("tasks", [])
    if not tasks:
        reasons = "; ".join(str(failure.get("reason")) for failure in response.get("failures", [])) or "no reason"
        raise OpsError(f"no task of {job.name} started: {reasons}", ExitCode.TASK_FAILED)
    return task_id(tasks[0]["taskArn"])


def invocation(cluster: str, task: str, container_name: str, command: list[str], region: str | None) -> list[str]:
    """The AWS CLI command that opens the session (ExecuteCommand takes the command as one string)."""
    words = ["aws", "ecs", "execute-command", "--cluster", cluster, "--task", task, "--container", container_name]
    words += ["--interactive", "--command", shlex.join(command)]
    return [*words, "--region", region] if region else words


def can_run_here() -> bool:
    """The AWS CLI and the Session Manager plugin it hands the session to are both installed."""
    return shutil.which("aws") is not None and shutil.which(PLUGIN) is not None


def run(words: list[str]) -> int:
    """Runs the session in this terminal; its exit status is the command's."""
    return subprocess.call(words)

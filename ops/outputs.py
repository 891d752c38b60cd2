"""The stack outputs the commands work from, read from `pulumi stack output` or from a JSON file.

The program exports these top-level keys (optional ones marked):

- ``region`` (optional), ``clusterName``, ``clusterArn``
- ``jobs.<name>``: ``scheduleName``, ``scheduleGroup``, ``taskDefinitionArn``, ``family``,
  ``containerName``, ``clusterArn``, ``subnetIds``, ``securityGroupIds``, ``assignPublicIp``,
  ``logGroupName``, ``capacityProviderStrategy`` (optional; absent means launch type FARGATE) and
  ``configPath`` (optional; where the job sits in stack config, e.g. ``imageAssessor`` or ``jobs[0]``) and
  ``networkMode`` (optional; absent means ``awsvpc``)
- ``services.<name>``: ``serviceName``, ``clusterName``, ``autoscaled``, ``minTasks`` and
  ``maxTasks`` (optional), ``url`` (optional), ``apiTokenSecretArn`` (optional; the Secrets Manager
  secret holding the service's API token)
- ``queues.<name>``: ``queueUrl``, ``dlqUrl``, ``inputBucket`` and ``outputBucket`` (optional);
  a queue's name is the name of the service that consumes it
- ``jobApi`` (optional; present when the stack runs the job API): ``scheduleGroup`` (the group whose
  schedules are the API's jobs), ``url``, ``docsUrl``, ``stateMachineArn``, ``schedulerRoleArn`` and
  ``taskFamilies``; the API's service is ``services.job-api``
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..validation import unknown
from .errors import ExitCode, OpsError

_PULUMI_TIMEOUT_SECONDS = 120
_T = TypeVar("_T")


@dataclass(frozen=True)
class Job:
    name: str
    schedule_name: str
    schedule_group: str
    task_definition_arn: str
    family: str
    container_name: str
    cluster_arn: str
    subnet_ids: list[str]
    security_group_ids: list[str]
    assign_public_ip: bool
    log_group_name: str
    capacity_provider_strategy: list[dict[str, Any]] | None
    config_path: str | None
    network_mode: str = "awsvpc"
    execute_command: bool = False
    """Whether the job's runs have ECS Exec (stack output `executeCommand`; absent in older stacks: off)."""
    container_names: list[str] | None = None
    """Every container of the task, the main one first (`containerNames`); None in older stacks."""


@dataclass(frozen=True)
class Service:
    name: str
    service_name: str
    cluster_name: str
    autoscaled: bool
    min_tasks: int | None
    max_tasks: int | None
    url: str | None
    api_token_secret_arn: str | None
    execute_command: bool = False
    """Whether the service's tasks have ECS Exec (stack output `executeCommand`; absent in older stacks: off)."""
    container_names: list[str] | None = None
    """Every container of the task, the main one first (`containerNames`); None in older stacks."""


@dataclass(frozen=True)
class Queue:
    name: str
    queue_url: str
    dlq_url: str
    input_bucket: str | None
    output_bucket: str | None


@dataclass(frozen=True)
class JobApi:
    """The job API: its jobs are the schedules of `schedule_group`, which it alone writes."""

    schedule_group: str
    url: str | None
    state_machine_arn: str | None


@dataclass(frozen=True)
class StackOutputs:
    region: str | None
    cluster_name: str
    cluster_arn: str
    jobs: dict[str, Job]
    services: dict[str, Service]
    queues: dict[str, Queue]
    job_api: JobApi | None = None
    """None when the stack runs no job API (older stacks too)."""

    def job(self, name: str) -> Job:
        return _lookup("job", self.jobs, name)

    def service(self, name: str) -> Service:
        return _lookup("service", self.services, name)

    def queue(self, name: str) -> Queue:
        return _lookup("queue", self.queues, name)


def _lookup(kind: str, items: Mapping[str, _T], name: str) -> _T:
    if name in items:
        return items[name]
    if not items:
        raise OpsError(f"unknown {kind} '{name}': this stack exports no {kind}s", ExitCode.USAGE)
    # The same "did you mean" as stack config and component arguments give, from the one helper.
    raise OpsError(f"{name!r} — {unknown(kind, name, sorted(items))}", ExitCode.USAGE)


def load_outputs(source: str | None, stack: str | None) -> StackOutputs:
    """Outputs from `source` (a file path, or `-` for stdin), else from the Pulumi CLI for `stack`."""
    if source == "-":
        return parse_outputs(sys.stdin.read(), "stdin")
    if source is not None:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as error:
            raise OpsError(f"cannot read outputs file {source}: {error.strerror}", ExitCode.USAGE) from None
        return parse_outputs(text, source)
    return parse_outputs(_pulumi_stack_output(stack), f"pulumi stack {stack or '(selected)'}")


def _pulumi_stack_output(stack: str | None) -> str:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise OpsError(
            "the pulumi CLI is not on PATH: install it, or pass the outputs with --outputs FILE "
            "(`pulumi stack output --json --show-secrets > outputs.json`)",
            ExitCode.USAGE,
        )
    command = [pulumi, "stack", "output", "--json", "--show-secrets", *(["--stack", stack] if stack else [])]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_PULUMI_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise OpsError(f"pulumi stack output gave no answer in {_PULUMI_TIMEOUT_SECONDS}s", ExitCode.USAGE) from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise OpsError(f"pulumi stack output failed: {reason}", ExitCode.USAGE)
    return done.stdout


def parse_outputs(text: str, origin: str) -> StackOutputs:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise OpsError(f"stack outputs from {origin} are not JSON: {error}", ExitCode.USAGE) from None
    if not isinstance(data, dict):
        raise OpsError(f"stack outputs from {origin} must be a JSON object of output names", ExitCode.USAGE)
    problems: list[str] = []
    top = _Entry("", data, problems)
    outputs = StackOutputs(
        region=top.get("region", _STR, required=False),
        cluster_name=top.get("clusterName", _STR),
        cluster_arn=top.get("clusterArn", _STR),
        jobs={name: _job(name, entry) for name, entry in top.section("jobs").items()},
        services={name: _service(name, entry) for name, entry in top.section("services").items()},
        queues={name: _queue(name, entry) for name, entry in top.section("queues").items()},
        job_api=_job_api(top.entry("jobApi")),
    )
    if problems:
        listed = "\n".join(f"  {problem}" for problem in problems)
        raise OpsError(f"stack outputs from {origin} do not match what this tool reads:\n{listed}", ExitCode.USAGE)
    return outputs


@dataclass(frozen=True)
class _Kind:
    description: str
    accepts: Callable[[Any], bool]


_STR = _Kind("a non-empty string", lambda value: isinstance(value, str) and bool(value))
_STRS = _Kind("a list of strings", lambda value: isinstance(value, list) and all(isinstance(v, str) for v in value))
_BOOL = _Kind("true or false", lambda value: isinstance(value, bool))
_COUNT = _Kind(
    "a whole number >= 0", lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= 0
)
_STRATEGY = _Kind(
    "a list of {capacityProvider, weight, base}",
    lambda value: (
        isinstance(value, list)
        and all(isinstance(item, dict) and isinstance(item.get("capacityProvider"), str) for item in value)
    ),
)


class _Entry:
    """Reads fields of one outputs object, recording every problem instead of stopping at the first."""

    def __init__(self, where: str, data: Any, problems: list[str]) -> None:
        self.where = where
        self.problems = problems
        self.data = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            problems.append(f"{where}: {json.dumps(data)} — expected an object")

    def get(self, key: str, kind: _Kind, *, required: bool = True, default: Any = None) -> Any:
        path = f"{self.where}.{key}" if self.where else key
        if self.data.get(key) is None:
            if required:
                self.problems.append(f"{path}: missing — expected {kind.description}")
            return default
        value = self.data[key]
        if not kind.accepts(value):
            self.problems.append(f"{path}: {json.dumps(value)} — expected {kind.description}")
            return default
        return value

    def entry(self, key: str) -> _Entry | None:
        """The object at `key`, or None when the outputs have none."""
        value = self.get(key, _Kind("an object", lambda value: isinstance(value, dict)), required=False)
        return None if value is None else _Entry(key, value, self.problems)

    def section(self, key: str) -> dict[str, _Entry]:
        section = self.get(key, _Kind("an object of names", lambda value: isinstance(value, dict)), required=False)
        return {name: _Entry(f"{key}.{name}", entry, self.problems) for name, entry in (section or {}).items()}


def _job(name: str, entry: _Entry) -> Job:
    return Job(
        name=name,
        schedule_name=entry.get("scheduleName", _STR),
        schedule_group=entry.get("scheduleGroup", _STR),
        task_definition_arn=entry.get("taskDefinitionArn", _STR),
        family=entry.get("family", _STR),
        container_name=entry.get("containerName", _STR),
        cluster_arn=entry.get("clusterArn", _STR),
        subnet_ids=entry.get("subnetIds", _STRS, default=[]),
        security_group_ids=entry.get("securityGroupIds", _STRS, default=[]),
        assign_public_ip=entry.get("assignPublicIp", _BOOL, default=False),
        log_group_name=entry.get("logGroupName", _STR),
        capacity_provider_strategy=entry.get("capacityProviderStrategy", _STRATEGY, required=False),
        config_path=entry.get("configPath", _STR, required=False),
        network_mode=entry.get("networkMode", _STR, required=False) or "awsvpc",
        execute_command=entry.get("executeCommand", _BOOL, required=False, default=False),
        container_names=entry.get("containerNames", _STRS, required=False),
    )


def _service(name: str, entry: _Entry) -> Service:
    return Service(
        name=name,
        service_name=entry.get("serviceName", _STR),
        cluster_name=entry.get("clusterName", _STR),
        autoscaled=entry.get("autoscaled", _BOOL, required=False, default=False),
        min_tasks=entry.get("minTasks", _COUNT, required=False),
        max_tasks=entry.get("maxTasks", _COUNT, required=False),
        url=entry.get("url", _STR, required=False),
        api_token_secret_arn=entry.get("apiTokenSecretArn", _STR, required=False),
        execute_command=entry.get("executeCommand", _BOOL, required=False, default=False),
        container_names=entry.get("containerNames", _STRS, required=False),
    )


def _job_api(entry: _Entry | None) -> JobApi | None:
    if entry is None:
        return None
    return JobApi(
        schedule_group=entry.get("scheduleGroup", _STR),
        url=entry.get("url", _STR, required=False),
        state_machine_arn=entry.get("stateMachineArn", _STR, required=False),
    )


def _queue(name: str, entry: _Entry) -> Queue:
    return Queue(
        name=name,
        queue_url=entry.get("queueUrl", _STR),
        dlq_url=entry.get("dlqUrl", _STR),
        input_bucket=entry.get("inputBucket", _STR, required=False),
        output_bucket=entry.get("outputBucket", _STR, required=False),
    )

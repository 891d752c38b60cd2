"""The reference system on loopback: moto_server, the cats API, the batch pipelines and the ImageAssessor.

Everything comes from the stack's settings (`Pulumi.<stack>.yaml` through `stack.config`): the batch
pipelines with their processors and suffixes, the ImageAssessor's schedule, enabled flag, task count,
delete count and environment. What AWS would run, runs here as processes:

- S3, SQS, EventBridge, Secrets Manager, ECS, EventBridge Scheduler and CloudWatch Logs: moto_server on
  127.0.0.1, holding the records `ecs-workloads` operates (`local.control_plane`);
- the cats service behind the ALB (`ALB_URL`): gunicorn serving `apps/cats` on a free port, its pictures
  in a moto bucket, its API token generated into a moto secret and handed to it and to the ImageAssessor
  as `API_TOKEN`, as ECS resolves the stack's container secret;
- the picture scorer behind Service Connect, when `pictureScorer.enabled`: gunicorn serving
  `apps/picture_scorer` on another loopback port, whose URL the cats API gets as `PICTURE_SCORER_URL`
  where ECS would give it `http://picture-scorer:8080` (the Service Connect proxy's alias);
- the batch services: `python -m batch_worker` processes per pipeline;
- EventBridge Scheduler starting the ImageAssessor task: a ticker (`local.schedule`) that reads the
  schedule's State from moto at every occurrence and calls RunTask with the schedule's task count;
- the job API (`apps/job_api`): gunicorn on another loopback port, its jobs as schedules in a moto schedule
  group, and a ticker (`local.jobs`) that runs them at their occurrences in place of Scheduler and the
  state machine;
- ECS running the tasks: the local agent (`local.ecs_agent`) runs every task RunTask records in the
  cluster (`python -m image_assessor` with the task definition's environment, its resolved API token and
  the overrides) and reports its exit code back to moto, whoever started it.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ecs_workloads.ops.jobs import run_task_request
from ecs_workloads.service_connect import url_variable
from harness.program import read_stack_config
from stack.backend import SCORER_NAME
from stack.config import settings_from_stack
from stack.jobs import ASSESSOR_APP, ASSESSOR_JOB
from stack.settings import StackSettings
from stack.web import API_TOKEN_VARIABLE

from .api_token import create_token_secret, resolve_secret
from .aws import Aws, start_moto
from .control_plane import ControlPlane
from .ecs_agent import EcsAgent, StoppedTask, describe_overrides
from .jobs import JOB_API, STARTED_BY_PREFIX, JobApi, JobRun, JobTicker, start_job_api
from .pipeline import (
    DEFAULT_SHUTDOWN_GRACE_SECONDS,
    LogFollower,
    PipelineResources,
    WorkerPool,
    create_pipeline,
    worker_environment,
)
from .processes import APPS_DIR, Child, Processes, child_env, free_port, wait_until_answering
from .schedule import SimulatedClock, Ticker

ASSESSOR = ASSESSOR_JOB
# A run that has not finished by then is stopped; the job retries for well under a minute.
ASSESSOR_TIMEOUT_SECONDS = 120.0
SERVICE_POLL_SECONDS = 1.0
# How RunTask names the starter of a scheduled run, as EventBridge Scheduler's own does not matter here.
SCHEDULER_STARTED_BY = "local-scheduler"


def start_scorer(processes: Processes, environment: dict[str, str] | None = None) -> tuple[str, Child]:
    """The picture scorer under gunicorn, as in its container, on a free loopback port; returns its URL and
    process (stopping it shows the cats API degrading)."""
    port = free_port()
    env = child_env(None, **{**(environment or {}), "WEB_CONCURRENCY": "1"})
    argv = [
        "-m",
        "gunicorn",
        "--config",
        "python:picture_scorer.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "picture_scorer.wsgi:app",
    ]
    child = processes.python(SCORER_NAME, argv, env, cwd=APPS_DIR)
    url = f"http://127.0.0.1:{port}"
    wait_until_answering(f"{url}/health", child)
    return url, child


def start_cats(
    processes: Processes,
    aws: Aws,
    bucket: str,
    api_token: str,
    environment: dict[str, str] | None = None,
    *,
    name: str = "cats",
) -> str:
    """The cats API under gunicorn, as in its container, on a free loopback port; returns its URL."""
    port = free_port()
    own = {"BUCKET_NAME": bucket, "API_TOKEN": api_token, "WEB_CONCURRENCY": "1"}
    env = child_env(aws.endpoint, **{**(environment or {}), **own})
    argv = ["-m", "gunicorn", "--config", "python:cats.gunicorn_conf", "--bind", f"127.0.0.1:{port}", "cats.wsgi:app"]
    child = processes.python(name, argv, env, cwd=APPS_DIR)
    url = f"http://127.0.0.1:{port}"
    wait_until_answering(f"{url}/health", child)
    return url


def load_stack_settings(stack: str) -> StackSettings:
    """The validated settings of `Pulumi.<stack>.yaml`, as `pulumi up` would read them (the files checked
    whole, each problem at its line); the files' warnings go to stderr."""
    files = read_stack_config(stack)
    for warning in files.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return settings_from_stack(files)


class Console:
    """Timestamped lines on stdout, one writer at a time."""

    def __init__(self, stream: TextIO = sys.stdout) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def say(self, source: str, text: str) -> None:
        with self._lock:
            print(f"{time.strftime('%H:%M:%S')} [{source}] {text}", file=self._stream, flush=True)


@dataclass
class AssessorRun:
    exit_code: int | None
    task_id: str = ""
    started_by: str = ""
    mode: str | None = None
    removed: list[str] = field(default_factory=list)
    remaining: int | None = None
    error: str | None = None


@dataclass
class Pipeline:
    resources: PipelineResources
    pool: WorkerPool


class LocalSystem:
    """Starts the pieces in dependency order; `Processes` stops them all."""

    def __init__(
        self,
        processes: Processes,
        settings: StackSettings,
        console: Console,
        *,
        speed: float = 1.0,
        workers_per_pipeline: int = 1,
        stack: str = "dev",
    ) -> None:
        self.processes = processes
        self.stack = stack
        self.settings = settings
        self.console = console
        self.clock = SimulatedClock(speed)
        self.workers_per_pipeline = workers_per_pipeline
        self.api_token_secret_arn = ""
        self.api_token = ""
        self.aws: Aws | None = None
        self.control: ControlPlane | None = None
        self.agent: EcsAgent | None = None
        self.cats_url = ""
        self.cats_bucket = ""
        self.scorer_url: str | None = None
        self.scorer: Child | None = None
        self.pipelines: dict[str, Pipeline] = {}
        self.ticker: Ticker | None = None
        self.job_api: JobApi | None = None
        self.job_ticker: JobTicker | None = None
        self.job_tasks: list[StoppedTask] = []
        self.assessor_runs: list[AssessorRun] = []
        self.skipped_runs = 0
        self._watch_stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch_workers, name="worker-logs", daemon=True)
        self._scaler = threading.Thread(target=self._follow_desired_counts, name="batch-scaler", daemon=True)
        self._run_lock = threading.Lock()
        self._runs_by_task: dict[str, AssessorRun] = {}
        self._written: list[Path] = []

    def start(self, *, schedule: bool = True) -> None:
        self.aws = start_moto(self.processes)
        self.console.say(
            "aws",
            f"moto_server at {self.aws.endpoint} (S3, SQS, EventBridge, Secrets Manager, ECS, Scheduler, Logs; "
            "any credentials)",
        )
        self.control = ControlPlane(self.aws, self.stack)
        self.control.create()
        self._start_cats()
        self._start_pipelines()
        self._watcher.start()
        self._scaler.start()
        self._register_assessor()
        self._start_job_api()
        if schedule:
            self.start_schedule()
            self.start_job_ticker()

    def write_outputs(self, directory: Path) -> tuple[Path, Path]:
        """The stack outputs file and the moto environment for `ecs-workloads --outputs FILE`."""
        assert self.control is not None and self.aws is not None
        written = self.control.write(directory, self.aws.endpoint)
        self._written.extend(written)
        return written

    def close(self) -> None:
        if self.ticker is not None:
            self.ticker.stop()
        if self.job_ticker is not None:
            self.job_ticker.stop()
        if self.agent is not None:
            self.agent.stop()
        self._watch_stop.set()
        if self._watcher.is_alive():
            self._watcher.join(timeout=5)
        if self._scaler.is_alive():
            self._scaler.join(timeout=DEFAULT_SHUTDOWN_GRACE_SECONDS + 10)
        self.processes.close()
        # They name servers that are gone now; a command reading them would only fail to connect.
        for path in self._written:
            path.unlink(missing_ok=True)

    # -- cats ------------------------------------------------------------------------------------

    def _start_cats(self) -> None:
        assert self.aws is not None and self.control is not None
        self.cats_bucket = f"cats-pictures-{uuid.uuid4().hex[:8]}"
        self.aws.client("s3").create_bucket(Bucket=self.cats_bucket)
        self.api_token_secret_arn = create_token_secret(self.aws)
        self.api_token = resolve_secret(self.aws, self.api_token_secret_arn)
        environment = dict(self.settings.cats.workload.environment)
        scorer = self.settings.picture_scorer
        if scorer.enabled:
            self.scorer_url, self.scorer = start_scorer(self.processes, scorer.workload.environment)
            self.control.add_service(SCORER_NAME, "picture_scorer", scorer.desired_count, url=self.scorer_url)
            environment[url_variable(SCORER_NAME)] = self.scorer_url
            self.console.say(SCORER_NAME, f"at {self.scorer_url} (Service Connect's http://{SCORER_NAME} on loopback)")
        self.cats_url = start_cats(self.processes, self.aws, self.cats_bucket, self.api_token, environment)
        self.control.add_service(
            "cats",
            "cats",
            self.settings.cats.desired_count,
            url=f"{self.cats_url}/cats/",
            apiTokenSecretArn=self.api_token_secret_arn,
        )
        self.control.add_exports(catsUrl=f"{self.cats_url}/cats/", catsApiUrl=f"{self.cats_url}/cats/api/")
        self.console.say(
            "cats",
            f"API at {self.cats_url}/cats/api/ (pictures in s3://{self.cats_bucket}; "
            f"token in secret {self.api_token_secret_arn})",
        )

    # -- the job API --------------------------------------------------------------------------------

    def _start_job_api(self) -> None:
        """The job API, and the ticker that runs its jobs in place of Scheduler and the state machine."""
        assert self.aws is not None and self.control is not None
        self.job_api = api = start_job_api(self.processes, self.aws, self.control, self.stack)
        self.control.add_service(JOB_API, "job_api", 1, url=f"{api.url}/", apiTokenSecretArn=api.token_secret_arn)
        self.control.add_exports(jobApiUrl=f"{api.url}/")
        network = {
            "subnets": [self.control.subnet_id],
            "securityGroups": [self.control.security_group_id],
            "assignPublicIp": "DISABLED",
        }
        self.job_ticker = JobTicker(
            self.aws,
            api.schedule_group,
            api.state_machine_arn,
            self.control.cluster_arn,
            network,
            since=self.clock.now(),
            on_run=self._job_run,
            on_skip=lambda job, moment, reason: self.console.say(
                f"job:{job}", f"no run at {moment.astimezone().strftime('%H:%M:%S')} simulated: {reason}"
            ),
        )
        self.console.say(
            JOB_API,
            f"at {api.url}/jobs (docs {api.url}/docs; jobs in schedule group {api.schedule_group}; "
            f"task families {', '.join(api.families)}; trigger queue {api.work_queue_url})",
        )

    def start_job_ticker(self) -> None:
        assert self.job_ticker is not None
        self.job_ticker.start(self.clock)

    def _job_run(self, run: JobRun) -> None:
        depth = "" if run.queue_depth is None else f" for {run.queue_depth} queued message(s)"
        problem = f"; {run.error}" if run.error else ""
        when = run.scheduled.astimezone().strftime("%H:%M:%S")
        self.console.say(f"job:{run.job_id}", f"run at {when} simulated: {run.tasks} task(s){depth}{problem}")

    # -- batch -----------------------------------------------------------------------------------

    def _start_pipelines(self) -> None:
        assert self.aws is not None and self.control is not None
        for name, pipeline_settings in self.settings.batch.items():
            resources = create_pipeline(self.aws, name, pipeline_settings)
            env = worker_environment(resources, extra=pipeline_settings.workload.environment)
            pool = WorkerPool(self.processes, name, self.aws.endpoint, env, self.workers_per_pipeline)
            pool.start_all()
            self.pipelines[name] = Pipeline(resources, pool)
            self.control.add_service(name, "batch_worker", pool.count)
            self.control.add_queue(
                name, resources.queue_url, resources.dlq_url, resources.input_bucket, resources.output_bucket
            )
            accepts = ", ".join(resources.suffixes) or "any key"
            self.console.say(
                f"batch:{name}",
                f"{resources.processor}: s3://{resources.input_bucket} ({accepts}) → s3://{resources.output_bucket}; "
                f"DLQ after {resources.max_receive_count} receives; {pool.count} worker(s)",
            )

    def _watch_workers(self) -> None:
        followers: dict[int, LogFollower] = {}
        while True:
            # One last pass after the stop request, so nothing logged before it goes unreported.
            stopping = self._watch_stop.wait(0.2)
            for name, pipeline in self.pipelines.items():
                for incarnation in pipeline.pool.incarnations:
                    follower = followers.setdefault(id(incarnation), LogFollower(incarnation.log_path))
                    for record in follower.new_records():
                        self._report_worker(f"batch:{name}", record)
            if stopping:
                return

    def _follow_desired_counts(self) -> None:
        """Each batch service's worker processes follow its desired count in moto (`ecs-workloads scale`)."""
        assert self.aws is not None and self.control is not None
        ecs = self.aws.client("ecs")
        names = {entry["serviceName"]: name for name, entry in self.control.outputs["services"].items()}
        batch = [service for service, name in names.items() if name in self.pipelines]
        while batch and not self._watch_stop.wait(SERVICE_POLL_SECONDS):
            try:
                described = ecs.describe_services(cluster=self.control.cluster_name, services=batch)["services"]
            except Exception:
                continue  # moto_server stopping with the run; the next poll, if any, tries again
            for service in described:
                name = names[service["serviceName"]]
                pool, desired = self.pipelines[name].pool, service["desiredCount"]
                if desired != pool.count:
                    self.console.say(f"batch:{name}", f"desired count {pool.count} -> {desired}: resizing the workers")
                    pool.resize(desired, DEFAULT_SHUTDOWN_GRACE_SECONDS + 5)

    def _report_worker(self, source: str, record: dict[str, Any]) -> None:
        message = record.get("msg")
        if message == "object processed":
            stats = ", ".join(f"{key} {value}" for key, value in (record.get("stats") or {}).items())
            outputs = ", ".join(record.get("outputs") or []) or "no output"
            self.console.say(source, f"processed {record.get('key')} → {outputs} ({stats}; {record.get('seconds')} s)")
        elif message == "object skipped":
            self.console.say(source, f"skipped {record.get('key')}: {record.get('reason')}")
        elif record.get("level") in ("error", "warning") and message not in ("object failed",):
            self.console.say(source, f"{record.get('level')}: {message} {record.get('error', '')}".rstrip())

    # -- ImageAssessor ---------------------------------------------------------------------------

    def _register_assessor(self) -> None:
        """The job's records in moto, and the agent that runs whatever tasks are started in the cluster."""
        assert self.aws is not None and self.control is not None
        assessor = self.settings.image_assessor
        environment = {
            **assessor.workload.environment,
            "ALB_URL": self.cats_url,
            "DELETE_COUNT": str(assessor.delete_count),
        }
        self.control.add_job(
            ASSESSOR,
            ASSESSOR_APP,
            assessor,
            environment,
            {API_TOKEN_VARIABLE: self.api_token_secret_arn},
            config_path="imageAssessor",
        )
        self.agent = EcsAgent(
            self.processes,
            self.aws,
            self.control.cluster_arn,
            task_timeout_seconds=ASSESSOR_TIMEOUT_SECONDS,
            on_stopped=self._task_stopped,
        )
        self.agent.start()

    def start_schedule(self) -> None:
        assert self.control is not None
        assessor = self.settings.image_assessor
        self.ticker = Ticker(
            ASSESSOR, assessor, self.clock, self._scheduled_run, self._skipped, switch=_ScheduleState(self.control)
        )
        self.ticker.start()
        self.console.say(ASSESSOR, f"schedule {self.ticker.describe()}; {assessor.task_count} task(s) per run")

    def _scheduled_run(self, number: int, moment: datetime) -> None:
        when = moment.astimezone().strftime("%H:%M:%S")
        self.console.say(ASSESSOR, f"scheduled run {number} ({when} simulated)")
        self.run_assessor(self.settings.image_assessor.task_count, started_by=SCHEDULER_STARTED_BY)

    def _skipped(self, moment: datetime, reason: str) -> None:
        self.skipped_runs += 1
        self.console.say(ASSESSOR, f"no run at {moment.astimezone().strftime('%H:%M:%S')} simulated: {reason}")

    def run_assessor(
        self, count: int, *, started_by: str, overrides: dict[str, str] | None = None
    ) -> list[AssessorRun]:
        """RunTask for `count` ImageAssessor tasks (with environment overrides), and their ends once the agent
        has run them."""
        assert self.control is not None and self.aws is not None and self.agent is not None
        job = self.control.stack_outputs().job(ASSESSOR)
        with self._run_lock:
            request = {**run_task_request(job, count, overrides or {}, None), "startedBy": started_by}
            arns = [task["taskArn"] for task in self.aws.client("ecs").run_task(**request)["tasks"]]
            self.agent.wait(arns, ASSESSOR_TIMEOUT_SECONDS + 30)
            return [self._runs_by_task[arn] for arn in arns]

    def _task_stopped(self, task: StoppedTask) -> None:
        if task.started_by.startswith(STARTED_BY_PREFIX):
            self.job_tasks.append(task)
            overrides = f" ({describe_overrides(task.overrides)})" if task.overrides else ""
            outcome = f"exit {task.exit_code}" if task.log_path else task.reason
            self.console.say(
                f"job:{task.started_by.removeprefix(STARTED_BY_PREFIX)}",
                f"task {task.task_id[:8]}{overrides}: {outcome}",
            )
            return
        run = _assessor_result(task.log_path, task.exit_code) if task.log_path else AssessorRun(task.exit_code)
        run.task_id, run.started_by = task.task_id, task.started_by
        if task.log_path is None:
            run.error = task.reason
        self._runs_by_task[task.task_arn] = run
        self.assessor_runs.append(run)
        overrides = f", {describe_overrides(task.overrides)}" if task.overrides else ""
        self.console.say(
            ASSESSOR, f"task {task.task_id[:8]} (started by {task.started_by}{overrides}): {_describe_run(run)}"
        )


class _ScheduleState:
    """The schedule's State in moto, as the ticker's switch: what `ecs-workloads pause|resume` changes."""

    def __init__(self, control: ControlPlane) -> None:
        self._control = control

    def enabled(self) -> bool:
        return self._control.schedule_enabled(ASSESSOR)

    def set(self, enabled: bool) -> None:
        self._control.set_schedule_enabled(ASSESSOR, enabled)


def _assessor_result(log_path: Path, exit_code: int | None) -> AssessorRun:
    run = AssessorRun(exit_code)
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("level") == "error":
            run.error = record.get("message")
        if record.get("message") in ("assessment finished", "pictures reset"):
            run.mode = record.get("mode")
            run.removed = list(record.get("removed") or [])
            run.remaining = record.get("remaining")
    return run


def _describe_run(run: AssessorRun) -> str:
    if run.exit_code != 0:
        return f"failed (exit {run.exit_code}): {run.error or 'no message'}"
    if run.mode == "reset":
        return f"pictures reset; {run.remaining} remain"
    removed = ", ".join(run.removed) or "nothing"
    return f"removed {removed}; {run.remaining} remain"

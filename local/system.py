"""The reference system on loopback: moto_server, the cats API, the batch pipelines and the ImageAssessor.

Everything comes from the stack's settings (`Pulumi.<stack>.yaml` through `stack.config`): the batch
pipelines with their processors and suffixes, the ImageAssessor's schedule, enabled flag, task count,
delete count and environment. What AWS would run, runs here as processes:

- S3, SQS, EventBridge and Secrets Manager: moto_server on 127.0.0.1;
- the cats service behind the ALB (`ALB_URL`): gunicorn serving `apps/cats` on a free port, its pictures
  in a moto bucket, its API token generated into a moto secret and handed to it and to the ImageAssessor
  as `API_TOKEN`, as ECS resolves the stack's container secret;
- the batch services: `python -m batch_worker` processes per pipeline;
- EventBridge Scheduler starting the ImageAssessor task: a ticker (`local.schedule`) starting
  `python -m image_assessor`.
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

from harness.program import read_stack_config
from stack.config import settings_from_stack
from stack.settings import StackSettings

from .api_token import create_token_secret, resolve_secret
from .aws import Aws, start_moto
from .pipeline import LogFollower, PipelineResources, WorkerPool, create_pipeline, worker_environment
from .processes import APPS_DIR, Processes, child_env, free_port, wait_until_answering
from .schedule import SimulatedClock, Ticker

ASSESSOR = "image-assessor"
# A run that has not finished by then is stopped; the job retries for well under a minute.
ASSESSOR_TIMEOUT_SECONDS = 120.0


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
    ) -> None:
        self.processes = processes
        self.settings = settings
        self.console = console
        self.clock = SimulatedClock(speed)
        self.workers_per_pipeline = workers_per_pipeline
        self.api_token_secret_arn = ""
        self.api_token = ""
        self.aws: Aws | None = None
        self.cats_url = ""
        self.cats_bucket = ""
        self.pipelines: dict[str, Pipeline] = {}
        self.ticker: Ticker | None = None
        self.assessor_runs: list[AssessorRun] = []
        self.skipped_runs = 0
        self._watch_stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch_workers, name="worker-logs", daemon=True)
        self._run_lock = threading.Lock()

    def start(self, *, schedule: bool = True) -> None:
        self.aws = start_moto(self.processes)
        self.console.say(
            "aws", f"moto_server at {self.aws.endpoint} (S3, SQS, EventBridge, Secrets Manager; any credentials)"
        )
        self._start_cats()
        self._start_pipelines()
        self._watcher.start()
        if schedule:
            self.start_schedule()

    def close(self) -> None:
        if self.ticker is not None:
            self.ticker.stop()
        self._watch_stop.set()
        if self._watcher.is_alive():
            self._watcher.join(timeout=5)
        self.processes.close()

    # -- cats ------------------------------------------------------------------------------------

    def _start_cats(self) -> None:
        assert self.aws is not None
        self.cats_bucket = f"cats-pictures-{uuid.uuid4().hex[:8]}"
        self.aws.client("s3").create_bucket(Bucket=self.cats_bucket)
        self.api_token_secret_arn = create_token_secret(self.aws)
        self.api_token = resolve_secret(self.aws, self.api_token_secret_arn)
        self.cats_url = start_cats(
            self.processes, self.aws, self.cats_bucket, self.api_token, self.settings.cats.workload.environment
        )
        self.console.say(
            "cats",
            f"API at {self.cats_url}/cats/api/ (pictures in s3://{self.cats_bucket}; "
            f"token in secret {self.api_token_secret_arn})",
        )

    # -- batch -----------------------------------------------------------------------------------

    def _start_pipelines(self) -> None:
        assert self.aws is not None
        for name, pipeline_settings in self.settings.batch.items():
            resources = create_pipeline(self.aws, name, pipeline_settings)
            env = worker_environment(resources, extra=pipeline_settings.workload.environment)
            pool = WorkerPool(self.processes, name, self.aws.endpoint, env, self.workers_per_pipeline)
            pool.start_all()
            self.pipelines[name] = Pipeline(resources, pool)
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

    def start_schedule(self) -> None:
        assessor = self.settings.image_assessor
        self.ticker = Ticker(ASSESSOR, assessor, self.clock, self._scheduled_run, self._skipped)
        self.ticker.start()
        self.console.say(ASSESSOR, f"schedule {self.ticker.describe()}; {assessor.task_count} task(s) per run")

    def _scheduled_run(self, number: int, moment: datetime) -> None:
        when = moment.astimezone().strftime("%H:%M:%S")
        self.run_assessor(self.settings.image_assessor.task_count, label=f"scheduled run {number} ({when} simulated)")

    def _skipped(self, moment: datetime, reason: str) -> None:
        self.skipped_runs += 1
        self.console.say(ASSESSOR, f"no run at {moment.astimezone().strftime('%H:%M:%S')} simulated: {reason}")

    def run_assessor(self, count: int, *, label: str, overrides: dict[str, str] | None = None) -> list[AssessorRun]:
        """Start `count` ImageAssessor tasks at once (as RunTask with `count` and overrides) and wait for them."""
        with self._run_lock:
            assessor = self.settings.image_assessor
            own = {"ALB_URL": self.cats_url, "DELETE_COUNT": str(assessor.delete_count), "API_TOKEN": self.api_token}
            env = child_env(None, **{**assessor.workload.environment, **own, **(overrides or {})})
            started = [
                self.processes.python(
                    ASSESSOR, ["-m", "image_assessor"], env, log_name=f"{ASSESSOR}-{uuid.uuid4().hex[:8]}.log"
                )
                for _ in range(count)
            ]
            runs = []
            for index, child in enumerate(started, 1):
                code = child.wait(ASSESSOR_TIMEOUT_SECONDS)
                if code is None:
                    code = child.stop()
                run = _assessor_result(child.log_path, code)
                runs.append(run)
                task = f"{label}, task {index}/{count}" if count > 1 else label
                self.console.say(ASSESSOR, f"{task}: {_describe_run(run)}")
            self.assessor_runs.extend(runs)
            return runs


def _assessor_result(log_path: Path, exit_code: int) -> AssessorRun:
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

"""The job API on loopback, and a ticker that runs the jobs it writes, standing in for Scheduler and the
state machine.

In AWS each job of the job API (`apps/job_api`) is an EventBridge Scheduler schedule in the API's group;
at each occurrence Scheduler starts the Step Functions state machine with the job as input, and the state
machine counts the tasks (`ecs_workloads.job_trigger.tasks_to_start`, with the trigger queue's depth) and
runs them. moto records schedules without firing them, so here:

- the API runs under gunicorn against moto_server, with its schedule group, a state machine and the
  scheduler role's ARN, as `JOB_SCHEDULE_GROUP`, `JOB_STATE_MACHINE_ARN` and `JOB_SCHEDULER_ROLE_ARN`, and
  its bearer token generated into a Secrets Manager secret, like the cats API's;
- `JobTicker.tick(now)` does what Scheduler and the state machine do between the previous tick and `now`:
  it lists the group's schedules in moto, reads each job from its target's input, and for a schedule that
  is ENABLED and has an occurrence in that window (its expression in its time zone, inside its start and
  end dates: `ecs_workloads.schedule_expression`) it reads the trigger queue's visible messages from moto,
  counts the tasks with `tasks_to_start` and calls RunTask with the job's environment overrides. The local
  ECS agent (`local.ecs_agent`) runs the tasks like any other;
- each run is then recorded as an execution of the state machine (in AWS the stack's JobRunWorkflow, which
  moto cannot run: JSONata and `ecs:runTask.sync`), named `<id>.<16 characters>` as
  Scheduler names them, with the job and `tasksStarted` as its input. The local state machine is one Pass
  state that outputs `tasksStarted` and `tasks` (each task's ARN; exit codes null, as the ticker does not wait
  for them), and moto_server runs it (`local.moto_server`), so the API's `lastRun`, `lastRunTasks` and
  `lastRunTaskResults` come from Step Functions as in AWS. What differs: in AWS the execution
  starts the tasks; here the ticker has started them when the execution begins, and its start date is
  moto's wall clock, not the ticker's (simulated) one.

The ticker is driven by its caller's clock: `tick(now)` decides from `now` alone, so tests and the demo
step it through chosen moments; `start(clock)` ticks from a thread for `make local`.

The walk-through's task families (`WALKTHROUGH_FAMILIES`) are registered in moto from one small command,
`python -c` sleeping `SLEEP_SECONDS` and printing its environment, in the job API's image (`local/job_api`:
the agent runs the command with this interpreter); the `consumer-task` family does not read its queue.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ecs_workloads.job_trigger import TASK_RESULTS, TASKS_STARTED, tasks_to_start
from ecs_workloads.schedule_expression import next_occurrence

from .api_token import create_token_secret, resolve_secret
from .aws import Aws
from .control_plane import ACCOUNT, ControlPlane
from .processes import APPS_DIR, Processes, child_env, free_port, wait_until_answering
from .schedule import SimulatedClock, rate_seconds

JOB_API = "job-api"
JOB_API_APP = "job_api"
STARTED_BY_PREFIX = "local-jobs/"
"""RunTask's startedBy of a job's tasks, followed by the job id: startedBy is up to 128 letters, numbers, -, /
and _ (RunTask, botocore's ecs model), and an id at most 63 lowercase letters, digits and -."""
RUN_ID_LENGTH = 16  # Scheduler's <aws.scheduler.execution-id>, e.g. d32c5kddcf5bb8c3 (Scheduler User Guide)
RUN_TASK_MAX_COUNT = 10  # RunTask `count`: "up to 10 tasks for each call" (botocore's ecs model)
TICK_SECONDS = 0.5
"""Real seconds between the threaded ticker's ticks."""
WORK_QUEUE = "consumer-work"
"""The SQS queue the walk-through's consumer-task is triggered by."""
SLEEP_COMMAND = [
    "python",
    "-c",
    "import json, os, time; seconds = float(os.environ.get('SLEEP_SECONDS', '0')); time.sleep(seconds); "
    "print(json.dumps({'message': 'slept', 'seconds': seconds, 'environment': "
    "{key: value for key, value in os.environ.items() if key.startswith(('SLEEP_', 'JOB_'))}}))",
]
WALKTHROUGH_FAMILIES = {
    "sleeper-task": {"SLEEP_SECONDS": "0.2"},
    "long-sleep-task": {"SLEEP_SECONDS": "0.5"},
    "consumer-task": {"SLEEP_SECONDS": "0.2"},
}
"""Task definition families the local job API allows, each the sleep command with its default environment."""
# The state machine the schedules start: in AWS it runs the tasks; here the ticker has, and it reports the
# count it is given (StartExecution input) as its output, where the job API reads `tasksStarted`.
STATE_MACHINE_DEFINITION = {
    "Comment": "Local stand-in: the local job ticker starts the tasks; this reports how many",
    "StartAt": "Report",
    "States": {
        "Report": {
            "Type": "Pass",
            "Parameters": {f"{TASKS_STARTED}.$": f"$.{TASKS_STARTED}", f"{TASK_RESULTS}.$": f"$.{TASK_RESULTS}"},
            "End": True,
        }
    },
}


@dataclass(frozen=True)
class JobApi:
    url: str
    token: str
    token_secret_arn: str
    schedule_group: str
    state_machine_arn: str
    scheduler_role_arn: str
    families: tuple[str, ...]
    work_queue_url: str


@dataclass
class JobRun:
    """One occurrence of a job that the ticker acted on."""

    job_id: str
    scheduled: datetime
    tasks: int = 0
    task_arns: list[str] = field(default_factory=list)
    queue_depth: int | None = None
    execution_arn: str = ""
    error: str | None = None


def create_job_api_resources(aws: Aws, control: ControlPlane, stack: str) -> dict[str, Any]:
    """The schedule group, state machine, task families and trigger queue the API and its jobs use."""
    group = f"ecs-workloads-{stack}-jobs"
    aws.client("scheduler").create_schedule_group(Name=group)
    role = f"arn:aws:iam::{ACCOUNT}:role/{JOB_API}-scheduler"
    state_machine = aws.client("stepfunctions").create_state_machine(
        name=f"ecs-workloads-{stack}-jobs",
        definition=json.dumps(STATE_MACHINE_DEFINITION),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/{JOB_API}-state-machine",
    )["stateMachineArn"]
    log_group = f"/ecs/ecs-workloads-{stack}/jobs"
    aws.client("logs").create_log_group(logGroupName=log_group)
    for family, environment in WALKTHROUGH_FAMILIES.items():
        control.add_task_family(family, JOB_API_APP, environment, SLEEP_COMMAND, log_group)
    queue_url = aws.client("sqs").create_queue(QueueName=WORK_QUEUE)["QueueUrl"]
    return {"group": group, "role": role, "state_machine": state_machine, "queue_url": queue_url}


def start_job_api(processes: Processes, aws: Aws, control: ControlPlane, stack: str) -> JobApi:
    """The job API under gunicorn, as in its container, on a free loopback port."""
    resources = create_job_api_resources(aws, control, stack)
    secret = create_token_secret(aws, prefix="job-api-token")
    token = resolve_secret(aws, secret)
    families = tuple(WALKTHROUGH_FAMILIES)
    env = child_env(
        aws.endpoint,
        API_TOKEN=token,
        JOB_SCHEDULE_GROUP=resources["group"],
        JOB_STATE_MACHINE_ARN=resources["state_machine"],
        JOB_SCHEDULER_ROLE_ARN=resources["role"],
        JOB_TASK_FAMILIES=",".join(families),
        WEB_CONCURRENCY="1",
    )
    port = free_port()
    argv = [
        "-m",
        "gunicorn",
        "--config",
        "python:job_api.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "job_api.wsgi:app",
    ]
    child = processes.python(JOB_API, argv, env, cwd=APPS_DIR)
    url = f"http://127.0.0.1:{port}"
    wait_until_answering(f"{url}/health", child)
    return JobApi(
        url,
        token,
        secret,
        resources["group"],
        resources["state_machine"],
        resources["role"],
        families,
        resources["queue_url"],
    )


class JobTicker:
    """Runs the jobs of one schedule group at their occurrences between one `tick` and the next."""

    def __init__(
        self,
        aws: Aws,
        group: str,
        state_machine_arn: str,
        cluster_arn: str,
        network: dict[str, Any],
        since: datetime,
        on_run: Callable[[JobRun], None] = lambda _run: None,
        on_skip: Callable[[str, datetime, str], None] = lambda _job, _moment, _reason: None,
    ) -> None:
        self._scheduler = aws.client("scheduler")
        self._sqs = aws.client("sqs")
        self._ecs = aws.client("ecs")
        self._sfn = aws.client("stepfunctions")
        self._group = group
        self._state_machine_arn = state_machine_arn
        self._cluster_arn = cluster_arn
        self._network = network
        self._last = since
        self._on_run = on_run
        self._on_skip = on_skip
        # A rate counts from the schedule's start date, or from its creation (Scheduler User Guide), which
        # moto does not return: the first tick that saw the schedule stands in for it.
        self._rate_origins: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs: list[JobRun] = []
        self.error: BaseException | None = None

    def tick(self, now: datetime) -> list[JobRun]:
        """Act on every job with an occurrence after the previous tick and at or before `now`; occurrences
        missed while the ticker was behind make one run, as the ImageAssessor's ticker skips them."""
        with self._lock:
            after, self._last = self._last, max(self._last, now)
            if now <= after:
                return []
            runs = []
            for name in self._schedule_names():
                try:
                    schedule = self._scheduler.get_schedule(GroupName=self._group, Name=name)
                except ClientError:
                    continue  # removed since the listing
                moment = self._due(schedule, after, now)
                if moment is None:
                    continue
                if schedule.get("State", "ENABLED") != "ENABLED":
                    self._on_skip(name, moment, "schedule disabled (job suspended)")
                    continue
                run = self._run(name, schedule, moment)
                runs.append(run)
                self.runs.append(run)
                self._on_run(run)
            return runs

    def start(self, clock: SimulatedClock) -> None:
        """Tick from a thread at `clock`'s time until `stop()`."""
        self._thread = threading.Thread(target=self._loop, args=(clock,), name="job-ticker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self, clock: SimulatedClock) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.tick(clock.now())
            except (ClientError, BotoCoreError) as error:
                if self._stop.is_set():
                    return  # moto_server is stopping with the run
                self.error = error

    def _schedule_names(self) -> list[str]:
        pages = self._scheduler.get_paginator("list_schedules").paginate(GroupName=self._group)
        return sorted(schedule["Name"] for page in pages for schedule in page["Schedules"])

    def _due(self, schedule: dict[str, Any], after: datetime, now: datetime) -> datetime | None:
        """The first occurrence in (after, now] inside the schedule's start and end dates, or None."""
        expression = schedule["ScheduleExpression"]
        start, end = schedule.get("StartDate"), schedule.get("EndDate")
        interval = rate_seconds(expression)
        if interval is not None:
            origin = start or self._rate_origins.setdefault(schedule["Name"], after)
            # As the ImageAssessor's ticker counts: the first run one interval after the origin.
            elapsed = max(0.0, (after - origin).total_seconds())
            steps = int(elapsed // interval) + 1
            moment: datetime | None = origin + timedelta(seconds=steps * interval)
        else:
            lower = after if start is None else max(after, start - timedelta(microseconds=1))
            moment = next_occurrence(expression, lower, schedule.get("ScheduleExpressionTimezone") or "UTC")
        if moment is None or moment > now or (start is not None and moment < start):
            return None
        if end is not None and moment > end:
            return None
        return moment

    def _run(self, job_id: str, schedule: dict[str, Any], moment: datetime) -> JobRun:
        """What the state machine does with the job: count the tasks, start them, report the count."""
        job = json.loads(json.loads(schedule["Target"]["Input"])["Input"])
        run = JobRun(job_id, moment)
        trigger = job.get("trigger")
        try:
            if trigger:
                queue_url = self._sqs.get_queue_url(QueueName=trigger["queueName"])["QueueUrl"]
                attributes = self._sqs.get_queue_attributes(
                    QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
                )["Attributes"]
                run.queue_depth = int(attributes["ApproximateNumberOfMessages"])
            count = tasks_to_start(
                task_count=job["taskCount"],
                max_count=job["maxCount"],
                queue_depth=run.queue_depth,
                messages_per_task=trigger["messagesPerTask"] if trigger else 1,
            )
            overrides = {
                "containerOverrides": [
                    {
                        "name": override["name"],
                        "environment": [{"name": k, "value": v} for k, v in override["environment"].items()],
                    }
                    for override in job.get("overrides", [])
                ]
            }
            while len(run.task_arns) < count:
                started = self._ecs.run_task(
                    cluster=self._cluster_arn,
                    taskDefinition=job["taskDefinition"],
                    count=min(RUN_TASK_MAX_COUNT, count - len(run.task_arns)),
                    launchType="FARGATE",
                    networkConfiguration={"awsvpcConfiguration": self._network},
                    overrides=overrides,
                    startedBy=f"{STARTED_BY_PREFIX}{job_id}",
                )
                if started.get("failures"):
                    raise RuntimeError(f"RunTask failed: {started['failures']}")
                run.task_arns.extend(task["taskArn"] for task in started["tasks"])
        except (ClientError, RuntimeError) as error:
            run.error = str(error)
        run.tasks = len(run.task_arns)
        # StartExecution name is 1-80 characters (botocore's stepfunctions model): a 63-character id, the dot
        # and 16 more, as the job API's JOB_ID_MAX_LENGTH leaves room for.
        name = f"{job_id}.{uuid.uuid4().hex[:RUN_ID_LENGTH]}"
        # The ticker does not wait for the tasks, so their exit codes are unknown (null) when the run is recorded.
        results = [{"taskArn": arn, "exitCodes": None, "attempts": 1} for arn in run.task_arns]
        run.execution_arn = self._sfn.start_execution(
            stateMachineArn=self._state_machine_arn,
            name=name,
            input=json.dumps({**job, TASKS_STARTED: run.tasks, TASK_RESULTS: results}),
        )["executionArn"]
        return run

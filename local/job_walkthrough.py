"""The ECS Scheduler's usage walk-through (seed `004`) replayed against the local job API, checked.

The seed creates `sleeper-task` every five minutes with `? */5` (its own format: a random second, then
every fifth minute), adds `long-sleep-task` with an environment override, and `consumer-task` triggered by
an SQS queue at 100 messages per task, at most 10 tasks. EventBridge Scheduler has no seconds field, so
here `sleeper-task` runs `*/5 * * * *`, and the drawn-once `?` is shown on `long-sleep-task`, hourly at a
minute the API draws: `? * * * *`.

The ticks are moments chosen from the jobs' own schedules and given to `JobTicker.tick`, so what each tick
starts is decided by the schedules and the queue alone, never by how fast the machine is:

1. the three jobs are created over HTTP with the API's bearer token; the `?` is replaced by one minute, the
   same in every GET and in the schedule in moto;
2. a tick at a five-minute occurrence starts one sleeper task, and the API then shows it as `lastRunTasks`;
3. a tick at the drawn minute starts the long-sleep task with the override in its environment;
4. 250 queued messages start 3 consumer tasks, 1001 start 10 (maxCount; see `BACKLOGS`);
5. a suspended job's schedule is DISABLED and its next occurrence starts nothing.

`check(description, passed, seen)` reports each check (the demo's raises on the first failure).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests

from ecs_workloads.schedule_expression import next_occurrence

from .aws import Aws
from .ecs_agent import EcsAgent, StoppedTask
from .jobs import WORK_QUEUE, JobApi, JobRun, JobTicker

Check = Callable[[str, bool, str], None]

SLEEPER = {"taskDefinition": "sleeper-task", "schedule": "*/5 * * * *"}
LONG_SLEEP_OVERRIDE = {"SLEEP_SECONDS": "1"}
LONG_SLEEP = {
    "taskDefinition": "long-sleep-task",
    "schedule": "? * * * *",
    "overrides": [{"name": "app", "environment": LONG_SLEEP_OVERRIDE}],
}
CONSUMER = {
    "taskDefinition": "consumer-task",
    "schedule": "*/5 * * * *",
    "trigger": {"type": "sqs", "queueName": WORK_QUEUE, "messagesPerTask": 100},
    "maxCount": 10,
}
BACKLOGS = ((250, 3), (1001, 10))
"""Visible messages in the trigger queue, and the consumer tasks one run starts for them: 1001 is the least
backlog above maxCount's 10 tasks (ceil(1001 / 100) = 11). The seed's 5000 would start 10 as well, but moto
recounts a queue's messages for every message sent to it, so filling one with 5000 takes minutes."""
TASK_TIMEOUT_SECONDS = 60.0
_RUN_RECORDED_TIMEOUT_SECONDS = 30.0
_SQS_BATCH = 10  # SendMessageBatch: at most 10 messages per call


class Walkthrough:
    def __init__(self, api: JobApi, ticker: JobTicker, agent: EcsAgent, aws: Aws, check: Check) -> None:
        self.api = api
        self.ticker = ticker
        self.agent = agent
        self.aws = aws
        self.check = check
        self.moment: datetime | None = None

    def run(self, since: datetime) -> None:
        self.moment = since
        minute = self.create_jobs()
        self.sleeper_tick(minute)
        self.long_sleep_tick()
        for messages, tasks in BACKLOGS:
            self.consumer_tick(messages, tasks)
        self.suspended_tick()

    # -- HTTP ------------------------------------------------------------------------------------

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.api.token}"}
        return requests.request(method, f"{self.api.url}{path}", json=body, headers=headers, timeout=10)

    def create_jobs(self) -> int:
        """The three jobs; returns the minute drawn for long-sleep-task's `?`."""
        created = [self.call("POST", "/jobs", body) for body in (SLEEPER, LONG_SLEEP, CONSUMER)]
        self.check(
            "job API created sleeper-task, long-sleep-task and consumer-task over HTTP (201)",
            [response.status_code for response in created] == [201, 201, 201],
            "; ".join(f"{response.status_code} {response.text[:200]}" for response in created),
        )
        schedule = created[1].json()["schedule"]
        match = re.fullmatch(r"cron\((\d+) \* \* \* \? \*\)", schedule)
        again = [self.call("GET", "/jobs/long-sleep-task").json()["schedule"] for _ in range(2)]
        stored = self.aws.client("scheduler").get_schedule(GroupName=self.api.schedule_group, Name="long-sleep-task")
        self.check(
            f"'? * * * *' drew minute {match[1] if match else '?'} once: {schedule} in every GET and in Scheduler",
            match is not None and again == [schedule, schedule] and stored["ScheduleExpression"] == schedule,
            f"created {schedule}, then read {again}, Scheduler has {stored['ScheduleExpression']}",
        )
        return int(match[1]) if match else 0

    # -- ticks -----------------------------------------------------------------------------------

    def tick_at(self, expression: str, avoid_minute: int | None = None) -> list[JobRun]:
        """Tick at the next occurrence of `expression` after the previous tick (not at `avoid_minute`)."""
        assert self.moment is not None
        moment = next_occurrence(expression, self.moment)
        while moment is not None and avoid_minute is not None and moment.minute == avoid_minute:
            moment = next_occurrence(expression, moment)
        assert moment is not None
        self.moment = moment
        return self.ticker.tick(moment)

    def finished(self, run: JobRun | None) -> list[StoppedTask]:
        return self.agent.wait(run.task_arns, TASK_TIMEOUT_SECONDS) if run else []

    def sleeper_tick(self, drawn_minute: int) -> None:
        runs = _by_job(self.tick_at("cron(*/5 * * * ? *)", avoid_minute=drawn_minute))
        sleeper = runs.get("sleeper-task")
        stopped = self.finished(sleeper)
        for other in runs.values():
            self.finished(other)
        self.check(
            "a tick at a five-minute occurrence started 1 sleeper-task task, which exited 0",
            sleeper is not None and sleeper.tasks == 1 and [task.exit_code for task in stopped] == [0],
            f"runs {list(runs.values())}; stopped {stopped}",
        )
        job = self.wait_for_last_run("sleeper-task")
        self.check(
            "the job API shows the run (lastRun, lastRunTasks 1) from its Step Functions execution",
            job.get("lastRun") is not None and job.get("lastRunTasks") == 1,
            f"GET /jobs/sleeper-task answered {job}",
        )

    def long_sleep_tick(self) -> None:
        runs = _by_job(self.tick_at(self.call("GET", "/jobs/long-sleep-task").json()["schedule"]))
        stopped = {job_id: self.finished(run) for job_id, run in runs.items()}
        run, tasks = runs.get("long-sleep-task"), stopped.get("long-sleep-task", [])
        logs = [task.log_path.read_text(errors="replace") if task.log_path else "" for task in tasks]
        wanted = ", ".join(f'"{key}": "{value}"' for key, value in LONG_SLEEP_OVERRIDE.items())
        self.check(
            f"the drawn minute started 1 long-sleep-task task with its override {wanted} in its environment",
            run is not None
            and run.tasks == 1
            and [task.overrides for task in tasks] == [LONG_SLEEP_OVERRIDE]
            and len(logs) == 1
            and all(wanted in log for log in logs)
            and [task.exit_code for task in tasks] == [0],
            f"run {run}; logs {logs}",
        )

    def consumer_tick(self, messages: int, tasks: int) -> None:
        queue = self.api.work_queue_url
        sqs = self.aws.client("sqs")
        visible = int(
            sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
        for first in range(visible, messages, _SQS_BATCH):
            entries = [
                {"Id": str(n), "MessageBody": f"work {n}"} for n in range(first, min(first + _SQS_BATCH, messages))
            ]
            sqs.send_message_batch(QueueUrl=queue, Entries=entries)
        runs = _by_job(self.tick_at("cron(*/5 * * * ? *)"))
        for run in runs.values():
            self.finished(run)
        consumer = runs.get("consumer-task")
        self.check(
            f"{messages} queued messages started {tasks} consumer-task tasks (100 a task, maxCount 10)",
            consumer is not None and consumer.queue_depth == messages and consumer.tasks == tasks,
            f"run {consumer}",
        )

    def suspended_tick(self) -> None:
        suspended = self.call("PUT", "/jobs/sleeper-task", {"suspended": True})
        state = self.aws.client("scheduler").get_schedule(GroupName=self.api.schedule_group, Name="sleeper-task")
        runs = _by_job(self.tick_at("cron(*/5 * * * ? *)"))
        for run in runs.values():
            self.finished(run)
        self.check(
            "suspended sleeper-task (schedule DISABLED) started nothing at its next occurrence",
            suspended.status_code == 200 and state["State"] == "DISABLED" and "sleeper-task" not in runs,
            f"PUT answered {suspended.status_code}; State {state['State']}; runs {list(runs)}",
        )

    def wait_for_last_run(self, job_id: str) -> dict[str, Any]:
        """The job as the API shows it once moto_server has finished the run's execution (it runs in a thread)."""
        deadline = time.monotonic() + _RUN_RECORDED_TIMEOUT_SECONDS
        while True:
            job = self.call("GET", f"/jobs/{job_id}").json()
            if job.get("lastRunTasks") is not None or time.monotonic() > deadline:
                return job
            time.sleep(0.1)


def _by_job(runs: list[JobRun]) -> dict[str, JobRun]:
    return {run.job_id: run for run in runs}

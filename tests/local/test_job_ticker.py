"""The local job ticker's decisions against moto_server, stepped through chosen moments (no clock runs).

Jobs are written with the job API's own store and model (`job_api.schedules`, `job_api.model`), so the
ticker reads schedules exactly as the API leaves them; what it starts is read back from moto's ECS, SQS and
Step Functions.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from job_api.model import parse_job
from job_api.runs import StepFunctionsRunHistory
from job_api.schedules import RunTarget, ScheduleStore

from ecs_workloads.job_trigger import TASK_RESULTS, TASKS_STARTED
from local.aws import Aws
from local.control_plane import ControlPlane
from local.jobs import STARTED_BY_PREFIX, WALKTHROUGH_FAMILIES, WORK_QUEUE, JobTicker, create_job_api_resources

T0 = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)  # a Sunday
_EXECUTION_TIMEOUT_SECONDS = 30.0


class Jobs:
    def __init__(self, aws: Aws, control: ControlPlane) -> None:
        self.aws = aws
        self.control = control
        self.resources = create_job_api_resources(aws, control, "test")
        self.store = ScheduleStore(
            aws.client("scheduler"),
            self.resources["group"],
            RunTarget(self.resources["state_machine"], self.resources["role"]),
            clock=lambda: T0,
        )
        self.skips: list[tuple[str, datetime, str]] = []
        network = {"subnets": [control.subnet_id], "securityGroups": [control.security_group_id]}
        self.ticker = JobTicker(
            aws,
            self.resources["group"],
            self.resources["state_machine"],
            control.cluster_arn,
            network,
            since=T0,
            on_skip=lambda *skip: self.skips.append(skip),
        )

    def create(self, **body: Any) -> None:
        self.store.create(parse_job(body, families=set(WALKTHROUGH_FAMILIES), randint=lambda low, high: 7))

    def at(self, hour: int, minute: int, day: int = 6) -> dict[str, Any]:
        """Tick at that moment of January 2030; the runs by job id."""
        return {run.job_id: run for run in self.ticker.tick(datetime(2030, 1, day, hour, minute, tzinfo=UTC))}

    def tasks(self, arns: list[str]) -> list[dict[str, Any]]:
        ecs = self.aws.client("ecs")
        return [
            task
            for first in range(0, len(arns), 100)
            for task in ecs.describe_tasks(cluster=self.control.cluster_arn, tasks=arns[first : first + 100])["tasks"]
        ]

    def queue(self, messages: int) -> None:
        sqs = self.aws.client("sqs")
        url = sqs.get_queue_url(QueueName=WORK_QUEUE)["QueueUrl"]
        for first in range(0, messages, 10):
            entries = [{"Id": str(n), "MessageBody": "work"} for n in range(first, min(first + 10, messages))]
            sqs.send_message_batch(QueueUrl=url, Entries=entries)


@pytest.fixture
def jobs(aws: Aws, control: ControlPlane) -> Jobs:
    return Jobs(aws, control)


def test_a_cron_job_runs_once_at_each_occurrence(jobs):
    jobs.create(taskDefinition="sleeper-task", schedule="*/5 * * * *")
    assert jobs.at(12, 4) == {}
    run = jobs.at(12, 5)["sleeper-task"]
    assert (run.scheduled, run.tasks, run.error) == (datetime(2030, 1, 6, 12, 5, tzinfo=UTC), 1, None)
    (task,) = jobs.tasks(run.task_arns)
    assert task["startedBy"] == f"{STARTED_BY_PREFIX}sleeper-task"
    assert task["taskDefinitionArn"].rsplit("/", 1)[-1] == "sleeper-task:1"
    # The same moment again, or one before the next occurrence, starts nothing.
    assert jobs.at(12, 5) == {}
    assert jobs.at(12, 9) == {}
    assert jobs.at(12, 10)["sleeper-task"].tasks == 1


def test_occurrences_missed_between_ticks_make_one_run(jobs):
    jobs.create(taskDefinition="sleeper-task", schedule="*/5 * * * *")
    runs = jobs.ticker.tick(datetime(2030, 1, 6, 12, 31, tzinfo=UTC))
    assert [(run.job_id, run.scheduled.minute) for run in runs] == [("sleeper-task", 5)]


def test_a_suspended_job_is_skipped_and_runs_again_once_resumed(jobs):
    jobs.create(taskDefinition="sleeper-task", schedule="*/5 * * * *", suspended=True)
    assert jobs.at(12, 5) == {}
    assert jobs.skips == [
        ("sleeper-task", datetime(2030, 1, 6, 12, 5, tzinfo=UTC), "schedule disabled (job suspended)")
    ]
    jobs.store.replace(
        parse_job(
            {"suspended": False}, families=set(WALKTHROUGH_FAMILIES), randint=max, stored=jobs.store.get("sleeper-task")
        )
    )
    assert jobs.at(12, 10)["sleeper-task"].tasks == 1


def test_cron_is_read_in_the_job_time_zone_inside_its_start_and_end(jobs):
    # 09:00 in New York is 14:00 UTC in January; the job runs from the 7th to the 8th at noon.
    jobs.create(
        taskDefinition="sleeper-task",
        schedule="0 9 * * *",
        timezone="America/New_York",
        scheduleStart="2030-01-07T00:00:00Z",
        scheduleEnd="2030-01-08T12:00:00Z",
    )
    assert jobs.at(14, 30) == {}  # the 6th: before the start
    assert jobs.at(13, 59, day=7) == {}
    assert jobs.at(14, 0, day=7)["sleeper-task"].scheduled == datetime(
        2030, 1, 7, 9, 0, tzinfo=ZoneInfo("America/New_York")
    )
    assert jobs.at(15, 0, day=8) == {}  # the 8th's 09:00 New York is after the end
    assert jobs.at(15, 0, day=10) == {}


def test_a_rate_counts_from_its_start_date(jobs):
    jobs.create(taskDefinition="sleeper-task", schedule="rate(10 minutes)", scheduleStart="2030-01-06T12:03:00Z")
    assert jobs.at(12, 12) == {}
    assert jobs.at(12, 13)["sleeper-task"].scheduled == datetime(2030, 1, 6, 12, 13, tzinfo=UTC)
    assert jobs.at(12, 22) == {}
    assert jobs.at(12, 23)["sleeper-task"].tasks == 1


@pytest.mark.parametrize(("messages", "tasks"), [(0, 0), (1, 1), (250, 3), (1001, 10)])
def test_a_triggered_job_starts_tasks_for_its_queue_depth(jobs, messages, tasks):
    jobs.create(
        taskDefinition="consumer-task",
        schedule="*/5 * * * *",
        taskCount=0,
        maxCount=10,
        trigger={"type": "sqs", "queueName": WORK_QUEUE, "messagesPerTask": 100},
    )
    jobs.queue(messages)
    run = jobs.at(12, 5)["consumer-task"]
    assert (run.queue_depth, run.tasks, len(jobs.tasks(run.task_arns))) == (messages, tasks, tasks)


def test_more_than_ten_tasks_take_several_run_task_calls(jobs):
    jobs.create(taskDefinition="sleeper-task", schedule="*/5 * * * *", taskCount=23, maxCount=30)
    run = jobs.at(12, 5)["sleeper-task"]
    assert run.tasks == 23 and len(set(run.task_arns)) == 23


def test_the_job_overrides_reach_run_task(jobs):
    override = {"SLEEP_SECONDS": "30", "JOB_NOTE": "long"}
    jobs.create(
        taskDefinition="long-sleep-task", schedule="? * * * *", overrides=[{"name": "app", "environment": override}]
    )
    run = jobs.at(13, 7)["long-sleep-task"]  # `?` drew 7
    (task,) = jobs.tasks(run.task_arns)
    (container,) = task["overrides"]["containerOverrides"]
    assert container["name"] == "app"
    assert {item["name"]: item["value"] for item in container["environment"]} == override


def test_a_missing_trigger_queue_is_reported_and_starts_nothing(jobs):
    jobs.create(taskDefinition="consumer-task", schedule="*/5 * * * *", trigger={"type": "sqs", "queueName": "nowhere"})
    run = jobs.at(12, 5)["consumer-task"]
    assert run.tasks == 0 and "NonExistentQueue" in (run.error or "")


def test_each_run_is_an_execution_the_job_api_reads_as_the_last_run(jobs):
    jobs.create(taskDefinition="sleeper-task", schedule="*/5 * * * *", taskCount=2)
    run = jobs.at(12, 5)["sleeper-task"]
    sfn = jobs.aws.client("stepfunctions")
    execution = _finished(sfn, run.execution_arn)
    name = execution["name"]
    assert name.startswith("sleeper-task.") and len(name.split(".", 1)[1]) == 16
    assert json.loads(execution["input"])[TASKS_STARTED] == 2
    results = [{"taskArn": arn, "exitCodes": None, "attempts": 1} for arn in run.task_arns]
    assert len(results) == 2
    assert json.loads(execution["output"]) == {TASKS_STARTED: 2, TASK_RESULTS: results}
    last = StepFunctionsRunHistory(sfn, jobs.resources["state_machine"]).last_runs(["sleeper-task"])
    assert (last["sleeper-task"].tasks, last["sleeper-task"].status) == (2, "SUCCEEDED")
    assert last["sleeper-task"].task_results == results


def _finished(sfn: Any, arn: str) -> dict[str, Any]:
    """moto_server runs the execution's Pass state in a thread of its own; bounded wait for its end."""
    deadline = time.monotonic() + _EXECUTION_TIMEOUT_SECONDS
    while True:
        execution = sfn.describe_execution(executionArn=arn)
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            assert execution["status"] == "SUCCEEDED", execution
            return execution
        time.sleep(0.05)

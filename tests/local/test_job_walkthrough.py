"""The ECS Scheduler's walk-through (`local.job_walkthrough`) against the job API under gunicorn, moto_server
and the local ECS agent, its ticks at moments the jobs' schedules choose; every process is stopped after."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from local.aws import Aws
from local.control_plane import ControlPlane
from local.ecs_agent import EcsAgent
from local.job_walkthrough import Walkthrough
from local.jobs import JobTicker, start_job_api
from local.processes import Processes

T0 = datetime(2030, 1, 6, 12, 1, tzinfo=UTC)
TASK_TIMEOUT_SECONDS = 60.0


def test_the_walkthrough_over_http(processes: Processes, aws: Aws, control: ControlPlane) -> None:
    api = start_job_api(processes, aws, control, "test")
    refused = requests.get(f"{api.url}/jobs", timeout=10)
    assert refused.status_code == 401
    agent = EcsAgent(processes, aws, control.cluster_arn, task_timeout_seconds=TASK_TIMEOUT_SECONDS)
    agent.start()
    network = {"subnets": [control.subnet_id], "securityGroups": [control.security_group_id]}
    ticker = JobTicker(aws, api.schedule_group, api.state_machine_arn, control.cluster_arn, network, since=T0)
    passed: list[str] = []

    def check(label: str, ok: bool, detail: str) -> None:
        assert ok, f"{label}: {detail}"
        passed.append(label)

    try:
        Walkthrough(api, ticker, agent, aws, check).run(T0)
    finally:
        agent.stop()
    assert len(passed) == 8, passed
    assert agent.error is None

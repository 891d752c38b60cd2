"""`run <job>`: RunTask with the job's network, capacity and overrides; waiting for exit codes; logs."""

from __future__ import annotations

import time
from typing import Any

import pytest

from ecs_workloads.ops.jobs import STARTED_BY


def describe_tasks(stack, arns: list[str]) -> list[dict[str, Any]]:
    ecs = stack.client("ecs")
    return ecs.describe_tasks(cluster=stack.outputs["clusterArn"], tasks=arns)["tasks"]


def stopped_with(exit_codes: list[int | None]):
    """An answer to DescribeTasks in which the tasks have stopped with these exit codes, in task order."""

    def answer(describe, **kwargs):
        response = describe(**kwargs)
        for task, code in zip(response["tasks"], exit_codes, strict=True):
            task["lastStatus"] = "STOPPED"
            task["stoppedReason"] = "Essential container in task exited"
            container = task["containers"][0]
            container.pop("exitCode", None)
            if code is not None:
                container["exitCode"] = code
        return response

    return answer


def test_run_two_with_environment_overrides_makes_one_run_task_call_and_prints_both_arns(stack, cli, spy):
    result = cli(
        "run", "image-assessor", "--count", "2", "--env", "RESETPICTURES=1", "--env", "DELETE_COUNT=0", session=spy
    )

    assert result.code == 0, result.err
    job = stack.job("image-assessor")
    [call] = spy.called("ecs", "run_task")
    assert call == {
        "cluster": stack.outputs["clusterArn"],
        "taskDefinition": job["taskDefinitionArn"],
        "count": 2,
        "startedBy": STARTED_BY,
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": job["subnetIds"],
                "securityGroups": job["securityGroupIds"],
                "assignPublicIp": "ENABLED",
            }
        },
        "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}],
        "overrides": {
            "containerOverrides": [
                {
                    "name": "app",
                    "environment": [{"name": "RESETPICTURES", "value": "1"}, {"name": "DELETE_COUNT", "value": "0"}],
                }
            ]
        },
    }
    arns = result.out.split()
    assert len(arns) == 2
    tasks = describe_tasks(stack, arns)
    assert {task["taskArn"] for task in tasks} == set(arns)
    for task in tasks:
        assert task["startedBy"] == STARTED_BY
        assert task["overrides"]["containerOverrides"][0]["environment"] == [
            {"name": "RESETPICTURES", "value": "1"},
            {"name": "DELETE_COUNT", "value": "0"},
        ]


def test_a_job_without_capacity_strategy_runs_as_fargate_with_private_ip_and_command_override(stack, cli, spy):
    result = cli("run", "nightly-report", "--command", "python -m report --since '2 days ago'", session=spy)

    assert result.code == 0, result.err
    [call] = spy.called("ecs", "run_task")
    assert call["launchType"] == "FARGATE"
    assert "capacityProviderStrategy" not in call
    assert call["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "DISABLED"
    assert call["overrides"] == {
        "containerOverrides": [{"name": "app", "command": ["python", "-m", "report", "--since", "2 days ago"]}]
    }


def test_a_bridge_mode_job_runs_without_a_network_configuration(stack, cli, spy):
    bridge = stack.client("ecs").register_task_definition(
        family="bridge-job",
        networkMode="bridge",
        requiresCompatibilities=["EC2"],
        containerDefinitions=[{"name": "app", "image": "public.ecr.aws/docker/library/busybox", "memory": 128}],
    )["taskDefinition"]["taskDefinitionArn"]
    job = {"networkMode": "bridge", "taskDefinitionArn": bridge}
    stack.rewrite(lambda outputs: outputs["jobs"]["image-assessor"].update(job))
    result = cli("run", "image-assessor", session=spy)
    assert result.code == 0, result.err
    [call] = spy.called("ecs", "run_task")
    assert "networkConfiguration" not in call
    assert call["taskDefinition"] == bridge


def test_without_overrides_the_task_definition_runs_unchanged(cli, spy):
    assert cli("run", "image-assessor", session=spy).code == 0
    [call] = spy.called("ecs", "run_task")
    assert "overrides" not in call
    assert call["count"] == 1


def test_wait_follows_the_tasks_until_they_stop_and_reports_exit_codes(cli):
    # moto moves a task one state further (RUNNING ... STOPPED) each time it is described.
    result = cli("run", "image-assessor", "--count", "2", "--wait", "--poll-seconds", "0")

    assert result.code == 0, result.err
    assert "RUNNING" not in result.out
    assert "STOPPED" in result.err.splitlines()[-1]
    rows = [line.split() for line in result.out.splitlines() if " STOPPED " in line]
    assert len(rows) == 2
    assert all(row[1:4] == ["STOPPED", "0", "ok"] for row in rows)


def test_wait_exits_non_zero_when_a_task_exits_non_zero(cli, spy):
    spy.answers[("ecs", "describe_tasks")] = stopped_with([0, 1])

    result = cli("run", "image-assessor", "--count", "2", "--wait", "--poll-seconds", "0", "--json", session=spy)

    assert result.code == 7
    tasks = result.json()["tasks"]
    assert [(task["exitCode"], task["failed"]) for task in tasks] == [(0, False), (1, True)]
    assert tasks[1]["stoppedReason"] == "Essential container in task exited"


def test_a_task_without_exit_code_counts_as_failed(cli, spy):
    spy.answers[("ecs", "describe_tasks")] = stopped_with([None])

    result = cli("run", "image-assessor", "--wait", "--poll-seconds", "0", session=spy)

    assert result.code == 7
    [row] = [line for line in result.out.splitlines() if " STOPPED " in line]
    assert row.split()[1:4] == ["STOPPED", "-", "failed"]


def test_wait_gives_up_after_the_timeout_with_its_own_exit_code(cli, spy):
    def still_running(describe, **kwargs):
        response = describe(**kwargs)
        for task in response["tasks"]:
            task["lastStatus"] = "RUNNING"
        return response

    spy.answers[("ecs", "describe_tasks")] = still_running

    result = cli("run", "image-assessor", "--wait", "--poll-seconds", "0", "--timeout", "0", session=spy)

    assert result.code == 8
    assert "still running after 0s" in result.err
    assert "Traceback" not in result.err


def test_logs_prints_each_tasks_lines_from_its_awslogs_stream(stack, cli, spy):
    job = stack.job("image-assessor")
    logs = stack.client("logs")
    # CloudWatch Logs refuses events more than 14 days old.
    now_ms = int(time.time() * 1000)

    def run_and_log(run_task, **kwargs):
        # Stands in for the awslogs driver: stream <prefix>/<container>/<task-id>, prefix = container name.
        response = run_task(**kwargs)
        for number, task in enumerate(response["tasks"]):
            stream = f"app/app/{task['taskArn'].rsplit('/', 1)[-1]}"
            logs.create_log_stream(logGroupName=job["logGroupName"], logStreamName=stream)
            logs.put_log_events(
                logGroupName=job["logGroupName"],
                logStreamName=stream,
                logEvents=[{"timestamp": now_ms + line, "message": f"task {number} line {line}"} for line in range(3)],
            )
        return response

    spy.answers[("ecs", "run_task")] = run_and_log

    result = cli("run", "image-assessor", "--count", "2", "--logs", "--poll-seconds", "0", session=spy)

    assert result.code == 0, result.err
    for number in range(2):
        lines = [line for line in result.out.splitlines() if f"task {number} line" in line]
        assert [line.split("  ", 1)[1] for line in lines] == [f"task {number} line {line}" for line in range(3)]


def test_logs_of_a_task_that_wrote_nothing_say_so(cli):
    result = cli("run", "image-assessor", "--logs", "--poll-seconds", "0", "--json")

    assert result.code == 0, result.err
    assert list(result.json()["logs"].values()) == [None]


def test_json_output_parses_and_lists_the_task_arns(stack, cli):
    result = cli("run", "image-assessor", "--count", "3", "--json")

    assert result.code == 0
    document = result.json()
    assert document["job"] == "image-assessor"
    assert len(document["taskArns"]) == 3
    assert document["failures"] == []


def test_an_unknown_job_lists_the_valid_ones(cli):
    result = cli("run", "image-asessor")

    assert result.code == 2
    assert result.err.strip() == (
        "error: 'image-asessor' — unknown job; did you mean \"image-assessor\"? allowed: image-assessor, nightly-report"
    )


@pytest.mark.parametrize(
    "arguments",
    [["--count", "11"], ["--count", "0"], ["--env", "RESETPICTURES"], ["--env", "1BAD=x"], ["--timeout", "-1"]],
)
def test_invalid_run_arguments_are_usage_errors(cli, spy, arguments):
    with pytest.raises(SystemExit) as exit_info:
        cli("run", "image-assessor", *arguments, session=spy)

    assert exit_info.value.code == 2
    assert spy.calls == []

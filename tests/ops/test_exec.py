"""`exec`: finds a running task with ECS Exec (or starts a job's), and prints or runs the exact
`aws ecs execute-command` invocation; a clear error when the stack outputs say ECS Exec is off."""

from __future__ import annotations

import shlex

import pytest

from ecs_workloads.ops import execute


@pytest.fixture
def no_plugin(monkeypatch):
    monkeypatch.setattr(execute.shutil, "which", lambda name: "/usr/bin/aws" if name == "aws" else None)


def _exec_on(stack, *, job: str = "image-assessor", containers=("app", "otel")):
    def change(outputs):
        outputs["jobs"][job].update(executeCommand=True, containerNames=list(containers))
        outputs["services"]["cats"].update(executeCommand=True, containerNames=list(containers))

    stack.rewrite(change)


# moto keeps its tasks PENDING and does not record RunTask's enableExecuteCommand: this answer to
# DescribeTasks gives each task the state AWS would, RUNNING and with ECS Exec as it was started.
STARTED_WITH_EXEC: dict[str, bool] = {}


@pytest.fixture
def running(spy):
    STARTED_WITH_EXEC.clear()

    def answer(describe, **kwargs):
        response = describe(**kwargs)
        for task in response["tasks"]:
            task["lastStatus"] = "RUNNING"
            task["enableExecuteCommand"] = STARTED_WITH_EXEC.get(task["taskArn"].rsplit("/", 1)[-1], True)
        return response

    spy.answers[("ecs", "describe_tasks")] = answer
    return spy


def _run_job_task(stack, job: str, *, exec_on: bool = True) -> str:
    entry = stack.job(job)
    response = stack.client("ecs").run_task(
        cluster=entry["clusterArn"],
        taskDefinition=entry["taskDefinitionArn"],
        launchType="FARGATE",
        enableExecuteCommand=exec_on,
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": entry["subnetIds"], "securityGroups": entry["securityGroupIds"]}
        },
    )
    task = response["tasks"][0]["taskArn"].rsplit("/", 1)[-1]
    STARTED_WITH_EXEC[task] = exec_on
    return task


def test_exec_is_refused_when_the_outputs_say_it_is_off(stack, cli):
    result = cli("exec", "cats", "--", "sh")
    assert result.code == 2
    assert (
        "ECS Exec is off for cats: set its workload's enableExecuteCommand: true (or the stack's executeCommand: "
        "true), run `pulumi up`, then restart the service or start a new run"
    ) in result.err


def test_exec_prints_the_invocation_for_a_running_job_task(stack, cli, no_plugin, running):
    _exec_on(stack)
    task = _run_job_task(stack, "image-assessor")
    result = cli("exec", "image-assessor", "--container", "otel", "--", "sh", "-c", "ls /tmp", session=running)
    assert result.code == 0, result.err
    cluster = stack.job("image-assessor")["clusterArn"]
    expected = [
        "aws", "ecs", "execute-command", "--cluster", cluster, "--task", task, "--container", "otel",
        "--interactive", "--command", "sh -c 'ls /tmp'", "--region", "us-east-1",
    ]  # fmt: skip
    assert shlex.split(result.out.strip().splitlines()[-1]) == expected
    assert "session-manager-plugin is not installed here" in result.err


def test_exec_json_names_the_task_and_never_starts_one_that_runs(stack, cli, no_plugin, running):
    _exec_on(stack)
    task = _run_job_task(stack, "image-assessor")
    result = cli("exec", "image-assessor", "--json", "--print", "--", "sh", session=running)
    assert result.code == 0, result.err
    assert result.json()["task"] == task and result.json()["started"] is False
    assert running.called("ecs", "run_task") == []


def test_a_task_started_without_exec_cannot_be_entered(stack, cli, no_plugin, running):
    _exec_on(stack)
    task = _run_job_task(stack, "image-assessor", exec_on=False)
    result = cli("exec", "image-assessor", "--", "sh", session=running)
    assert result.code == 2
    assert f"task {task} was started without ECS Exec (before it was turned on)" in result.err


def test_a_job_without_a_running_task_is_started_with_exec_and_kept_alive_when_asked(stack, cli, no_plugin, spy):
    _exec_on(stack, job="nightly-report")
    refused = cli("exec", "nightly-report", "--", "sh", session=spy)
    assert refused.code == 2 and "no running task of nightly-report has ECS Exec; --start starts one" in refused.err

    result = cli("exec", "nightly-report", "--start", "--json", "--", "sh", session=spy)
    assert result.code == 0, result.err
    (request,) = spy.called("ecs", "run_task")
    assert request["enableExecuteCommand"] is True
    assert request["overrides"] == {"containerOverrides": [{"name": "app", "command": ["sleep", "3600"]}]}
    assert result.json()["started"] is True
    listed = stack.client("ecs").list_tasks(cluster=request["cluster"], family=stack.job("nightly-report")["family"])
    assert [arn.rsplit("/", 1)[-1] for arn in listed["taskArns"]] == [result.json()["task"]]
    assert "enter it once it is RUNNING" in result.err


def test_an_unknown_container_or_workload_is_a_usage_error(stack, cli):
    _exec_on(stack)
    wrong = cli("exec", "cats", "--container", "sidecar", "--", "sh")
    assert wrong.code == 2 and "--container sidecar: cats has the containers app, otel" in wrong.err
    unknown = cli("exec", "dogs", "--", "sh")
    assert unknown.code == 2
    assert "unknown workload 'dogs'; services and jobs: cats, image-assessor, jsonl, nightly-report" in unknown.err
    empty = cli("exec", "cats")
    assert empty.code == 2 and "give the command after --" in empty.err


def test_with_the_plugin_installed_the_session_runs_here(stack, cli, monkeypatch, running):
    _exec_on(stack)
    task = _run_job_task(stack, "image-assessor")
    monkeypatch.setattr(execute.shutil, "which", lambda name: f"/usr/bin/{name}")
    ran = []
    monkeypatch.setattr(execute.subprocess, "call", lambda words: ran.append(words) or 0)
    result = cli("exec", "image-assessor", "--", "sh", session=running)
    assert result.code == 0, result.err
    (words,) = ran
    assert words[:3] == ["aws", "ecs", "execute-command"] and words[words.index("--task") + 1] == task

"""AWS failures end in one line on stderr and a distinct exit code, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("stack_outputs.json")


def run_module(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    empty = tmp_path / "empty"
    empty.write_text("")
    base = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    base.update(
        AWS_CONFIG_FILE=str(empty),
        AWS_SHARED_CREDENTIALS_FILE=str(empty),
        AWS_EC2_METADATA_DISABLED="true",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "ecs_workloads.ops", "--outputs", str(FIXTURE), *args],
        cwd=REPO,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_credentials_give_one_line_and_exit_3(tmp_path):
    done = run_module(tmp_path, "schedules")

    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.startswith("error: no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID")
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_an_unreachable_endpoint_gives_exit_6(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = run_module(
        tmp_path,
        "queues",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_MAX_ATTEMPTS="1",
    )

    assert done.returncode == 6
    assert done.stderr.startswith("error: cannot reach AWS")
    assert "AWS_ENDPOINT_URL" in done.stderr
    assert "Traceback" not in done.stderr


def _raise(error: Exception):
    def answer(_operation, **_kwargs):
        raise error

    return answer


def _client_error(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("error", "code", "text"),
    [
        (
            _client_error("AccessDeniedException", "not authorized to perform scheduler:GetSchedule", "GetSchedule"),
            4,
            "error: access denied for GetSchedule: not authorized to perform scheduler:GetSchedule",
        ),
        (_client_error("ThrottlingException", "Rate exceeded", "GetSchedule"), 5, "AWS throttled GetSchedule"),
        (_client_error("ExpiredTokenException", "The security token has expired", "GetSchedule"), 3, "ExpiredToken"),
        (
            _client_error("ValidationException", "Schedule group is being deleted", "GetSchedule"),
            1,
            "error: GetSchedule failed: ValidationException: Schedule group is being deleted",
        ),
        (EndpointConnectionError(endpoint_url="https://scheduler.us-east-1.amazonaws.com"), 6, "cannot reach AWS"),
    ],
)
def test_aws_errors_map_to_exit_codes(cli, spy, error, code, text):
    spy.answers[("scheduler", "get_schedule")] = _raise(error)

    result = cli("schedules", session=spy)

    assert result.code == code
    assert text in result.err
    assert result.err.count("\n") == 1


def test_a_resource_in_another_region_is_an_aws_error_naming_the_operation(cli):
    result = cli("--region", "eu-west-1", "pause", "image-assessor")

    assert result.code == 1
    assert result.err.startswith("error: GetSchedule failed: ResourceNotFoundException")


def test_no_region_anywhere_is_a_usage_error(stack, cli, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    stack.rewrite(lambda outputs: outputs.pop("region"))

    result = cli("queues")

    assert result.code == 2
    assert "no AWS region: pass --region" in result.err


def test_common_options_work_before_the_command_too(stack, capsys):
    from ecs_workloads.ops.cli import main

    assert main(["--json", "--outputs", str(stack.path), "queues"]) == 0
    assert '"queues"' in capsys.readouterr().out

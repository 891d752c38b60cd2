"""`python -m local` driven by hand: `ecs-workloads --outputs FILE` against its moto_server, and the samples.

The local system runs with its schedule clock ×60 (a run every 2 s), so the test sees the scheduler honour
the schedule's State in moto both ways. Every wait is on a condition with a bounded timeout.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from PIL import Image

from local.control_plane import ENV_FILE, OUTPUTS_FILE, read_environment
from local.processes import ROOT
from local.upload import SAMPLES, SAMPLES_DIR
from local.upload import main as upload_main
from stack.jobs import ASSESSOR_JOB
from tests.docs_blocks import ROOT as REPOSITORY
from tests.docs_blocks import blocks

STARTUP_TIMEOUT_SECONDS = 90
CONDITION_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 60
CLI = str(Path(sys.executable).parent / "ecs-workloads")
ALL_PICTURES = [f"{n}.jpg" for n in range(1, 11)]


@dataclass
class Running:
    process: subprocess.Popen[str]
    state_dir: Path
    lines: list[str] = field(default_factory=list)

    @property
    def outputs(self) -> Path:
        return self.state_dir / OUTPUTS_FILE

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = CONDITION_TIMEOUT_SECONDS) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            if self.process.poll() is not None:
                pytest.fail(f"the local system exited ({self.process.returncode}) waiting for {what}:\n{self.output()}")
            time.sleep(0.1)
        pytest.fail(f"{what}: not seen within {timeout:g} s:\n{self.output()}")

    def line_after(self, start: int, pattern: str) -> Callable[[], bool]:
        return lambda: any(re.search(pattern, line) for line in self.lines[start:])


@pytest.fixture
def local_system(tmp_path: Path) -> Iterator[Running]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--fast", "--log-dir", str(tmp_path / "logs"), "--state-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = Running(process, tmp_path)
    reader = threading.Thread(target=lambda: running.lines.extend(process.stdout or []), daemon=True)
    reader.start()
    try:
        running.wait_for(lambda: running.outputs.exists(), "the stack outputs file", STARTUP_TIMEOUT_SECONDS)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # it stops its own children, as on Ctrl-C
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        reader.join(timeout=10)


def cli_env(running: Running) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    return {**env, **read_environment(running.state_dir / ENV_FILE)}


def ecs_workloads(running: Running, *args: str) -> tuple[int, Any, str]:
    """Exit code, the --json document (None when there is none) and stderr of one CLI command."""
    done = subprocess.run(
        [CLI, "--outputs", str(running.outputs), "--json", *args],
        env=cli_env(running),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else None, done.stderr


def moto(running: Running, service: str) -> Any:
    env = read_environment(running.state_dir / ENV_FILE)
    return boto3.client(
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
    )


def schedule_state(running: Running) -> str:
    job = json.loads(running.outputs.read_text())["jobs"][ASSESSOR_JOB]
    schedule = moto(running, "scheduler").get_schedule(Name=job["scheduleName"], GroupName=job["scheduleGroup"])
    return schedule["State"]


def pictures(url: str) -> list[str]:
    response = requests.get(f"{url}cats/api/list-pictures/", timeout=10)
    response.raise_for_status()
    return list(response.json())


def test_the_cli_pauses_the_schedule_runs_a_reset_and_resumes_on_the_local_system(local_system: Running) -> None:
    running = local_system
    outputs = json.loads(running.outputs.read_text())
    cats_url = outputs["services"]["cats"]["url"].removesuffix("cats/")
    code, token, _ = ecs_workloads(running, "api-token", "cats")
    assert code == 0
    # The token printed at start is the one in Secrets Manager, and the API takes it (below).
    running.wait_for(lambda: f"(token {token['token']})" in running.output(), "the token among the hints")

    mark = len(running.lines)
    code, paused, stderr = ecs_workloads(running, "pause", ASSESSOR_JOB)
    assert code == 0, stderr
    assert paused["state"] == "DISABLED" and schedule_state(running) == "DISABLED"
    # The scheduler read DISABLED from moto at an occurrence; runs are one at a time, so none is in progress.
    running.wait_for(running.line_after(mark, r"no run at .* schedule disabled"), "an occurrence skipped as disabled")

    headers = {"Authorization": f"Bearer {token['token']}"}
    for number in (1, 2, 3):
        requests.post(f"{cats_url}cats/api/delete-pictures/{number}", headers=headers, timeout=10)
    # Scheduled runs before the pause may have removed more; these three are gone in any case.
    assert not {"1.jpg", "2.jpg", "3.jpg"} & set(pictures(cats_url))

    code, run, stderr = ecs_workloads(
        running, "run", ASSESSOR_JOB, "--env", "RESETPICTURES=1", "--wait", "--logs", "--poll-seconds", "0.2"
    )
    assert code == 0, stderr
    (task,) = run["tasks"]
    assert task["lastStatus"] == "STOPPED" and task["exitCode"] == 0 and not task["failed"]
    assert pictures(cats_url) == ALL_PICTURES
    # The task's output reached its CloudWatch Logs stream, as the awslogs driver ships it.
    assert any('"pictures reset"' in event["message"] for event in run["logs"][task["taskId"]])

    # A container that fails ends the run with its own exit code: 2 is the ImageAssessor's bad configuration.
    code, failed, _ = ecs_workloads(
        running, "run", ASSESSOR_JOB, "--env", "DELETE_COUNT=0", "--wait", "--poll-seconds", "0.2"
    )
    assert code == 7
    assert [(t["lastStatus"], t["exitCode"], t["failed"]) for t in failed["tasks"]] == [("STOPPED", 2, True)]
    assert pictures(cats_url) == ALL_PICTURES

    mark = len(running.lines)
    code, resumed, stderr = ecs_workloads(running, "resume", ASSESSOR_JOB)
    assert code == 0, stderr
    assert resumed["previousState"] == "DISABLED" and schedule_state(running) == "ENABLED"
    running.wait_for(running.line_after(mark, r"task \w+ \(started by local-scheduler\): removed"), "a scheduled run")

    code, status, stderr = ecs_workloads(running, "status")
    assert code == 0, stderr
    assert [row["state"] for row in status["schedules"]] == ["ENABLED"]
    assert {row["queue"] for row in status["queues"]} == set(outputs["queues"])


def test_the_samples_go_through_the_pipelines_and_the_files_go_when_the_system_stops(local_system: Running) -> None:
    running = local_system
    outputs = json.loads(running.outputs.read_text())
    s3 = moto(running, "s3")
    uploads = {
        "jsonl": (SAMPLES_DIR / "yelp_businesses.jsonl", ["yelp_businesses.jsonl"]),
        "images": (SAMPLES_DIR / "cat-landscape.jpg", ["resized/cat-landscape.jpg", "thumbs/cat-landscape.jpg"]),
    }
    for name, (sample, expected) in uploads.items():
        args = [str(sample), "--to", name, "--state-dir", str(running.state_dir)]
        assert upload_main(args) == 0
        bucket = outputs["queues"][name]["outputBucket"]
        running.wait_for(
            lambda bucket=bucket, expected=expected: (
                sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])) == expected
            ),
            f"the {name} pipeline's outputs {expected}",
        )
    scored = s3.get_object(Bucket=outputs["queues"]["jsonl"]["outputBucket"], Key="yelp_businesses.jsonl")
    records = [json.loads(line) for line in scored["Body"].read().decode().splitlines()]
    originals = [json.loads(line) for line in uploads["jsonl"][0].read_text().splitlines()]
    assert records == [{**record, "review_score": record["stars"] * record["review_count"]} for record in originals]
    code, queues, stderr = ecs_workloads(running, "queues")
    assert code == 0, stderr
    assert all(row["dlq"] == 0 for row in queues["queues"])

    # A .jpg that is no picture cannot be processed: its message goes to the DLQ, and redrive brings it back.
    broken = running.state_dir / "broken.jpg"
    broken.write_text("not a picture")
    assert upload_main([str(broken), "--state-dir", str(running.state_dir)]) == 0

    def images_dlq() -> int:
        code, queues, _ = ecs_workloads(running, "queues")
        return {row["queue"]: row["dlq"] for row in queues["queues"]}["images"] if code == 0 else -1

    running.wait_for(lambda: images_dlq() == 1, "the broken picture's message in the images DLQ")
    code, moved, stderr = ecs_workloads(running, "redrive", "images", "--yes")
    assert code == 0, stderr
    assert (moved["method"], moved["moved"], moved["failed"]) == ("receive-send-delete", 1, 0)
    # Back in the queue, the message fails again and returns to the DLQ: the move really happened.
    running.wait_for(
        lambda: sum("sent to the dead-letter queue" in line for line in running.lines) == 2,
        "the redriven message failing again",
    )
    running.wait_for(lambda: images_dlq() == 1, "the redriven message back in the images DLQ")

    # The batch workers follow the service's desired count in moto, as ECS does.
    logs = running.state_dir / "logs"
    code, scaled, stderr = ecs_workloads(running, "scale", "jsonl", "2")
    assert code == 0 and (scaled["previousDesired"], scaled["desired"]) == (1, 2), stderr
    running.wait_for(lambda: '"worker started"' in _text(logs / "jsonl-worker1-001.log"), "a second jsonl worker")
    code, scaled, stderr = ecs_workloads(running, "scale", "jsonl", "0")
    assert code == 0, stderr
    for slot in (0, 1):
        log = logs / f"jsonl-worker{slot}-001.log"
        running.wait_for(lambda log=log: '"worker stopped"' in _text(log), f"{log.name} stopping")

    endpoint = read_environment(running.state_dir / ENV_FILE)["AWS_ENDPOINT_URL"]
    running.process.send_signal(signal.SIGINT)
    assert running.process.wait(timeout=STOP_TIMEOUT_SECONDS) == 0
    # Its files name servers that are gone, so they go too; and the servers are gone.
    assert not running.outputs.exists() and not (running.state_dir / ENV_FILE).exists()
    port = int(endpoint.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def _text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def test_the_local_page_s_commands_drive_the_local_system(local_system: Running) -> None:
    """docs/local.md's `sh local` blocks, in order and in one shell, as a reader pastes them into a second
    terminal; only the state directory differs (the page shows the default, build/local, and the uploads use
    it without saying so)."""
    running = local_system
    page = [b for b in blocks([REPOSITORY / "docs" / "local.md"]) if b.info == "sh local"]
    assert len(page) >= 5, "docs/local.md shows how to drive the local system"
    script = "\n".join(b.code for b in page).replace("build/local/", f"{running.state_dir}/")
    # The page's uploads read the default state directory; here the system's is a temporary one.
    script = script.replace("python -m local.upload ", f"python -m local.upload --state-dir {running.state_dir} ")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env["PATH"] = f"{REPOSITORY / 'venv' / 'bin'}{os.pathsep}{env['PATH']}"
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    # The reset run brought every picture back before the page lists them (the schedule was paused).
    listed = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"1.jpg"')]
    assert [list(pictures) for pictures in listed] == [ALL_PICTURES]
    assert '{"deleted":"1.jpg"}' in done.stdout.splitlines()
    assert schedule_state(running) == "ENABLED"


def test_upload_without_a_running_system_says_how_to_start_one(tmp_path: Path, capsys) -> None:
    assert upload_main([str(SAMPLES[0]), "--state-dir", str(tmp_path)]) == 2
    assert "start one with `make local`" in capsys.readouterr().err


def test_upload_refuses_a_file_no_pipeline_takes(tmp_path: Path, capsys) -> None:
    (tmp_path / OUTPUTS_FILE).write_text(
        json.dumps({"clusterName": "c", "clusterArn": "arn:c", "queues": {"jsonl": {"queueUrl": "q", "dlqUrl": "d"}}})
    )
    (tmp_path / ENV_FILE).write_text("AWS_ENDPOINT_URL=http://127.0.0.1:9\n")
    stray = tmp_path / "notes.txt"
    stray.write_text("hello")
    assert upload_main([str(stray), "--state-dir", str(tmp_path)]) == 2
    assert "no pipeline takes notes.txt (jsonl: .json, .jsonl): choose one with --to NAME" in capsys.readouterr().err


def test_samples_are_small_valid_inputs_of_the_pipelines() -> None:
    jsonl = [path for path in SAMPLES if path.suffix == ".jsonl"]
    images = [path for path in SAMPLES if path.suffix in (".jpg", ".jpeg")]
    assert jsonl and len(images) >= 2
    for path in SAMPLES:
        assert path.stat().st_size < 20_000, path
    for path in jsonl:
        for line in path.read_text().splitlines():
            record = json.loads(line)
            # The seed's Yelp business shape; stars and review_count are what the jsonl processor scores.
            assert {"business_id", "name", "city", "state", "stars", "review_count", "categories"} <= set(record)
            assert isinstance(record["stars"], float) and isinstance(record["review_count"], int)
    for path in images:
        with Image.open(path) as image:
            image.verify()
            assert image.format == "JPEG"

"""`python -m local`: the whole system on loopback, its schedule ticker, and the checked demo."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from local.__main__ import main
from local.processes import ROOT
from local.schedule import SimulatedClock, Ticker, rate_seconds
from local.system import load_stack_settings
from stack.jobs import ScheduleSettings

# The job walk-through fills a queue with 1001 messages, which moto takes a while over (local.job_walkthrough).
DEMO_TIMEOUT_SECONDS = 240
KEY_LINES = (
    "check passed: cats API lists 10 pictures",
    "check passed: cats API refuses a delete without the token from Secrets Manager (401)",
    "scheduled ImageAssessor runs removed",
    "check passed: disabled schedule started no run",
    "check passed: two RESETPICTURES=1 runs restored all 10 pictures (verified through the API)",
    "check passed: jsonl pipeline wrote 3 lines with review_score and 1 line to the errors report",
    "check passed: images pipeline wrote resized/ 1024x768 and thumbs/ 192x192 JPEGs",
    "check passed: job API created sleeper-task, long-sleep-task and consumer-task over HTTP (201)",
    "check passed: a tick at a five-minute occurrence started 1 sleeper-task task, which exited 0",
    "check passed: 250 queued messages started 3 consumer-task tasks (100 a task, maxCount 10)",
    "check passed: 1001 queued messages started 10 consumer-task tasks (100 a task, maxCount 10)",
    "all checks passed",
    "all processes stopped",
)


def test_demo_runs_lab4_and_the_batch_uploads_and_stops_every_process(tmp_path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--demo", "--fast", "--log-dir", str(tmp_path / "logs")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=DEMO_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        # SIGTERM lets the runner stop its own children before it exits.
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"the demo did not finish within {DEMO_TIMEOUT_SECONDS} s:\n{output}")

    assert process.returncode == 0, output
    for line in KEY_LINES:
        assert line in output, f"missing {line!r}:\n{output}"
    assert "CHECK FAILED" not in output
    # Every server it announced is gone: its port refuses connections.
    ports = {int(port) for port in re.findall(r"http://127\.0\.0\.1:(\d+)", output)}
    assert len(ports) >= 2, output
    for port in ports:
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass


def test_dev_schedule_is_read_from_the_stack_and_runs_every_two_seconds_in_fast_mode() -> None:
    assessor = load_stack_settings("dev").image_assessor

    assert assessor.schedule == "rate(2 minutes)"  # `@every 2m` in Pulumi.dev.yaml
    assert rate_seconds(assessor.schedule) == 120
    ticker = Ticker("image-assessor", assessor, SimulatedClock(60), lambda *_: None)
    assert ticker.describe().startswith("rate(2 minutes) (UTC), every 2 s real time, enabled")


def test_ticker_fires_a_cron_schedule_on_its_minutes_and_not_while_disabled() -> None:
    settings = ScheduleSettings.model_validate({"schedule": "*/5 * * * *", "timezone": "Europe/London"})
    fired: list = []
    skipped: list = []
    two_runs = threading.Event()

    def fire(number, moment) -> None:
        fired.append(moment)
        if number == 2:
            ticker.disable()
            two_runs.set()

    # 600 simulated seconds per real second: a run every half second.
    ticker = Ticker("job", settings, SimulatedClock(600), fire, lambda moment, _: skipped.append(moment))
    ticker.start()
    try:
        assert two_runs.wait(30), "the ticker did not fire twice"
        deadline = time.monotonic() + 30
        while len(skipped) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        ticker.stop()

    assert ticker.error is None
    assert len(fired) == 2
    assert all(moment.minute % 5 == 0 and moment.second == 0 for moment in fired + skipped)
    assert str(fired[0].tzinfo) == "Europe/London"
    assert len(skipped) >= 2 and ticker.runs == 2


def test_unknown_stack_is_refused_before_anything_starts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--stack", "nope"]) == 2
    assert "no stack file Pulumi.nope.yaml" in capsys.readouterr().err

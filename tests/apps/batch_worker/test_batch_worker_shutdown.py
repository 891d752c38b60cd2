"""SIGTERM handling of the real entry point, `python -m batch_worker`, against moto_server."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest


@dataclass
class Running:
    process: subprocess.Popen
    lines: queue.Queue

    def wait_for_log(self, msg: str, seconds: float = 30) -> dict:
        """The first log record with `msg`; fails if the worker exits or stays silent."""
        while True:
            line = self.lines.get(timeout=seconds)
            assert line is not None, f"worker exited before logging {msg!r}"
            record = json.loads(line)
            if record["msg"] == msg:
                return record

    def stop(self) -> tuple[int, list[str]]:
        """SIGTERM, then the exit code and every log message written after the signal."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        messages = []
        while (line := self.lines.get(timeout=10)) is not None:
            messages.append(json.loads(line)["msg"])
        return code, messages


@pytest.fixture
def stack(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_server,
    }.items():
        monkeypatch.setenv(name, value)
    suffix = uuid.uuid4().hex[:8]
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    buckets = {"input": f"in-{suffix}", "output": f"out-{suffix}"}
    for bucket in buckets.values():
        s3.create_bucket(Bucket=bucket)
    visibility_timeout = "30"
    queue_url = sqs.create_queue(QueueName=f"q-{suffix}", Attributes={"VisibilityTimeout": visibility_timeout})[
        "QueueUrl"
    ]
    s3.put_object(Bucket=buckets["input"], Key="job.txt", Body=b"payload")
    return {
        "s3": s3,
        "sqs": sqs,
        "queue_url": queue_url,
        "visibility_timeout": visibility_timeout,
        "endpoint": moto_server,
        **buckets,
    }


@pytest.fixture
def start_worker(stack, child_env) -> Iterator[Any]:
    started: list[subprocess.Popen] = []

    def start(**env: str) -> Running:
        process = subprocess.Popen(
            [sys.executable, "-m", "batch_worker"],
            env=child_env(
                AWS_ENDPOINT_URL=stack["endpoint"],
                QUEUE_URL=stack["queue_url"],
                OUTPUT_BUCKET=stack["output"],
                PROCESSOR="batch_worker_samples:pause_then_copy",
                WAIT_TIME_SECONDS="1",
                **{"VISIBILITY_TIMEOUT": stack["visibility_timeout"], **env},
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        lines: queue.Queue = queue.Queue()

        def pump() -> None:
            for line in process.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        return Running(process, lines)

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def announce(stack) -> None:
    body = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": stack["input"]}, "object": {"key": "job.txt"}},
            }
        ]
    }
    stack["sqs"].send_message(QueueUrl=stack["queue_url"], MessageBody=json.dumps(body))


def output_keys(stack) -> list[str]:
    return [item["Key"] for item in stack["s3"].list_objects_v2(Bucket=stack["output"]).get("Contents", [])]


def test_sigterm_past_the_grace_period_releases_the_message_and_exits_0(stack, start_worker) -> None:
    announce(stack)
    worker = start_worker(SAMPLE_PAUSE_SECONDS="120", SHUTDOWN_GRACE_SECONDS="1", VISIBILITY_TIMEOUT="300")
    worker.wait_for_log("processing object")

    code, messages = worker.stop()

    assert code == 0
    assert "message released for another worker" in messages
    # Released, not left invisible for the 300 s the worker had asked for.
    again = stack["sqs"].receive_message(
        QueueUrl=stack["queue_url"],
        WaitTimeSeconds=5,
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
    )["Messages"]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    assert output_keys(stack) == []


def test_sigterm_within_the_grace_period_finishes_the_message(stack, start_worker) -> None:
    announce(stack)
    worker = start_worker(SAMPLE_PAUSE_SECONDS="2", SHUTDOWN_GRACE_SECONDS="30")
    worker.wait_for_log("processing object")

    code, messages = worker.stop()

    assert code == 0
    assert messages.index("shutdown requested; finishing the current message") < messages.index("message done")
    assert output_keys(stack) == ["copies/job.txt"]
    attributes = stack["sqs"].get_queue_attributes(
        QueueUrl=stack["queue_url"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_sigterm_while_idle_exits_0(stack, start_worker) -> None:
    worker = start_worker()
    worker.wait_for_log("worker started")

    code, messages = worker.stop()

    assert code == 0
    assert messages[-1] == "worker stopped"

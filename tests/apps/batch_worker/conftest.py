"""Fixtures for the batch worker: moto-backed buckets and queues, a moto_server subprocess, and a
loopback stand-in for the ECS task-protection endpoint."""

from __future__ import annotations

import http.server
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
from batch_worker import processors
from batch_worker.config import Config
from batch_worker.worker import Worker
from moto import mock_aws

from local.aws import start_moto
from local.processes import Processes

REGION = "us-east-1"
HERE = Path(__file__).resolve().parent
APPS = HERE.parents[2] / "apps"


def _s3_notification(bucket: str, *keys: str, event: str = "ObjectCreated:Put") -> str:
    """An S3 event notification body as S3 sends it: keys URL-encoded, '+' for spaces."""
    records = [
        {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "eventName": event,
            "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/"), "size": 1}},
        }
        for key in keys
    ]
    return json.dumps({"Records": records})


def _eventbridge_event(bucket: str, key: str, detail_type: str = "Object Created") -> str:
    """An EventBridge S3 event as delivered to an SQS target: the key form-encoded, as in notifications."""
    return json.dumps(
        {
            "version": "0",
            "detail-type": detail_type,
            "source": "aws.s3",
            "region": REGION,
            "resources": [f"arn:aws:s3:::{bucket}"],
            "detail": {
                "version": "0",
                "bucket": {"name": bucket},
                "object": {"key": quote_plus(key, safe="/"), "size": 1},
            },
        }
    )


@pytest.fixture(scope="session")
def s3_notification() -> Callable[..., str]:
    return _s3_notification


@pytest.fixture(scope="session")
def eventbridge_event() -> Callable[..., str]:
    return _eventbridge_event


@pytest.fixture
def samples(monkeypatch: pytest.MonkeyPatch) -> str:
    """Makes batch_worker_samples (user processors used by the tests) importable; returns its name."""
    monkeypatch.syspath_prepend(str(HERE))
    return "batch_worker_samples"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "ECS_AGENT_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@dataclass
class Pipeline:
    """Input bucket → queue (with a dead-letter queue) → worker → output bucket, all in moto."""

    s3: Any
    sqs: Any
    input_bucket: str = "bw-input"
    output_bucket: str = "bw-output"
    queue_url: str = ""
    dlq_url: str = ""
    visibility_timeout: int = 0
    threads: list[tuple[Worker, threading.Thread]] = field(default_factory=list)

    def create(self, *, max_receive_count: int = 2, visibility_timeout: int = 30) -> Pipeline:
        self.visibility_timeout = visibility_timeout
        self.s3.create_bucket(Bucket=self.input_bucket)
        self.s3.create_bucket(Bucket=self.output_bucket)
        self.dlq_url = self.sqs.create_queue(QueueName="bw-dlq")["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.queue_url = self.sqs.create_queue(
            QueueName="bw-queue",
            Attributes={
                "VisibilityTimeout": str(visibility_timeout),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
                ),
            },
        )["QueueUrl"]
        return self

    def upload(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.input_bucket, Key=key, Body=data)

    def send(self, body: str) -> str:
        return self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)["MessageId"]

    def notify(self, *keys: str) -> str:
        return self.send(_s3_notification(self.input_bucket, *keys))

    def notify_eventbridge(self, key: str) -> str:
        return self.send(_eventbridge_event(self.input_bucket, key))

    def output(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.output_bucket, Key=key)["Body"].read()

    def output_keys(self) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=self.output_bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def queue_counts(self, queue_url: str | None = None) -> tuple[int, int]:
        """(visible, in flight) messages."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=queue_url or self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def worker(
        self,
        processor: str | Callable = "jsonl",
        *,
        part_size: int | None = None,
        memory_mib: int | None = None,
        **env: str,
    ) -> Worker:
        settings = {
            "QUEUE_URL": self.queue_url,
            "OUTPUT_BUCKET": self.output_bucket,
            "DEAD_LETTER_QUEUE_URL": self.dlq_url,
            # As QueueBackedBatchService does: the worker follows the queue's own timeout.
            "VISIBILITY_TIMEOUT": str(self.visibility_timeout),
            "WAIT_TIME_SECONDS": "0",
            **env,
        }
        if isinstance(processor, str):
            settings["PROCESSOR"] = processor
        config = Config.from_env(settings)
        function = processors.load(config.processor) if isinstance(processor, str) else processor
        extra = {"part_size": part_size} if part_size else {}
        return Worker(config, sqs=self.sqs, s3=self.s3, processor=function, memory_mib=memory_mib, **extra)

    def run_in_thread(self, worker: Worker) -> threading.Thread:
        """Runs `worker.run()` in the background; the fixture stops it at teardown."""
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        self.threads.append((worker, thread))
        return thread

    def stop_all(self) -> None:
        for worker, _ in self.threads:
            worker.stop()
        for _, thread in self.threads:
            thread.join(timeout=30)


@pytest.fixture
def aws(aws_env: None) -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        yield boto3.client("s3", region_name=REGION), boto3.client("sqs", region_name=REGION)


@pytest.fixture
def pipeline(aws: tuple[Any, Any]) -> Iterator[Pipeline]:
    s3, sqs = aws
    built = Pipeline(s3=s3, sqs=sqs).create()
    try:
        yield built
    finally:
        built.stop_all()


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto_server subprocess on a loopback port it picks itself; yields its endpoint URL."""
    with Processes(tmp_path_factory.mktemp("moto")) as processes:
        yield start_moto(processes).endpoint


@dataclass
class ProtectionEndpoint:
    """Records every task-protection request; answers with `status` and `body`."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    body: dict[str, Any] = field(
        default_factory=lambda: {"protection": {"ProtectionEnabled": True, "TaskArn": "arn:aws:ecs:task/1"}}
    )


@pytest.fixture
def protection_endpoint() -> Iterator[ProtectionEndpoint]:
    stub = ProtectionEndpoint(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            stub.requests.append(
                {
                    "method": "PUT",
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            payload = json.dumps(stub.body).encode()
            self.send_response(stub.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/api/task-1"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def child_env() -> Callable[..., dict[str, str]]:
    """Builds the environment for `python -m batch_worker` in a child process."""
    return _child_env


def _child_env(**extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(APPS), str(HERE)]),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    env.update(extra)
    return env

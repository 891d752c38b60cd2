"""The jsonl batch pipeline while its workers are killed or stopped at random (`local.crash`).

Three `python -m batch_worker` processes work through ~40 uploads on moto_server (a few taking seconds,
one with a multipart output, four poison inputs) while the chaos signals workers it has frozen and proved
to be mid-message below their last allowed receive (at least `quota` of them, then one every ~2 s) and
starts them again. The end state must hold every good input's output exactly once in content (duplicate
writes are counted, never partial), every poison input in the dead-letter queue and nothing else
there. With SIGTERM, no message may come back because of a stop: a worker that is stopped finishes its
message within the grace or hands it back.

`BATCH_CRASH_INPUTS` changes the size (default 40); `python bench/batch_crash.py` runs 200.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from batch_worker.config import Config
from batch_worker.worker import Worker
from moto import mock_aws

from ecs_workloads.queue_backed_batch_service import WORKER_ENVIRONMENT
from local.crash import CrashSettings, run
from local.crash_inputs import make_inputs, output_matches
from local.long_poll import long_poll_kill
from local.pipeline import PipelineResources, worker_environment

INPUTS = int(os.environ.get("BATCH_CRASH_INPUTS", "40"))


def _settings(**overrides) -> CrashSettings:
    large = max(2, INPUTS * 6 // 40)
    poison = max(3, INPUTS // 10)
    return CrashSettings(
        inputs=INPUTS, large=large, multipart=1, poison=poison, kill_every=2.0, small_lines=80, **overrides
    )


def _show(report, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\n{report.settings.signal} run (logs in {report.log_dir}):\n{report.figures()}")


def test_killed_workers_lose_nothing_and_never_publish_a_partial_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run(_settings(signal="SIGKILL"), tmp_path)
    _show(report, capsys)

    assert report.problems() == []
    assert report.signals_sent >= report.settings.quota, "the chaos did not land its quota of mid-message kills"
    assert sorted(report.complete) == sorted(item.key for item in report.good)
    assert sorted(report.dlq) == sorted(item.key if item.message is None else item.message for item in report.poison)
    assert report.lost == []


def test_stopped_workers_finish_or_hand_back_their_message_and_cause_no_redelivery(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A 2 s grace: small files finish within it, the ~3 s large ones are handed back.
    report = run(_settings(signal="SIGTERM", shutdown_grace=2.0), tmp_path)
    _show(report, capsys)

    assert report.problems() == []
    assert report.shutdown is not None and report.shutdown.stopped >= report.settings.quota
    assert report.signals_sent >= report.settings.quota
    assert report.shutdown.redelivered_by_timeout == []
    assert report.shutdown.processed_twice == []
    assert report.shutdown.bad_exits == []
    assert report.shutdown.published_after_release == []
    assert len(report.complete) == len(report.good)


def test_output_check_rejects_truncated_reordered_and_partial_content() -> None:
    """The end-state check can fail: any output that is not exactly the processed input is refused."""
    item = next(
        i for i in make_inputs(CrashSettings(inputs=6, large=1, multipart=0, poison=1, large_lines=20)) if i.good
    )
    expected = item.expected or []
    lines = [json.dumps(record, separators=(",", ":")).encode() + b"\n" for record in expected]
    body = b"".join(lines)

    assert output_matches(body, expected)
    assert not output_matches(body[: len(body) // 2], expected)
    assert not output_matches(b"".join(lines[:-1]), expected)
    assert not output_matches(b"".join(lines[1:] + lines[:1]), expected)
    scrambled = [{**dict(reversed(list(record.items())))} for record in expected]
    assert not output_matches(b"".join(json.dumps(r).encode() + b"\n" for r in scrambled), expected)
    wrong_score = [{**record, "review_score": record["review_score"] + 1} for record in expected]
    assert not output_matches(b"".join(json.dumps(r).encode() + b"\n" for r in wrong_score), expected)


def test_local_workers_get_every_variable_the_component_sets() -> None:
    """If QueueBackedBatchService starts setting another worker variable, the local runs must follow."""
    resources = PipelineResources(
        name="jsonl",
        input_bucket="in",
        output_bucket="out",
        queue_url="http://127.0.0.1/queue",
        queue_arn="arn:aws:sqs:us-east-1:123456789012:queue",
        dlq_url="http://127.0.0.1/dlq",
        max_receive_count=3,
        visibility_timeout=4,
        processor="jsonl",
        prefixes=("in/",),
        suffixes=(".jsonl",),
    )
    env = worker_environment(resources)

    assert set(env) >= WORKER_ENVIRONMENT
    assert env["SCALE_IN_PROTECTION"] == "false"
    assert env["VISIBILITY_TIMEOUT"] == "4"
    assert env["INPUT_SUFFIXES"] == ".jsonl"


class _SlowUpload:
    """An S3 client whose UploadPart takes two seconds, as a large output on a slow link would. (Every
    output is uploaded in parts, then published by CompleteMultipartUpload.)"""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.started = threading.Event()

    def upload_part(self, **kwargs: Any) -> Any:
        self.started.set()
        time.sleep(2.0)
        return self._client.upload_part(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_outputs_are_never_published_after_the_message_is_handed_back(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3, sqs = boto3.client("s3"), boto3.client("sqs")
        for bucket in ("input-bucket", "output-bucket"):
            s3.create_bucket(Bucket=bucket)
        queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        s3.put_object(Bucket="input-bucket", Key="a.txt", Body=b"hello")
        record = {
            "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "input-bucket"}, "object": {"key": "a.txt"}},
        }
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"Records": [record]}))
        slow = _SlowUpload(s3)
        config = Config(
            queue_url=queue,
            output_bucket="output-bucket",
            visibility_timeout=30,
            heartbeat_interval=10,
            wait_time_seconds=0,
            shutdown_grace_seconds=0.5,
        )

        def copy(source, sink, ctx):
            sink.open(f"out/{ctx.key}").write(source.read())

        worker = Worker(config, sqs=sqs, s3=slow, processor=copy)
        # SIGTERM arrives while the output is being uploaded; the 0.5 s grace ends before the 2 s upload does.
        threading.Thread(target=lambda: (slow.started.wait(10), worker.stop()), daemon=True).start()
        worker.process_next()
        time.sleep(2.5)  # the abandoned upload would complete by now

        handed_back = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", [])
        published = s3.list_objects_v2(Bucket="output-bucket").get("KeyCount", 0)
        assert handed_back, "the stopping worker should hand the message back"
        assert published == 0, "outputs appeared after the message was handed back for another worker"


def test_a_worker_killed_in_a_long_poll_costs_its_message_one_receive_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQS (and moto_server) answer a poll whose consumer has died: the message it would have had becomes
    invisible for its visibility timeout and its receive count goes up, then it is delivered again."""
    report = long_poll_kill(tmp_path)
    with capsys.disabled():
        print(f"\nlong poll kill (logs in {report.log_dir}):\n{report.figures()}")

    assert len(report.dead_poll_messages) == 1, "moto_server should answer the open poll with the new message"
    assert report.receive_counts == [2], "the live worker should get the message on its second receive"
    assert report.output_correct
    assert report.dlq == []
    assert report.left_in_queue == 0

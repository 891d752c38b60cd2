"""The jsonl batch pipeline with a fault-injecting proxy between its workers and moto_server (`local.fault_proxy`).

Three workers work through 20 uploads (two taking seconds, two with a multipart output) while 10 % of
each operation's requests get a fault: 500, 503, throttling, a connection reset before or after the
request is applied, a reset in the middle of a GetObject body, a latency spike. Transient faults must
cost nothing: every good input ends with one correct output, none is dead-lettered, none is lost, and
every kind of fault was injected. `python bench/batch_faults.py` prints the figures at 10 % and 30 %.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ResponseStreamingError
from botocore.retries.standard import ThrottledRetryableChecker, TransientRetryableChecker

from local.aws import Aws
from local.crash import CrashSettings, run
from local.fault_proxy import FAULT_KINDS, FaultProxy, FaultSettings
from local.processes import FAKE_AWS_ENV, REGION

# Long enough that a heartbeat held up by two faults and the SDK's backoff still lands in time.
VISIBILITY_TIMEOUT = 12
SETTINGS = CrashSettings(
    inputs=20,
    large=2,
    # Seconds each, so heartbeats (every third of the visibility timeout) go through the proxy too.
    large_lines=4000,
    multipart=2,
    poison=0,
    signal=None,
    visibility_timeout=VISIBILITY_TIMEOUT,
    small_lines=80,
    timeout=240.0,
)


def test_transient_faults_lose_nothing_and_dead_letter_no_good_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run(SETTINGS, tmp_path, FaultSettings(rate=0.1, seed=1))
    with capsys.disabled():
        print(f"\nfaults at 10 % (logs in {report.log_dir}):\n{report.figures()}")

    assert report.problems() == []
    assert report.lost == []
    assert report.wrong_versions == []
    assert report.good_in_dlq == []
    assert report.dlq == []
    assert sorted(report.complete) == sorted(item.key for item in report.good)
    assert {kind for kind, count in report.faults.items() if count} == set(FAULT_KINDS)


def _one_attempt(endpoint: str, service: str) -> Any:
    """A client that makes one attempt, so the injected answer itself reaches the caller."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1}),
    )


def _setup(aws: Aws) -> str:
    s3, sqs = aws.client("s3"), aws.client("sqs")
    s3.create_bucket(Bucket="fault-proxy")
    s3.put_object(Bucket="fault-proxy", Key="a", Body=b"hello" * 1000)
    return sqs.create_queue(QueueName="fault-proxy")["QueueUrl"]


@pytest.mark.parametrize(
    ("kind", "s3_code", "sqs_code"),
    [
        ("internal_error", "InternalError", "InternalFailure"),
        ("unavailable", "ServiceUnavailable", "ServiceUnavailable"),
        ("throttling", "SlowDown", "RequestThrottled"),
    ],
)
def test_injected_errors_are_the_services_own_retryable_errors(
    aws: Aws, kind: str, s3_code: str, sqs_code: str
) -> None:
    queue = _setup(aws)
    # Rate 0.5: every other request of each operation is faulted.
    with FaultProxy(aws.endpoint, FaultSettings(rate=0.5, kinds=(kind,), seed=2)) as proxy:
        s3, sqs = _one_attempt(proxy.endpoint, "s3"), _one_attempt(proxy.endpoint, "sqs")
        s3_errors, sqs_errors = [], []
        for _ in range(4):
            try:
                assert s3.get_object(Bucket="fault-proxy", Key="a")["Body"].read() == b"hello" * 1000
            except ClientError as exc:
                s3_errors.append(exc)
            try:
                sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)
            except ClientError as exc:
                sqs_errors.append(exc)
        assert proxy.injected == {kind: 4}

    assert [e.response["Error"]["Code"] for e in s3_errors] == [s3_code] * 2
    assert [e.response["Error"]["Code"] for e in sqs_errors] == [sqs_code] * 2
    # What botocore's standard and adaptive modes retry: a transient status or a throttling code.
    for error in s3_errors + sqs_errors:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        code = error.response["Error"]["Code"]
        assert status in TransientRetryableChecker._TRANSIENT_STATUS_CODES or (
            code in ThrottledRetryableChecker._THROTTLED_ERROR_CODES
        )
    throttled = s3_errors + sqs_errors if kind == "throttling" else []
    assert all(e.response["Error"]["Code"] in ThrottledRetryableChecker._THROTTLED_ERROR_CODES for e in throttled)


def test_resets_drop_the_request_the_answer_or_the_rest_of_a_body(aws: Aws) -> None:
    queue = _setup(aws)
    sqs_direct = aws.client("sqs")
    with FaultProxy(aws.endpoint, FaultSettings(rate=0.5, kinds=("reset_before",), seed=3)) as proxy:
        sqs = _one_attempt(proxy.endpoint, "sqs")
        outcomes = []
        for index in range(2):
            try:
                sqs.send_message(QueueUrl=queue, MessageBody=f"before-{index}")
                outcomes.append("sent")
            except (ConnectionClosedError, EndpointConnectionError):
                outcomes.append("reset")
    assert sorted(outcomes) == ["reset", "sent"]
    # Reset before forwarding: the request never reached moto_server.
    assert _bodies(sqs_direct, queue) == [f"before-{outcomes.index('sent')}"]

    with FaultProxy(aws.endpoint, FaultSettings(rate=0.5, kinds=("reset_after",), seed=3)) as proxy:
        sqs = _one_attempt(proxy.endpoint, "sqs")
        outcomes = []
        for index in range(2):
            try:
                sqs.send_message(QueueUrl=queue, MessageBody=f"after-{index}")
                outcomes.append("sent")
            except ConnectionClosedError:
                outcomes.append("reset")
    assert sorted(outcomes) == ["reset", "sent"]
    # Reset after forwarding: applied, the answer lost.
    assert sorted(_bodies(sqs_direct, queue)) == ["after-0", "after-1"]

    with FaultProxy(aws.endpoint, FaultSettings(rate=0.5, kinds=("reset_mid_body",), seed=3)) as proxy:
        s3 = _one_attempt(proxy.endpoint, "s3")
        bodies = []
        for _ in range(2):
            response = s3.get_object(Bucket="fault-proxy", Key="a")
            try:
                bodies.append(response["Body"].read())
            except ResponseStreamingError:
                bodies.append(b"reset")
        assert proxy.injected == {"reset_mid_body": 1}
    assert sorted(bodies) == sorted([b"hello" * 1000, b"reset"])


def _bodies(sqs: Any, queue: str) -> list[str]:
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return [message["Body"] for message in messages]

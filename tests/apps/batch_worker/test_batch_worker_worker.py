"""The worker end to end against moto: upload → message → output, and what happens when things
go wrong."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
from batch_worker.processors import PermanentInputError
from batch_worker.worker import REASON_ATTRIBUTE
from botocore.exceptions import ClientError

MIB = 1024 * 1024


def review_lines(count: int) -> bytes:
    return b"".join(
        json.dumps(
            {
                "business_id": f"b{index:08d}",
                "name": "Range " * 30,
                "stars": index % 5 + 0.5,
                "review_count": index,
            }
        ).encode()
        + b"\n"
        for index in range(count)
    )


def receive_within(sqs, queue_url: str, seconds: float) -> list[dict]:
    """Everything a competing consumer could receive from `queue_url` during `seconds`."""
    received: list[dict] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        received += sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
    return received


def wait_for_message(sqs, queue_url: str, seconds: float = 30) -> dict | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            return messages[0]
    return None


def test_jsonl_object_announced_by_s3_is_processed_and_the_message_deleted(pipeline) -> None:
    key = "reviews/2024 Q1/yelp+extra.jsonl"
    pipeline.upload(key, b'{"stars": 3.5, "review_count": 36}\n{"stars": 5.0, "review_count": 4}\n')
    pipeline.notify(key)

    assert pipeline.worker().process_next() is True

    assert pipeline.output(key) == b'{"stars":3.5,"review_count":36,"review_score":126.0}\n' + (
        b'{"stars":5.0,"review_count":4,"review_score":20.0}\n'
    )
    assert pipeline.output_keys() == [key]
    assert pipeline.queue_counts() == (0, 0)


def test_eventbridge_event_with_an_encoded_key(pipeline) -> None:
    key = "raw/a b+c%20.jsonl"
    pipeline.upload(key, b'{"stars": 2, "review_count": 2}\n')
    pipeline.notify_eventbridge(key)

    pipeline.worker().process_next()

    assert json.loads(pipeline.output(key))["review_score"] == 4.0
    assert pipeline.queue_counts() == (0, 0)


def test_every_record_of_a_message_is_processed(pipeline) -> None:
    pipeline.upload("a.jsonl", b'{"stars": 1, "review_count": 1}\n')
    pipeline.upload("b/c.jsonl", b'{"stars": 1, "review_count": 2}\n')
    pipeline.notify("a.jsonl", "b/c.jsonl")

    pipeline.worker().process_next()

    assert pipeline.output_keys() == ["a.jsonl", "b/c.jsonl"]
    assert pipeline.queue_counts() == (0, 0)


def test_malformed_lines_go_to_an_errors_object_and_reprocessing_overwrites(pipeline) -> None:
    key = "daily/reviews.jsonl"
    pipeline.upload(key, b'{"stars": 1, "review_count": 1}\n{"stars": 1\n{"review_count": 1}\n')
    pipeline.notify(key)
    worker = pipeline.worker()
    worker.process_next()

    errors = [json.loads(line) for line in pipeline.output(f"errors/{key}.errors.jsonl").splitlines()]
    assert [(error["line"], error["error"].split(":")[0]) for error in errors] == [
        (2, "invalid JSON"),
        (3, "missing field 'stars'"),
    ]
    assert pipeline.output_keys() == [key, f"errors/{key}.errors.jsonl"]

    pipeline.upload(key, b'{"stars": 2, "review_count": 1}\n')
    pipeline.notify(key)
    worker.process_next()

    assert pipeline.output_keys() == [key]
    assert json.loads(pipeline.output(key))["review_score"] == 2.0


def test_large_output_is_written_as_a_multipart_upload(pipeline) -> None:
    data = review_lines(40_000)
    pipeline.upload("big.jsonl", data)
    pipeline.notify("big.jsonl")

    pipeline.worker(part_size=5 * MIB).process_next()

    head = pipeline.s3.head_object(Bucket=pipeline.output_bucket, Key="big.jsonl")
    output = pipeline.output("big.jsonl")
    assert len(output) > 5 * MIB
    assert head["ETag"].endswith(f'-{-(-len(output) // (5 * MIB))}"')
    assert head["ContentType"] == "application/x-ndjson"
    lines = output.splitlines()
    assert len(lines) == 40_000
    assert json.loads(lines[-1])["review_score"] == (39_999 % 5 + 0.5) * 39_999
    assert pipeline.queue_counts() == (0, 0)


def test_s3_test_event_is_deleted_without_output(pipeline, caplog) -> None:
    caplog.set_level(logging.INFO)
    pipeline.send(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "bw-input"}))

    assert pipeline.worker().process_next() is True

    assert pipeline.queue_counts() == (0, 0)
    assert pipeline.output_keys() == []
    assert any(record.msg == "event ignored" for record in caplog.records)


def test_keys_outside_the_filters_are_skipped_and_acknowledged(pipeline, caplog) -> None:
    caplog.set_level(logging.INFO)
    pipeline.upload("in/a.JSONL", b'{"stars": 1, "review_count": 1}\n')
    pipeline.notify("in/a.JSONL", "in/b.csv", "other/c.jsonl", "IN/d.jsonl", "in/folder/")

    pipeline.worker(INPUT_SUFFIXES=".jsonl", INPUT_PREFIXES="in/").process_next()

    assert pipeline.output_keys() == ["in/a.JSONL"]
    assert pipeline.queue_counts() == (0, 0)
    skipped = [record.key for record in caplog.records if record.msg == "object skipped"]
    assert skipped == ["in/b.csv", "other/c.jsonl", "IN/d.jsonl", "in/folder/"]


def test_objects_in_the_output_bucket_are_never_processed(pipeline) -> None:
    pipeline.s3.put_object(Bucket=pipeline.output_bucket, Key="x.jsonl", Body=b'{"stars": 1, "review_count": 1}\n')
    pipeline.send(
        json.dumps(
            {
                "Records": [
                    {
                        "eventName": "ObjectCreated:Put",
                        "s3": {"bucket": {"name": pipeline.output_bucket}, "object": {"key": "x.jsonl"}},
                    }
                ]
            }
        )
    )

    pipeline.worker().process_next()

    assert pipeline.output("x.jsonl") == b'{"stars": 1, "review_count": 1}\n'
    assert pipeline.queue_counts() == (0, 0)


def test_a_failing_processor_leaves_the_message_and_no_output(pipeline, samples, caplog) -> None:
    pipeline.upload("a.bin", b"x" * 100)
    pipeline.notify("a.bin")

    pipeline.worker(f"{samples}:fail").process_next()

    assert pipeline.queue_counts() == (0, 1)
    assert pipeline.output_keys() == []
    failure = next(record for record in caplog.records if record.levelno == logging.ERROR)
    assert failure.error_type == "RuntimeError"
    assert failure.key == "a.bin"


def dead_letters(pipeline) -> list[dict]:
    return pipeline.sqs.receive_message(
        QueueUrl=pipeline.dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])


def test_an_unrecognised_message_goes_straight_to_the_dead_letter_queue(pipeline) -> None:
    message_id = pipeline.send("hello")

    pipeline.worker().process_next()

    assert pipeline.queue_counts() == (0, 0)
    [dead] = dead_letters(pipeline)
    assert dead["Body"] == "hello"
    assert dead["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"].startswith("MessageError: body is not JSON")
    assert dead["MessageAttributes"]["SourceMessageId"]["StringValue"] == message_id


def test_a_reason_is_made_fit_for_a_message_attribute(pipeline) -> None:
    def refuse(source, sink, ctx):
        raise PermanentInputError("bad\x00key\x1b" + "x" * 5000)

    pipeline.upload("a.txt", b"x")
    pipeline.notify("a.txt")
    pipeline.worker(refuse).process_next()

    [dead] = dead_letters(pipeline)
    reason = dead["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"]
    assert reason.startswith(f"PermanentInputError: s3://{pipeline.input_bucket}/a.txt: bad?key?xxx")
    assert len(reason) == 1000


def test_without_a_dead_letter_queue_url_it_is_left_for_the_redrive_policy(pipeline) -> None:
    pipeline.send("hello")

    pipeline.worker(DEAD_LETTER_QUEUE_URL="").process_next()

    assert pipeline.queue_counts() == (0, 1)
    assert dead_letters(pipeline) == []


def test_if_the_dead_letter_queue_refuses_the_message_stays_for_redrive(pipeline, caplog) -> None:
    pipeline.send("hello")
    worker = pipeline.worker()

    class Refusing:
        def __getattr__(self, name):
            return getattr(pipeline.sqs, name)

        def send_message(self, **kwargs):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "SendMessage")

    worker._sqs = Refusing()
    worker.process_next()

    assert pipeline.queue_counts() == (0, 1)
    assert any(r.msg == "could not send to the dead-letter queue; left for redrive" for r in caplog.records)


def test_a_refused_object_does_not_stop_the_others_of_its_message(pipeline) -> None:
    def refuse_b(source, sink, ctx):
        if ctx.key == "b.txt":
            raise PermanentInputError("b is hopeless")
        sink.open(f"copies/{ctx.key}").write(source.read())

    for key in ("a.txt", "b.txt", "c.txt"):
        pipeline.upload(key, key.encode())
    pipeline.notify("a.txt", "b.txt", "c.txt")

    pipeline.worker(refuse_b).process_next()

    assert pipeline.output_keys() == ["copies/a.txt", "copies/c.txt"]
    [dead] = dead_letters(pipeline)
    reason = dead["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"]
    assert reason == f"PermanentInputError: s3://{pipeline.input_bucket}/b.txt: b is hopeless"
    assert pipeline.queue_counts() == (0, 0)


@pytest.mark.parametrize(
    ("processor", "upload"),
    [("jsonl", None), ("batch_worker_samples:fail", b"x")],
    ids=["missing-object", "processor-error"],
)
def test_poison_message_ends_in_the_dead_letter_queue(pipeline, samples, processor, upload) -> None:
    if upload is not None:
        pipeline.upload("poison.jpg", upload)
    message_id = pipeline.notify("poison.jpg")

    pipeline.run_in_thread(pipeline.worker(processor, VISIBILITY_TIMEOUT="1", WAIT_TIME_SECONDS="1"))
    dead = wait_for_message(pipeline.sqs, pipeline.dlq_url)

    assert dead is not None and dead["MessageId"] == message_id
    pipeline.stop_all()
    assert pipeline.queue_counts() == (0, 0)
    assert pipeline.output_keys() == []


def test_heartbeat_keeps_a_slow_message_from_other_consumers(pipeline) -> None:
    started, finished = threading.Event(), threading.Event()

    def slow(source, sink, ctx):
        started.set()
        time.sleep(5)
        sink.open(f"copies/{ctx.key}").write(source.read())
        finished.set()

    # Control: the same kind of receive, without a heartbeat, does get a message back after 2 s.
    control_url = pipeline.sqs.create_queue(QueueName="bw-control")["QueueUrl"]
    pipeline.sqs.send_message(QueueUrl=control_url, MessageBody="control")
    pipeline.sqs.receive_message(QueueUrl=control_url, VisibilityTimeout=2)
    pipeline.upload("slow.txt", b"payload")
    pipeline.notify("slow.txt")
    worker = pipeline.worker(slow, VISIBILITY_TIMEOUT="2")
    thread = threading.Thread(target=worker.process_next)
    thread.start()
    assert started.wait(10)

    stolen = receive_within(pipeline.sqs, pipeline.queue_url, seconds=4)
    control = receive_within(pipeline.sqs, control_url, seconds=0.5)
    thread.join(30)

    assert finished.is_set()
    assert stolen == []
    assert [message["Body"] for message in control] == ["control"]
    assert pipeline.output("copies/slow.txt") == b"payload"
    assert pipeline.queue_counts() == (0, 0)


def test_losing_the_message_cancels_the_work(pipeline, caplog) -> None:
    started, cancelled_seen = threading.Event(), threading.Event()

    def wait_for_cancel(source, sink, ctx):
        writer = sink.open(f"copies/{ctx.key}")
        started.set()
        if ctx.cancelled.wait(20):
            cancelled_seen.set()
        writer.write(b"too late")

    pipeline.upload("lost.txt", b"payload")
    pipeline.notify("lost.txt")
    worker = pipeline.worker(wait_for_cancel, VISIBILITY_TIMEOUT="3", HEARTBEAT_INTERVAL="0.5")
    thread = threading.Thread(target=worker.process_next)
    thread.start()
    assert started.wait(10)
    # Someone else took over the message: purging drops the receipt handle the worker holds.
    pipeline.sqs.purge_queue(QueueUrl=pipeline.queue_url)
    thread.join(30)

    assert cancelled_seen.is_set()
    assert pipeline.output_keys() == []
    messages = [record.msg for record in caplog.records]
    assert "message lease lost; abandoning it" in messages
    assert "message abandoned; it will be delivered again" in messages


def test_user_processor_reads_lines_through_io_wrappers(pipeline, samples, caplog) -> None:
    caplog.set_level(logging.INFO)
    text = "première ligne\n" * 50_000
    pipeline.upload("notes/a.txt", text.encode())
    pipeline.notify("notes/a.txt")

    pipeline.worker(f"{samples}:upper").process_next()

    assert pipeline.output("upper/notes/a.txt").decode() == text.upper()
    done = next(record for record in caplog.records if record.msg == "object processed")
    assert done.stats == {"done": True} and done.outputs == ["upper/notes/a.txt"]

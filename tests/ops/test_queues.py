"""`queues` and `redrive`: depths, the oldest message's age, and moving dead letters back."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError


class Queues:
    def __init__(self, stack) -> None:
        self.sqs = stack.client("sqs")
        entry = stack.outputs["queues"]["jsonl"]
        self.url, self.dlq = entry["queueUrl"], entry["dlqUrl"]

    def arn(self, url: str) -> str:
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def bodies(self, url: str) -> list[str]:
        messages = self.drain(url)
        return sorted(message["Body"] for message in messages)

    def drain(self, url: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=300
        ).get("Messages", []):
            messages.extend(batch)
        return messages

    def dead_letters(self, count: int) -> list[str]:
        bodies = [f'{{"bucket": "jsonl-input", "key": "batch-{n}.jsonl"}}' for n in range(count)]
        for number, body in enumerate(bodies):
            self.sqs.send_message(
                QueueUrl=self.dlq,
                MessageBody=body,
                MessageAttributes={"attempt": {"DataType": "Number", "StringValue": str(number)}},
            )
        return bodies


@pytest.fixture
def queues(stack) -> Queues:
    return Queues(stack)


def test_queues_shows_visible_in_flight_and_dlq_counts(queues, cli):
    for n in range(3):
        queues.sqs.send_message(QueueUrl=queues.url, MessageBody=f"job {n}")
    queues.sqs.receive_message(QueueUrl=queues.url, MaxNumberOfMessages=1, VisibilityTimeout=300)
    queues.dead_letters(2)

    result = cli("queues", "--json")

    assert result.code == 0, result.err
    [row] = result.json()["queues"]
    assert (row["queue"], row["visible"], row["inFlight"], row["dlq"]) == ("jsonl", 2, 1, 2)
    assert row["oldestMessageAgeSeconds"] is None


def test_queues_table_shows_a_dash_when_cloudwatch_has_no_age_yet(cli):
    result = cli("queues")

    assert result.code == 0
    assert result.out.splitlines() == [
        "QUEUE  VISIBLE  IN FLIGHT  DLQ  OLDEST",
        "jsonl  0        0          0    -",
    ]


def test_queues_reads_the_oldest_message_age_from_cloudwatch(stack, queues, cli):
    stack.client("cloudwatch").put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": queues.url.rsplit("/", 1)[-1]}],
                "Timestamp": datetime.now(UTC),
                "Value": 125.0,
                "Unit": "Seconds",
            }
        ],
    )

    result = cli("queues")

    assert result.code == 0
    assert result.out.splitlines()[1].split()[-1] == "2m05s"


def test_redrive_moves_dead_letters_back_with_bodies_and_attributes(queues, cli):
    bodies = queues.dead_letters(13)

    result = cli("redrive", "jsonl", "--yes", "--json")

    assert result.code == 0, result.err
    document = result.json()
    assert (document["moved"], document["failed"], document["method"]) == (13, 0, "receive-send-delete")
    assert queues.drain(queues.dlq) == []
    moved = queues.drain(queues.url)
    assert sorted(message["Body"] for message in moved) == sorted(bodies)
    assert sorted(int(m["MessageAttributes"]["attempt"]["StringValue"]) for m in moved) == list(range(13))
    assert {m["MessageAttributes"]["attempt"]["DataType"] for m in moved} == {"Number"}


def test_redrive_prefers_the_sqs_message_move_task(queues, cli, spy):
    bodies = queues.dead_letters(4)
    tasks: list[dict[str, Any]] = []

    def start(_start_message_move_task, **kwargs):
        # Does what SQS's move task does, so the outcome can be checked in the queues.
        moved = queues.drain(queues.dlq)
        for message in moved:
            queues.sqs.send_message(QueueUrl=queues.url, MessageBody=message["Body"])
            queues.sqs.delete_message(QueueUrl=queues.dlq, ReceiptHandle=message["ReceiptHandle"])
        tasks.insert(0, {"Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": len(moved), **kwargs})
        return {"TaskHandle": "handle-1"}

    spy.answers[("sqs", "start_message_move_task")] = start
    spy.answers[("sqs", "list_message_move_tasks")] = lambda _list, **kwargs: {"Results": tasks[:1]}

    result = cli("redrive", "jsonl", "--yes", "--poll-seconds", "0", session=spy)

    assert result.code == 0, result.err
    assert spy.called("sqs", "start_message_move_task") == [
        {"SourceArn": queues.arn(queues.dlq), "DestinationArn": queues.arn(queues.url)}
    ]
    assert spy.called("sqs", "receive_message") == []
    assert "moved 4 message(s)" in result.out
    assert queues.bodies(queues.url) == sorted(bodies)


def test_redrive_refuses_while_a_move_task_is_running(queues, cli, spy):
    queues.dead_letters(1)
    running = {"Results": [{"Status": "RUNNING", "TaskHandle": "h", "ApproximateNumberOfMessagesMoved": 0}]}
    spy.answers[("sqs", "list_message_move_tasks")] = lambda _list, **kwargs: running

    result = cli("redrive", "jsonl", "--yes", session=spy)

    assert result.code == 1
    assert "already running" in result.err
    assert spy.called("sqs", "start_message_move_task") == []
    assert len(queues.drain(queues.dlq)) == 1


def test_redrive_manual_skips_the_move_task(queues, cli, spy):
    queues.dead_letters(2)

    result = cli("redrive", "jsonl", "--yes", "--manual", session=spy)

    assert result.code == 0, result.err
    assert spy.called("sqs", "start_message_move_task") == []
    assert spy.called("sqs", "list_message_move_tasks") == []
    assert len(queues.drain(queues.url)) == 2


def test_redrive_sends_one_by_one_when_a_batch_is_too_long(queues, cli, spy):
    bodies = queues.dead_letters(3)

    def too_long(_send_message_batch, **kwargs):
        error = {"Code": "AWS.SimpleQueueService.BatchRequestTooLong", "Message": "Batch requests cannot be longer"}
        raise ClientError({"Error": error}, "SendMessageBatch")

    spy.answers[("sqs", "send_message_batch")] = too_long

    result = cli("redrive", "jsonl", "--yes", "--manual", session=spy)

    assert result.code == 0, result.err
    assert len(spy.called("sqs", "send_message")) == 3
    assert queues.bodies(queues.url) == sorted(bodies)
    assert queues.drain(queues.dlq) == []


def test_messages_that_cannot_be_sent_stay_in_the_dlq_and_fail_the_command(queues, cli, spy):
    queues.dead_letters(3)

    def first_only(send_message_batch, **kwargs):
        first, *rest = kwargs["Entries"]
        sent = send_message_batch(QueueUrl=kwargs["QueueUrl"], Entries=[first])
        failed = [{"Id": e["Id"], "SenderFault": False, "Code": "InternalError"} for e in rest]
        return {"Successful": sent["Successful"], "Failed": failed}

    spy.answers[("sqs", "send_message_batch")] = first_only

    result = cli("redrive", "jsonl", "--yes", "--manual", "--json", session=spy)

    assert result.code == 1
    assert (result.json()["moved"], result.json()["failed"]) == (1, 2)
    assert "2 message(s) could not be sent and stay in jsonl-dlq-6d7e8f9" in result.err
    assert len(queues.drain(queues.url)) == 1
    in_dlq = queues.sqs.get_queue_attributes(QueueUrl=queues.dlq, AttributeNames=["All"])["Attributes"]
    assert int(in_dlq["ApproximateNumberOfMessages"]) + int(in_dlq["ApproximateNumberOfMessagesNotVisible"]) == 2


def test_redrive_needs_yes_when_there_is_no_terminal(queues, cli):
    queues.dead_letters(2)

    result = cli("redrive", "jsonl")

    assert result.code == 2
    assert result.err.strip() == (
        "error: redrive moves messages and needs confirmation: run it in a terminal or pass --yes"
    )
    assert len(queues.drain(queues.dlq)) == 2
    assert queues.drain(queues.url) == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code", "left_in_dlq"), [("y\n", 0, 0), ("n\n", 1, 2), ("\n", 1, 2)])
def test_redrive_asks_at_a_terminal(queues, cli, monkeypatch, answer, code, left_in_dlq):
    queues.dead_letters(2)
    monkeypatch.setattr("sys.stdin", _Terminal(answer))

    result = cli("redrive", "jsonl")

    assert result.code == code
    assert "Move 2 message(s) from jsonl-dlq-6d7e8f9 back to jsonl-queue-2a3b4c5? [y/N]" in result.err
    assert len(queues.drain(queues.dlq)) == left_in_dlq


def test_redrive_of_an_empty_dlq_moves_nothing(cli):
    result = cli("redrive", "jsonl")

    assert result.code == 0
    assert "is empty: nothing to move" in result.out


def test_redrive_of_an_unknown_queue_lists_the_valid_ones(cli):
    result = cli("redrive", "cats", "--yes")

    assert result.code == 2
    assert "'cats' — unknown queue; allowed: jsonl" in result.err

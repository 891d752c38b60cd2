"""Move a batch service's dead-letter messages back to its queue, once whatever failed them is fixed.

SQS's own message move task is used where the endpoint offers it. Where it does not (some emulators,
or `--manual`), messages are received from the DLQ, sent to the queue with the same body and
attributes, and only then deleted from the DLQ, ten at a time, up to the number counted at the start
so messages that fail again cannot keep the move going forever.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from .errors import ExitCode, OpsError
from .outputs import Queue

_UNSUPPORTED = {
    "UnsupportedOperation",
    "AWS.SimpleQueueService.UnsupportedOperation",
    "NotImplemented",
    "InvalidAction",
    "UnknownOperationException",
}
_BATCH_TOO_LONG = {"BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong"}
_BATCH = 10  # SQS's limit for receive, send and delete batches
# Long enough to send a batch and delete it before the messages become visible in the DLQ again.
_VISIBILITY_SECONDS = 60


def dlq_depth(sqs: Any, queue: Queue) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue.dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"].get("ApproximateNumberOfMessages", 0))


def redrive(
    sqs: Any,
    queue: Queue,
    *,
    limit: int,
    manual: bool,
    poll_seconds: float,
    timeout_seconds: float,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    if not manual:
        try:
            return _move_task(sqs, queue, poll_seconds, timeout_seconds, progress)
        except NotImplementedError:
            # What an in-process emulator such as moto raises for an operation it lacks.
            progress("this endpoint has no SQS message move tasks; moving the messages batch by batch")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _UNSUPPORTED:
                raise
            progress(f"SQS message move task not available ({error}); moving the messages batch by batch")
    return _move_by_hand(sqs, queue, limit, progress)


def _arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _move_task(
    sqs: Any, queue: Queue, poll_seconds: float, timeout_seconds: float, progress: Callable[[str], None]
) -> dict[str, Any]:
    source, destination = _arn(sqs, queue.dlq_url), _arn(sqs, queue.queue_url)
    running = [t for t in sqs.list_message_move_tasks(SourceArn=source)["Results"] if t["Status"] == "RUNNING"]
    if running:
        raise OpsError(f"a message move task is already running for {source}; wait for it to finish")
    handle = sqs.start_message_move_task(SourceArn=source, DestinationArn=destination)["TaskHandle"]
    started = time.monotonic()
    while True:
        # Newest first; the task just started is the first one.
        task = sqs.list_message_move_tasks(SourceArn=source, MaxResults=1)["Results"][0]
        moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        elapsed = time.monotonic() - started
        progress(f"[{elapsed:5.0f}s] {task['Status']}: {moved} moved")
        if task["Status"] == "COMPLETED":
            return {
                "queue": queue.name,
                "method": "message-move-task",
                "taskHandle": handle,
                "moved": moved,
                "failed": 0,
            }
        if task["Status"] in ("FAILED", "CANCELLED"):
            raise OpsError(
                f"message move task {task['Status'].lower()}: {task.get('FailureReason', 'no reason given')}"
            )
        if elapsed >= timeout_seconds:
            raise OpsError(
                f"message move task still running after {timeout_seconds:g}s ({moved} moved so far); "
                f"it goes on in SQS: aws sqs list-message-move-tasks --source-arn {source}",
                ExitCode.TIMED_OUT,
            )
        time.sleep(poll_seconds)


def _move_by_hand(sqs: Any, queue: Queue, limit: int, progress: Callable[[str], None]) -> dict[str, Any]:
    moved = failed = duplicated = 0
    while moved + failed < limit:
        messages = sqs.receive_message(
            QueueUrl=queue.dlq_url,
            MaxNumberOfMessages=min(_BATCH, limit - moved - failed),
            WaitTimeSeconds=1,
            VisibilityTimeout=_VISIBILITY_SECONDS,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["MessageGroupId", "MessageDeduplicationId"],
        ).get("Messages", [])
        if not messages:
            break
        entries = [_entry(str(index), message) for index, message in enumerate(messages)]
        sent = _send(sqs, queue.queue_url, entries)
        # A message that could not be sent stays in the DLQ and shows again after the visibility timeout.
        failed += len(entries) - len(sent)
        receipts = [{"Id": id_, "ReceiptHandle": messages[int(id_)]["ReceiptHandle"]} for id_ in sent]
        if receipts:
            deleted = sqs.delete_message_batch(QueueUrl=queue.dlq_url, Entries=receipts)
            duplicated += len(deleted.get("Failed", []))
        moved += len(sent)
        progress(f"moved {moved} of {limit}")
    return {
        "queue": queue.name,
        "method": "receive-send-delete",
        "moved": moved,
        "failed": failed,
        "duplicated": duplicated,
    }


def _entry(entry_id: str, message: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": message["Body"]}
    attributes = {
        name: {key: value[key] for key in ("DataType", "StringValue", "BinaryValue") if key in value}
        for name, value in message.get("MessageAttributes", {}).items()
    }
    if attributes:
        entry["MessageAttributes"] = attributes
    system = message.get("Attributes", {})
    for key in ("MessageGroupId", "MessageDeduplicationId"):
        if key in system:
            entry[key] = system[key]
    return entry


def _send(sqs: Any, queue_url: str, entries: list[dict[str, Any]]) -> list[str]:
    """Ids of the entries sent; one at a time when the batch is over SQS's total size limit."""
    try:
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        return [item["Id"] for item in response.get("Successful", [])]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in _BATCH_TOO_LONG:
            raise
    sent = []
    for entry in entries:
        single = {key: value for key, value in entry.items() if key != "Id"}
        sqs.send_message(QueueUrl=queue_url, **single)
        sent.append(entry["Id"])
    return sent

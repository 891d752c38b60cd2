"""Depth of each batch service's queue and dead-letter queue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.console import RenderableType

from .outputs import Queue
from .table import duration, table

# SQS publishes its metrics every minute; a short window is enough and keeps the answer current.
_METRIC_WINDOW = timedelta(minutes=15)


def queue_name(queue_url: str) -> str:
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


def counts(sqs: Any, queue_url: str) -> dict[str, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return {
        "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
        "inFlight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
    }


def oldest_message_age(cloudwatch: Any, queue_url: str, now: datetime) -> float | None:
    """Seconds, from the latest ApproximateAgeOfOldestMessage datapoint; None when CloudWatch has none yet."""
    datapoints = cloudwatch.get_metric_statistics(
        Namespace="AWS/SQS",
        MetricName="ApproximateAgeOfOldestMessage",
        Dimensions=[{"Name": "QueueName", "Value": queue_name(queue_url)}],
        StartTime=now - _METRIC_WINDOW,
        # Past now, so that the minute in progress counts too.
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    ).get("Datapoints", [])
    if not datapoints:
        return None
    return float(max(datapoints, key=lambda point: point["Timestamp"])["Maximum"])


def describe(sqs: Any, cloudwatch: Any, queues: list[Queue], now: datetime) -> list[dict[str, Any]]:
    rows = []
    for queue in queues:
        main = counts(sqs, queue.queue_url)
        dead = counts(sqs, queue.dlq_url)
        rows.append(
            {
                "queue": queue.name,
                "queueName": queue_name(queue.queue_url),
                "visible": main["visible"],
                "inFlight": main["inFlight"],
                "dlq": dead["visible"] + dead["inFlight"],
                "oldestMessageAgeSeconds": oldest_message_age(cloudwatch, queue.queue_url, now),
            }
        )
    return rows


def render(rows: list[dict[str, Any]]) -> RenderableType:
    return table(
        ["QUEUE", "VISIBLE", "IN FLIGHT", "DLQ", "OLDEST"],
        [
            (row["queue"], row["visible"], row["inFlight"], row["dlq"], duration(row["oldestMessageAgeSeconds"]))
            for row in rows
        ],
    )

"""The end state of a crash run against what was uploaded, written into its `CrashReport`.

Waiting until the queue is empty, then the checks: every version in the output bucket (`_check_outputs`),
what the queues hold (`_check_queues`), and what the worker logs say about deliveries, work cut short and
how stopped workers let go of their messages (`_check_logs`).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Any

from .aws import Aws
from .crash_inputs import output_matches
from .crash_report import CrashReport, ShutdownFigures
from .pipeline import PipelineResources, WorkerPool

_POLL_SECONDS = 0.5
_FINISHING = "shutdown requested; finishing the current message"
_RELEASED = "message released for another worker"
_FAILED = frozenset(
    {
        "message failed; left for retry or the dead-letter queue",
        "message cannot be processed; left for the dead-letter queue",
        "message cannot be processed; sent to the dead-letter queue",
        "could not send to the dead-letter queue; left for redrive",
    }
)


def _wait_until_queue_empty(aws: Aws, pipeline: PipelineResources, deadline: float) -> bool:
    """True once no message is waiting or in flight (moto moves a message to the DLQ when it would be
    received a time too many, so an empty queue means every message was deleted or dead-lettered)."""
    sqs = aws.client("sqs")
    while time.monotonic() < deadline:
        if _messages_in(sqs, pipeline.queue_url) == 0:
            return True
        time.sleep(_POLL_SECONDS)
    return False


def _messages_in(sqs: Any, url: str) -> int:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


def _check_outputs(aws: Aws, pipeline: PipelineResources, report: CrashReport) -> None:
    """Every version ever written must be a complete, correct output of a good input."""
    s3 = aws.client("s3")
    expected = {item.key: item.expected for item in report.good}
    versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    latest: dict[str, str] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=pipeline.output_bucket):
        for version in page.get("Versions", []):
            versions[version["Key"]].append(version)
            if version["IsLatest"]:
                latest[version["Key"]] = version["VersionId"]
        for marker in page.get("DeleteMarkers", []):
            # The jsonl processor removes a stale error report after a clean run; S3 answers a delete of
            # an absent key with a marker, which is not an output.
            if not marker["Key"].startswith("errors/"):
                report.unexpected_outputs.append(f"{marker['Key']} (delete marker)")
    for key, key_versions in sorted(versions.items()):
        if key not in expected:
            report.unexpected_outputs.append(key)
            continue
        if len(key_versions) > 1:
            report.duplicates += len(key_versions) - 1
            report.duplicate_keys.append(key)
        for version in key_versions:
            body = s3.get_object(Bucket=pipeline.output_bucket, Key=key, VersionId=version["VersionId"])["Body"].read()
            if not output_matches(body, expected[key]):
                report.wrong_versions.append(f"{key}@{version['VersionId']}")
    for key in sorted(expected):
        if key in latest and f"{key}@{latest[key]}" not in report.wrong_versions:
            report.complete.append(key)
        else:
            report.missing.append(key)
    uploads = s3.list_multipart_uploads(Bucket=pipeline.output_bucket).get("Uploads", [])
    report.incomplete_uploads = len(uploads)


def _check_queues(aws: Aws, pipeline: PipelineResources, report: CrashReport) -> None:
    sqs = aws.client("sqs")
    report.left_in_queue = _messages_in(sqs, pipeline.queue_url)
    bodies = _drain(sqs, pipeline.dlq_url)
    dead: set[str] = set()
    for body in bodies:
        key = _announced_key(body)
        dead.add(key if key is not None else body)
        report.dlq.append(key if key is not None else body[:80])
    for item in report.inputs:
        identity = item.message if item.message is not None else item.key
        if item.good and identity in dead:
            report.good_in_dlq.append(item.key)
        if not item.good and identity not in dead:
            report.poison_not_in_dlq.append(item.key)


def _drain(sqs: Any, url: str) -> list[str]:
    """Every message of a queue nobody else reads (received and left invisible)."""
    bodies: list[str] = []
    empty_polls = 0
    while empty_polls < 2:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300, WaitTimeSeconds=1
        ).get("Messages", [])
        empty_polls = 0 if messages else empty_polls + 1
        bodies.extend(message["Body"] for message in messages)
    return bodies


def _announced_key(body: str) -> str | None:
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if isinstance(doc, dict) and isinstance(doc.get("detail"), dict):
        return doc["detail"].get("object", {}).get("key")
    return None


def _check_logs(pool: WorkerPool, report: CrashReport) -> None:
    by_incarnation = {id(inc): inc.records() for inc in pool.incarnations}
    for records in by_incarnation.values():
        started: set[str] = set()
        for record in records:
            if record.get("msg") == "processing object":
                report.deliveries += 1
                started.add(record["message_id"])
            elif record.get("msg") in ("object processed", "object failed"):
                started.discard(record.get("message_id"))
            if record.get("msg") in _FAILED:
                report.failed_attempts += 1
        # Work a signal cut short: started in this process, never finished nor failed there.
        report.interrupted += len(started)
    if report.settings.signal != "SIGTERM":
        return
    figures = ShutdownFigures()
    # Which incarnations saw each message, and when first.
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for inc in pool.incarnations:
        first: dict[str, str] = {}
        for record in by_incarnation[id(inc)]:
            message_id = record.get("message_id")
            if message_id is not None and message_id not in first:
                first[message_id] = record.get("ts", "")
        for message_id, ts in first.items():
            seen[message_id].append((ts, id(inc)))
    for inc in pool.incarnations:
        if inc.ended_by is None or not inc.ended_by.startswith("SIGTERM"):
            continue
        figures.stopped += 1
        if inc.exit_code != 0 or inc.ended_by != "SIGTERM":
            figures.bad_exits.append(f"{inc.log_path.name}: {inc.ended_by}, exit {inc.exit_code}")
        messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in by_incarnation[id(inc)]:
            if record.get("message_id") is not None:
                messages[record["message_id"]].append(record)
        for message_id, records in messages.items():
            said = {record.get("msg") for record in records}
            published = "object processed" in said
            released = _RELEASED in said
            failed = bool(said & _FAILED)
            figures.released += released
            figures.finished_in_grace += "message done" in said and _FINISHING in said
            first_ts = records[0].get("ts", "")
            if not any(ts >= first_ts and other != id(inc) for ts, other in seen[message_id]):
                continue
            if published and released:
                figures.published_after_release.append(message_id)
            elif published:
                figures.processed_twice.append(message_id)
            elif not released and not failed:
                figures.redelivered_by_timeout.append(message_id)
    report.shutdown = figures

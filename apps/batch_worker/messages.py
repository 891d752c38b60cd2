"""Turns an SQS message body into the S3 objects it announces.

Two shapes reach the queue: S3 event notifications (`Records[].s3`) and EventBridge "Object Created"
events (`detail`). S3 form-encodes the key in both (`+` for a space, `%2B` for a plus): the notification
structure says so, and AWS's own Powertools decodes the EventBridge key the same way, while the
EventBridge structure page is silent (docs/aws-design-notes.md, "Settled AWS behaviour").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus


class MessageError(ValueError):
    """The body is not an S3 event this worker understands; retrying cannot fix it."""


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    event: str
    version_id: str | None = None
    """The version the event announces, in a versioned bucket."""
    etag: str | None = None
    """The ETag of the announced object, so a later overwrite of the key is not read in its place."""
    sequencer: str | None = None
    """S3's ordering of the events of one key: the greater (see `sequencer_order`) is the later."""


def sequencer_order(sequencer: str) -> str:
    """A sort key for S3 event sequencers of one object key. S3's event message structure documents
    them as hexadecimal strings of possibly different lengths, compared by right-padding the shorter
    with zeros and then lexicographically; trailing zeros then never decide, so dropping them gives
    the same order."""
    return sequencer.upper().rstrip("0")


@dataclass
class ParsedMessage:
    objects: list[S3Object] = field(default_factory=list)
    # Why parts of the message need no work (test event, deletions, ...), for the log.
    ignored: list[str] = field(default_factory=list)


def parse_message(body: str) -> ParsedMessage:
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise MessageError(f"body is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise MessageError("body is not a JSON object")

    if doc.get("Event") == "s3:TestEvent":
        return ParsedMessage(ignored=["s3:TestEvent sent when the bucket notification was configured"])
    if "Records" in doc:
        return _parse_notification(doc["Records"])
    if doc.get("source") == "aws.s3" and "detail" in doc:
        return _parse_eventbridge(doc)
    raise MessageError("body is neither an S3 event notification nor an EventBridge S3 event")


def _parse_notification(records: Any) -> ParsedMessage:
    if not isinstance(records, list):
        raise MessageError("Records is not a list")
    parsed = ParsedMessage()
    for index, record in enumerate(records):
        event = _get(record, "eventName", default="")
        if event and not event.startswith("ObjectCreated:"):
            parsed.ignored.append(f"Records[{index}]: {event} is not an object creation")
            continue
        bucket = _get(record, "s3", "bucket", "name")
        raw_key = _get(record, "s3", "object", "key")
        if not isinstance(bucket, str) or not isinstance(raw_key, str):
            raise MessageError(f"Records[{index}] has no s3.bucket.name and s3.object.key")
        parsed.objects.append(
            S3Object(
                bucket,
                unquote_plus(raw_key),
                event or "ObjectCreated",
                **_version(_get(record, "s3", "object", default={}), "versionId", "eTag"),
            )
        )
    return parsed


def _parse_eventbridge(doc: dict[str, Any]) -> ParsedMessage:
    detail_type = doc.get("detail-type", "")
    if detail_type != "Object Created":
        return ParsedMessage(ignored=[f"EventBridge {detail_type!r} is not an object creation"])
    bucket = _get(doc, "detail", "bucket", "name")
    raw_key = _get(doc, "detail", "object", "key")
    if not isinstance(bucket, str) or not isinstance(raw_key, str):
        raise MessageError("EventBridge event has no detail.bucket.name and detail.object.key")
    version = _version(_get(doc, "detail", "object", default={}), "version-id", "etag")
    return ParsedMessage(objects=[S3Object(bucket, unquote_plus(raw_key), detail_type, **version)])


def _version(obj: dict[str, Any], version_field: str, etag_field: str) -> dict[str, str | None]:
    """The version fields of an event's object, each None when absent or not a non-empty string."""
    fields = {"version_id": version_field, "etag": etag_field, "sequencer": "sequencer"}
    found: dict[str, str | None] = {}
    for name, source in fields.items():
        value = obj.get(source) if isinstance(obj, dict) else None
        found[name] = value if isinstance(value, str) and value else None
    return found


def _get(doc: Any, *path: str, default: Any = None) -> Any:
    for name in path:
        if not isinstance(doc, dict) or name not in doc:
            return default
        doc = doc[name]
    return doc

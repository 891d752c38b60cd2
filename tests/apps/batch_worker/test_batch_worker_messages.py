"""SQS bodies → S3 objects, for both event shapes."""

from __future__ import annotations

import json

import pytest
from batch_worker.messages import MessageError, S3Object, parse_message, sequencer_order
from hypothesis import given
from hypothesis import strategies as st

# S3 keys: any UTF-8 except control characters; include the ones URL encoding changes.
keys = st.text(
    alphabet=st.one_of(st.sampled_from(" +%/&=?#:é日"), st.characters(min_codepoint=32, max_codepoint=0x2FFF)),
    min_size=1,
    max_size=60,
)


@given(key=keys)
def test_notification_keys_are_url_decoded(s3_notification, key: str) -> None:
    assert parse_message(s3_notification("in", key)).objects == [S3Object("in", key, "ObjectCreated:Put")]


@given(key=keys)
def test_eventbridge_keys_are_url_decoded(eventbridge_event, key: str) -> None:
    assert parse_message(eventbridge_event("in", key)).objects == [S3Object("in", key, "Object Created")]


def test_plus_in_an_eventbridge_key_is_a_space_and_encoded_plus_is_a_plus() -> None:
    body = json.dumps(
        {
            "source": "aws.s3",
            "detail-type": "Object Created",
            "detail": {"bucket": {"name": "in"}, "object": {"key": "2024/red+flower%2B1.jpg"}},
        }
    )
    assert parse_message(body).objects[0].key == "2024/red flower+1.jpg"


def test_plus_in_a_notification_is_a_space_and_encoded_plus_is_a_plus() -> None:
    body = json.dumps(
        {
            "Records": [
                {
                    "eventName": "ObjectCreated:Put",
                    "s3": {"bucket": {"name": "in"}, "object": {"key": "2024/red+flower%2B1.jpg"}},
                }
            ]
        }
    )

    assert parse_message(body).objects[0].key == "2024/red flower+1.jpg"


def test_several_records_in_one_message(s3_notification) -> None:
    parsed = parse_message(s3_notification("in", "a.jsonl", "b/c.jsonl"))

    assert [obj.key for obj in parsed.objects] == ["a.jsonl", "b/c.jsonl"]


def test_s3_test_event_has_nothing_to_do() -> None:
    body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "in", "RequestId": "x"})

    parsed = parse_message(body)

    assert parsed.objects == []
    assert "s3:TestEvent" in parsed.ignored[0]


def test_deletions_are_ignored(s3_notification, eventbridge_event) -> None:
    removed = parse_message(s3_notification("in", "a.jsonl", event="ObjectRemoved:Delete"))
    deleted = parse_message(eventbridge_event("in", "a.jsonl", detail_type="Object Deleted"))

    assert removed.objects == [] and "ObjectRemoved:Delete" in removed.ignored[0]
    assert deleted.objects == [] and "Object Deleted" in deleted.ignored[0]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        json.dumps({"hello": "world"}),
        json.dumps({"Records": "nope"}),
        json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "in"}}}]}),
        json.dumps({"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": "in"}}}),
    ],
)
def test_unknown_shapes_are_rejected(body: str) -> None:
    with pytest.raises(MessageError):
        parse_message(body)


def test_the_announced_version_is_kept_from_both_shapes() -> None:
    notification = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": "in"},
                    "object": {"key": "a.jpg", "eTag": "0123abc", "versionId": "v1", "sequencer": "0055AED6DCD90281E5"},
                },
            }
        ]
    }
    eventbridge = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {
            "bucket": {"name": "in"},
            "object": {"key": "a.jpg", "etag": "0123abc", "version-id": "v1", "sequencer": "0055AED6DCD90281E5"},
        },
    }
    for body, event in ((notification, "ObjectCreated:Put"), (eventbridge, "Object Created")):
        assert parse_message(json.dumps(body)).objects == [
            S3Object("in", "a.jpg", event, version_id="v1", etag="0123abc", sequencer="0055AED6DCD90281E5")
        ]


@pytest.mark.parametrize("bad", [None, "", 7, ["v1"]])
def test_version_fields_that_are_not_strings_are_ignored(eventbridge_event, bad) -> None:
    doc = json.loads(eventbridge_event("in", "a.jpg"))
    doc["detail"]["object"].update({"etag": bad, "version-id": bad, "sequencer": bad})
    assert parse_message(json.dumps(doc)).objects == [S3Object("in", "a.jpg", "Object Created")]


@pytest.mark.parametrize(
    ("earlier", "later"),
    [("0055AED6DCD90281E5", "0055AED6DCD90281E6"), ("0055AED6DCD90281E4F", "0055AED6DCD90281E5"), ("ab", "AC")],
)
def test_sequencers_order_after_right_padding_with_zeros(earlier: str, later: str) -> None:
    assert sequencer_order(earlier) < sequencer_order(later)
    assert sequencer_order("0055AED6DCD90281E5") == sequencer_order("0055AED6DCD90281E500")

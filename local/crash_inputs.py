"""The inputs of a crash run: made from its settings, put into the pipeline, and the test of an output.

Inputs (all under `reviews/`, deterministic for a seed):

- good files: small ones, `large` ones that take seconds, `multipart` ones whose output needs a
  multipart upload (over 8 MiB);
- poison, in turn: a malformed file (a line that cannot be scored), a message announcing an object
  that does not exist, and a message body that is not an S3 event.

`output_matches` tells whether an output object is exactly what a good input must produce.
"""

from __future__ import annotations

import json
import random
from typing import Any

from .aws import Aws
from .crash_report import _POISON_KINDS, CrashSettings, InputFile
from .pipeline import PipelineResources

_STARS = (1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5)
_CITIES = ("Phoenix", "Toronto", "Las Vegas", "Scottsdale", "Cornelius")


def make_inputs(settings: CrashSettings) -> list[InputFile]:
    """The inputs of a run, in upload order; the same settings always give the same files."""
    rng = random.Random(settings.seed)
    small = settings.inputs - settings.large - settings.multipart - settings.poison
    items: list[InputFile] = []
    plan = [("small", small), ("large", settings.large), ("multipart", settings.multipart)]
    for kind, count in plan:
        lines = {"small": settings.small_lines, "large": settings.large_lines, "multipart": settings.multipart_lines}
        for index in range(count):
            records = [_record(rng, kind == "multipart") for _ in range(lines[kind])]
            body = b"".join(json.dumps(record).encode() + b"\n" for record in records)
            expected = [
                {**record, "review_score": float(record["stars"]) * record["review_count"]} for record in records
            ]
            items.append(InputFile(f"reviews/{kind}-{index:04d}.jsonl", kind, body=body, expected=expected))
    for index in range(settings.poison):
        kind = _POISON_KINDS[index % len(_POISON_KINDS)]
        key = f"reviews/{kind}-{index:04d}.jsonl"
        if kind == "malformed":
            good_lines = b"".join(json.dumps(_record(rng, False)).encode() + b"\n" for _ in range(5))
            items.append(InputFile(key, kind, body=good_lines + b'{"stars": "five", "review_count": 3}\n'))
        elif kind == "missing":
            items.append(InputFile(key, kind))
        else:
            items.append(InputFile(key, kind, message=f"{key}: this message is not an S3 event"))
    rng.shuffle(items)
    return items


def _record(rng: random.Random, long_text: bool) -> dict[str, Any]:
    record = {
        "business_id": f"{rng.getrandbits(64):016x}",
        "city": rng.choice(_CITIES),
        "stars": rng.choice(_STARS),
        "review_count": rng.randint(0, 5000),
    }
    if long_text:
        # About 9 KB a line: a thousand lines make an output over the 8 MiB part size.
        record["text"] = " ".join(rng.choice(("great", "pizza", "slow", "service", "friendly")) for _ in range(1500))
    return record


def output_matches(body: bytes, expected: list[dict[str, Any]] | None) -> bool:
    try:
        records = [json.loads(line) for line in body.decode().splitlines()]
    except ValueError:
        return False
    # Equal dicts with the same key order: same fields, in the input's order, review_score last.
    return records == expected and all(
        list(got) == list(want) for got, want in zip(records, expected or [], strict=True)
    )


def _upload(aws: Aws, pipeline: PipelineResources, inputs: list[InputFile]) -> None:
    s3, sqs = aws.client("s3"), aws.client("sqs")
    for item in inputs:
        if item.body is not None:
            # One PutObject per input: one "Object Created" event, as a client uploading a file causes.
            s3.put_object(Bucket=pipeline.input_bucket, Key=item.key, Body=item.body)
        elif item.message is not None:
            sqs.send_message(QueueUrl=pipeline.queue_url, MessageBody=item.message)
        else:
            # What EventBridge delivers for an object deleted before a worker could read it.
            sqs.send_message(QueueUrl=pipeline.queue_url, MessageBody=json.dumps(_object_created(pipeline, item.key)))


def _object_created(pipeline: PipelineResources, key: str) -> dict[str, Any]:
    return {
        "version": "0",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "resources": [f"arn:aws:s3:::{pipeline.input_bucket}"],
        "detail": {"version": "0", "bucket": {"name": pipeline.input_bucket}, "object": {"key": key, "size": 0}},
    }

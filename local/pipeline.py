"""A batch pipeline on moto_server, built from the same settings the stack gives `QueueBackedBatchService`.

What the component creates, and how it is reproduced here:

- input and output buckets;
- a dead-letter queue and a queue whose redrive policy uses the pipeline's `maxReceiveCount`;
- the route S3 → EventBridge → SQS: the input bucket sends its events to EventBridge and a rule with the
  component's own pattern (`object_created_pattern`: bucket, prefixes, any-case suffixes) targets the
  queue. moto delivers S3 events through EventBridge rules to SQS targets, so the worker receives the
  same "Object Created" events it receives in AWS;
- workers (`python -m batch_worker`) with the environment the component sets.

Differences, all for running on one machine: scale-in protection is off (there is no ECS agent), the
visibility timeout may be shorter than the component's minimum of 30 s, and long polls are short so
stopped workers exit quickly.
"""

from __future__ import annotations

import json
import signal
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecs_workloads.queue_backed_batch_service import (
    DLQ_RETENTION_SECONDS,
    QUEUE_RETENTION_SECONDS,
    SHUTDOWN_MARGIN_SECONDS,
    object_created_pattern,
)
from stack.batch import BatchPipelineSettings

from .aws import Aws
from .processes import Child, Processes, child_env

# The component's default stop timeout (FargateWorkload `stop_timeout`), less its margin.
DEFAULT_SHUTDOWN_GRACE_SECONDS = 30 - SHUTDOWN_MARGIN_SECONDS
LOCAL_WAIT_TIME_SECONDS = 2

# Worker log messages that end its handling of one message.
TERMINAL_MESSAGES = frozenset(
    {
        "message done",
        "message done but not deleted",
        "message released for another worker",
        "could not release the message; it returns after its timeout",
        "message failed; left for retry or the dead-letter queue",
        "message cannot be processed; left for the dead-letter queue",
        "could not send to the dead-letter queue; left for redrive",
        "message abandoned; it will be delivered again",
    }
)


@dataclass(frozen=True)
class PipelineResources:
    name: str
    input_bucket: str
    output_bucket: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    max_receive_count: int
    visibility_timeout: int
    processor: str
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]


def create_pipeline(
    aws: Aws,
    name: str,
    settings: BatchPipelineSettings,
    *,
    visibility_timeout: int | None = None,
    output_versioning: bool = False,
) -> PipelineResources:
    """Create the pipeline's buckets, queues and event route on moto.

    `output_versioning` keeps every write of an output as a version: the crash harness counts and checks
    them. The stack's buckets are not versioned.
    """
    s3, sqs, events = aws.client("s3"), aws.client("sqs"), aws.client("events")
    token = uuid.uuid4().hex[:8]
    input_bucket, output_bucket = f"{name}-input-{token}", f"{name}-output-{token}"
    for bucket in (input_bucket, output_bucket):
        s3.create_bucket(Bucket=bucket)
    if output_versioning:
        s3.put_bucket_versioning(Bucket=output_bucket, VersioningConfiguration={"Status": "Enabled"})

    visibility = settings.visibility_timeout_seconds if visibility_timeout is None else visibility_timeout
    dlq_url = sqs.create_queue(
        QueueName=f"{name}-dlq-{token}", Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)}
    )["QueueUrl"]
    dlq_arn = _queue_arn(sqs, dlq_url)
    queue_url = sqs.create_queue(
        QueueName=f"{name}-queue-{token}",
        Attributes={
            "VisibilityTimeout": str(visibility),
            "MessageRetentionPeriod": str(QUEUE_RETENTION_SECONDS),
            "ReceiveMessageWaitTimeSeconds": "20",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": settings.max_receive_count}
            ),
        },
    )["QueueUrl"]
    queue_arn = _queue_arn(sqs, queue_url)

    s3.put_bucket_notification_configuration(
        Bucket=input_bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    rule = f"{name}-objects-{token}"
    pattern = object_created_pattern(input_bucket, list(settings.prefixes), list(settings.suffixes))
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern), State="ENABLED")
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": queue_arn}])

    return PipelineResources(
        name=name,
        input_bucket=input_bucket,
        output_bucket=output_bucket,
        queue_url=queue_url,
        queue_arn=queue_arn,
        dlq_url=dlq_url,
        max_receive_count=settings.max_receive_count,
        visibility_timeout=visibility,
        processor=settings.processor,
        prefixes=tuple(settings.prefixes),
        suffixes=tuple(settings.suffixes),
    )


def _queue_arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def worker_environment(
    resources: PipelineResources,
    *,
    processor: str | None = None,
    shutdown_grace_seconds: float = DEFAULT_SHUTDOWN_GRACE_SECONDS,
    wait_time_seconds: int = LOCAL_WAIT_TIME_SECONDS,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The worker variables `QueueBackedBatchService` sets (its WORKER_ENVIRONMENT), plus the local ones."""
    env = {
        "QUEUE_URL": resources.queue_url,
        "OUTPUT_BUCKET": resources.output_bucket,
        "PROCESSOR": processor or resources.processor,
        "VISIBILITY_TIMEOUT": str(resources.visibility_timeout),
        # The component sets true; without an ECS agent the worker would refuse to start.
        "SCALE_IN_PROTECTION": "false",
        "SHUTDOWN_GRACE_SECONDS": f"{shutdown_grace_seconds:g}",
        "WAIT_TIME_SECONDS": str(wait_time_seconds),
    }
    env["DEAD_LETTER_QUEUE_URL"] = resources.dlq_url
    if resources.prefixes:
        env["INPUT_PREFIXES"] = ",".join(resources.prefixes)
    if resources.suffixes:
        env["INPUT_SUFFIXES"] = ",".join(resources.suffixes)
    env.update(extra or {})
    return env


def read_json_lines(path: Path) -> list[dict[str, Any]]:
    """Every JSON object line of a log; other lines (a line cut short by SIGKILL, tracebacks) are skipped."""
    records = []
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return records
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return records


class LogFollower:
    """Reads the complete lines appended to a log since the last call."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._offset = 0

    def new_records(self) -> Iterator[dict[str, Any]]:
        try:
            with self._path.open("rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1
        self._offset += end
        for line in data[:end].splitlines():
            if line.startswith(b"{"):
                try:
                    yield json.loads(line)
                except ValueError:
                    continue


# The worker's debug line before every ReceiveMessage call (`Worker._receive`).
RECEIVING = "receiving"
RECEIVED = "message received"
PROCESSING = "processing object"
REFUSED = "object cannot be processed"


@dataclass(frozen=True)
class InHand:
    message_id: str
    receive_count: int
    working: bool
    """The worker has started on an input of the message (`processing object`) and has not refused one
    as unprocessable: until it does, a message may be on its way to the dead-letter queue by hand (a body
    that is not an S3 event is sent there at once), and a kill in the middle of that send would put a
    second copy there."""


def message_in_hand(records: list[dict[str, Any]]) -> InHand | None:
    """The message a worker's complete log shows it handling, else None.

    That is its last `message received` with no outcome line for that message and no poll after it. Only
    a worker logging at DEBUG marks its polls; without the marks an outcome line not in TERMINAL_MESSAGES
    would leave the worker looking busy while it polls again.
    """
    current: InHand | None = None
    for record in records:
        message = record.get("msg")
        if message == RECEIVING:
            current = None
        elif message == RECEIVED:
            current = InHand(record["message_id"], int(record["receive_count"]), working=False)
        elif current is None or record.get("message_id") != current.message_id:
            continue
        elif message in TERMINAL_MESSAGES:
            current = None
        elif message == PROCESSING:
            current = InHand(current.message_id, current.receive_count, working=True)
        elif message == REFUSED:
            current = InHand(current.message_id, current.receive_count, working=False)
    return current


@dataclass
class Incarnation:
    """One worker process: slot `slot`, started for the `number`-th time."""

    slot: int
    number: int
    child: Child
    ended_by: str | None = None
    exit_code: int | None = None

    @property
    def log_path(self) -> Path:
        return self.child.log_path

    def records(self) -> list[dict[str, Any]]:
        return read_json_lines(self.log_path)


class WorkerPool:
    """`count` worker processes of one pipeline; a slot can be signalled and started again."""

    def __init__(self, processes: Processes, name: str, endpoint: str, env: Mapping[str, str], count: int) -> None:
        self._processes = processes
        self.name = name
        self._env = child_env(endpoint, **env)
        self.count = count
        self.live: list[Incarnation | None] = [None] * count
        self.incarnations: list[Incarnation] = []

    def start(self, slot: int) -> Incarnation:
        number = sum(1 for inc in self.incarnations if inc.slot == slot) + 1
        log_name = f"{self.name}-worker{slot}-{number:03d}.log"
        child = self._processes.python(
            f"{self.name}-worker{slot}", ["-m", "batch_worker"], self._env, log_name=log_name
        )
        incarnation = Incarnation(slot, number, child)
        self.live[slot] = incarnation
        self.incarnations.append(incarnation)
        return incarnation

    def start_all(self) -> None:
        for slot in range(self.count):
            self.start(slot)

    def resize(self, count: int, stop_timeout: float) -> None:
        """Start or stop workers until `count` run, as ECS follows a service's desired count: new slots start,
        the highest slots get SIGTERM (their shutdown grace) and SIGKILL after `stop_timeout`."""
        self.live.extend([None] * (count - len(self.live)))
        for slot in range(count):
            if self.live[slot] is None:
                self.start(slot)
        for slot in range(len(self.live) - 1, count - 1, -1):
            if self.live[slot] is not None:
                self.end(slot, signal.SIGTERM, stop_timeout)
        del self.live[count:]
        self.count = count

    def end(self, slot: int, sig: signal.Signals, timeout: float, *, resume: bool = False) -> Incarnation:
        """Send `sig` to the slot's process and wait up to `timeout` for it to exit (SIGKILL after that).

        `resume`: the process is stopped (SIGSTOP); it is continued after `sig`, so it acts on `sig` first.
        """
        incarnation = self.live[slot]
        assert incarnation is not None
        incarnation.ended_by = sig.name
        incarnation.child.signal(sig)
        if resume:
            incarnation.child.signal(signal.SIGCONT)
        code = incarnation.child.wait(timeout)
        if code is None:
            incarnation.ended_by = f"{sig.name}, then SIGKILL after {timeout:g} s"
            incarnation.child.signal(signal.SIGKILL)
            code = incarnation.child.wait(timeout)
        incarnation.exit_code = code
        self.live[slot] = None
        return incarnation

    def stop_all(self, timeout: float) -> None:
        for incarnation in self.live:
            if incarnation is not None:
                incarnation.ended_by = "final stop"
                incarnation.child.signal(signal.SIGTERM)
        for slot, incarnation in enumerate(self.live):
            if incarnation is not None:
                code = incarnation.child.wait(timeout)
                if code is None:
                    incarnation.child.signal(signal.SIGKILL)
                    code = incarnation.child.wait(timeout)
                incarnation.exit_code = code
                self.live[slot] = None

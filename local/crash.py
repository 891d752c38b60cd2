"""The jsonl batch pipeline under crashes: workers are killed (or stopped) at random while they work.

One run: moto_server, the `jsonl` pipeline built from the stack's default settings (`maxReceiveCount`,
suffixes) with a short visibility timeout, `workers` batch worker processes, then the inputs are
uploaded and one worker at a time, caught in the middle of a message, receives `signal` and is started
again, until the queue is empty. The end state is then checked against what was uploaded.

Inputs (all under `reviews/`, deterministic for a seed):

- good files: small ones, `large` ones that take seconds, `multipart` ones whose output needs a
  multipart upload (over 8 MiB);
- poison, in turn: a malformed file (a line that cannot be scored), a message announcing an object
  that does not exist, and a message body that is not an S3 event.

The workers run `local.slow_jsonl:process` (the `jsonl` processor, slowed per line and rejecting files
with bad lines, so a malformed file is poison).

A crash counts as a receive: a message whose worker dies `maxReceiveCount` times in a row is treated
like a file that kills every worker it reaches (out of memory, say) and moves to the dead-letter queue
— by design. The crashes here stand for failures that have nothing to do with the input, so the chaos
signals only a worker it has frozen and whose log proves it holds a message below its last allowed
receive (`_Chaos`). A worker killed while idle in a long poll can cost a message a receive it never saw
(the poll is answered after the worker is gone): `long_poll_kill` runs that case on its own.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batch_worker.config import Config

from stack.batch import default_pipelines

from .aws import Aws, start_moto
from .fault_proxy import FaultProxy, FaultSettings
from .pipeline import PipelineResources, WorkerPool, create_pipeline, message_in_hand, worker_environment
from .processes import Child, Processes
from .slow_jsonl import SECONDS_PER_LINE_VARIABLE

PROCESSOR = "local.slow_jsonl:process"
PIPELINE = "jsonl"
_STARS = (1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5)
_CITIES = ("Phoenix", "Toronto", "Las Vegas", "Scottsdale", "Cornelius")
_POISON_KINDS = ("malformed", "missing", "garbage")
# How long a stopped worker may take to exit beyond its shutdown grace (final long poll, hand-back).
_EXIT_MARGIN_SECONDS = 15.0
_POLL_SECONDS = 0.5
# How often the chaos looks for a worker it may strike until it has landed its quota.
_EAGER_SECONDS = 0.1
_FREEZE_TIMEOUT_SECONDS = 5.0
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


@dataclass(frozen=True)
class CrashSettings:
    inputs: int = 40
    """Inputs in all, poison included."""
    large: int = 4
    """Good files of `large_lines` lines (seconds of work each)."""
    multipart: int = 1
    """Good files with an output over 8 MiB (a multipart upload)."""
    poison: int = 4
    """Poison inputs, cycling through malformed / missing object / not an S3 event."""
    workers: int = 3
    signal: str | None = "SIGKILL"
    """SIGKILL (crash), SIGTERM (graceful stop, as ECS stops a task) or None (no chaos)."""
    kill_every: float = 3.0
    """Mean seconds between two signals once `quota` have landed (each interval is 0.5 to 1.5 times this)."""
    quota: int = 4
    """Signals the chaos lands on workers mid-message before it slows to `kill_every`."""
    visibility_timeout: int = 4
    seconds_per_line: float = 0.002
    small_lines: int = 40
    large_lines: int = 1500
    multipart_lines: int = 1000
    shutdown_grace: float = 25.0
    """SHUTDOWN_GRACE_SECONDS of the workers; the component's default is 25."""
    seed: int = 1
    timeout: float = 300.0
    """Upper bound of one run, seconds."""

    def __post_init__(self) -> None:
        if self.signal not in ("SIGKILL", "SIGTERM", None):
            raise ValueError(f"signal: {self.signal!r} — SIGKILL, SIGTERM or None")
        if self.large + self.multipart + self.poison >= self.inputs:
            raise ValueError("inputs must exceed large + multipart + poison (the rest are small files)")


@dataclass
class InputFile:
    key: str
    kind: str
    body: bytes | None = None
    """Uploaded to the input bucket (None: never uploaded)."""
    message: str | None = None
    """Sent straight to the queue instead of an upload."""
    expected: list[dict[str, Any]] | None = None
    """Output records of a good file."""

    @property
    def good(self) -> bool:
        return self.expected is not None


@dataclass
class ShutdownFigures:
    stopped: int = 0
    """Workers stopped with SIGTERM by the chaos."""
    finished_in_grace: int = 0
    released: int = 0
    """Messages handed back (`ChangeMessageVisibility 0`) by a stopping worker: fine, delivered again at once."""
    redelivered_by_timeout: list[str] = field(default_factory=list)
    """Message ids a stopping worker neither finished, nor handed back, nor failed, yet delivered again."""
    processed_twice: list[str] = field(default_factory=list)
    """Message ids a stopping worker processed (outputs written) that were processed again."""
    published_after_release: list[str] = field(default_factory=list)
    """Message ids whose outputs a stopping worker published after handing the message back (its grace ran
    out while the outputs were being written), so another worker processed them again."""
    bad_exits: list[str] = field(default_factory=list)


@dataclass
class CrashReport:
    settings: CrashSettings
    inputs: list[InputFile]
    signals_sent: int = 0
    spared: int = 0
    skipped: int = 0
    finished: bool = False
    wall_seconds: float = 0.0
    complete: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    wrong_versions: list[str] = field(default_factory=list)
    unexpected_outputs: list[str] = field(default_factory=list)
    duplicates: int = 0
    duplicate_keys: list[str] = field(default_factory=list)
    incomplete_uploads: int = 0
    dlq: list[str] = field(default_factory=list)
    good_in_dlq: list[str] = field(default_factory=list)
    poison_not_in_dlq: list[str] = field(default_factory=list)
    left_in_queue: int = 0
    deliveries: int = 0
    interrupted: int = 0
    failed_attempts: int = 0
    """Messages a worker gave up as failed (`message failed…`): each costs a receive."""
    shutdown: ShutdownFigures | None = None
    faults: Counter[str] = field(default_factory=Counter)
    """Faults the proxy injected, by kind (runs with `faults`)."""
    proxy_figures: str = ""
    log_dir: Path | None = None

    @property
    def good(self) -> list[InputFile]:
        return [item for item in self.inputs if item.good]

    @property
    def poison(self) -> list[InputFile]:
        return [item for item in self.inputs if not item.good]

    @property
    def lost(self) -> list[str]:
        """Good inputs with no complete output that are not in the dead-letter queue either."""
        return [key for key in self.missing if key not in self.good_in_dlq]

    def problems(self) -> list[str]:
        """Every way the end state differs from what was uploaded; empty when the run is sound."""
        found = []
        if not self.finished:
            found.append(f"the queue was not empty after {self.settings.timeout:g} s")
        for label, items in (
            ("good inputs without a complete output", self.missing),
            ("output versions with wrong content", self.wrong_versions),
            ("unexpected objects in the output bucket", self.unexpected_outputs),
            ("good inputs in the dead-letter queue", self.good_in_dlq),
            ("poison inputs not in the dead-letter queue", self.poison_not_in_dlq),
        ):
            if items:
                found.append(f"{label}: {', '.join(items[:10])}{' …' if len(items) > 10 else ''}")
        if self.left_in_queue:
            found.append(f"{self.left_in_queue} messages left in the queue")
        if self.shutdown is not None:
            for label, items in (
                (
                    "messages delivered again after a stop without being handed back",
                    self.shutdown.redelivered_by_timeout,
                ),
                ("messages processed twice because of a stop", self.shutdown.processed_twice),
                ("messages published after being handed back", self.shutdown.published_after_release),
                ("stopped workers that did not exit 0 within their grace", self.shutdown.bad_exits),
            ):
                if items:
                    found.append(f"{label}: {', '.join(items[:10])}")
        return found

    def figures(self) -> str:
        kinds = Counter(item.kind for item in self.inputs)
        good = ", ".join(f"{kinds[k]} {k}" for k in ("small", "large", "multipart") if kinds[k])
        poison = ", ".join(f"{kinds[k]} {k}" for k in _POISON_KINDS if kinds[k])
        s = self.settings
        dead_poison = len(self.poison) - len(self.poison_not_in_dlq)
        chaos = (
            f"kills        {self.signals_sent} {s.signal}, each on a worker frozen mid-message (the first "
            f"{s.quota} as soon as possible, then one every ~{s.kill_every:g} s); {self.spared} times a worker on "
            f"its message's last receive was spared; {self.skipped} strikes found no worker to signal"
        )
        lines = [
            f"inputs       {len(self.inputs)} ({len(self.good)} good: {good}; {len(self.poison)} poison: {poison})",
            f"workers      {s.workers}, visibility timeout {s.visibility_timeout} s, maxReceiveCount "
            f"{default_pipelines()[PIPELINE].max_receive_count}",
            chaos if s.signal is not None else "kills        none",
            f"outputs      {len(self.complete)} complete and correct of {len(self.good)}; "
            f"{len(self.wrong_versions)} wrong versions; {len(self.unexpected_outputs)} unexpected objects",
            f"DLQ          {len(self.dlq)} (poison {dead_poison}/{len(self.poison)}, good {len(self.good_in_dlq)})",
            f"lost         {len(self.lost)}",
            f"duplicates   {self.duplicates} (writes over a complete output, on {len(self.duplicate_keys)} keys)",
            f"deliveries   {self.deliveries} objects started, {self.interrupted} of them cut short by a signal, "
            f"{self.failed_attempts} attempts failed; "
            f"{self.incomplete_uploads} incomplete multipart uploads left (never visible as objects)",
        ]
        if self.shutdown is not None:
            sd = self.shutdown
            lines.append(
                f"shutdown     {sd.stopped} stopped: {sd.finished_in_grace} messages finished within the grace, "
                f"{sd.released} handed back; {len(sd.redelivered_by_timeout)} redelivered by timeout, "
                f"{len(sd.processed_twice)} processed twice, {len(sd.bad_exits)} bad exits; "
                f"{len(sd.published_after_release)} published after being handed back"
            )
        if self.proxy_figures:
            lines.append(self.proxy_figures)
        lines.append(f"wall time    {self.wall_seconds:.1f} s{'' if self.finished else ' (timed out)'}")
        return "\n".join(lines)


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


def bench_run(name: str, settings: CrashSettings, log_dir: str | None, faults: FaultSettings | None = None) -> bool:
    """One run of a benchmark: its logs under `log_dir`/`name` (or a new temporary folder), its figures
    and problems printed; True when the end state is sound."""
    work_dir = Path(log_dir) / name if log_dir else Path(tempfile.mkdtemp(prefix=f"batch-{name}-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    print(f"== {name}: {settings.inputs} inputs, {settings.workers} workers (logs in {work_dir})", flush=True)
    report = run(settings, work_dir, faults)
    print(report.figures())
    problems = report.problems()
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(flush=True)
    return not problems


def run(settings: CrashSettings, work_dir: Path | None = None, faults: FaultSettings | None = None) -> CrashReport:
    """One bounded run; every process it starts is stopped before it returns.

    With `faults`, the workers reach moto_server through a `FaultProxy` (the harness's own uploads and
    checks go straight to it).
    """
    work_dir = Path(tempfile.mkdtemp(prefix="batch-crash-")) if work_dir is None else work_dir
    inputs = make_inputs(settings)
    report = CrashReport(settings, inputs, log_dir=work_dir)
    with Processes(work_dir) as processes, contextlib.ExitStack() as stack:
        aws = start_moto(processes)
        pipeline = create_pipeline(
            aws,
            PIPELINE,
            default_pipelines()[PIPELINE],
            visibility_timeout=settings.visibility_timeout,
            output_versioning=True,
        )
        env = worker_environment(
            pipeline,
            processor=PROCESSOR,
            shutdown_grace_seconds=settings.shutdown_grace,
            # DEBUG: the worker marks each poll, which the chaos reads (`message_in_hand`).
            extra={SECONDS_PER_LINE_VARIABLE: f"{settings.seconds_per_line:g}", "LOG_LEVEL": "DEBUG"},
        )
        proxy = stack.enter_context(FaultProxy(aws.endpoint, faults)) if faults is not None else None
        endpoint = proxy.endpoint if proxy is not None else aws.endpoint
        pool = WorkerPool(processes, PIPELINE, endpoint, env, settings.workers)
        pool.start_all()
        chaos = _Chaos(pool, settings) if settings.signal is not None else None
        started = time.monotonic()
        if chaos is not None:
            chaos.start()
        try:
            _upload(aws, pipeline, inputs)
            report.finished = _wait_until_queue_empty(aws, pipeline, started + settings.timeout)
        finally:
            if chaos is not None:
                chaos.stop()
            report.wall_seconds = time.monotonic() - started
            pool.stop_all(settings.shutdown_grace + _EXIT_MARGIN_SECONDS)
        if chaos is not None:
            report.signals_sent, report.spared, report.skipped = chaos.sent, chaos.spared, chaos.skipped
        if proxy is not None:
            report.faults = Counter(proxy.injected)
            report.proxy_figures = proxy.figures()
        _check_outputs(aws, pipeline, report)
        _check_queues(aws, pipeline, report)
        _check_logs(pool, report)
    return report


class _Chaos:
    """Strikes one worker at a time, and only one provably in the middle of a message it may lose.

    A strike freezes a worker (SIGSTOP, then waits until every thread is stopped), re-reads its whole log
    and signals it only if the log shows a message in hand below its last allowed receive and work on its
    input under way (`message_in_hand`: received, no outcome, no poll since; `processing object`). A
    frozen process writes nothing and sends nothing, so what the log shows is what the worker is doing.
    Otherwise the worker is thawed (SIGCONT)
    and the next one, in random order, is tried. Until `quota` signals have landed the chaos tries every
    `_EAGER_SECONDS`; after that every 0.5–1.5 × `kill_every` seconds.

    SIGTERM sent to a stopped process is delivered when it is continued, so the graceful stop begins
    from the state that was checked.
    """

    def __init__(self, pool: WorkerPool, settings: CrashSettings) -> None:
        self._pool = pool
        self._settings = settings
        assert settings.signal is not None
        self._signal = signal.Signals[settings.signal]
        self._rng = random.Random(settings.seed + 1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos", daemon=True)
        self._max_receive_count = default_pipelines()[PIPELINE].max_receive_count
        self.sent = self.spared = self.skipped = 0
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._pause()):
                self._strike()
        except BaseException as exc:
            self.error = exc

    def _pause(self) -> float:
        if self.sent < self._settings.quota:
            return _EAGER_SECONDS
        return self._settings.kill_every * self._rng.uniform(0.5, 1.5)

    def _strike(self) -> None:
        live = [(slot, inc) for slot, inc in enumerate(self._pool.live) if inc is not None]
        self._rng.shuffle(live)
        for slot, incarnation in live:
            if not _freeze(incarnation.child):
                continue
            in_hand = message_in_hand(incarnation.records())
            last = in_hand is not None and in_hand.receive_count >= self._max_receive_count
            if in_hand is not None and in_hand.working and not last:
                self._end(slot)
                return
            self.spared += last
            incarnation.child.signal(signal.SIGCONT)
        self.skipped += 1

    def _end(self, slot: int) -> None:
        """Signal the frozen worker in `slot`, wait for its exit and start it again."""
        grace = self._settings.shutdown_grace + _EXIT_MARGIN_SECONDS if self._signal == signal.SIGTERM else 10.0
        self._pool.end(slot, self._signal, grace, resume=True)
        self.sent += 1
        if not self._stop.is_set():
            self._pool.start(slot)


def _freeze(child: Child) -> bool:
    """SIGSTOP `child` and wait until all its threads are stopped; False if it has exited."""
    child.signal(signal.SIGSTOP)
    deadline = time.monotonic() + _FREEZE_TIMEOUT_SECONDS
    while child.alive():
        if all(state in "tT" for state in _thread_states(child.pid)):
            return True
        if time.monotonic() > deadline:
            raise RuntimeError(f"{child.name} (pid {child.pid}) did not stop within {_FREEZE_TIMEOUT_SECONDS:g} s")
        time.sleep(0.002)
    return False


def _thread_states(pid: int) -> list[str]:
    """The scheduler state letter of every thread of `pid` (Linux /proc; `T`/`t` = stopped)."""
    states = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            # "tid (comm) S ...": comm may hold spaces or parentheses, the state follows the last ")".
            states.append(stat.read_text().rpartition(")")[2].split()[0])
        except (OSError, IndexError):
            states.append("?")
    return states or ["?"]


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


def output_matches(body: bytes, expected: list[dict[str, Any]] | None) -> bool:
    try:
        records = [json.loads(line) for line in body.decode().splitlines()]
    except ValueError:
        return False
    # Equal dicts with the same key order: same fields, in the input's order, review_score last.
    return records == expected and all(
        list(got) == list(want) for got, want in zip(records, expected or [], strict=True)
    )


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


@dataclass
class LongPollReport:
    dead_poll_messages: tuple[str, ...]
    """Messages moto_server put in the answer to the killed worker's poll (an answer nobody read)."""
    receive_counts: list[int]
    """Receive counts the live worker logged, one per `message received`."""
    output_correct: bool
    dlq: list[str]
    left_in_queue: int
    wall_seconds: float
    log_dir: Path

    def figures(self) -> str:
        return "\n".join(
            [
                f"dead poll    answered with {len(self.dead_poll_messages)} message(s) after its worker was killed",
                f"live worker  received it with receive counts {self.receive_counts}",
                f"end state    output {'correct' if self.output_correct else 'MISSING OR WRONG'}; "
                f"DLQ {len(self.dlq)}; {self.left_in_queue} left in the queue",
                f"wall time    {self.wall_seconds:.1f} s",
            ]
        )


def long_poll_kill(work_dir: Path, *, visibility_timeout: int = 4, timeout: float = 120.0) -> LongPollReport:
    """A worker SIGKILLed while it waits in a long poll, then one input uploaded.

    The worker reaches moto_server through a `FaultProxy` that injects nothing and tells when a
    ReceiveMessage has been forwarded and not yet answered: the worker is killed only then, so its
    poll is provably open at moto_server (as it would be at SQS). The input is uploaded after the kill,
    while that poll still waits (the worker's default long poll, the longest SQS allows), so moto_server
    answers the dead poll with the message: a receive counted that nobody saw. A second worker is started
    only once that answer has gone out, then receives the message after its visibility timeout.
    """
    started = time.monotonic()
    item = next(i for i in make_inputs(CrashSettings(inputs=2, large=0, multipart=0, poison=1)) if i.good)
    receive = "sqs:ReceiveMessage"
    with Processes(work_dir) as processes, contextlib.ExitStack() as stack:
        aws = start_moto(processes)
        proxy = stack.enter_context(FaultProxy(aws.endpoint, FaultSettings(rate=0)))
        pipeline = create_pipeline(
            aws, PIPELINE, default_pipelines()[PIPELINE], visibility_timeout=visibility_timeout, output_versioning=True
        )
        # The long poll the worker makes by default, not the short one local runs use.
        long_poll = Config.wait_time_seconds
        doomed = WorkerPool(
            processes,
            "polling",
            proxy.endpoint,
            worker_environment(pipeline, processor=PROCESSOR, wait_time_seconds=long_poll),
            1,
        )
        doomed.start_all()
        if not proxy.wait_until(lambda: proxy.in_flight(receive) == 1, timeout):
            raise RuntimeError(f"the worker opened no poll within {timeout:g} s; see {doomed.incarnations[0].log_path}")
        doomed.end(0, signal.SIGKILL, 10.0)
        _upload(aws, pipeline, [item])
        answered = proxy.wait_until(lambda: any(e.operation == receive for e in proxy.exchanges), long_poll + timeout)
        if not answered:
            raise RuntimeError("moto_server never answered the killed worker's poll")
        dead_poll = next(e for e in proxy.exchanges if e.operation == receive)
        live = WorkerPool(processes, PIPELINE, aws.endpoint, worker_environment(pipeline, processor=PROCESSOR), 1)
        live.start_all()
        try:
            _wait_until_queue_empty(aws, pipeline, time.monotonic() + timeout)
        finally:
            live.stop_all(_EXIT_MARGIN_SECONDS)
        s3, sqs = aws.client("s3"), aws.client("sqs")
        try:
            body = s3.get_object(Bucket=pipeline.output_bucket, Key=item.key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            body = b""
        return LongPollReport(
            dead_poll_messages=dead_poll.message_ids,
            receive_counts=[
                int(r["receive_count"]) for r in live.incarnations[0].records() if r.get("msg") == "message received"
            ],
            output_correct=output_matches(body, item.expected),
            dlq=_drain(sqs, pipeline.dlq_url),
            left_in_queue=_messages_in(sqs, pipeline.queue_url),
            wall_seconds=time.monotonic() - started,
            log_dir=work_dir,
        )

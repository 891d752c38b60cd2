"""A worker SIGKILLed while it waits in a long poll: the one crash the chaos of `local.crash` avoids, run on its own.

The poll is answered after the worker is gone, so its message spends a receive nobody saw; `long_poll_kill`
runs that case and reports what the dead poll was answered with and what the live worker then received.
"""

from __future__ import annotations

import contextlib
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from batch_worker.config import Config

from stack.batch import default_pipelines

from .aws import start_moto
from .crash import _EXIT_MARGIN_SECONDS
from .crash_checks import _drain, _messages_in, _wait_until_queue_empty
from .crash_inputs import _upload, make_inputs, output_matches
from .crash_report import PIPELINE, PROCESSOR, CrashSettings
from .fault_proxy import FaultProxy, FaultSettings
from .pipeline import WorkerPool, create_pipeline, worker_environment
from .processes import Processes


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

"""The jsonl batch pipeline under crashes: workers are killed (or stopped) at random while they work.

One run: moto_server, the `jsonl` pipeline built from the stack's default settings (`maxReceiveCount`,
suffixes) with a short visibility timeout, `workers` batch worker processes, then the inputs (`local.crash_inputs`)
are uploaded and one worker at a time, caught in the middle of a message, receives `signal` and is started
again, until the queue is empty. The end state is then checked against what was uploaded
(`local.crash_checks`). The settings a run takes and the report it returns are `local.crash_report`'s.

The workers run `local.slow_jsonl:process` (the `jsonl` processor, slowed per line and rejecting files
with bad lines, so a malformed file is poison).

A crash counts as a receive: a message whose worker dies `maxReceiveCount` times in a row is treated
like a file that kills every worker it reaches (out of memory, say) and moves to the dead-letter queue
— by design. The crashes here stand for failures that have nothing to do with the input, so the chaos
signals only a worker it has frozen and whose log proves it holds a message below its last allowed
receive (`_Chaos`). A worker killed while idle in a long poll can cost a message a receive it never saw
(the poll is answered after the worker is gone): `local.long_poll` runs that case on its own.
"""

from __future__ import annotations

import contextlib
import random
import signal
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from stack.batch import default_pipelines

from .aws import start_moto
from .crash_checks import _check_logs, _check_outputs, _check_queues, _wait_until_queue_empty
from .crash_inputs import _upload, make_inputs
from .crash_report import PIPELINE, PROCESSOR, CrashReport, CrashSettings
from .fault_proxy import FaultProxy, FaultSettings
from .pipeline import WorkerPool, create_pipeline, message_in_hand, worker_environment
from .processes import Child, Processes
from .slow_jsonl import SECONDS_PER_LINE_VARIABLE

# How long a stopped worker may take to exit beyond its shutdown grace (final long poll, hand-back).
_EXIT_MARGIN_SECONDS = 15.0
# How often the chaos looks for a worker it may strike until it has landed its quota.
_EAGER_SECONDS = 0.1
_FREEZE_TIMEOUT_SECONDS = 5.0


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

"""What a crash run (`local.crash.run`) is given and what it finds: its settings, its inputs as data, its report.

Held apart from the run so that making the inputs (`local.crash_inputs`) and checking the end state
(`local.crash_checks`) read the same types without importing the run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stack.batch import default_pipelines

PROCESSOR = "local.slow_jsonl:process"
PIPELINE = "jsonl"
_POISON_KINDS = ("malformed", "missing", "garbage")


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

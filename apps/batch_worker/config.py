"""Worker settings, read once from the environment at start-up."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from botocore.config import Config as BotoConfig

# SQS limits: a visibility timeout is at most 12 hours, a long poll at most 20 seconds.
_MAX_VISIBILITY_TIMEOUT = 43_200
_MAX_WAIT_TIME_SECONDS = 20
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# S3 and SQS calls are retried on 5xx, throttling and connection errors by botocore's adaptive mode:
# the standard mode's exponential backoff with jitter, plus client-side rate limiting once throttled.
SDK_RETRIES = {"mode": "adaptive", "total_max_attempts": 5}
# Long polls hold the connection for up to 20 s, well inside the read timeout.
SDK_CONNECT_TIMEOUT_SECONDS = 5
SDK_READ_TIMEOUT_SECONDS = 60
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class ConfigError(ValueError):
    """Every problem found in the environment, one `NAME: value — what is allowed` per entry."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Config:
    queue_url: str
    output_bucket: str
    # The queue's own visibility timeout, which the worker cannot look up before its first receive: the
    # component that creates the queue passes it, so no second default can disagree with the queue's.
    visibility_timeout: int
    heartbeat_interval: float
    processor: str = "jsonl"
    wait_time_seconds: int = 20
    input_suffixes: tuple[str, ...] = ()
    input_prefixes: tuple[str, ...] = ()
    scale_in_protection: bool = False
    ecs_agent_uri: str | None = None
    shutdown_grace_seconds: float = 25.0
    log_level: str = "INFO"
    dead_letter_queue_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        """Build the settings from `env`, raising one ConfigError that lists every problem."""
        problems: list[str] = []

        def text(name: str, what: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                problems.append(f"{name}: missing — {what}")
            return value

        def number(name: str, default: float, low: float, high: float, *, integer: bool) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = int(raw) if integer else float(raw)
            except ValueError:
                value = math.nan
            if not low <= value <= high:
                kind = "an integer" if integer else "a number"
                problems.append(f"{name}: {raw!r} — {kind} from {low:g} to {high:g}")
                return default
            return value

        queue_url = text("QUEUE_URL", "the URL of the SQS queue to poll")
        output_bucket = text("OUTPUT_BUCKET", "the name of the S3 bucket that receives the results")

        processor = env.get("PROCESSOR", "").strip() or "jsonl"
        if processor not in ("jsonl", "thumbnails"):
            module, sep, function = processor.partition(":")
            if not (sep and module and function.isidentifier()):
                problems.append(f"PROCESSOR: {processor!r} — jsonl, thumbnails or module:function")

        # 0: missing or invalid, already reported; the heartbeat is then not checked against it.
        visibility = 0
        if text("VISIBILITY_TIMEOUT", f"the queue's visibility timeout in seconds, 1 to {_MAX_VISIBILITY_TIMEOUT}"):
            visibility = int(number("VISIBILITY_TIMEOUT", 0, 1, _MAX_VISIBILITY_TIMEOUT, integer=True))
        heartbeat = 0.0
        if visibility:
            # A beat must land before the extended timeout runs out, so the interval stays below it.
            heartbeat = number("HEARTBEAT_INTERVAL", visibility / 3, 0.1, max(visibility - 0.5, 0.1), integer=False)
        wait = int(number("WAIT_TIME_SECONDS", 20, 0, _MAX_WAIT_TIME_SECONDS, integer=True))
        grace = number("SHUTDOWN_GRACE_SECONDS", 25.0, 0, 3600, integer=False)

        agent_uri = env.get("ECS_AGENT_URI", "").strip().rstrip("/") or None
        protection_raw = env.get("SCALE_IN_PROTECTION", "").strip().lower()
        if not protection_raw:
            protection = agent_uri is not None
        elif protection_raw in _TRUE | _FALSE:
            protection = protection_raw in _TRUE
            if protection and agent_uri is None:
                problems.append("SCALE_IN_PROTECTION: true — needs ECS_AGENT_URI, which ECS sets inside a task")
        else:
            protection = False
            problems.append(f"SCALE_IN_PROTECTION: {protection_raw!r} — true or false")

        # Where an input that can never be processed is sent at once; without it, such a message
        # reaches the dead-letter queue through the queue's redrive policy, one receive at a time.
        dead_letter_queue_url = env.get("DEAD_LETTER_QUEUE_URL", "").strip() or None

        log_level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
        if log_level not in _LOG_LEVELS:
            problems.append(f"LOG_LEVEL: {log_level!r} — one of {', '.join(_LOG_LEVELS)}")

        if problems:
            raise ConfigError(problems)
        return cls(
            queue_url=queue_url,
            output_bucket=output_bucket,
            processor=processor,
            visibility_timeout=visibility,
            heartbeat_interval=heartbeat,
            wait_time_seconds=wait,
            input_suffixes=_lowered_list(env.get("INPUT_SUFFIXES", "")),
            input_prefixes=_list(env.get("INPUT_PREFIXES", "")),
            scale_in_protection=protection,
            ecs_agent_uri=agent_uri,
            shutdown_grace_seconds=grace,
            log_level=log_level,
            dead_letter_queue_url=dead_letter_queue_url,
        )

    def sdk_config(self) -> BotoConfig:
        """botocore settings of the S3 and SQS clients."""
        return BotoConfig(
            retries=SDK_RETRIES, connect_timeout=SDK_CONNECT_TIMEOUT_SECONDS, read_timeout=SDK_READ_TIMEOUT_SECONDS
        )

    def heartbeat_sdk_config(self) -> BotoConfig:
        """botocore settings of the heartbeat's SQS client: no SDK retries, since the heartbeat
        retries on its own clock against the lease deadline, and timeouts short enough that a
        stalled call leaves time for another before the visibility timeout runs out."""
        timeout = max(1.0, min(5.0, self.visibility_timeout / 4))
        return BotoConfig(
            retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=timeout, read_timeout=timeout
        )

    def accepts(self, key: str) -> bool:
        """Whether `key` passes INPUT_PREFIXES (exact: S3 keys and the task role's read grant are
        case-sensitive) and INPUT_SUFFIXES (case-insensitive: `.jpg` and `.JPG` are the same kind of file)."""
        if self.input_prefixes and not key.startswith(self.input_prefixes):
            return False
        return not self.input_suffixes or key.lower().endswith(self.input_suffixes)


def _list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _lowered_list(raw: str) -> tuple[str, ...]:
    return tuple(item.lower() for item in _list(raw))

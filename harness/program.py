"""Runs the Pulumi program for a stack under the mocks, with no cloud account and no Pulumi CLI.

Config comes from `Pulumi.yaml` (project defaults) and `Pulumi.<stack>.yaml`, exactly as the CLI
would pass it (both read whole by stack/stack_file.py, so what the CLI would silently drop is refused),
plus `harness:offlinePlan: true` so the program knows it is not deploying (it then warns about the stack
file's example values instead of refusing them); `preview=False` so every value is known, as in `pulumi up`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import logging
import runpy
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import resource as resource_runtime
from pulumi.runtime.proto.source_pb2 import StackTrace
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from ecs_workloads.json_document import resolved
from stack import stack_file
from stack.placeholders import OFFLINE_PLAN_KEY
from stack.stack_file import StackConfig, StackConfigError

from .mocks import StackMocks
from .recording import Recording, RecordingMonitor

PROJECT_DIR = Path(__file__).resolve().parent.parent

EXIT_BAD_CONFIG = 2
"""Exit code of every command that reads a stack (`python -m plan`, `policy.evaluate`, `plan.snapshot`,
`plan.cost`, `local`) when its config is bad; the message is on stderr, without a traceback."""


def reports_bad_config(main: Callable[..., int]) -> Callable[..., int]:
    """A command's `main`, returning EXIT_BAD_CONFIG with the StackConfigError's message (every problem
    named with its file and line where it has one) instead of a traceback."""

    @functools.wraps(main)
    def reporting(*args: Any, **kwargs: Any) -> int:
        try:
            return main(*args, **kwargs)
        except StackConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_BAD_CONFIG

    return reporting


def project_name(project_dir: Path = PROJECT_DIR) -> str:
    return stack_file.project_name(project_dir)


def stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """Merged config as `namespace:key -> value` (plain YAML values, not yet serialised)."""
    return read_stack_config(stack, project_dir).values


def read_stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> StackConfig:
    """The merged config with where each key is written; both files checked whole (stack/stack_file.py), so a
    bad file raises StackConfigError."""
    if not (project_dir / f"Pulumi.{stack}.yaml").exists():
        raise FileNotFoundError(f"no stack file Pulumi.{stack}.yaml; stacks: {', '.join(list_stacks(project_dir))}")
    return stack_file.read_stack(stack, project_dir)


def list_stacks(project_dir: Path = PROJECT_DIR) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def _serialise(value: Any) -> str:
    # The CLI hands structured config to the program as JSON text and scalars as strings.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def run_program(
    stack: str,
    config: dict[str, Any] | None = None,
    project_dir: Path = PROJECT_DIR,
    recording: Recording | None = None,
) -> Recording:
    """Runs `__main__.py` for `stack` and returns every registration and the stack outputs.

    `config` replaces the stack file's config when given (tests use it for variants of a stack).
    Exceptions raised by the program propagate unchanged; pass `recording` to see what was
    registered before one was raised.
    """
    values = stack_config(stack, project_dir) if config is None else config
    main = project_dir / "__main__.py"
    return run_callable(
        lambda: runpy.run_path(str(main), run_name="__main__"),
        stack,
        values,
        recording,
        project_name(project_dir),
        project_dir,
    )


def run_callable(
    program,
    stack: str = "test",
    config: dict[str, Any] | None = None,
    recording: Recording | None = None,
    project: str | None = None,
    project_dir: Path | None = None,
) -> Recording:
    """Runs `program()` (a function declaring resources) under the same mocks; for component tests.

    `project_dir` is the program's project root (`pulumi.get_root_directory()`), where the program finds its
    stack file as under `pulumi up`."""
    recording = Recording() if recording is None else recording
    # A fresh context per run: the SDK keeps its settings, root stack and config in context variables.
    return contextvars.Context().run(
        _run_function, program, stack, config or {}, project or project_name(), project_dir, recording
    )


def _run_function(
    program, stack: str, values: dict[str, Any], project: str, project_dir: Path | None, recording: Recording
) -> Recording:
    # A fresh event loop and no pending outputs, so a failed run cannot leave tasks behind for the next one
    # (the SDK keeps the set of pending outputs outside the context, as its own test decorator knows).
    SETTINGS.outputs.clear()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return _evaluate(program, stack, values, project, project_dir, recording)
    finally:
        SETTINGS.outputs.clear()
        loop.close()
        asyncio.set_event_loop(None)


@contextlib.contextmanager
def without_source_positions() -> Iterator[None]:
    """The SDK walks the Python stack on every registration to tell the engine where a resource was
    declared; mocks ignore it, and the walk grows with the depth of the components. Both the offline
    evaluation and the bench's floor program skip it, so neither pays for what no one reads."""
    capture = resource_runtime._get_stack_trace
    resource_runtime._get_stack_trace = StackTrace
    try:
        yield
    finally:
        resource_runtime._get_stack_trace = capture


class _WarningsKept(logging.Handler):
    def __init__(self, recording: Recording) -> None:
        super().__init__(logging.WARNING)
        self.recording = recording

    def emit(self, record: logging.LogRecord) -> None:
        self.recording.warnings.append(record.getMessage())


def _program_logger(recording: Recording) -> logging.Logger:
    """The logger the mock engine hands the program's `pulumi.log` calls to: its warnings go into the recording
    (the plan prints them) instead of the root logger."""
    logger = logging.Logger("harness.program")
    logger.addHandler(_WarningsKept(recording))
    return logger


def _evaluate(
    program, stack: str, values: dict[str, Any], project: str, project_dir: Path | None, recording: Recording
) -> Recording:
    region = str(values.get("aws:region", "us-east-1"))
    mocks = StackMocks(region)
    # Tell the program it runs under the mocks (stack/placeholders.py); a test may pass it false to see what a
    # real deployment would do.
    values = {OFFLINE_PLAN_KEY: True, **values}
    pulumi.runtime.set_all_config({key: _serialise(value) for key, value in values.items()})
    pulumi.runtime.set_mocks(
        mocks,
        project=project,
        stack=stack,
        preview=False,
        logger=_program_logger(recording),
        monitor=RecordingMonitor(mocks, recording),
    )
    # The CLI tells the program where Pulumi.yaml is; the mocks leave it unset.
    SETTINGS.root_directory = None if project_dir is None else str(project_dir)
    with without_source_positions():
        _sync_await(run_pulumi_func(program))
    root = pulumi.runtime.get_root_resource()
    outputs = getattr(root, "outputs", {}) or {}
    # Only the Output leaves are awaited: Output.from_input would lift every field of every export.
    recording.stack_outputs = _sync_await(resolved(outputs).future()) or {}
    return recording

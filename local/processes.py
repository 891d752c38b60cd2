"""Child processes of a local run, each in its own process group on loopback, all stopped at the end.

Every server and worker is started with `start_new_session=True`, so a signal reaches the whole group
(gunicorn and its workers together) and nothing outlives the run: `Processes` stops every group it
started, SIGTERM first and SIGKILL after a bounded wait.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
APPS_DIR = ROOT / "apps"
REGION = "us-east-1"
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class StartupError(RuntimeError):
    """A child process died or did not answer in time; the message ends with the tail of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(endpoint: str | None = None, **extra: str) -> dict[str, str]:
    """Environment of a child: apps/ and the repository importable, fake credentials, no real AWS settings.

    Every inherited AWS_* variable is dropped, so no child can reach a real account.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.pop("ECS_AGENT_URI", None)
    env.update(FAKE_AWS_ENV)
    env["PYTHONPATH"] = os.pathsep.join([str(APPS_DIR), str(ROOT)])
    env["PYTHONUNBUFFERED"] = "1"
    if endpoint is not None:
        env["AWS_ENDPOINT_URL"] = endpoint
    env.update(extra)
    return env


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Child:
    """One process group: the process started and everything it forks."""

    def __init__(self, name: str, process: subprocess.Popen, log_path: Path) -> None:
        self.name = name
        self.process = process
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, sig: signal.Signals) -> None:
        """Send `sig` to the whole group; a group that is already gone is left alone."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if the process is still running after `timeout` seconds."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM the group, then SIGKILL it if it has not exited within `timeout`; returns the exit code."""
        self.signal(signal.SIGTERM)
        code = self.wait(timeout)
        if code is None:
            self.signal(signal.SIGKILL)
            code = self.process.wait(timeout=STOP_TIMEOUT)
        # Children of the group that ignored SIGTERM (none should) do not survive the leader.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return code


class Processes:
    """Starts children and stops every one of them on `close()` (or leaving the `with` block)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self._children: list[Child] = []

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(
        self,
        name: str,
        argv: list[str],
        env: Mapping[str, str],
        *,
        cwd: Path = ROOT,
        log_name: str | None = None,
    ) -> Child:
        log_path = self.log_dir / (log_name or f"{name}.log")
        with log_path.open("ab") as sink:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=dict(env),
                start_new_session=True,
            )
        child = Child(name, process, log_path)
        self._children.append(child)
        return child

    def python(self, name: str, args: list[str], env: Mapping[str, str], **kwargs) -> Child:
        return self.start(name, [sys.executable, *args], env, **kwargs)

    def close(self) -> None:
        """Stop every child: all are signalled first, so their shutdowns overlap, then each is waited for."""
        children = [child for child in reversed(self._children) if child.alive()]
        for child in children:
            child.signal(signal.SIGTERM)
        for child in children:
            child.stop()
        self._children.clear()


def wait_for_file(path: Path, child: Child, timeout: float = STARTUP_TIMEOUT) -> str:
    """The text `child` writes to `path` (whole, by rename); raise StartupError if it dies first or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text()
        if not child.alive():
            code = child.process.returncode
            raise StartupError(f"{child.name} exited with {code} before writing {path}:\n{log_tail(child.log_path)}")
        time.sleep(0.05)
    raise StartupError(f"{child.name} did not write {path} within {timeout:g} s:\n{log_tail(child.log_path)}")


def wait_until_answering(url: str, child: Child | None = None, timeout: float = STARTUP_TIMEOUT) -> None:
    """Poll `url` until it answers HTTP; raise StartupError if `child` dies first or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and not child.alive():
            code = child.process.returncode
            raise StartupError(f"{child.name} exited with {code} before answering {url}:\n{log_tail(child.log_path)}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    tail = log_tail(child.log_path) if child is not None else ""
    raise StartupError(f"{url} did not answer within {timeout:g} s:\n{tail}")

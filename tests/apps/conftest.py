"""Fixtures shared by the app tests: fake AWS credentials, moto (in process or as a server) and
loopback HTTP servers. Every server listens on 127.0.0.1 and is stopped at teardown."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
from werkzeug.serving import make_server

from local.aws import start_moto
from local.processes import Processes

APPS_DIR = Path(__file__).resolve().parents[2] / "apps"
REGION = "us-east-1"
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
# Variables that would point boto3 at a real account or a different endpoint.
_AWS_LEAKS = ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL_S3")
STARTUP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Poll url until it answers HTTP; fail early when the process died, or after STARTUP_TIMEOUT."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = log.read_text() if log else ""
            pytest.fail(f"process exited with {process.returncode} before answering {url}:\n{output}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            # Refused while the port is not bound yet, or a read timeout while a loaded machine boots
            # the server's workers: either way, ask again until the deadline.
            time.sleep(0.1)
    output = log.read_text() if log else ""
    pytest.fail(f"{url} did not answer within {STARTUP_TIMEOUT} s:\n{output}")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for an app process: apps/ importable, fake credentials, nothing leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in _AWS_LEAKS and not k.startswith("AWS_")}
    env.update(FAKE_AWS_ENV)
    env["PYTHONPATH"] = str(APPS_DIR)
    env.update(extra)
    return env


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on, for testing an unreachable API."""
    return free_port()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, so no test can reach a real AWS account."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto_server process on a loopback port it picks itself; yields its endpoint URL."""
    with Processes(tmp_path_factory.mktemp("moto")) as processes:
        yield start_moto(processes).endpoint


@pytest.fixture
def s3_endpoint(moto_server: str, aws_env: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """boto3 clients created in this test talk to moto_server (boto3 reads AWS_ENDPOINT_URL)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return moto_server


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    """A new, empty bucket on moto_server, unique to the test."""
    name = f"cats-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=name)
    return name


@pytest.fixture
def mock_s3(aws_env: None) -> Iterator[None]:
    """In-process moto: every boto3 call in the test is answered from memory."""
    from moto import mock_aws

    with mock_aws():
        yield


class LoopbackServer:
    """A WSGI app served by werkzeug on a free 127.0.0.1 port in a background thread."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll interval keeps shutdown, and so each test's teardown, quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def serve():
    """Call serve(app) to get a running LoopbackServer; all are stopped at teardown."""
    servers: list[LoopbackServer] = []

    def start(app) -> LoopbackServer:
        server = LoopbackServer(app).__enter__()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        server.__exit__(None, None, None)


@pytest.fixture
def cats_process(tmp_path: Path):
    """Call cats_process(**env) to run the cats API under gunicorn as a real process; yields its URL."""
    processes: list[subprocess.Popen] = []

    def start(**env: str) -> str:
        port = free_port()
        log = tmp_path / f"cats-{port}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn",
                    "--config", "python:cats.gunicorn_conf",
                    "--bind", f"127.0.0.1:{port}",
                    "cats.wsgi:app",
                ],
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=APPS_DIR,
                env=subprocess_env(WEB_CONCURRENCY="1", **env),
            )  # fmt: skip
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_answering(f"{url}/health", process, log)
        return url

    yield start
    for process in processes:
        stop_process(process)


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of a Dockerfile, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        instruction, _, args = current.partition(" ")
        logical.append((instruction.upper(), args.strip()))
        current = ""
    return logical


@pytest.fixture
def read_dockerfile():
    return dockerfile_instructions

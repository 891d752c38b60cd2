"""moto_server as the AWS endpoint of a local run, and boto3 clients that can only reach it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from . import moto_server
from .processes import FAKE_AWS_ENV, REGION, Processes, child_env, wait_for_file, wait_until_answering


@dataclass(frozen=True)
class Aws:
    """Clients for one moto_server endpoint (explicit endpoint and fake credentials, never the environment's)."""

    endpoint: str

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_AWS_ENV["AWS_SESSION_TOKEN"],
            config=Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30),
        )


def start_moto(processes: Processes) -> Aws:
    """Start `moto_server` on a 127.0.0.1 port of its own choosing (`local.moto_server`); it stops with
    `processes`."""
    port_file = processes.log_dir / f"moto_server-{uuid.uuid4().hex}.port"
    child = processes.python("moto_server", ["-m", "local.moto_server", str(port_file)], child_env())
    endpoint = f"http://{moto_server.HOST}:{wait_for_file(port_file, child)}"
    wait_until_answering(f"{endpoint}/moto-api/", child)
    return Aws(endpoint)

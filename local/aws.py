"""moto_server as the AWS endpoint of a local run, and boto3 clients that can only reach it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from .processes import FAKE_AWS_ENV, REGION, Processes, child_env, free_port, wait_until_answering


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
    """Start `moto_server` on a free 127.0.0.1 port; it stops with `processes`."""
    port = free_port()
    child = processes.python("moto_server", ["-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], child_env())
    endpoint = f"http://127.0.0.1:{port}"
    wait_until_answering(f"{endpoint}/moto-api/", child)
    return Aws(endpoint)

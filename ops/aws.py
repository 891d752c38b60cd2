"""boto3 clients for the commands, all in one region."""

from __future__ import annotations

from typing import Any, Protocol

import boto3
from botocore.config import Config

# Shows in CloudTrail's userAgent, so changes made from this tool can be told apart from console clicks.
_CONFIG = Config(user_agent_extra="ecs-workloads-cli")


class SessionLike(Protocol):
    def client(self, service_name: str, *, region_name: str | None = None, config: Config | None = None) -> Any: ...


class Aws:
    """Creates each client on first use, so a command needs credentials only for the services it calls.

    The region is `region` when given, else boto3's own chain (AWS_REGION, the profile). boto3 also
    reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, which points the tool at a local emulator.
    """

    def __init__(self, region: str | None, session: SessionLike | None = None) -> None:
        self._session = session if session is not None else boto3.session.Session()
        self._region = region
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, region_name=self._region, config=_CONFIG)
        return self._clients[service]

    @property
    def ecs(self) -> Any:
        return self.client("ecs")

    @property
    def scheduler(self) -> Any:
        return self.client("scheduler")

    @property
    def sqs(self) -> Any:
        return self.client("sqs")

    @property
    def logs(self) -> Any:
        return self.client("logs")

    @property
    def cloudwatch(self) -> Any:
        return self.client("cloudwatch")

    @property
    def autoscaling(self) -> Any:
        return self.client("application-autoscaling")

    @property
    def secretsmanager(self) -> Any:
        return self.client("secretsmanager")

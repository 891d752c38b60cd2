"""A service's API token, read from the Secrets Manager secret the stack generated it into."""

from __future__ import annotations

from typing import Any

from .errors import ExitCode, OpsError
from .outputs import Service


def read(secretsmanager: Any, service: Service) -> str:
    """The current value (AWSCURRENT) of the service's token secret."""
    arn = service.api_token_secret_arn
    if arn is None:
        raise OpsError(
            f"service '{service.name}' has no API token: its outputs name no apiTokenSecretArn", ExitCode.USAGE
        )
    # GetSecretValue returns the AWSCURRENT version when neither VersionId nor VersionStage is given.
    value = secretsmanager.get_secret_value(SecretId=arn).get("SecretString")
    if not value:
        raise OpsError(f"secret {arn} holds no text value: the stack writes one; check its versions")
    return value

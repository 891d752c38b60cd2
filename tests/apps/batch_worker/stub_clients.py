"""A boto3 client with some of its calls replaced, for tests that inject faults or block a call."""

from __future__ import annotations

from typing import Any


class Wrapped:
    """The moto client with some calls replaced: `Wrapped(client, upload_part=stub)`."""

    def __init__(self, client: Any, **overrides: Any) -> None:
        self._client = client
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

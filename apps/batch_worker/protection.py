"""ECS task scale-in protection while a message is being worked on.

Without it, a service scaling in (or a deployment) may stop a task in the middle of an hours-long
job. The worker asks the ECS container agent (the endpoint under ECS_AGENT_URI) to protect the
task before work starts and releases the protection once a poll comes back empty, so a busy task
keeps it across consecutive messages.
Protection expires on its own after `expires_minutes` (ECS allows 1 to 2880); `hold` renews it
from the heartbeat once less than half is left, so a stuck worker cannot stay protected for ever
unless it is still beating. Endpoint failures are logged and never stop the work.
"""

from __future__ import annotations

import json
import math
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from .jsonlog import BoundLogger

_MIN_EXPIRES_MINUTES = 60
_MAX_EXPIRES_MINUTES = 2880
_TIMEOUT_SECONDS = 5


def expires_minutes_for(heartbeat_interval: float) -> int:
    """At least three heartbeats fit in one protection period, so a renewal is never missed."""
    return min(_MAX_EXPIRES_MINUTES, max(_MIN_EXPIRES_MINUTES, math.ceil(3 * heartbeat_interval / 60)))


class ScaleInProtection:
    def __init__(
        self,
        agent_uri: str | None,
        expires_minutes: int,
        log: BoundLogger,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = f"{agent_uri}/task-protection/v1/state" if agent_uri else None
        self._expires_minutes = expires_minutes
        self._log = log
        self._clock = clock
        self._lock = threading.Lock()
        self._protected_until: float | None = None

    @property
    def enabled(self) -> bool:
        return self._url is not None

    def hold(self) -> None:
        """Protect the task unless it already is for at least half a period more."""
        if self._url is None:
            return
        with self._lock:
            half_period = self._expires_minutes * 30
            if self._protected_until is not None and self._clock() < self._protected_until - half_period:
                return
            started = self._clock()
            if self._put({"ProtectionEnabled": True, "ExpiresInMinutes": self._expires_minutes}):
                self._protected_until = started + self._expires_minutes * 60

    def release(self) -> None:
        """Drop protection if this worker set it; on failure the next idle poll tries again."""
        if self._url is None:
            return
        with self._lock:
            if self._protected_until is not None and self._put({"ProtectionEnabled": False}):
                self._protected_until = None

    def _put(self, state: dict) -> bool:
        request = urllib.request.Request(
            self._url,  # type: ignore[arg-type]
            data=json.dumps(state).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                detail = exc.read()[:500].decode("utf-8", "replace")
            except Exception as read_error:
                detail = f"{type(read_error).__name__}: {read_error}"
            self._log.warning(
                "scale-in protection call failed",
                extra={"protection": state, "status": exc.code, "error": detail},
            )
            return False
        except Exception as exc:
            # Anything else the agent may answer (a malformed status line raises http.client's
            # BadStatusLine, a non-JSON body ValueError) must not end the worker with work in flight.
            self._log.warning(
                "scale-in protection call failed",
                extra={"protection": state, "error": f"{type(exc).__name__}: {exc}"},
            )
            return False
        if not isinstance(body, dict) or "protection" not in body:
            self._log.warning(
                "scale-in protection refused",
                extra={"protection": state, "error": body.get("failure", body) if isinstance(body, dict) else body},
            )
            return False
        self._log.info("scale-in protection set", extra={"protection": state})
        return True

"""ImageAssessor: remove a few cat pictures at random through the cats API, or restore them all.

Exit codes: 0 done, 1 the cats API failed or stayed unreachable, 2 invalid configuration.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

EXIT_OK, EXIT_API_FAILED, EXIT_BAD_CONFIG = 0, 1, 2
TRANSIENT_STATUSES = (502, 503, 504)
# Waits between attempts grow as 0 s, 1 s, 2 s, 4 s ... capped at 10 s.
BACKOFF_FACTOR = 0.5
BACKOFF_MAX = 10.0

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class ConfigError(Exception):
    pass


class ApiError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    alb_url: str
    reset: bool = False
    delete_count: int = 3
    api_token: str | None = None
    http_timeout: float = 5.0
    max_attempts: int = 4


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Read the settings from the environment, reporting every problem at once."""
    problems = []

    raw_url = environ.get("ALB_URL", "").strip()
    alb_url = raw_url.rstrip("/")
    if not raw_url:
        problems.append("ALB_URL is required (the load balancer's URL, e.g. http://my-alb.elb.amazonaws.com)")
    else:
        parts = urlsplit(alb_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"ALB_URL={raw_url!r} is not an http:// or https:// URL with a host")

    reset_raw = environ.get("RESETPICTURES", "").strip().lower()
    if reset_raw not in _TRUE | _FALSE:
        problems.append(f"RESETPICTURES={reset_raw!r} must be 1 (reset) or 0")

    def number(key: str, default, cast, minimum):
        raw = environ.get(key, "").strip()
        if not raw:
            return default
        try:
            value = cast(raw)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < minimum:
            kind = "a whole number" if cast is int else "a number"
            problems.append(f"{key}={raw!r} must be {kind} >= {minimum}")
            return default
        return value

    delete_count = number("DELETE_COUNT", 3, int, 1)
    http_timeout = number("HTTP_TIMEOUT", 5.0, float, 0.1)
    max_attempts = number("MAX_ATTEMPTS", 4, int, 1)

    if problems:
        raise ConfigError("; ".join(problems))
    return Settings(
        alb_url=alb_url,
        reset=reset_raw in _TRUE,
        delete_count=delete_count,
        api_token=environ.get("API_TOKEN") or None,
        http_timeout=http_timeout,
        max_attempts=max_attempts,
    )


def _one_line(exc: BaseException) -> str:
    # requests wraps urllib3's MaxRetryError, whose reason is the error that ended the last attempt.
    reason = exc
    if exc.args and isinstance(exc.args[0], MaxRetryError) and exc.args[0].reason is not None:
        reason = exc.args[0].reason
    return " ".join(str(reason).split()) or type(reason).__name__


class CatsClient:
    """The three calls ImageAssessor makes, with a timeout and retries on each."""

    def __init__(self, settings: Settings, backoff_factor: float = BACKOFF_FACTOR):
        self._base = settings.alb_url
        self._timeout = settings.http_timeout
        self._attempts = settings.max_attempts
        retry = Retry(
            total=settings.max_attempts - 1,
            connect=settings.max_attempts - 1,
            read=settings.max_attempts - 1,
            status=settings.max_attempts - 1,
            other=0,
            status_forcelist=TRANSIENT_STATUSES,
            # Deleting the same picture twice is harmless (the second answers 404), so POSTs retry too.
            allowed_methods=frozenset({"GET", "POST"}),
            backoff_factor=backoff_factor,
            backoff_max=BACKOFF_MAX,
            # A large Retry-After would outlast the schedule; the job runs again in two minutes anyway.
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        self._session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = "image-assessor"
        if settings.api_token:
            self._session.headers["Authorization"] = f"Bearer {settings.api_token}"

    def close(self) -> None:
        self._session.close()

    def _request(self, method: str, path: str, ok: tuple[int, ...] = (200,)) -> requests.Response:
        url = self._base + path
        try:
            response = self._session.request(method, url, timeout=self._timeout)
        except requests.RequestException as exc:
            raise ApiError(
                f"cats API unreachable at {url} after {self._attempts} attempt(s): {_one_line(exc)}"
            ) from None
        if response.status_code not in ok:
            detail = " ".join(response.text[:200].split())
            raise ApiError(f"{method} {url} answered HTTP {response.status_code}: {detail}")
        return response

    def list_pictures(self) -> list[str]:
        response = self._request("GET", "/cats/api/list-pictures/")
        try:
            listing = response.json()
        except ValueError:
            raise ApiError("list-pictures did not answer JSON; is ALB_URL the cats API?") from None
        if not isinstance(listing, dict):
            raise ApiError("list-pictures did not answer a JSON object; is ALB_URL the cats API?")
        return list(listing)

    def delete(self, picture: str) -> bool:
        """Delete one picture; False when it was already gone (another run, a retried request)."""
        number = picture.removesuffix(".jpg")
        response = self._request("POST", f"/cats/api/delete-pictures/{number}", ok=(200, 404))
        return response.status_code == 200

    def reset(self) -> None:
        self._request("POST", "/cats/api/reset-pictures/")


def _emit(stream: TextIO, level: str, message: str, **fields) -> None:
    entry = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": level}
    entry.update(logger="image_assessor", message=message, **fields)
    print(json.dumps(entry), file=stream, flush=True)


def run(
    settings: Settings,
    *,
    stdout: TextIO,
    rng: random.Random | None = None,
    backoff_factor: float = BACKOFF_FACTOR,
) -> list[str]:
    """Do one assessment (or reset); return the pictures removed. Raises ApiError."""
    client = CatsClient(settings, backoff_factor=backoff_factor)
    try:
        if settings.reset:
            client.reset()
            remaining = client.list_pictures()
            _emit(stdout, "info", "pictures reset", mode="reset", remaining=len(remaining))
            return []

        pictures = client.list_pictures()
        chosen = (rng or random.SystemRandom()).sample(pictures, min(settings.delete_count, len(pictures)))
        removed = []
        for picture in chosen:
            if client.delete(picture):
                removed.append(picture)
                _emit(stdout, "info", "picture removed", picture=picture)
            else:
                _emit(stdout, "info", "picture already gone", picture=picture)
        _emit(
            stdout,
            "info",
            "assessment finished",
            mode="assess",
            removed=removed,
            remaining=len(pictures) - len(removed),
        )
        return removed
    finally:
        client.close()


def main(
    environ: Mapping[str, str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    rng: random.Random | None = None,
    backoff_factor: float = BACKOFF_FACTOR,
) -> int:
    environ = os.environ if environ is None else environ
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        settings = load_settings(environ)
    except ConfigError as exc:
        _emit(stderr, "error", f"invalid configuration: {exc}")
        return EXIT_BAD_CONFIG
    try:
        run(settings, stdout=stdout, rng=rng, backoff_factor=backoff_factor)
    except ApiError as exc:
        _emit(stderr, "error", str(exc))
        return EXIT_API_FAILED
    return EXIT_OK

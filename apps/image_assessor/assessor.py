"""ImageAssessor: remove a few cat pictures at random through the cats API, or restore them all.

Exit codes: 0 done, 1 the cats API failed or stayed unreachable, 2 invalid configuration.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import random
import re
import socket
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

ALB_URL_SCHEMES = ("http", "https")
# Addresses where no load balancer can answer. Link-local matters most: from a task it reaches the endpoints
# that hand out credentials, EC2's instance metadata service (169.254.169.254, and fd00:ec2::254 over IPv6,
# per the EC2 User Guide's "Access instance metadata") and ECS's task metadata and credentials endpoint
# (169.254.170.2). IPv4-mapped IPv6 forms of these are refused too.
REFUSED_NETWORKS = {
    "link-local (instance metadata)": ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128"),
    "unspecified": ("0.0.0.0/8", "::/128"),
    "multicast": ("224.0.0.0/4", "ff00::/8"),
    "reserved or broadcast": ("240.0.0.0/4",),
}
ALB_URL_ALLOWED = (
    f"allowed: {' or '.join(f'{scheme}://' for scheme in ALB_URL_SCHEMES)} followed by a host name or IP address, "
    "an optional port and path; no user info, query string or fragment; "
    f"no address in the {', '.join(REFUSED_NETWORKS)} ranges"
)
# RFC 1123 host name labels (use the punycode form of an internationalised name).
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_MAX_HOST_NAME = 253

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
        reason = _alb_url_problem(raw_url)
        if reason:
            problems.append(f"ALB_URL={_redacted(raw_url)!r} {reason}; {ALB_URL_ALLOWED}")

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


def _redacted(url: str) -> str:
    """The URL with any user name and password replaced, so a message never shows them."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    authority_end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority = rest[:authority_end]
    if "@" not in authority:
        return url
    return f"{scheme}://***@{authority.rpartition('@')[2]}{rest[authority_end:]}"


def _alb_url_problem(url: str) -> str | None:
    """Why url cannot be the load balancer's base URL, or None when it can."""
    if any(char.isspace() or not char.isprintable() for char in url):
        return "contains white space or control characters"
    parts = urlsplit(url)
    if parts.scheme not in ALB_URL_SCHEMES or not parts.netloc:
        return "is not an http:// or https:// URL with a host"
    if "@" in parts.netloc:
        return "has user info (user:password@); send credentials with API_TOKEN instead"
    if "?" in url:
        return "has a query string"
    if "#" in url:
        return "has a fragment"
    try:
        port_ok = parts.port != 0
    except ValueError:
        port_ok = False
    if not port_ok:
        return "has a port that is not a number from 1 to 65535"
    host = parts.hostname or ""
    if not host:
        return "is not an http:// or https:// URL with a host"
    return _host_problem(host)


def _host_problem(host: str) -> str | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None:
        try:
            # The resolver also reads 2852039166, 0xa9fea9fe or 169.254.43518 as IPv4 addresses.
            socket.inet_aton(host)
        except OSError:
            pass
        else:
            return f"has host {host!r}, an IPv4 address in a non-standard form (write it as four decimal numbers)"
        name = host.removesuffix(".")
        labels = name.split(".")
        # An all-numeric last label is no top-level domain: it is an address typo such as 10.0.0.300.
        valid = len(name) <= _MAX_HOST_NAME and all(_LABEL.match(label) for label in labels)
        if not valid or labels[-1].isdigit():
            return f"has host {host!r}, which is neither an IP address nor a valid host name"
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, networks in REFUSED_NETWORKS.items():
        if any(address in ipaddress.ip_network(network) for network in networks):
            return f"has host {host!r}, an address in the {kind} range"
    return None


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
            # Never follow a redirect: requests would turn the POST into a GET (301/302/303) and report the
            # redirect target's answer as this call's, or send the token to wherever the answer points.
            response = self._session.request(method, url, timeout=self._timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise ApiError(
                f"cats API unreachable at {url} after {self._attempts} attempt(s): {_one_line(exc)}"
            ) from None
        if 300 <= response.status_code < 400:
            location = _redacted(response.headers.get("Location", ""))
            raise ApiError(
                f"{method} {url} answered HTTP {response.status_code} with Location {location!r}; redirects are "
                "not followed: set ALB_URL to the address that serves the cats API"
            )
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

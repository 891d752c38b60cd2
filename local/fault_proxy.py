"""An HTTP proxy on 127.0.0.1 in front of moto_server that injects the faults AWS clients meet.

Workers point `AWS_ENDPOINT_URL` at the proxy; it forwards every request to moto_server and, for a
share `rate` of them, injects one fault instead, answered the way S3 and SQS answer:

- `internal_error`: 500 `InternalError` (S3, XML) / `InternalFailure` (SQS, JSON);
- `unavailable`: 503 `ServiceUnavailable`;
- `throttling`: 503 `SlowDown` (S3's throttling answer) / 400 `RequestThrottled` (the SQS error shape in
  botocore's sqs service model);
- `reset_before`: the connection is reset before the request is forwarded (nothing applied);
- `reset_after`: the request is forwarded and applied, then the connection is reset (the answer is lost);
- `reset_mid_body`: a GetObject answer's headers and half its body are sent, then the connection is reset;
- `latency`: the request is held `latency_seconds` × 0.5–1 before being forwarded.

All of them are what botocore's standard and adaptive retry modes retry (`botocore/retries/standard.py`:
status 500/502/503/504, the throttling codes `SlowDown` and `RequestThrottled`, connection errors), except
a reset in the middle of a streamed body: the SDK has returned by then and the reader sees the error.

Deterministic and bounded, so a test's end state does not depend on luck:

- Faults are spread evenly over each operation's requests (`s3:GetObject`, `sqs:ReceiveMessage`, ...):
  the n-th request of an operation is faulted when ⌊n × rate + phase⌋ steps up, with a seeded phase per
  operation. The kinds take turns in a seeded order across all operations, except that every other
  GetObject fault (the first included) is `reset_mid_body`: every kind has been injected once each of the
  others has had its turn and one GetObject was faulted.
- One SDK call (its `amz-sdk-invocation-id`, the same on every retry) gets at most `max_faults_per_call`
  faults, fewer than the SDK's attempts, so each call gets through; a fault due on a call at its bound
  passes to the operation's next request.
- A lost ReceiveMessage answer makes its messages invisible for their visibility timeout and costs each
  a receive it never saw; `max_lost_receives_per_message` bounds how many times that happens to one message.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FAULT_KINDS = (
    "internal_error",
    "unavailable",
    "throttling",
    "reset_before",
    "reset_after",
    "reset_mid_body",
    "latency",
)
_MID_BODY = "reset_mid_body"
_GET_OBJECT = "s3:GetObject"
# Headers that belong to one connection, not to the request or answer (RFC 9110 section 7.6.1), and
# Expect: the proxy has already answered 100-continue itself.
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "expect"}
)
_UPSTREAM_TIMEOUT_SECONDS = 60.0
# (status, S3 code, SQS code) of each error kind.
_ERRORS = {
    "internal_error": (500, "InternalError", "InternalFailure"),
    "unavailable": (503, "ServiceUnavailable", "ServiceUnavailable"),
    "throttling": (503, "SlowDown", "RequestThrottled"),
}
_SQS_THROTTLING_STATUS = 400


@dataclass(frozen=True)
class FaultSettings:
    rate: float = 0.1
    """Share of each operation's requests that get a fault, 0 to 0.5."""
    seed: int = 1
    kinds: tuple[str, ...] = FAULT_KINDS
    latency_seconds: float = 1.0
    """Longest latency spike; each is 0.5 to 1 times this."""
    max_faults_per_call: int = 2
    """Faults one SDK call (all its retries) may get; botocore's standard mode makes 3 attempts by default,
    the batch worker 5."""
    max_lost_receives_per_message: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 0.5:
            # Above one half, faults could land on consecutive attempts of one call more often than not.
            raise ValueError(f"rate: {self.rate!r} — from 0 to 0.5")
        unknown = sorted(set(self.kinds) - set(FAULT_KINDS))
        if unknown or not self.kinds:
            raise ValueError(f"kinds: {unknown or '()'} — one or more of {', '.join(FAULT_KINDS)}")


@dataclass
class Exchange:
    """One request the proxy handled."""

    operation: str
    fault: str | None
    status: int | None
    """The answer's status as sent (None: no answer, the connection was reset before it)."""
    message_ids: tuple[str, ...] = ()
    """Messages in a ReceiveMessage answer from moto_server (delivered or lost)."""


@dataclass
class _Operation:
    requests: int = 0
    owed: int = 0
    phase: float = 0.0
    turn: int = 0


class FaultProxy:
    """The proxy server; `with FaultProxy(upstream, settings) as proxy:` serves on `proxy.endpoint`."""

    def __init__(self, upstream: str, settings: FaultSettings | None = None) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname or parts.port is None:
            raise ValueError(f"upstream: {upstream!r} — http://host:port")
        self.settings = settings or FaultSettings()
        self._upstream = (parts.hostname, parts.port)
        self._rng = random.Random(self.settings.seed)
        self._lock = threading.Condition()
        self._operations: dict[str, _Operation] = {}
        self._rotation = [kind for kind in self.settings.kinds if kind != _MID_BODY]
        self._rng.shuffle(self._rotation)
        self._turn = 0
        self._faults_per_call: Counter[str] = Counter()
        self._lost_receives: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.exchanges: list[Exchange] = []
        self._in_flight: Counter[str] = Counter()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def in_flight(self, operation: str) -> int:
        """Requests of `operation` forwarded to moto_server and not yet answered by it."""
        with self._lock:
            return self._in_flight[operation]

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Wait until `condition()` holds, re-checked whenever a request is forwarded or answered."""
        with self._lock:
            return self._lock.wait_for(condition, timeout)

    def figures(self) -> str:
        with self._lock:
            total = sum(self.requests.values())
            faults = sum(self.injected.values())
            kinds = ", ".join(f"{kind} {self.injected[kind]}" for kind in self.settings.kinds)
            lines = [f"proxy        {total} requests, {faults} faults ({kinds})"]
            for operation, count in sorted(self.requests.items()):
                faulted = sum(1 for e in self.exchanges if e.operation == operation and e.fault is not None)
                lines.append(f"  {operation:<34} {count:5d} requests, {faulted:4d} faulted")
        return "\n".join(lines)

    # -- called by the handler threads ---------------------------------------------------------

    def _choose(self, operation: str, call: str | None, has_body: bool) -> str | None:
        """The fault for this request, or None to forward it untouched."""
        with self._lock:
            self.requests[operation] += 1
            op = self._operations.get(operation)
            if op is None:
                op = self._operations[operation] = _Operation(phase=self._rng.random())
            before = int(op.requests * self.settings.rate + op.phase)
            op.requests += 1
            op.owed += int(op.requests * self.settings.rate + op.phase) - before
            if not op.owed:
                return None
            if call is not None and self._faults_per_call[call] >= self.settings.max_faults_per_call:
                return None
            if operation == _GET_OBJECT and _MID_BODY in self.settings.kinds and op.turn % 2 == 0:
                kind = _MID_BODY
            elif self._rotation:
                kind = self._rotation[self._turn % len(self._rotation)]
                self._turn += 1
            else:
                return None
            op.turn += 1
            op.owed -= 1
            if call is not None:
                self._faults_per_call[call] += 1
            return kind

    def _may_lose(self, message_ids: tuple[str, ...]) -> bool:
        with self._lock:
            limit = self.settings.max_lost_receives_per_message
            if any(self._lost_receives[m] >= limit for m in message_ids):
                return False
            self._lost_receives.update(message_ids)
            return True

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)
            if exchange.fault is not None:
                self.injected[exchange.fault] += 1
            self._lock.notify_all()

    def _forwarding(self, operation: str, delta: int) -> None:
        with self._lock:
            self._in_flight[operation] += delta
            self._lock.notify_all()

    def _forward(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes, operation: str):
        connection = http.client.HTTPConnection(*self._upstream, timeout=_UPSTREAM_TIMEOUT_SECONDS)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            self._forwarding(operation, +1)
            try:
                response = connection.getresponse()
                data = response.read()
            finally:
                self._forwarding(operation, -1)
            return response.status, response.reason, response.getheaders(), data
        finally:
            connection.close()


def operation_of(method: str, path: str, headers: dict[str, str]) -> str:
    """`sqs:<Action>` from the JSON protocol's X-Amz-Target, else the S3 operation a path-style request is."""
    target = headers.get("x-amz-target", "")
    if target.startswith("AmazonSQS."):
        return "sqs:" + target.removeprefix("AmazonSQS.")
    parts = urlsplit(path)
    query = parse_qs(parts.query, keep_blank_values=True)
    has_key = "/" in parts.path.strip("/")
    if not has_key:
        return f"s3:{method} bucket"
    if "uploadId" in query:
        return {"PUT": "s3:UploadPart", "POST": "s3:CompleteMultipartUpload", "DELETE": "s3:AbortMultipartUpload"}.get(
            method, f"s3:{method} upload"
        )
    if "uploads" in query:
        return "s3:CreateMultipartUpload"
    return {
        "GET": "s3:GetObject",
        "HEAD": "s3:HeadObject",
        "PUT": "s3:PutObject",
        "DELETE": "s3:DeleteObject",
    }.get(method, f"s3:{method} object")


def _handler_class(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1: keep-alive connections as the SDK uses them, and 100-continue answered by the server.
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._proxy()

        do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

        def log_message(self, format: str, *args: object) -> None:
            """Silent: the counters and the exchange list say what happened."""

        def finish(self) -> None:
            # After a reset the socket is gone; flushing it would raise.
            with contextlib.suppress(OSError, ValueError):
                super().finish()

        def _proxy(self) -> None:
            body = self._read_body()
            headers = {name.lower(): value for name, value in self.headers.items()}
            operation = operation_of(self.command, self.path, headers)
            call = headers.get("amz-sdk-invocation-id")
            fault = proxy._choose(operation, call, has_body=self.command == "GET")
            if fault == "latency":
                time.sleep(proxy.settings.latency_seconds * proxy._rng.uniform(0.5, 1.0))
            if fault in _ERRORS:
                with contextlib.suppress(OSError):
                    self._error(fault, operation)
                proxy._record(Exchange(operation, fault, self._status_of(fault, operation)))
                return
            if fault == "reset_before":
                self._reset()
                proxy._record(Exchange(operation, fault, None))
                return
            forward = [(n, v) for n, v in self.headers.items() if n.lower() not in _HOP_BY_HOP | {"content-length"}]
            try:
                status, reason, answer_headers, data = proxy._forward(self.command, self.path, forward, body, operation)
            except OSError:
                self._reset()
                proxy._record(Exchange(operation, fault, None))
                return
            message_ids = _message_ids(operation, data) if status == 200 else ()
            if fault == "reset_after" and message_ids and not proxy._may_lose(message_ids):
                fault = None  # this message already lost its bound of answers: deliver it
            if fault == _MID_BODY and len(data) < 2:
                fault = None
            if fault == "reset_after":
                self._reset()
                proxy._record(Exchange(operation, fault, None, message_ids))
                return
            exchange = Exchange(operation, fault, status, message_ids)
            try:
                self.send_response(status, reason)
                for name, value in answer_headers:
                    if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                        self.send_header(name, value)
                # A HEAD answer carries the object's length and no body; every other answer, its body's length.
                length = dict((n.lower(), v) for n, v in answer_headers).get("content-length", "0")
                self.send_header("Content-Length", length if self.command == "HEAD" else str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    if fault == _MID_BODY:
                        self.wfile.write(data[: len(data) // 2])
                        self.wfile.flush()
                        self._reset()
                    else:
                        self.wfile.write(data)
                        self.wfile.flush()
            except OSError:
                # The client is gone (a worker killed while waiting): moto_server's answer went nowhere.
                self.close_connection = True
            finally:
                proxy._record(exchange)

        def _read_body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        # Trailer fields, up to the blank line that ends the message.
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _status_of(self, fault: str, operation: str) -> int:
            status = _ERRORS[fault][0]
            if fault == "throttling" and operation.startswith("sqs:"):
                return _SQS_THROTTLING_STATUS
            return status

        def _error(self, fault: str, operation: str) -> None:
            _, s3_code, sqs_code = _ERRORS[fault]
            status = self._status_of(fault, operation)
            request_id = uuid.uuid4().hex
            if operation.startswith("sqs:"):
                # The JSON protocol's error shape; with awsQueryCompatible botocore takes the code from
                # x-amzn-query-error (`Code;Sender|Receiver`).
                data = json.dumps({"__type": f"com.amazonaws.sqs#{sqs_code}", "message": "injected fault"}).encode()
                content_type = "application/x-amz-json-1.0"
                extra = [("x-amzn-query-error", f"{sqs_code};{'Sender' if status < 500 else 'Receiver'}")]
                extra.append(("x-amzn-RequestId", request_id))
            else:
                data = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    f"<Error><Code>{s3_code}</Code><Message>injected fault</Message>"
                    f"<RequestId>{request_id}</RequestId></Error>"
                ).encode()
                content_type = "application/xml"
                extra = [("x-amz-request-id", request_id)]
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in extra:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _reset(self) -> None:
            """Close with SO_LINGER 0: the peer gets a TCP RST, as from a dropped connection."""
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()

    return Handler


def _message_ids(operation: str, data: bytes) -> tuple[str, ...]:
    if operation != "sqs:ReceiveMessage":
        return ()
    try:
        messages = json.loads(data).get("Messages", [])
    except (ValueError, AttributeError):
        return ()
    return tuple(m["MessageId"] for m in messages if isinstance(m, dict) and "MessageId" in m)

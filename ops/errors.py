"""Exit codes, and one-line explanations of AWS failures so that no command ends in a traceback."""

from __future__ import annotations

from enum import IntEnum

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    NO_CREDENTIALS = 3
    ACCESS_DENIED = 4
    THROTTLED = 5
    UNREACHABLE = 6
    TASK_FAILED = 7
    TIMED_OUT = 8
    ROLLED_BACK = 9
    INTERRUPTED = 130


# What each exit code tells a script; docs/operations.md shows this table (`make docs`).
MEANINGS = {
    ExitCode.OK: "done",
    ExitCode.FAILED: "an AWS call failed (the line names the operation, the error code and message); a redrive was "
    "cancelled or left messages in the DLQ",
    ExitCode.USAGE: "usage: bad arguments, unknown name, missing or unusable stack outputs, no Pulumi CLI, no region, "
    "`redrive` without a terminal or `--yes`",
    ExitCode.NO_CREDENTIALS: "no AWS credentials found, or AWS rejected them (expired token)",
    ExitCode.ACCESS_DENIED: "access denied for an operation",
    ExitCode.THROTTLED: "throttled by AWS: wait and retry, or raise `AWS_MAX_ATTEMPTS` with `AWS_RETRY_MODE=adaptive`",
    ExitCode.UNREACHABLE: "AWS unreachable: network, region or `AWS_ENDPOINT_URL`",
    ExitCode.TASK_FAILED: "a task failed (non-zero or missing exit code, Spot interruption), a task could not start, "
    "or a deployment stopped or failed to roll back",
    ExitCode.TIMED_OUT: "gave up waiting after `--timeout`; the tasks, deployment or move go on in AWS",
    ExitCode.ROLLED_BACK: "a deployment was rolled back: the line names the alarms that fired (or the circuit "
    "breaker) and ECS's reason; the previous service revision serves again",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}


class OpsError(Exception):
    """A failure the operator can act on: its message is shown as is, without a traceback."""

    def __init__(self, message: str, code: ExitCode = ExitCode.FAILED) -> None:
        super().__init__(message)
        self.code = code


_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "TooManyRequestsException",
    "SlowDown",
}
_BAD_CREDENTIALS = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
}


def explain(error: Exception) -> OpsError | None:
    """The operator-facing form of a botocore failure, or None if `error` is not one."""
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return OpsError(
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
            "(and AWS_SESSION_TOKEN for temporary credentials), or run `aws sso login`",
            ExitCode.NO_CREDENTIALS,
        )
    if isinstance(error, ProfileNotFound):
        return OpsError(f"{error}: check AWS_PROFILE and ~/.aws/config", ExitCode.NO_CREDENTIALS)
    if isinstance(error, NoRegionError):
        return OpsError(
            "no AWS region: pass --region, export 'region' from the stack, or set AWS_REGION", ExitCode.USAGE
        )
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
        return OpsError(
            f"cannot reach AWS ({error}): check the network, the region and AWS_ENDPOINT_URL", ExitCode.UNREACHABLE
        )
    if isinstance(error, ClientError):
        return _explain_client_error(error)
    if isinstance(error, BotoCoreError):
        return OpsError(f"AWS request failed: {error}")
    return None


def _explain_client_error(error: ClientError) -> OpsError:
    details = error.response.get("Error", {})
    code = str(details.get("Code", "Unknown"))
    message = str(details.get("Message", "")).strip() or "(no message)"
    operation = error.operation_name
    if code in _ACCESS_DENIED:
        return OpsError(f"access denied for {operation}: {message}", ExitCode.ACCESS_DENIED)
    if code in _THROTTLED:
        return OpsError(
            f"AWS throttled {operation} ({code}): wait a minute and retry, or raise AWS_MAX_ATTEMPTS "
            "with AWS_RETRY_MODE=adaptive",
            ExitCode.THROTTLED,
        )
    if code in _BAD_CREDENTIALS:
        return OpsError(f"AWS rejected the credentials ({code}): {message}", ExitCode.NO_CREDENTIALS)
    return OpsError(f"{operation} failed: {code}: {message}")

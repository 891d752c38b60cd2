"""ECS service deployments: a service's recent ones, and one followed stage by stage until it ends.

ECS records a service deployment (ListServiceDeployments, DescribeServiceDeployments) for every
deployment of a service under its own deployment controller, whatever the strategy: ROLLING, BLUE_GREEN,
LINEAR or CANARY. The record carries the status, the lifecycle stage, the share of production and test
traffic asked of the new service revision and of the ones it replaces, and the alarms and circuit breaker
that roll it back. Field names and enums are those of the botocore ECS model (ServiceDeployment).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from rich.console import RenderableType
from rich.text import Text

from .clock import Clock
from .errors import ExitCode, OpsError
from .outputs import Service
from .table import duration, table

# How many deployments `deployments NAME` shows, newest first (ListServiceDeployments pages hold 1-100,
# DescribeServiceDeployments takes at most 20 ARNs a call).
LISTED = 10
# A canary or linear deployment bakes between its steps and after the last one: an hour covers the
# defaults, and a longer one goes on in AWS after the command gives up.
FOLLOW_TIMEOUT_SECONDS = 3600
# ServiceDeployment.status values that do not change any more, and the exit code each ends a follow with.
# The other statuses (PENDING, IN_PROGRESS, STOP_REQUESTED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS) go on.
FINAL_STATUS = {
    "SUCCESSFUL": ExitCode.OK,
    "ROLLBACK_SUCCESSFUL": ExitCode.ROLLED_BACK,
    "ROLLBACK_FAILED": ExitCode.TASK_FAILED,
    "STOPPED": ExitCode.TASK_FAILED,
}
# DeploymentConfiguration.strategy when the record has none: ECS's default strategy.
_DEFAULT_STRATEGY = "ROLLING"
# ServiceDeploymentRollbackMonitorsStatus of alarms and circuit breaker that are not in use.
_UNUSED = (None, "DISABLED")
# When UpdateService's answer does not name the service deployment it started, the deployment is the newest
# one created from the new primary deployment's creation time on, less this much: ECS stamps the two
# records separately.
_CREATED_TOLERANCE = timedelta(seconds=5)
# Failure.reason of an ARN that DescribeServiceDeployments does not know (yet).
_NOT_YET = "MISSING"
_STYLES = {
    "SUCCESSFUL": "green",
    "IN_PROGRESS": "yellow",
    "PENDING": "yellow",
    "ROLLBACK_REQUESTED": "bold red",
    "ROLLBACK_IN_PROGRESS": "bold red",
    "ROLLBACK_SUCCESSFUL": "bold red",
    "ROLLBACK_FAILED": "bold red",
    "STOPPED": "bold red",
    "TRIGGERED": "bold red",
}


def summary(deployment: dict[str, Any]) -> dict[str, Any]:
    """One ServiceDeployment as the commands show it (and print with --json)."""
    configuration = deployment.get("deploymentConfiguration", {})
    alarms = deployment.get("alarms", {})
    breaker = deployment.get("deploymentCircuitBreaker", {})
    rollback = deployment.get("rollback")
    arn = deployment["serviceDeploymentArn"]
    return {
        "serviceDeploymentArn": arn,
        "id": arn.rsplit("/", 1)[-1],
        "strategy": configuration.get("strategy", _DEFAULT_STRATEGY),
        "status": deployment.get("status"),
        "statusReason": deployment.get("statusReason"),
        "stage": deployment.get("lifecycleStage"),
        "createdAt": deployment.get("createdAt"),
        "startedAt": deployment.get("startedAt"),
        "finishedAt": deployment.get("finishedAt") or deployment.get("stoppedAt"),
        "target": _revision(deployment.get("targetServiceRevision", {})),
        "sources": [_revision(source) for source in deployment.get("sourceServiceRevisions", [])],
        "alarms": {
            "status": alarms.get("status"),
            "alarmNames": alarms.get("alarmNames", []),
            "triggered": alarms.get("triggeredAlarmNames", []),
        },
        "circuitBreaker": {
            "status": breaker.get("status"),
            "failureCount": breaker.get("failureCount"),
            "threshold": breaker.get("threshold"),
        },
        "rollback": None
        if rollback is None
        else {
            "reason": rollback.get("reason"),
            "serviceRevisionArn": rollback.get("serviceRevisionArn"),
            "startedAt": rollback.get("startedAt"),
        },
    }


def _revision(revision: dict[str, Any]) -> dict[str, Any]:
    return {
        "arn": revision.get("arn"),
        "productionTraffic": revision.get("requestedProductionTrafficWeight"),
        "testTraffic": revision.get("requestedTestTrafficWeight"),
        "running": revision.get("runningTaskCount"),
        "requested": revision.get("requestedTaskCount"),
    }


def _service_deployments(ecs: Any, operation: str, **request: Any) -> dict[str, Any]:
    """`operation` (list_ or describe_service_deployments) called, or one line saying the endpoint has none:
    moto implements neither, so the local system's moto_server answers the code NotImplemented (and moto in
    process raises NotImplementedError)."""
    try:
        return dict(getattr(ecs, operation)(**request))
    except NotImplementedError:
        pass
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NotImplemented":
            raise
    raise OpsError(UNSUPPORTED)


UNSUPPORTED = (
    "this endpoint records no ECS service deployments (local mode's moto has no ListServiceDeployments or "
    "DescribeServiceDeployments): `ecs-workloads services` shows each service's deployments, and `restart` "
    "without --wait starts one"
)
"""What `deployments` and `restart --wait` say at an endpoint without service deployments."""


def describe(ecs: Any, arns: list[str]) -> list[dict[str, Any]]:
    """The deployments of `arns` that ECS knows (a deployment just started may not be described yet)."""
    if not arns:
        return []
    response = _service_deployments(ecs, "describe_service_deployments", serviceDeploymentArns=arns)
    failures = [failure for failure in response.get("failures", []) if failure.get("reason") != _NOT_YET]
    if failures:
        failure = failures[0]
        detail = " ".join(filter(None, [failure.get("reason"), failure.get("detail")]))
        raise OpsError(f"service deployment {failure.get('arn')}: {detail}")
    found = {item["serviceDeploymentArn"]: summary(item) for item in response.get("serviceDeployments", [])}
    return [found[arn] for arn in arns if arn in found]


def recent(ecs: Any, service: Service, created_after: datetime | None = None) -> list[dict[str, Any]]:
    """The service's latest deployments, newest first."""
    request: dict[str, Any] = {"cluster": service.cluster_name, "service": service.service_name, "maxResults": LISTED}
    if created_after is not None:
        request["createdAt"] = {"after": created_after}
    briefs = _service_deployments(ecs, "list_service_deployments", **request).get("serviceDeployments", [])
    # The API does not say in which order it lists them.
    oldest = datetime.min.replace(tzinfo=UTC)
    briefs.sort(key=lambda brief: brief.get("createdAt") or brief.get("startedAt") or oldest, reverse=True)
    return describe(ecs, [brief["serviceDeploymentArn"] for brief in briefs])


def require_service_deployments(described_service: dict[str, Any], service: Service) -> None:
    """ECS records service deployments only for its own deployment controller (not CODE_DEPLOY or EXTERNAL)."""
    controller = described_service.get("deploymentController", {}).get("type", "ECS")
    if controller != "ECS":
        raise OpsError(
            f"{service.name} uses the {controller} deployment controller: ECS records no service deployments "
            "for it; follow the deployment where it runs",
            ExitCode.USAGE,
        )


def started_by_update(
    ecs: Any, service: Service, updated: dict[str, Any], wait: Waiting, requested_at: datetime
) -> dict[str, Any]:
    """The service deployment that UpdateService's answer `updated` (its `service`) started."""
    arn = updated.get("currentServiceDeployment")
    while arn:
        found = describe(ecs, [arn])
        if found:
            return found[0]
        wait.pause(f"service deployment {arn} of {service.name} is not described yet")
    primary: dict[str, Any] = next((d for d in updated.get("deployments", []) if d.get("status") == "PRIMARY"), {})
    since = (primary.get("createdAt") or requested_at) - _CREATED_TOLERANCE
    while True:
        found = recent(ecs, service, created_after=since)
        if found:
            return found[0]
        wait.pause(f"no service deployment of {service.name} started after {since.isoformat()} yet")


class Waiting:
    """Polls every `poll_seconds` until `timeout_seconds` have passed on `clock`."""

    def __init__(self, clock: Clock, poll_seconds: float, timeout_seconds: float) -> None:
        self.clock, self.poll_seconds, self.timeout_seconds = clock, poll_seconds, timeout_seconds
        self.started = clock.monotonic()

    def elapsed(self) -> float:
        return self.clock.monotonic() - self.started

    def pause(self, still: str) -> None:
        """Sleeps until the next poll, never past the timeout; raises TIMED_OUT, saying what is `still` so."""
        left = self.timeout_seconds - self.elapsed()
        if left <= 0:
            raise OpsError(f"gave up after {self.timeout_seconds:g}s: {still}", ExitCode.TIMED_OUT)
        self.clock.sleep(min(self.poll_seconds, left))


def follow(
    ecs: Any, service: Service, deployment: dict[str, Any], wait: Waiting, progress: Callable[[Text], None]
) -> dict[str, Any]:
    """Polls `deployment` until its status is final, printing a line each time what it shows changes."""
    shown = ""
    while True:
        line = progress_line(service, deployment)
        if line.plain != shown:
            progress(Text(f"[{wait.elapsed():5.0f}s] ") + line)
            shown = line.plain
        if deployment["status"] in FINAL_STATUS:
            return deployment
        wait.pause(
            f"deployment {deployment['id']} of {service.name} is {deployment['status']}; it goes on in AWS, "
            f"follow it with `ecs-workloads deployments {service.name} --follow`"
        )
        arn = deployment["serviceDeploymentArn"]
        found = describe(ecs, [arn])
        if not found:
            raise OpsError(f"service deployment {arn} of {service.name} is no longer known to ECS")
        deployment = found[0]


def progress_line(service: Service, deployment: dict[str, Any]) -> Text:
    """`cats CANARY IN_PROGRESS production traffic shift: production 10% new, 90% old; 2/2 new tasks running;
    alarms MONITORING`, coloured on a terminal."""
    line = Text(f"{service.name} {deployment['strategy']} ")
    line.append(deployment["status"] or "-", style=_STYLES.get(deployment["status"] or "", ""))
    if deployment["stage"]:
        line.append(f" {stage_text(deployment['stage'])}")
    parts = [part for part in (traffic_text(deployment), _tasks_text(deployment)) if part]
    if parts:
        line.append(": " + "; ".join(parts))
    for monitor in (_alarms_text(deployment), _breaker_text(deployment)):
        if monitor:
            line.append("; ")
            line.append_text(monitor)
    return line


def stage_text(stage: str) -> str:
    """`PRODUCTION_TRAFFIC_SHIFT` as `production traffic shift`."""
    return stage.lower().replace("_", " ")


def traffic_text(deployment: dict[str, Any]) -> str | None:
    """The production (and test) traffic asked of the new revision and of the ones it replaces, in percent."""
    target, sources = deployment["target"], deployment["sources"]
    texts = []
    for kind, key in (("production", "productionTraffic"), ("test", "testTraffic")):
        if target[key] is None:
            continue
        old = sum(source[key] or 0.0 for source in sources)
        texts.append(f"{kind} {target[key]:g}% new" + (f", {old:g}% old" if sources else ""))
    return ", ".join(texts) or None


def _share_text(deployment: dict[str, Any]) -> str | None:
    """The new revision's share alone, for a table cell: `10%, test 100%`."""
    target = deployment["target"]
    if target["productionTraffic"] is None:
        return None
    test = target["testTraffic"]
    return f"{target['productionTraffic']:g}%" + (f", test {test:g}%" if test is not None else "")


def _tasks_text(deployment: dict[str, Any]) -> str | None:
    target = deployment["target"]
    if target["requested"] is None:
        return None
    return f"{target['running'] or 0}/{target['requested']} new tasks running"


def _alarms_text(deployment: dict[str, Any]) -> Text | None:
    alarms = deployment["alarms"]
    if alarms["status"] in _UNUSED:
        return None
    text = Text("alarms ")
    text.append(alarms["status"], style=_STYLES.get(alarms["status"], ""))
    if alarms["triggered"]:
        text.append(f": {', '.join(alarms['triggered'])}", style="bold red")
    return text


def _breaker_text(deployment: dict[str, Any]) -> Text | None:
    breaker = deployment["circuitBreaker"]
    if breaker["status"] in _UNUSED:
        return None
    text = Text("circuit breaker ")
    text.append(breaker["status"], style=_STYLES.get(breaker["status"], ""))
    if breaker["threshold"] is not None:
        text.append(f" ({breaker['failureCount'] or 0} of {breaker['threshold']} tasks failed)")
    return text


def outcome(service: Service, deployment: dict[str, Any]) -> tuple[ExitCode, str]:
    """The exit code a followed deployment ends with, and the line that says how it ended."""
    code = FINAL_STATUS.get(deployment["status"], ExitCode.TASK_FAILED)
    what = f"{service.name}: deployment {deployment['id']} ({deployment['strategy']})"
    took = _took(deployment)
    if code is ExitCode.OK:
        traffic = traffic_text(deployment) or _tasks_text(deployment)
        return code, f"{what} SUCCESSFUL{took}" + (f": {traffic}" if traffic else "")
    rollback = deployment["rollback"] or {}
    reason = rollback.get("reason") or deployment["statusReason"] or "see the service events"
    if code is ExitCode.ROLLED_BACK:
        revision = rollback.get("serviceRevisionArn")
        back = f"; the service runs {revision} again" if revision else ""
        return code, f"{what} rolled back{_cause(deployment)}{took}: {reason}{back}"
    if deployment["status"] == "ROLLBACK_FAILED":
        return code, f"{what} failed and its rollback failed{_cause(deployment)}: {reason}"
    return code, f"{what} {deployment['status']}{_cause(deployment)}: {reason}"


def _cause(deployment: dict[str, Any]) -> str:
    if deployment["alarms"]["triggered"]:
        return f" after alarm {', '.join(deployment['alarms']['triggered'])} fired"
    breaker = deployment["circuitBreaker"]
    if breaker["status"] == "TRIGGERED":
        return f" after the circuit breaker tripped ({breaker['failureCount'] or 0} tasks failed)"
    return ""


def _took(deployment: dict[str, Any]) -> str:
    started, finished = deployment["startedAt"], deployment["finishedAt"]
    if started is None or finished is None:
        return ""
    return f" in {duration((finished - started).total_seconds())}"


def render(deployments: list[dict[str, Any]]) -> RenderableType:
    return table(
        ["DEPLOYMENT", "STRATEGY", "STATUS", "STAGE", "STARTED", "NEW TRAFFIC", "ALARMS"],
        [
            (
                d["id"],
                d["strategy"],
                d["status"],
                stage_text(d["stage"]) if d["stage"] else None,
                d["startedAt"] or d["createdAt"],
                _share_text(d) or _tasks_text(d),
                ", ".join(d["alarms"]["triggered"]) or d["alarms"]["status"],
            )
            for d in deployments
        ],
        empty="(no service deployments)",
    )

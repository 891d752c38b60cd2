"""ECS: containers run unprivileged, read-only, logged and without plain-text credentials; tasks are
isolated, on the latest Fargate platform and off the internet in production; clusters and services are
observable and roll back failed deployments."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .framework import ADVISORY, MANDATORY, Check, ResourceView, StackContext, rule
from .resource_types import CLUSTER, LAUNCH_TEMPLATE, SCHEDULE, SERVICE, TASK_DEFINITION
from .values import as_list, document, get, is_list

_CREDENTIAL_NAME = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL|ACCESS_KEY|ECS_ENGINE_AUTH_DATA)", re.IGNORECASE
)
_ROOT_USERS = {"root", "0"}


def _containers(task_definition: ResourceView) -> list[Mapping[str, Any]] | None:
    """Container definitions, or None when they are not a JSON list."""
    parsed = document(task_definition.props.get("containerDefinitions"))
    if not is_list(parsed):
        return None
    return [c for c in parsed if isinstance(c, Mapping)]


def _judge_containers(
    task_definition: ResourceView, check: Callable[[Mapping[str, Any], Sequence[Mapping[str, Any]]], str | None]
) -> list[str]:
    """`check(container, every container of the task)` on each container (None when it passes)."""
    containers = _containers(task_definition)
    if containers is None:
        return ["containerDefinitions is not a JSON list of containers"]
    problems = []
    for container in containers:
        problem = check(container, containers)
        if problem:
            problems.append(f"container {container.get('name', '?')}: {problem}")
    return problems


def _per_container(check: Callable[[Mapping[str, Any]], str | None]) -> Check:
    """A task definition check from a check of one container definition (None when it passes)."""

    @functools.wraps(check)
    def run(task_definition: ResourceView, context: StackContext) -> list[str]:
        return _judge_containers(task_definition, lambda container, _: check(container))

    return run


# Security Hub ECS.4, on every container of the task: the main one and each sidecar.
@rule(
    "ecs-container-not-privileged",
    "ECS containers (sidecars too) do not run privileged: privileged is false or absent.",
    enforcement=MANDATORY,
    resource_types=TASK_DEFINITION,
    control="Security Hub ECS.4",
)
@_per_container
def check_privileged(container: Mapping[str, Any]) -> str | None:
    privileged = container.get("privileged")
    # Only false or absent passes, not whatever else a parser might read as true.
    return None if privileged is None or privileged is False else f"privileged is {json.dumps(privileged)}"


# The drivers that deliver to a destination the stack controls: CloudWatch Logs itself, or FireLens, which
# hands the logs to the task's own log router (a container with a firelensConfiguration; without one ECS
# has nowhere to send them: ECS Developer Guide, "Send Amazon ECS logs to an AWS service or AWS Partner").
_AWSLOGS = "awslogs"
_FIRELENS = "awsfirelens"


# Security Hub ECS.9, narrowed to drivers whose logs reach a destination of the stack's.
@rule(
    "ecs-container-logging",
    f"ECS containers (sidecars too) have a log configuration: {_AWSLOGS}, or {_FIRELENS} in a task with a log "
    "router (a container with a firelensConfiguration).",
    enforcement=MANDATORY,
    resource_types=TASK_DEFINITION,
    control="Security Hub ECS.9",
)
def check_logging(task_definition: ResourceView, context: StackContext) -> list[str]:
    return _judge_containers(task_definition, _log_problem)


def _log_problem(container: Mapping[str, Any], containers: Sequence[Mapping[str, Any]]) -> str | None:
    driver = get(container, "logConfiguration", "logDriver")
    if not driver:
        return "no logConfiguration.logDriver"
    if driver == _FIRELENS and not any(other.get("firelensConfiguration") for other in containers):
        return f"logDriver {_FIRELENS}, but no container of the task has a firelensConfiguration (the log router)"
    if driver not in (_AWSLOGS, _FIRELENS):
        return f"logDriver {driver!r}; {_AWSLOGS}, or {_FIRELENS} with a log router in the task"
    return None


def _credential_names(environment: Any) -> list[str]:
    names = [get(entry, "name") for entry in as_list(environment)]
    return sorted(n for n in names if isinstance(n, str) and _CREDENTIAL_NAME.search(n))


# Security Hub ECS.8 (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ECS_ENGINE_AUTH_DATA), widened to every
# credential-looking name and to the run overrides a schedule stores.
@rule(
    "ecs-no-secrets-in-environment",
    "Credential-looking variables are not passed as plain container environment (task definitions and "
    "schedule run overrides).",
    enforcement=MANDATORY,
    resource_types={TASK_DEFINITION, SCHEDULE},
    control="Security Hub ECS.8",
)
def check_no_secrets_in_environment(resource: ResourceView, context: StackContext) -> list[str]:
    if resource.type == SCHEDULE:
        overrides = document(get(resource.props, "target", "input"))
        containers = as_list(get(overrides, "containerOverrides"))
        where = "run overrides (stored in the schedule)"
    else:
        containers = _containers(resource) or []
        where = "plain environment"
    problems = []
    for container in containers:
        names = _credential_names(get(container, "environment"))
        if names:
            problems.append(
                f"container {get(container, 'name') or '?'}: {', '.join(names)} in {where}; "
                "use secrets (valueFrom an SSM parameter or Secrets Manager ARN)"
            )
    return problems


# Security Hub ECS.5.
@rule(
    "ecs-readonly-root-filesystem",
    "ECS containers mount their root filesystem read-only.",
    enforcement=MANDATORY,
    resource_types=TASK_DEFINITION,
    control="Security Hub ECS.5",
)
@_per_container
def check_readonly_root(container: Mapping[str, Any]) -> str | None:
    return None if container.get("readonlyRootFilesystem") is True else "readonlyRootFilesystem is not true"


# Control Tower CT.ECS.PR.3 (Guard rule). Advisory: the user usually comes from the image's USER.
@rule(
    "ecs-non-root-user",
    "ECS containers name a non-root user.",
    enforcement=ADVISORY,
    resource_types=TASK_DEFINITION,
    control="Control Tower CT.ECS.PR.3",
)
@_per_container
def check_non_root(container: Mapping[str, Any]) -> str | None:
    user = container.get("user")
    if not user:
        return "no user set: runs as the image's USER, root unless the image says otherwise"
    if str(user).split(":")[0] in _ROOT_USERS:
        return f"user {user} is root"
    return None


# Security Hub ECS.3 (host PID namespace) and Control Tower CT.ECS.PR.4 (awsvpc network mode). One exception:
# bridge mode on EC2, which seed 002 runs, where every launch template of the stack keeps containers off the
# instance's credentials (IMDSv2 with a hop limit of 1: a bridge-mode container is one hop further away).
@rule(
    "ecs-task-isolation",
    "ECS tasks use awsvpc networking (or bridge on EC2 instances whose metadata the containers cannot reach) "
    "and do not share the host's PID or IPC namespace.",
    enforcement=MANDATORY,
    resource_types=TASK_DEFINITION,
    control="Security Hub ECS.3, Control Tower CT.ECS.PR.4",
)
def check_task_isolation(task_definition: ResourceView, context: StackContext) -> list[str]:
    problems = []
    mode = task_definition.props.get("networkMode")
    if mode == "bridge" and as_list(task_definition.props.get("requiresCompatibilities")) == ["EC2"]:
        if not _instances_keep_metadata_from_containers(context):
            problems.append("networkMode is 'bridge' on instances whose metadata containers can reach (hop limit 1)")
    elif mode != "awsvpc":
        problems.append(f"networkMode is {mode!r}, not awsvpc")
    for mode in ("pidMode", "ipcMode"):
        if task_definition.props.get(mode) == "host":
            problems.append(f"{mode} is host: containers share the host's namespace")
    return problems


def _instances_keep_metadata_from_containers(context: StackContext) -> bool:
    templates = [r for r in context.resources if r.type == LAUNCH_TEMPLATE]
    return bool(templates) and all(
        get(t.props, "metadataOptions", "httpTokens") == "required"
        and get(t.props, "metadataOptions", "httpPutResponseHopLimit") == 1
        for t in templates
    )


def _ecs_parameters(resource: ResourceView) -> Mapping[str, Any]:
    """The part of a service or a schedule target that says how tasks run."""
    if resource.type == SCHEDULE:
        return get(resource.props, "target", "ecsParameters") or {}
    return resource.props


# Security Hub ECS.10 (services), applied to scheduled runs too.
@rule(
    "ecs-fargate-latest-platform",
    "Fargate services and scheduled runs use the LATEST platform version.",
    enforcement=MANDATORY,
    resource_types={SERVICE, SCHEDULE},
    control="Security Hub ECS.10",
)
def check_latest_platform(resource: ResourceView, context: StackContext) -> list[str]:
    version = _ecs_parameters(resource).get("platformVersion")
    if version in (None, "LATEST"):
        return []
    return [f"platformVersion is pinned to {version}; leave it unset (LATEST) to get platform security fixes"]


# Security Hub ECS.2 (services), applied to scheduled runs too. Dev runs without NAT on purpose.
@rule(
    "ecs-no-public-ip",
    "ECS tasks (services and scheduled runs) do not get public IP addresses.",
    enforcement=MANDATORY,
    resource_types={SERVICE, SCHEDULE},
    control="Security Hub ECS.2",
    advisory_outside_production=True,
)
def check_no_public_ip(resource: ResourceView, context: StackContext) -> list[str]:
    if get(_ecs_parameters(resource), "networkConfiguration", "assignPublicIp") is True:
        return ["tasks get a public IP (assignPublicIp true); run them in private subnets behind NAT"]
    return []


# Security Hub ECS.12.
@rule(
    "ecs-container-insights",
    "ECS clusters have Container Insights on.",
    enforcement=MANDATORY,
    resource_types=CLUSTER,
    control="Security Hub ECS.12",
)
def check_container_insights(cluster: ResourceView, context: StackContext) -> list[str]:
    for setting in as_list(cluster.props.get("settings")):
        if get(setting, "name") == "containerInsights" and get(setting, "value") in ("enabled", "enhanced"):
            return []
    return ["Container Insights is off (settings containerInsights enabled or enhanced)"]


# No AWS control; the deployment safety CDK leaves off by default.
@rule(
    "ecs-deployment-circuit-breaker",
    "ECS services roll back failed deployments (circuit breaker with rollback).",
    enforcement=MANDATORY,
    resource_types=SERVICE,
    control="none",
)
def check_circuit_breaker(service: ResourceView, context: StackContext) -> list[str]:
    controller = get(service.props, "deploymentController", "type")
    if controller not in (None, "ECS"):
        return []  # CODE_DEPLOY and EXTERNAL deployments roll back by their own means
    breaker = service.props.get("deploymentCircuitBreaker") or {}
    if breaker.get("enable") is True and breaker.get("rollback") is True:
        return []
    return ["deploymentCircuitBreaker must have enable and rollback true: a failing deploy otherwise retries forever"]


# No AWS control; "Amazon ECS deployment failure detection" recommends CloudWatch alarms beside the circuit
# breaker: a revision that starts and passes health checks but answers errors only an alarm catches.
@rule(
    "ecs-deployment-alarms",
    "ECS services behind a load balancer roll back a deployment when one of their alarms fires during it.",
    enforcement=MANDATORY,
    resource_types=SERVICE,
    control="none",
    advisory_outside_production=True,
)
def check_deployment_alarms(service: ResourceView, context: StackContext) -> list[str]:
    if not as_list(service.props.get("loadBalancers")):
        return []  # a queue worker has no request metrics to alarm on; its circuit breaker still rolls back
    alarms = service.props.get("alarms") or {}
    if alarms.get("enable") is True and alarms.get("rollback") is True and as_list(alarms.get("alarmNames")):
        return []
    return [
        "alarms must name the service's alarms with enable and rollback true (deployment_strategy rollback_on_alarm)"
    ]

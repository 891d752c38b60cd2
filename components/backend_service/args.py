"""What `BackendService` accepts: the args TypedDicts, one declaration each, and the rules across fields."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Required, TypedDict

import pulumi

from ..alarm_topic import TOPIC_ARN
from ..arguments import Arguments, Flag, Identifier, Nested, NestedList, OneOf
from ..capacity import CapacityProviderFacts
from ..deployment_strategy import DEPLOYMENT_STRATEGY_ARGS, DeploymentStrategyArgs
from ..error_rate_alarm import ERROR_RATE_PERCENT
from ..fargate_service import SERVICE_DEPLOYMENT_ARGS, ServiceDeploymentArgs
from ..fargate_workload import FARGATE_WORKLOAD_NAMES, BackendWorkloadArgs
from ..name_limits import ALARM, ECS_SERVICE, IAM_ROLE, SCALING_POLICY, ComponentNames
from ..network import WORKLOAD_PLACEMENT_ARGS, WorkloadPlacement
from ..scheduled_scaling import SCHEDULED_SCALING, ScheduledScalingActionArgs, scheduled_scaling_bounds
from ..service_connect import ALIAS_PORT, APP_PROTOCOL, DNS_NAME, NAMESPACE, PORT_NAME
from ..tags import TAGS
from ..target_tracking import (
    SCALE_IN_COOLDOWN,
    SCALE_OUT_COOLDOWN,
    TASK_COUNT,
    UTILIZATION_PERCENT,
    at_least_one_target,
    desired_count_within_autoscaling,
    scaling_bounds,
)
from ..validation import ArgumentProblems
from ..workload_shape import (
    CAPACITY_PROVIDERS,
    EMBEDDED_WORKLOAD_ARGS,
    validate_capacity,
    validate_embedded_workload,
)


class ClientAliasArgs(TypedDict, total=False):
    """A name and port clients call the backend by; the Service Connect proxy in each client task listens
    there and forwards to a healthy backend task."""

    dns_name: Required[str]
    """The name clients use, e.g. `picture-scorer` (need not be fully qualified)."""
    port: int
    """The port clients use."""


CLIENT_ALIAS_ARGS = Arguments(
    ClientAliasArgs,
    {"dns_name": DNS_NAME, "port": replace(ALIAS_PORT, otherwise="the container port")},
)


class BackendAutoscalingArgs(TypedDict, total=False):
    """Target-tracking autoscaling of the task count on CPU, memory or both. Give at least one target."""

    min_tasks: Required[int]
    """Fewest tasks (target tracking cannot start from zero tasks: there is no metric)."""
    max_tasks: Required[int]
    """Most tasks, at least `min_tasks`."""
    cpu_target_percent: float
    """Keep average service CPU near this percentage."""
    memory_target_percent: float
    """Keep average service memory near this percentage."""
    scale_in_cooldown: int
    """Seconds after a scale-in before another."""
    scale_out_cooldown: int
    """Seconds after a scale-out before another."""


BACKEND_AUTOSCALING_ARGS = Arguments(
    BackendAutoscalingArgs,
    {
        "min_tasks": TASK_COUNT,
        "max_tasks": TASK_COUNT,
        "cpu_target_percent": replace(UTILIZATION_PERCENT, otherwise="no CPU target"),
        "memory_target_percent": replace(UTILIZATION_PERCENT, otherwise="no memory target"),
        "scale_in_cooldown": SCALE_IN_COOLDOWN,
        "scale_out_cooldown": SCALE_OUT_COOLDOWN,
    },
    rules=[scaling_bounds, at_least_one_target("cpu_target_percent", "memory_target_percent")],
)


class BackendServiceArgs(TypedDict, total=False):
    """Arguments of `BackendService`."""

    cluster_name: Required[pulumi.Input[str]]
    """Name of the ECS cluster (autoscaling resource id)."""
    cluster_arn: Required[pulumi.Input[str]]
    """ARN of the ECS cluster."""
    capacity_providers: dict[str, CapacityProviderFacts]
    """The cluster's EC2 capacity providers by name (`EcsCluster.capacity_providers`), for capacity weights
    that name them."""
    placement: Required[WorkloadPlacement]
    """VPC, task subnets and whether tasks get a public IP."""
    workload: Required[BackendWorkloadArgs]
    """The container: FargateWorkloadArgs without `vpc_id`, `protect_data`, `port_name` and `app_protocol`
    (this component's own); `port` is required."""
    deployment: ServiceDeploymentArgs
    """Task count, capacity, rollout bounds."""
    deployment_strategy: DeploymentStrategyArgs
    """How a new revision replaces the running one: rolling, or blue/green, canary or linear traffic shifting
    through Service Connect (clients' proxies move requests from the old revision's tasks to the new one's;
    a request with the header `x-amzn-ecs-blue-green-test` reaches the new revision first), with rollback on
    the 5xx-rate alarm."""
    namespace: Required[pulumi.Input[str]]
    """The Cloud Map HTTP namespace the backend publishes in (`EcsCluster.service_connect_namespace_arn`)."""
    port_name: str
    """Name of the container's port mapping that Service Connect publishes."""
    app_protocol: str
    """Protocol of that port: the proxy balances requests and reports HTTP metrics for http and http2."""
    discovery_name: str
    """Name of the Cloud Map service ECS creates, unique in the namespace."""
    client_aliases: list[ClientAliasArgs]
    """Names and ports clients call the backend by; the first gives `url`."""
    access_logs: str
    """Format of the Service Connect access logs of each request (TEXT or JSON), written with the proxy's
    logs to the workload's log group under the `service-connect` prefix."""
    access_logs_query_parameters: bool
    """Include query strings in the access logs (they may carry identifiers)."""
    autoscaling: BackendAutoscalingArgs
    """Target-tracking autoscaling of the task count; the service starts with `min_tasks` tasks unless
    `deployment.desired_count` says otherwise."""
    scheduled_scaling: list[ScheduledScalingActionArgs]
    """Cron actions that set the task count's min and max at given times (`ScheduledScalingActionArgs`):
    within `autoscaling.min_tasks`' and `max_tasks`' bounds with autoscaling, else within
    `deployment.desired_count`'s, so the backend can be stopped at night."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic for the 5xx-rate alarm."""
    error_rate_alarm_percent: float
    """Alarm when more than this percentage of the requests the Service Connect proxy passes to the tasks
    are answered 5xx (http and http2 only: the proxy counts no HTTP status codes for grpc)."""
    protect_data: bool
    """Protect and retain the workload's log group and repository."""
    tags: dict[str, str]
    """Tags of every resource the service creates."""


BACKEND_WORKLOAD_ARGS = EMBEDDED_WORKLOAD_ARGS.refusing(
    {
        "port_name": "set port_name on the component itself; remove it here",
        "app_protocol": "set app_protocol on the component itself; remove it here",
    },
    BackendWorkloadArgs,
)

BACKEND_SERVICE_ARGS = Arguments(
    BackendServiceArgs,
    {
        "cluster_name": Identifier(shape="an ECS cluster name"),
        "cluster_arn": Identifier(shape="an ECS cluster ARN"),
        "capacity_providers": CAPACITY_PROVIDERS,
        "placement": Nested(arguments=WORKLOAD_PLACEMENT_ARGS),
        "workload": Nested(arguments=BACKEND_WORKLOAD_ARGS),
        # The deployment options every service shares (`fargate_service`, `deployment_strategy`).
        "deployment": Nested(arguments=SERVICE_DEPLOYMENT_ARGS, default={}),
        "deployment_strategy": Nested(
            arguments=DEPLOYMENT_STRATEGY_ARGS, default={}, otherwise="rolling, alarm rollback"
        ),
        "namespace": NAMESPACE,
        "port_name": replace(PORT_NAME, default="http"),
        "app_protocol": APP_PROTOCOL,
        "discovery_name": replace(PORT_NAME, otherwise="the component's name"),
        "client_aliases": NestedList(
            arguments=CLIENT_ALIAS_ARGS, min_items=1, otherwise="one alias: the discovery name on the container port"
        ),
        # ServiceConnectAccessLogConfiguration.format: TEXT or JSON.
        "access_logs": OneOf(values=("JSON", "TEXT"), default="JSON"),
        "access_logs_query_parameters": Flag(default=False),
        "autoscaling": Nested(arguments=BACKEND_AUTOSCALING_ARGS, otherwise="fixed deployment.desired_count"),
        "scheduled_scaling": SCHEDULED_SCALING,
        "alarm_topic_arn": replace(TOPIC_ARN, otherwise="no notifications"),
        "error_rate_alarm_percent": ERROR_RATE_PERCENT,
        "protect_data": Flag(default=False),
        "tags": TAGS,
    },
)


def _distinct_aliases(args: Mapping[str, Any], problems: ArgumentProblems) -> None:
    # "Each name and port mapping must be unique within the namespace" (ServiceConnectClientAlias).
    seen: set[tuple[str, Any]] = set()
    port = args["workload"].get("port")
    for index, alias in enumerate(args.get("client_aliases", [])):
        key = (alias["dns_name"], alias.get("port", port))
        if key in seen:
            problems.add(f"client_aliases[{index}]", dict(alias), "a DNS name and port given once")
        seen.add(key)


# The Service Connect proxy reports HTTPCode_Target_5XX_Count and RequestCount for the http and http2
# protocols only ("Amazon ECS Service Connect metrics"; for grpc it counts GrpcRequestCount).
HTTP_METRICS = ("http", "http2")


def alarms_wanted(args: Mapping[str, Any]) -> bool:
    """Whether the backend has its 5xx-rate alarm: it reports HTTP status codes, and something reads the
    alarm (its topic, or a deployment that rolls back on it)."""
    strategy = BACKEND_SERVICE_ARGS.value(args, "deployment_strategy")
    read = "alarm_topic_arn" in args or DEPLOYMENT_STRATEGY_ARGS.value(strategy, "rollback_on_alarm")
    return read and BACKEND_SERVICE_ARGS.value(args, "app_protocol") in HTTP_METRICS


def _alarms_need_http(args: Mapping[str, Any], problems: ArgumentProblems) -> None:
    if BACKEND_SERVICE_ARGS.value(args, "app_protocol") in HTTP_METRICS:
        return
    allowed = f"only with app_protocol {' or '.join(HTTP_METRICS)} (the Service Connect proxy counts no 5xx for grpc)"
    strategy = args.get("deployment_strategy", {})
    if strategy.get("rollback_on_alarm") is True:
        problems.add("deployment_strategy.rollback_on_alarm", True, allowed)
    for key in ("alarm_topic_arn", "error_rate_alarm_percent"):
        if key in args:
            problems.add(key, args[key], allowed)


def backend_aliases(name: str, args: Mapping[str, Any]) -> list[ClientAliasArgs]:
    """The client aliases the backend publishes: the given ones, else its discovery name (default `name`)."""
    value = BACKEND_SERVICE_ARGS.value
    return value(args, "client_aliases") or [{"dns_name": value(args, "discovery_name") or name}]


def alias_port(alias: ClientAliasArgs, args: Mapping[str, Any]) -> int:
    """The port clients call an alias on: its own, else the container port."""
    return CLIENT_ALIAS_ARGS.value(alias, "port") or args["workload"]["port"]


def backend_url(name: str, args: Mapping[str, Any]) -> str:
    """`http://<first client alias>:<its port>`, what clients call: known from the arguments before the
    service exists, so two backends can each hold the other's URL."""
    first = backend_aliases(name, args)[0]
    return f"http://{first['dns_name']}:{alias_port(first, args)}"


BACKEND_WORKLOAD_NAME = "{name}"
"""The embedded workload's logical name: the service's own."""

BACKEND_SERVICE_NAMES = ComponentNames.of(
    [("-service", ECS_SERVICE), ("-scale-memory", SCALING_POLICY), ("-5xx-rate", ALARM), ("-deploy-role", IAM_ROLE)],
    embeds=[(BACKEND_WORKLOAD_NAME, FARGATE_WORKLOAD_NAMES)],
)


def validate_backend_service_args(args: BackendServiceArgs, *, name: str | None = None) -> None:
    """Raises one ValueError listing every problem in `args`, and in `name` when given."""
    problems = ArgumentProblems("BackendService")
    if name is not None:
        BACKEND_SERVICE_NAMES.check(name, problems)
    given = BACKEND_SERVICE_ARGS.check(args, problems)
    if given is not None:
        validate_embedded_workload(
            problems,
            given.get("workload"),
            required={"port": "the container port Service Connect publishes (required)"},
        )
        if not problems:
            _distinct_aliases(given, problems)
            _alarms_need_http(given, problems)
            desired_count_within_autoscaling(given, problems, "")
            scheduled_scaling_bounds(given, problems, "")
            validate_capacity(problems, given, ("deployment", "capacity"))
    problems.raise_if_any()

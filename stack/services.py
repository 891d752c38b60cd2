"""The stack's own services beside (or instead of) the reference system: `ecs-workloads:webServices` behind
the stack's load balancer, `ecs-workloads:backends` reached over ECS Service Connect, and
`ecs-workloads:loadBalancer`.

A web service section is the cats section's generic part (`WebServiceBaseSettings`) with its own container;
a backend section the picture scorer's (`BackendBaseSettings`). With the reference system on, web services
add their rules to the cats listener; with it off, the first web service (in config order) owns the load
balancer `loadBalancer` configures and the others add their rules to its listener, so the stack has one ALB.

Every web service and backend calls every backend of `backends` (a backend not itself) unless its `calls`
lists the ones it calls: each called backend admits the caller's tasks on its port, and its URL is set in the
caller's environment as `<NAME>_URL` (`api` -> `API_URL`, `http://api:<port>`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pulumi
from pydantic import Field, model_validator

from ecs_workloads.alb_web_service import (
    ALB_WEB_SERVICE_ARGS,
    ALB_WEB_SERVICE_NAMES,
    AlbWebService,
    AlbWebServiceArgs,
    SharedListenerArgs,
)
from ecs_workloads.alb_web_service.args import ALB_WEB_SERVICE_SHIFTING_NAMES, own_load_balancer_inputs
from ecs_workloads.backend_service import BACKEND_SERVICE_NAMES, BackendService, backend_url
from ecs_workloads.deployment_strategy import ROLLING
from ecs_workloads.operations_dashboard import WebMetrics
from ecs_workloads.service_connect import ServiceConnectClientArgs, admit_clients, url_variable

from .backend import BackendBaseSettings, backend_args, service_outputs
from .component_rules import raise_rule_problems
from .foundation import Foundation
from .section import Section
from .web import WebServiceBaseSettings, web_service_args
from .workload_settings import ServiceWorkloadSettings

_WEB = ALB_WEB_SERVICE_ARGS
WEB_SERVICE_RESOURCE_NAME = "{name}"
"""A web service's `AlbWebService` has the service's name: its children read `frontend-alb`, `frontend-tg`."""
BACKEND_RESOURCE_NAME = "{name}"
"""A backend's `BackendService` has the backend's name, which is also its discovery name and client alias."""
WEB_SERVICE_NAME_MAX_LENGTH = ALB_WEB_SERVICE_NAMES.max_length - len(WEB_SERVICE_RESOURCE_NAME.format(name=""))
WEB_SERVICE_SHIFTING_NAME_MAX_LENGTH = ALB_WEB_SERVICE_SHIFTING_NAMES.max_length - len(
    WEB_SERVICE_RESOURCE_NAME.format(name="")
)
"""A traffic-shifting web service has a second target group, whose name leaves the service less room."""
BACKEND_NAME_MAX_LENGTH = BACKEND_SERVICE_NAMES.max_length - len(BACKEND_RESOURCE_NAME.format(name=""))


class LoadBalancerSettings(Section):
    """`ecs-workloads:loadBalancer` — the stack's load balancer of `webServices` when `referenceSystem` is false.

    With the reference system on, web services join the cats listener, which `cats` configures."""

    certificate_arn: str | None = _WEB["certificate_arn"].setting(
        None, description="ACM certificate ARN: serve HTTPS on 443, redirect HTTP to it. Default HTTP only."
    )
    allowed_cidrs: list[str] = _WEB["allowed_cidrs"].setting(
        description="CIDR blocks that may reach the load balancer (its security group). Required when internal."
    )
    internal: bool = _WEB["internal"].setting(
        description="An internal load balancer in the workload subnets instead of an internet-facing one."
    )

    @model_validator(mode="after")
    def _component_rules(self) -> LoadBalancerSettings:
        raise_rule_problems(_WEB, (own_load_balancer_inputs,), self.args())
        return self

    def args(self) -> dict[str, Any]:
        """The `AlbWebService` arguments of the load balancer's owner: the keys the stack file sets, so the
        component's defaults and rules (an internal ALB names who may call it) apply to the rest."""
        args: dict[str, Any] = {"internal": self.internal}
        for key in ("certificate_arn", "allowed_cidrs"):
            if key in self.model_fields_set:
                args[key] = getattr(self, key)
        return args


_CALLS_DESCRIPTION = "Backends (names in backends) it calls over Service Connect. Default: every backend"


class WebServiceSettings(WebServiceBaseSettings):
    """One of `ecs-workloads:webServices` — an HTTP service behind the stack's load balancer."""

    workload: ServiceWorkloadSettings = Field(description="Container: image (or app) and port; required.")
    calls: list[str] | None = Field(None, description=f"{_CALLS_DESCRIPTION}.")

    def shifts_traffic(self) -> bool:
        return self.deployment.strategy != ROLLING


class BackendSettings(BackendBaseSettings):
    """One of `ecs-workloads:backends` — an internal service reached over Service Connect at http://<name>:<port>."""

    workload: ServiceWorkloadSettings = Field(description="Container: image (or app) and port; required.")
    calls: list[str] | None = Field(None, description=f"{_CALLS_DESCRIPTION} but itself.")


WebServices = dict[str, WebServiceSettings]
"""`ecs-workloads:webServices`: service name → settings (names are checked with the stack's other names)."""
Backends = dict[str, BackendSettings]
"""`ecs-workloads:backends`: backend name → settings."""


def called_backends(name: str, calls: Sequence[str] | None, backends: Mapping[str, Any]) -> list[str]:
    """The backends the service `name` calls: those it lists, else every backend but itself."""
    return list(calls) if calls is not None else [backend for backend in backends if backend != name]


@dataclass(frozen=True)
class Services:
    """What the stack exports and shows for its own services."""

    services: dict[str, dict[str, Any]]
    """Entries of the `services` stack output, which the operator CLI reads."""
    metrics: list[WebMetrics]
    """The web services' dashboard widgets."""
    load_balancer_url: pulumi.Output[str] | None
    """Base URL of the load balancer the web services are reached through; None without web services."""
    components: dict[str, AlbWebService | BackendService]
    """The web services and backends by name (the stack grants their task roles what else they use)."""


def build_services(
    foundation: Foundation,
    web_services: Mapping[str, WebServiceSettings],
    backends: Mapping[str, BackendSettings],
    load_balancer: LoadBalancerSettings,
    listener: SharedListenerArgs | None,
    environment: Mapping[str, Mapping[str, pulumi.Input[str]]],
) -> Services:
    """Creates the backends, then the web services: on `listener` when given (the reference system's),
    else the first owns the stack's load balancer and the others join its listener. `environment` adds the
    stack's variables by service name (the ARNs of the topics a service publishes to)."""
    built = _backends(foundation, backends, environment)
    components: dict[str, AlbWebService | BackendService] = dict(built)
    outputs = {name: service_outputs(service, backends[name]) for name, service in built.items()}
    metrics: list[WebMetrics] = []
    url: pulumi.Output[str] | None = None
    for name, settings in web_services.items():
        workload = settings.workload.service_workload(foundation.log_retention_days, foundation.execute_command)
        if name in environment:
            workload["environment"] = {**workload.get("environment", {}), **environment[name]}
        args = web_service_args(foundation, settings, settings.workload, workload)
        if listener is not None:
            args["shared_listener"] = listener
        else:
            # The owner's load balancer keys come from the validated `loadBalancer` section.
            args.update(cast(AlbWebServiceArgs, load_balancer.args()))
            # An internal load balancer sits with the tasks; an internet-facing one in the public subnets.
            args["load_balancer_subnet_ids"] = (
                foundation.placement["subnet_ids"] if load_balancer.internal else foundation.load_balancer_subnet_ids
            )
        client = _client(foundation, name, settings.calls, backends, built)
        if client is not None:
            args["service_connect"] = client
        service = AlbWebService(WEB_SERVICE_RESOURCE_NAME.format(name=name), args)
        components[name] = service
        if listener is None:
            listener = service.shared_listener()
        if url is None:
            url = service.url
        outputs[name] = service_outputs(service, settings)
        metrics.append(
            WebMetrics(
                title=name,
                load_balancer_arn_suffix=service.load_balancer_arn_suffix,
                target_group_arn_suffix=service.target_group_arn_suffix,
            )
        )
    return Services(services=outputs, metrics=metrics, load_balancer_url=url, components=components)


def _backends(
    foundation: Foundation,
    backends: Mapping[str, BackendSettings],
    environment: Mapping[str, Mapping[str, pulumi.Input[str]]],
) -> dict[str, BackendService]:
    """Every backend, each with the URLs of the backends it calls; then the rules that let each caller in.
    The URLs are known from the arguments, so two backends may call each other."""
    args = {}
    for name, settings in backends.items():
        workload = settings.workload.service_workload(foundation.log_retention_days, foundation.execute_command)
        args[name] = backend_args(foundation, settings, settings.workload, workload)
    urls = {name: backend_url(BACKEND_RESOURCE_NAME.format(name=name), given) for name, given in args.items()}
    built = {}
    for name, given in args.items():
        called = called_backends(name, backends[name].calls, backends)
        variables = {
            **given["workload"].get("environment", {}),
            **environment.get(name, {}),
            **{url_variable(b): urls[b] for b in called},
        }
        given["workload"] = {**given["workload"], "environment": variables}
        built[name] = BackendService(BACKEND_RESOURCE_NAME.format(name=name), given)
    for name, service in built.items():
        # A backend is a Service Connect client already (it has the namespace); the callee admits it.
        client = _client(foundation, name, backends[name].calls, backends, built)
        if client is not None:
            admit_clients(service, name, client, service.security_group_id)
    return built


def _client(
    foundation: Foundation,
    name: str,
    calls: Sequence[str] | None,
    backends: Mapping[str, BackendSettings],
    built: Mapping[str, BackendService],
) -> ServiceConnectClientArgs | None:
    called = called_backends(name, calls, backends)
    if not called:
        return None
    assert foundation.service_connect_namespace_arn is not None, "the foundation makes a namespace for backends"
    return {"namespace": foundation.service_connect_namespace_arn, "backends": [built[b].endpoint() for b in called]}

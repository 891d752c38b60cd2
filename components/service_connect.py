"""ECS Service Connect between the services of a stack: what a backend publishes and a client names.

A `BackendService` publishes a named container port in the cluster's Cloud Map HTTP namespace under a
discovery name and client aliases; a client service (an `AlbWebService`, or another backend) turns Service
Connect on with the same namespace and no services of its own, so the Service Connect proxy ECS adds to
its tasks resolves the aliases (ECS Developer Guide, "Service Connect concepts": client services need no
`services`). Who may call a backend is decided by security groups: a client that names a backend adds the
one ingress rule from its own tasks' group to the backend's tasks on the backend's port, so a backend
admits nobody no client named.

The names follow the ECS API reference (the botocore model states no pattern for them):
- PortMapping.name and ServiceConnectService.discoveryName: up to 64 characters, lowercase letters,
  numbers, underscores and hyphens, not starting with a hyphen;
- ServiceConnectClientAlias.dnsName: a DNS name, not necessarily fully qualified, up to 127 characters,
  lowercase letters, numbers, underscores, hyphens and periods, not starting with a hyphen;
- PortMapping.appProtocol: http, http2 or grpc (enum ApplicationProtocol);
- ServiceConnectAccessLogConfiguration.format: TEXT or JSON, includeQueryParameters ENABLED or DISABLED.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from typing import Required, TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, Identifier, Integer, NestedList, OneOf, Text
from .options import child

PORT_NAME = Text(
    pattern=re.compile(r"[a-z0-9_][a-z0-9_-]*"),
    shape="lowercase letters, digits, _ and - (not first)",
    max_length=64,
)
"""A named port mapping or a Cloud Map discovery name."""
DNS_NAME = Text(
    pattern=re.compile(r"[a-z0-9_][a-z0-9_.-]*"),
    shape="a DNS name of lowercase letters, digits, _, - and . (- not first)",
    max_length=127,
)
APP_PROTOCOL = OneOf(values=("http", "http2", "grpc"), default="http")
# ServiceConnectClientAlias.port: 0-65535 in the model; 0 is no port a proxy can listen on.
ALIAS_PORT = Integer(low=1, high=65535)
NAMESPACE = Identifier(shape="a Cloud Map HTTP namespace ARN (EcsCluster.service_connect_namespace_arn)")


class ServiceConnectBackend(TypedDict):
    """A backend as its clients see it; `BackendService.endpoint()` returns one."""

    name: str
    """The backend's discovery name, which names the client's rule and URL variable."""
    url: str
    """`http://<first client alias>:<its port>`, what the client's code calls."""
    port: int
    """The container port the backend's tasks are reached on (its security group admits it)."""
    security_group_id: pulumi.Input[str]
    """The backend's tasks' security group."""


SERVICE_CONNECT_BACKEND_ARGS = Arguments(
    ServiceConnectBackend,
    {
        "name": PORT_NAME,
        "url": Text(pattern=re.compile(r"https?://\S+"), shape="a URL such as http://picture-scorer:8080"),
        "port": Integer(low=1, high=65535),
        "security_group_id": Identifier(shape="a security group id"),
    },
)


class ServiceConnectClientArgs(TypedDict, total=False):
    """Turns Service Connect on for a service's tasks so they can call the backends they name."""

    namespace: Required[pulumi.Input[str]]
    """The cluster's Cloud Map HTTP namespace, the one the backends publish in."""
    backends: Required[list[ServiceConnectBackend]]
    """The backends the service calls (`BackendService.endpoint()`): each admits this service's tasks and
    its URL is set as `<NAME>_URL` (the name upper-cased, `-` as `_`)."""


SERVICE_CONNECT_CLIENT_ARGS = Arguments(
    ServiceConnectClientArgs,
    {
        "namespace": NAMESPACE,
        "backends": NestedList(arguments=SERVICE_CONNECT_BACKEND_ARGS, min_items=1),
    },
)


def url_variable(backend_name: str) -> str:
    """The environment variable a client reads a backend's URL from: `picture-scorer` -> PICTURE_SCORER_URL."""
    return backend_name.upper().replace("-", "_") + "_URL"


def client_environment(client: ServiceConnectClientArgs | None) -> dict[str, pulumi.Input[str]]:
    """Each named backend's URL under its variable."""
    return {url_variable(b["name"]): b["url"] for b in client["backends"]} if client else {}


def proxy_logs(
    log_group_name: pulumi.Input[str], region: pulumi.Input[str]
) -> aws.ecs.ServiceServiceConnectConfigurationLogConfigurationArgs:
    """The Service Connect proxy's own logs and access logs: the workload's log group, under the stream
    prefix `service-connect`; the execution role already writes to it (awslogs is sent with it)."""
    return aws.ecs.ServiceServiceConnectConfigurationLogConfigurationArgs(
        log_driver="awslogs",
        options={
            "awslogs-group": log_group_name,
            "awslogs-region": region,
            "awslogs-stream-prefix": "service-connect",
        },
    )


def client_configuration(
    client: ServiceConnectClientArgs, log_group_name: pulumi.Input[str], region: pulumi.Input[str]
) -> aws.ecs.ServiceServiceConnectConfigurationArgs:
    """Service Connect for a client only: the namespace, no services of its own."""
    return aws.ecs.ServiceServiceConnectConfigurationArgs(
        enabled=True, namespace=client["namespace"], log_configuration=proxy_logs(log_group_name, region)
    )


def admit_clients(
    parent: pulumi.Resource,
    name: str,
    client: ServiceConnectClientArgs | None,
    client_security_group_id: pulumi.Input[str],
) -> None:
    """`<name>-calls-<backend>`: the backend's tasks admit this client's tasks on the backend's port. The
    client's own group needs no egress rule: every task group allows all outbound (`egress_only_group`)."""
    for backend in client["backends"] if client else []:
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-calls-{backend['name']}",
            security_group_id=backend["security_group_id"],
            referenced_security_group_id=client_security_group_id,
            ip_protocol="tcp",
            from_port=backend["port"],
            to_port=backend["port"],
            description=f"Service Connect from {name} tasks",
            opts=child(parent),
        )

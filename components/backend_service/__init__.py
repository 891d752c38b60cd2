"""An internal service: a `FargateWorkload` run as an ECS service that other services of the stack reach
through ECS Service Connect, with no load balancer.

`args` declares what the component accepts; `component` puts the service, its Service Connect
configuration and its autoscaling together (`service_connect` and `target_tracking` are shared).
"""

from .args import (
    BACKEND_AUTOSCALING_ARGS,
    BACKEND_SERVICE_ARGS,
    BACKEND_SERVICE_NAMES,
    CLIENT_ALIAS_ARGS,
    BackendAutoscalingArgs,
    BackendServiceArgs,
    ClientAliasArgs,
    backend_url,
    validate_backend_service_args,
)
from .component import BackendService

__all__ = [
    "BACKEND_AUTOSCALING_ARGS",
    "BACKEND_SERVICE_ARGS",
    "BACKEND_SERVICE_NAMES",
    "CLIENT_ALIAS_ARGS",
    "BackendAutoscalingArgs",
    "BackendService",
    "BackendServiceArgs",
    "ClientAliasArgs",
    "backend_url",
    "validate_backend_service_args",
]

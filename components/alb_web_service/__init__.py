"""A web service: a `FargateWorkload` run as an ECS service behind an Application Load Balancer.

`args` declares what the component accepts; `load_balancer`, `listeners` (with the certificate),
`target_group`, `scaling` and `alarms` create one concern each; `component` puts them together.
"""

from .args import (
    ALB_WEB_SERVICE_ARGS,
    ALB_WEB_SERVICE_NAMES,
    ALB_WEB_SERVICE_RULES,
    CERTIFICATE_ARN,
    DATABASE_ACCESS_ARGS,
    DOMAIN_NAME,
    HOST_HEADER,
    HOSTED_ZONE_ID,
    PATH_PATTERN,
    RULE_CONDITION_VALUES,
    SHARED_LISTENER_ARGS,
    WEB_AUTOSCALING_ARGS,
    AlbWebServiceArgs,
    DatabaseAccessArgs,
    SharedListenerArgs,
    WebAutoscalingArgs,
    certificate_source,
    desired_count_within_autoscaling,
    rule_condition_values,
    rule_routing,
    scheduled_scaling_bounds,
    validate_alb_web_service_args,
)
from .component import AlbWebService
from .listeners import TLS_POLICY

__all__ = [
    "ALB_WEB_SERVICE_ARGS",
    "ALB_WEB_SERVICE_NAMES",
    "ALB_WEB_SERVICE_RULES",
    "CERTIFICATE_ARN",
    "DATABASE_ACCESS_ARGS",
    "DOMAIN_NAME",
    "HOSTED_ZONE_ID",
    "HOST_HEADER",
    "PATH_PATTERN",
    "RULE_CONDITION_VALUES",
    "SHARED_LISTENER_ARGS",
    "TLS_POLICY",
    "WEB_AUTOSCALING_ARGS",
    "AlbWebService",
    "AlbWebServiceArgs",
    "DatabaseAccessArgs",
    "SharedListenerArgs",
    "WebAutoscalingArgs",
    "certificate_source",
    "desired_count_within_autoscaling",
    "rule_condition_values",
    "rule_routing",
    "scheduled_scaling_bounds",
    "validate_alb_web_service_args",
]

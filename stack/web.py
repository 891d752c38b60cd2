"""The cats web service: the picture API of the catsndogs system behind the stack's load balancer.

`ecs-workloads:cats` configures it. The pictures live in an S3 bucket of their own so every task sees
the same state; the ImageAssessor job reaches the API through `CatsWeb.alb_url`. The API is closed: the
stack generates its token in Secrets Manager (`CatsWeb.api_token_secret_arn`), and the service and the
ImageAssessor receive it as the ECS secret `API_TOKEN`; no config key can set or open it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import pulumi
from pydantic import Field, ValidationInfo, field_validator, model_validator

from ecs_workloads.alb_web_service import (
    ALB_WEB_SERVICE_ARGS,
    PATH_PATTERN,
    WEB_AUTOSCALING_ARGS,
    AlbWebService,
    AlbWebServiceArgs,
    SharedListenerArgs,
    certificate_source,
    desired_count_within_autoscaling,
    rule_condition_values,
    rule_routing,
    scheduled_scaling_bounds,
)
from ecs_workloads.alb_web_service.args import TEST_RULE_OFFSET
from ecs_workloads.fargate_service import SERVICE_DEPLOYMENT_ARGS
from ecs_workloads.fargate_workload import FargateWorkloadArgs
from ecs_workloads.generated_secret import GeneratedSecret
from ecs_workloads.operations_dashboard import WebMetrics
from ecs_workloads.private_bucket import PrivateBucket
from ecs_workloads.service_connect import ServiceConnectBackend, url_variable

from .backend import SCORER_NAME
from .component_rules import raise_component_problems, raise_rule_problems
from .deployment import DeploymentSettings
from .foundation import Foundation
from .scheduled_scaling import ScheduledScalingSettings
from .section import Section
from .telemetry import TelemetrySettings, collector_problems, with_collector
from .workload_settings import WorkloadSettings

CATS_APP = "cats"
# gunicorn in apps/cats binds to $PORT, 8080 in its image.
CATS_PORT = 8080
# The variable both apps read the token from (apps/cats, apps/image_assessor).
API_TOKEN_VARIABLE = "API_TOKEN"
# The scorer's URL is set by the Service Connect client option when the stack runs the scorer.
_STACK_ENV = ("BUCKET_NAME", API_TOKEN_VARIABLE, url_variable(SCORER_NAME))
_WEB = ALB_WEB_SERVICE_ARGS
_SCALING = WEB_AUTOSCALING_ARGS


class WebAutoscalingSettings(Section):
    """Target-tracking autoscaling of a web service's tasks."""

    min_tasks: int = _SCALING["min_tasks"].setting(2, description="Fewest tasks.")
    max_tasks: int = _SCALING["max_tasks"].setting(4, description="Most tasks.")
    # null turns the CPU target off, so the field is plain here; `_component_rules` checks it with the
    # component's own spec.
    cpu_target_percent: float | None = Field(60, description="Average CPU % to hold; null for none.")
    requests_per_target: int | None = _SCALING["requests_per_target"].setting(
        None, description="ALB requests per task per minute to hold. Default none."
    )

    @model_validator(mode="after")
    def _component_rules(self) -> WebAutoscalingSettings:
        raise_component_problems(_SCALING, self.args())
        return self

    def args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"min_tasks": self.min_tasks, "max_tasks": self.max_tasks}
        if self.cpu_target_percent is not None:
            args["cpu_target_percent"] = self.cpu_target_percent
        if self.requests_per_target is not None:
            args["requests_per_target"] = self.requests_per_target
        return args


class WebDeploymentSettings(DeploymentSettings):
    """How a new web service revision replaces the running one; the canary and linear keys apply to their strategy."""

    test_traffic_header: str | None = _WEB["test_traffic_header"].setting(
        None, description="Requests with this header reach the new revision first (not with rolling)."
    )


# Component fields whose config key is not simply their camelCase.
_CONFIG_KEYS = {
    "deployment.desired_count": "desiredCount",
    "priority": "rulePriority",
    "path_patterns": "pathPattern",
    "test_traffic_header": "deployment.testTrafficHeader",
}


class WebServiceBaseSettings(Section):
    """What every web service section shares (`ecs-workloads:cats`, each of `ecs-workloads:webServices`): its
    tasks, its listener rule, scaling and deployment. The load balancer is the section's (cats) or the stack's."""

    desired_count: int = SERVICE_DEPLOYMENT_ARGS["desired_count"].setting(
        description="Tasks to run (initial count when autoscaling)."
    )
    path_pattern: str = PATH_PATTERN.setting(
        "/*", description="Requests whose path matches go to the service; others get 404."
    )
    rule_priority: int = _WEB["priority"].setting(
        description="Priority of the service's rule on the listener, unique across the stack's web services."
    )
    host_header: str | None = _WEB["host_header"].setting(
        None, description="Only requests for this host name (Host header) go to the service. Default any host."
    )
    source_cidrs: list[str] | None = _WEB["source_cidrs"].setting(
        None, description="Only requests from these client CIDR blocks go to the service (others get 404)."
    )
    autoscaling: WebAutoscalingSettings | None = Field(None, description="Autoscaling; default: fixed count.")
    scheduled_scaling: list[ScheduledScalingSettings] = Field(
        [], description="Actions that set the min and max tasks at given times; default none."
    )
    deployment: WebDeploymentSettings = Field(
        default_factory=WebDeploymentSettings, description="Deployment strategy; default: rolling, alarm rollback."
    )
    health_check_path: str = _WEB["health_check_path"].setting(
        description="Path the load balancer probes on each task."
    )

    @model_validator(mode="after")
    def _component_rules(self) -> WebServiceBaseSettings:
        raise_rule_problems(
            _WEB,
            (
                certificate_source,
                desired_count_within_autoscaling,
                scheduled_scaling_bounds,
                rule_routing,
                rule_condition_values,
            ),
            self.service_args(),
            keys=_CONFIG_KEYS,
        )
        return self

    def service_args(self) -> dict[str, Any]:
        """The `AlbWebService` arguments these settings decide; the foundation adds cluster, network and
        alarm topic, the stack the container and the load balancer."""
        args: dict[str, Any] = {
            "deployment": {"desired_count": self.desired_count},
            "path_patterns": [self.path_pattern],
            "priority": self.rule_priority,
        }
        # Only when given, so services without them keep the arguments they had.
        if self.host_header is not None:
            args["host_header"] = self.host_header
        if self.source_cidrs is not None:
            args["source_cidrs"] = list(self.source_cidrs)
        args["health_check_path"] = self.health_check_path
        if self.autoscaling:
            args["autoscaling"] = self.autoscaling.args()
        if self.scheduled_scaling:
            args["scheduled_scaling"] = [action.args() for action in self.scheduled_scaling]
        args["deployment_strategy"] = self.deployment.args()
        if self.deployment.test_traffic_header is not None:
            args["test_traffic_header"] = self.deployment.test_traffic_header
        return args

    def rule_priorities(self) -> dict[int, str]:
        """The listener priorities the service's rules take, each with the config key that sets it."""
        taken = {self.rule_priority: "rulePriority"}
        if self.deployment.test_traffic_header is not None:
            # The test listener rule sits just before the production rule.
            taken[self.rule_priority - TEST_RULE_OFFSET] = f"rulePriority - {TEST_RULE_OFFSET} (its test rule)"
        return taken

    def min_max_tasks(self) -> tuple[int, int]:
        """The fewest and most tasks, for the `services` stack output."""
        scaling = self.autoscaling
        return (scaling.min_tasks, scaling.max_tasks) if scaling else (self.desired_count, self.desired_count)


class CatsSettings(WebServiceBaseSettings):
    """`ecs-workloads:cats` — the cats picture API behind the load balancer."""

    workload: WorkloadSettings = Field(
        default_factory=WorkloadSettings, description="Container; default: build apps/cats, 256 CPU / 512 MiB."
    )
    path_pattern: str = PATH_PATTERN.setting(
        "/cats*", description="Requests whose path matches go to the service; others get 404."
    )
    allowed_cidrs: list[str] = _WEB["allowed_cidrs"].setting(
        description="CIDR blocks that may reach the load balancer."
    )
    certificate_arn: str | None = _WEB["certificate_arn"].setting(
        None, description="ACM certificate ARN: serve HTTPS, redirect HTTP."
    )
    domain_name: str | None = _WEB["domain_name"].setting(
        None, description="Domain to serve on HTTPS with a DNS-validated certificate and an alias record."
    )
    hosted_zone_id: str | None = _WEB["hosted_zone_id"].setting(None, description="Route 53 hosted zone of domainName.")
    health_check_path: str = _WEB["health_check_path"].setting(
        "/health", description="Path the load balancer probes on each task."
    )
    # After `workload`: its validator reads the validated workload.
    telemetry: TelemetrySettings = Field(
        default_factory=TelemetrySettings, description="OpenTelemetry collector beside the app; default: off."
    )

    @field_validator("workload")
    @classmethod
    def _own_environment(cls, value: WorkloadSettings) -> WorkloadSettings:
        taken = sorted(set(_STACK_ENV) & (set(value.environment) | set(value.secrets)))
        if taken:
            verb, pronoun = ("is", "it") if len(taken) == 1 else ("are", "them")
            raise ValueError(
                f"{', '.join(taken)} {verb} set by the stack (the pictures bucket, the generated API token, the "
                "picture scorer's URL); "
                f"remove {pronoun}"
            )
        return value

    @field_validator("telemetry")
    @classmethod
    def _collector_fits(cls, value: TelemetrySettings, info: ValidationInfo) -> TelemetrySettings:
        workload = info.data.get("workload")
        if workload is not None:
            args = {**workload.container(CATS_APP), **workload.sizing(), "port": CATS_PORT}
            problems = collector_problems(args, value, "workload")
            if problems:
                raise ValueError("; ".join(problems))
        return value

    def service_args(self) -> dict[str, Any]:
        """The shared part, with the load balancer cats owns: who may reach it and its certificate."""
        args = super().service_args()
        args["allowed_cidrs"] = list(self.allowed_cidrs)
        for key in ("certificate_arn", "domain_name", "hosted_zone_id"):
            if getattr(self, key) is not None:
                args[key] = getattr(self, key)
        return args


def web_service_args(
    foundation: Foundation,
    settings: WebServiceBaseSettings,
    container: WorkloadSettings,
    workload: FargateWorkloadArgs,
) -> AlbWebServiceArgs:
    """The `AlbWebService` arguments of a web service section with its built `workload`, in the foundation's
    cluster and network; the caller adds the load balancer (its own, or a shared listener)."""
    capacity = container.capacity or foundation.default_capacity
    # The settings' part is built from the validated config (its keys are declared fields; the component
    # checks them again): the one place config enters the typed arguments.
    chosen = cast(AlbWebServiceArgs, settings.service_args())
    return {
        **chosen,
        "deployment": {**chosen["deployment"], "capacity": capacity.weights()},
        "cluster_name": foundation.cluster_name,
        "cluster_arn": foundation.cluster_arn,
        "placement": foundation.placement,
        "capacity_providers": foundation.capacity_providers,
        "workload": workload,
        "alarm_topic_arn": foundation.alarm_topic_arn,
        "protect_data": foundation.protect_data,
    }


@dataclass(frozen=True)
class CatsWeb:
    """What the stack exports for the cats service, and the URL other workloads call it by."""

    outputs: dict[str, Any]
    alb_url: pulumi.Output[str]
    api_token_secret_arn: pulumi.Output[str]
    metrics: WebMetrics
    listener: SharedListenerArgs
    """The forwarding listener (HTTPS when the ALB has TLS) that other services join with path rules."""


def build_web(foundation: Foundation, cats: CatsSettings, backends: Sequence[ServiceConnectBackend] = ()) -> CatsWeb:
    """Creates the pictures bucket, the API token and the cats service on its own load balancer; the
    service calls `backends` over Service Connect."""
    protect = foundation.protect_data
    bucket = PrivateBucket("cats-pictures", {"protect_data": protect})
    token = GeneratedSecret(
        "cats-api-token",
        {"description": "Bearer token of the cats API's delete and reset (API_TOKEN)", "protect_data": protect},
    )

    workload = cats.workload.workload_args(CATS_APP, foundation.log_retention_days, foundation.execute_command)
    workload["port"] = CATS_PORT
    workload["environment"] = {**workload["environment"], "BUCKET_NAME": bucket.name}
    # A secret, not environment: ECS resolves it at task start, so the value is in no task definition.
    workload["secrets"] = {**workload["secrets"], API_TOKEN_VARIABLE: token.arn}
    workload = cast(FargateWorkloadArgs, with_collector(dict(workload), cats.telemetry, CATS_APP))

    args = web_service_args(foundation, cats, cats.workload, workload)
    args["load_balancer_subnet_ids"] = foundation.load_balancer_subnet_ids
    if backends:
        assert foundation.service_connect_namespace_arn is not None, "backends publish in the cluster's namespace"
        args["service_connect"] = {"namespace": foundation.service_connect_namespace_arn, "backends": list(backends)}
    service = AlbWebService("cats", args)

    service.grant(
        "pictures",
        [
            {
                "Sid": "ListPictures",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket.arn,
            },
            {
                "Sid": "ReadWritePictures",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": pulumi.Output.concat(bucket.arn, "/*"),
            },
        ],
    )
    outputs = {
        "catsUrl": pulumi.Output.concat(service.url, "/cats/"),
        "catsApiUrl": pulumi.Output.concat(service.url, "/cats/api/"),
        "albDnsName": service.load_balancer_dns_name,
        "catsServiceName": service.service_name,
        "catsBucketName": bucket.name,
        "catsLogGroupName": service.log_group_name,
        "services": {
            "cats": {
                "serviceName": service.service_name,
                "clusterName": service.cluster_name,
                "logGroupName": service.log_group_name,
                # `ecs-workloads exec` reads these: whether ECS Exec is on, and which containers it can enter.
                "executeCommand": service.workload.execute_command,
                "containerNames": service.workload.container_names,
                "autoscaled": cats.autoscaling is not None,
                "minTasks": cats.min_max_tasks()[0],
                "maxTasks": cats.min_max_tasks()[1],
                "url": pulumi.Output.concat(service.url, "/cats/"),
                "apiTokenSecretArn": token.arn,
            }
        },
    }
    metrics = WebMetrics(
        title="cats",
        load_balancer_arn_suffix=service.load_balancer_arn_suffix,
        target_group_arn_suffix=service.target_group_arn_suffix,
    )
    return CatsWeb(
        outputs=outputs,
        alb_url=service.url,
        api_token_secret_arn=token.arn,
        metrics=metrics,
        listener=service.shared_listener(),
    )

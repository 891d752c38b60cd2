"""The cats web service: the picture API of the catsndogs system behind the stack's load balancer.

`ecs-workloads:cats` configures it. The pictures live in an S3 bucket of their own so every task sees
the same state; the ImageAssessor job reaches the API through `CatsWeb.alb_url`. The API is closed: the
stack generates its token in Secrets Manager (`CatsWeb.api_token_secret_arn`), and the service and the
ImageAssessor receive it as the ECS secret `API_TOKEN`; no config key can set or open it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import pulumi
from pydantic import Field, field_validator, model_validator

from ecs_workloads.alb_web_service import CERTIFICATE_ARN, DOMAIN_NAME, HOSTED_ZONE_ID, AlbWebService
from ecs_workloads.generated_secret import GeneratedSecret
from ecs_workloads.operations_dashboard import WebMetrics
from ecs_workloads.private_bucket import PrivateBucket

from .foundation import Foundation
from .section import Section
from .workload_settings import WorkloadSettings

CATS_APP = "cats"
# gunicorn in apps/cats binds to $PORT, 8080 in its image.
CATS_PORT = 8080
# The variable both apps read the token from (apps/cats, apps/image_assessor).
API_TOKEN_VARIABLE = "API_TOKEN"
_STACK_ENV = ("BUCKET_NAME", API_TOKEN_VARIABLE)


class CatsAutoscalingSettings(Section):
    """Target-tracking autoscaling of the cats tasks."""

    min_tasks: int = Field(2, ge=1, le=1000, description="Fewest tasks.")
    max_tasks: int = Field(4, ge=1, le=1000, description="Most tasks.")
    cpu_target_percent: float | None = Field(60, gt=0, le=100, description="Average CPU % to hold; null for none.")
    requests_per_target: int | None = Field(
        None, ge=1, le=1_000_000, description="ALB requests per task per minute to hold. Default none."
    )

    @model_validator(mode="after")
    def _bounds_and_target(self) -> CatsAutoscalingSettings:
        if self.min_tasks > self.max_tasks:
            raise ValueError(f"maxTasks ({self.max_tasks}) must be at least minTasks ({self.min_tasks})")
        if self.cpu_target_percent is None and self.requests_per_target is None:
            raise ValueError("set cpuTargetPercent, requestsPerTarget or both")
        return self

    def args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"min_tasks": self.min_tasks, "max_tasks": self.max_tasks}
        if self.cpu_target_percent is not None:
            args["cpu_target_percent"] = self.cpu_target_percent
        if self.requests_per_target is not None:
            args["requests_per_target"] = self.requests_per_target
        return args


class CatsSettings(Section):
    """`ecs-workloads:cats` — the cats picture API behind the load balancer."""

    workload: WorkloadSettings = Field(
        default_factory=WorkloadSettings, description="Container; default: build apps/cats, 256 CPU / 512 MiB."
    )
    desired_count: int = Field(1, ge=0, le=1000, description="Tasks to run (initial count when autoscaling).")
    path_pattern: str = Field("/cats*", description="Requests whose path matches go to the service; others get 404.")
    rule_priority: int = Field(100, ge=1, le=50000, description="Priority of the path rule on the listener.")
    allowed_cidrs: list[str] = Field(
        default_factory=lambda: ["0.0.0.0/0"], description="CIDR blocks that may reach the load balancer."
    )
    certificate_arn: str | None = Field(None, description="ACM certificate ARN: serve HTTPS, redirect HTTP.")
    domain_name: str | None = Field(
        None, description="Domain to serve on HTTPS with a DNS-validated certificate and an alias record."
    )
    hosted_zone_id: str | None = Field(None, description="Route 53 hosted zone of domainName.")
    autoscaling: CatsAutoscalingSettings | None = Field(None, description="Autoscaling; default: fixed count.")
    enable_execute_command: bool = Field(False, description="Allow `aws ecs execute-command` into the tasks.")
    health_check_path: str = Field("/health", description="Path the load balancer probes on each task.")

    @field_validator("path_pattern", "health_check_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or len(value) > 128:
            raise ValueError("must start with / (up to 128 characters)")
        return value

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must list at least one CIDR block")
        bad = []
        for cidr in value:
            try:
                ipaddress.ip_network(cidr)
            except ValueError:
                bad.append(cidr)
        if bad:
            raise ValueError(f"must be CIDR blocks such as 203.0.113.0/24; not: {', '.join(bad)}")
        if len(set(value)) != len(value):
            raise ValueError("lists a CIDR block more than once")
        return value

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, value: str | None) -> str | None:
        if value is not None and not CERTIFICATE_ARN.match(value):
            raise ValueError("must be an ACM certificate ARN such as arn:aws:acm:us-east-1:123456789012:certificate/…")
        return value

    @field_validator("domain_name")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and not DOMAIN_NAME.match(value):
            raise ValueError("must be a lower-case DNS name such as cats.example.com")
        return value

    @field_validator("hosted_zone_id")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and not HOSTED_ZONE_ID.match(value):
            raise ValueError("must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ")
        return value

    @field_validator("workload")
    @classmethod
    def _own_environment(cls, value: WorkloadSettings) -> WorkloadSettings:
        taken = sorted(set(_STACK_ENV) & (set(value.environment) | set(value.secrets)))
        if taken:
            verb, pronoun = ("is", "it") if len(taken) == 1 else ("are", "them")
            raise ValueError(
                f"{', '.join(taken)} {verb} set by the stack (the pictures bucket, the generated API token); "
                f"remove {pronoun}"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CatsSettings:
        if self.certificate_arn and self.domain_name:
            raise ValueError("set certificateArn or domainName (a certificate is then created), not both")
        if self.domain_name and not self.hosted_zone_id:
            raise ValueError("domainName needs hostedZoneId (for the certificate validation and alias records)")
        if self.hosted_zone_id and not self.domain_name:
            raise ValueError("hostedZoneId is only used with domainName; set domainName or remove it")
        scaling = self.autoscaling
        if scaling and not scaling.min_tasks <= self.desired_count <= scaling.max_tasks:
            raise ValueError(
                f"desiredCount {self.desired_count} must lie within autoscaling minTasks..maxTasks "
                f"({scaling.min_tasks}..{scaling.max_tasks})"
            )
        return self


@dataclass(frozen=True)
class CatsWeb:
    """What the stack exports for the cats service, and the URL other workloads call it by."""

    outputs: dict[str, Any]
    alb_url: pulumi.Output[str]
    api_token_secret_arn: pulumi.Output[str]
    metrics: WebMetrics


def build_web(foundation: Foundation, cats: CatsSettings) -> CatsWeb:
    """Creates the pictures bucket, the API token and the cats service on its own load balancer."""
    protect = foundation.protect_data
    bucket = PrivateBucket("cats-pictures", {"protect_data": protect})
    token = GeneratedSecret(
        "cats-api-token",
        {"description": "Bearer token of the cats API's delete and reset (API_TOKEN)", "protect_data": protect},
    )

    workload: dict[str, Any] = {
        **cats.workload.container(CATS_APP),
        **cats.workload.sizing(),
        "port": CATS_PORT,
        "log_retention_days": foundation.log_retention_days,
    }
    workload["environment"] = {**workload["environment"], "BUCKET_NAME": bucket.name}
    # A secret, not environment: ECS resolves it at task start, so the value is in no task definition.
    workload["secrets"] = {**workload["secrets"], API_TOKEN_VARIABLE: token.arn}

    capacity = cats.workload.capacity or foundation.default_capacity
    args: dict[str, Any] = {
        "cluster_name": foundation.cluster_name,
        "cluster_arn": foundation.cluster_arn,
        "placement": foundation.placement,
        "load_balancer_subnet_ids": foundation.load_balancer_subnet_ids,
        "workload": workload,
        "deployment": {
            "desired_count": cats.desired_count,
            "capacity": capacity.weights(),
            "enable_execute_command": cats.enable_execute_command,
        },
        "path_patterns": [cats.path_pattern],
        "priority": cats.rule_priority,
        "allowed_cidrs": list(cats.allowed_cidrs),
        "health_check_path": cats.health_check_path,
        "alarm_topic_arn": foundation.alarm_topic_arn,
        "protect_data": protect,
    }
    if cats.certificate_arn:
        args["certificate_arn"] = cats.certificate_arn
    if cats.domain_name:
        args["domain_name"] = cats.domain_name
        args["hosted_zone_id"] = cats.hosted_zone_id
    if cats.autoscaling:
        args["autoscaling"] = cats.autoscaling.args()
    service = AlbWebService("cats", args)

    service.workload.grant(
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
                "autoscaled": cats.autoscaling is not None,
                "minTasks": cats.autoscaling.min_tasks if cats.autoscaling else cats.desired_count,
                "maxTasks": cats.autoscaling.max_tasks if cats.autoscaling else cats.desired_count,
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
    return CatsWeb(outputs=outputs, alb_url=service.url, api_token_secret_arn=token.arn, metrics=metrics)

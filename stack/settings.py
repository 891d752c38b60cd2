"""Typed models of the stack's configuration, one per config key under the `ecs-workloads:` namespace.

Field names are the camelCase keys written in `Pulumi.<stack>.yaml`; every field has a default and a
description (the README's configuration reference is kept in step with these).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from ecs_workloads.fargate_workload import LOG_RETENTION_DAYS

from .batch import BatchPipelines, default_pipelines
from .jobs import ImageAssessorSettings, JobList
from .section import Section
from .web import CatsSettings
from .workload_settings import CapacitySettings

_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")


class NetworkSettings(Section):
    """`ecs-workloads:network` — a new VPC, or an existing one when `vpcId` is set."""

    vpc_id: str | None = Field(None, description="Existing VPC id; when set, no VPC is created.")
    public_subnet_ids: list[str] = Field(
        default_factory=list, description="Existing VPC: public subnets (load balancers; workloads without NAT)."
    )
    private_subnet_ids: list[str] = Field(
        default_factory=list, description="Existing VPC: private subnets with NAT; workloads run here when given."
    )
    cidr_block: str = Field("10.0.0.0/16", description="New VPC: CIDR block (/16 to /24).")
    availability_zones: Annotated[int, Field(ge=2, le=6)] = Field(2, description="New VPC: number of AZs, 2-6.")
    nat_strategy: Literal["none", "single", "one-per-az"] = Field(
        "none", description="New VPC: NAT gateways. `none` puts workloads in public subnets with public IPs."
    )

    @field_validator("cidr_block")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value)
        except ValueError:
            raise ValueError("must be an IPv4 CIDR block such as 10.0.0.0/16") from None
        if not 16 <= network.prefixlen <= 24:
            raise ValueError("prefix length must be /16 to /24")
        return value

    @field_validator("vpc_id")
    @classmethod
    def _vpc(cls, value: str | None) -> str | None:
        if value is not None and not _VPC_ID.match(value):
            raise ValueError("must be a VPC id such as vpc-0abc1234")
        return value

    @field_validator("public_subnet_ids", "private_subnet_ids")
    @classmethod
    def _subnets(cls, value: list[str]) -> list[str]:
        bad = [subnet for subnet in value if not _SUBNET_ID.match(subnet)]
        if bad:
            raise ValueError(f"must be subnet ids such as subnet-0abc1234; not: {', '.join(bad)}")
        return value

    @model_validator(mode="after")
    def _existing_or_new(self) -> NetworkSettings:
        if self.vpc_id is None and (self.public_subnet_ids or self.private_subnet_ids):
            raise ValueError("publicSubnetIds/privateSubnetIds belong to an existing VPC: set vpcId too")
        if self.vpc_id is not None and not self.public_subnet_ids:
            raise ValueError("an existing VPC needs publicSubnetIds")
        if self.vpc_id is not None and self.model_fields_set & {"cidr_block", "availability_zones", "nat_strategy"}:
            raise ValueError("cidrBlock, availabilityZones and natStrategy apply only to a new VPC; remove them")
        return self


class ClusterSettings(Section):
    """`ecs-workloads:cluster` — the ECS cluster."""

    container_insights: Literal["enabled", "enhanced"] = Field("enabled", description="Container Insights level.")
    default_capacity: CapacitySettings = Field(
        default_factory=CapacitySettings, description="Capacity strategy for tasks that do not set their own."
    )


class LogsSettings(Section):
    """`ecs-workloads:logs` — CloudWatch Logs for every workload."""

    retention_days: int = Field(30, description="Retention of every log group, a value CloudWatch accepts.")

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}")
        return value


class AlarmsSettings(Section):
    """`ecs-workloads:alarms` — where alarms and failed-run alerts go."""

    email: str | None = Field(None, description="Address subscribed to the alarm topic (confirm the e-mail).")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
            raise ValueError("must be an e-mail address such as ops@example.com")
        return value


class StackSettings(Section):
    """Everything a stack file can set under `ecs-workloads:`."""

    protect_data: bool = Field(
        False, description="Protect and retain buckets, queues, log groups and repositories; ALB deletion protection."
    )
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    logs: LogsSettings = Field(default_factory=LogsSettings)
    alarms: AlarmsSettings = Field(default_factory=AlarmsSettings)
    cats: CatsSettings = Field(default_factory=CatsSettings, description="The cats web service.")
    image_assessor: ImageAssessorSettings = Field(
        default_factory=ImageAssessorSettings, description="The ImageAssessor scheduled job."
    )
    jobs: JobList = Field(default_factory=list, description="Further scheduled jobs.")
    batch: BatchPipelines = Field(
        default_factory=default_pipelines, description="Batch pipelines by name; default: jsonl and images."
    )

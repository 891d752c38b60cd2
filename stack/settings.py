"""Typed models of the stack's configuration, one per config key under the `ecs-workloads:` namespace.

Field names are the camelCase keys written in `Pulumi.<stack>.yaml`; every field has a default and a
description, from which docs/configuration.md is generated (`make docs`).
"""

from __future__ import annotations

from typing import Any, cast

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError

from ecs_workloads.alarm_topic import ALARM_TOPIC_ARGS
from ecs_workloads.alb_web_service.args import (
    ALB_WEB_SERVICE_NAMES,
    ALB_WEB_SERVICE_SHIFTING_NAMES,
    TEST_RULE_OFFSET,
)
from ecs_workloads.backend_service import BACKEND_SERVICE_NAMES
from ecs_workloads.capacity import COMPATIBILITY_BY_KIND
from ecs_workloads.cluster import ECS_CLUSTER_ARGS
from ecs_workloads.fargate_workload import FARGATE_WORKLOAD_ARGS, where_it_runs
from ecs_workloads.job_fields import job_name_problem
from ecs_workloads.network import NETWORK_ARGS, SUBNET_ID, VPC_ID, ExistingVpcArgs, NetworkArgs
from ecs_workloads.service_connect import url_variable
from ecs_workloads.validation import ArgumentProblems

from .backend import SCORER_NAME, PictureScorerSettings
from .batch import BatchPipelines, default_pipelines
from .capacity_providers import CapacityProviderSettings
from .component_rules import config_wording, raise_component_problems
from .job_api import JOB_API_NAME, JobApiSettings
from .jobs import ASSESSOR_JOB, ImageAssessorSettings, JobList
from .section import Section
from .services import (
    BACKEND_NAME_MAX_LENGTH,
    BACKEND_RESOURCE_NAME,
    WEB_SERVICE_NAME_MAX_LENGTH,
    WEB_SERVICE_RESOURCE_NAME,
    WEB_SERVICE_SHIFTING_NAME_MAX_LENGTH,
    Backends,
    LoadBalancerSettings,
    WebServices,
    called_backends,
)
from .topics import TOPIC_ARNS_VARIABLE, TopicList
from .web import CATS_APP, CatsSettings
from .workers import Workers
from .workload_settings import CapacitySettings, WorkloadSettings


class NetworkSettings(Section):
    """`ecs-workloads:network` — a new VPC, or an existing one when `vpcId` is set."""

    vpc_id: str | None = Field(None, description="Existing VPC id; when set, no VPC is created.")
    public_subnet_ids: list[str] = Field(
        default_factory=list, description="Existing VPC: public subnets (load balancers; workloads without NAT)."
    )
    private_subnet_ids: list[str] = Field(
        default_factory=list, description="Existing VPC: private subnets with NAT; workloads run here when given."
    )
    cidr_block: str = NETWORK_ARGS["cidr_block"].setting(description="New VPC: CIDR block.")
    availability_zones: int = NETWORK_ARGS["availability_zones"].setting(description="New VPC: number of AZs.")
    nat_strategy: str = NETWORK_ARGS["nat_strategy"].setting(
        description="New VPC: NAT gateways. `none` puts workloads in public subnets with public IPs."
    )

    @field_validator("vpc_id")
    @classmethod
    def _vpc(cls, value: str | None) -> str | None:
        if value is not None and not VPC_ID.match(value):
            raise ValueError("must be a VPC id such as vpc-0abc1234")
        return value

    @field_validator("public_subnet_ids", "private_subnet_ids")
    @classmethod
    def _subnets(cls, value: list[str]) -> list[str]:
        bad = [subnet for subnet in value if not SUBNET_ID.match(subnet)]
        if bad:
            raise ValueError(f"must be subnet ids such as subnet-0abc1234; not: {', '.join(bad)}")
        return value

    @model_validator(mode="after")
    def _existing_or_new(self) -> NetworkSettings:
        # The config is flat where the arguments nest the existing VPC under `existing`: these two say
        # so in config keys.
        if self.vpc_id is None and (self.public_subnet_ids or self.private_subnet_ids):
            raise ValueError("publicSubnetIds/privateSubnetIds belong to an existing VPC: set vpcId too")
        if self.vpc_id is not None and not self.public_subnet_ids:
            raise ValueError("an existing VPC needs publicSubnetIds")
        raise_component_problems(NETWORK_ARGS, dict(self.args()))
        return self

    def args(self) -> NetworkArgs:
        """The `Network` arguments: an existing VPC, or a new one."""
        new_vpc: NetworkArgs = {
            "cidr_block": self.cidr_block,
            "availability_zones": self.availability_zones,
            "nat_strategy": self.nat_strategy,
        }
        if self.vpc_id is None:
            return new_vpc
        existing: ExistingVpcArgs = {"vpc_id": self.vpc_id, "public_subnet_ids": [*self.public_subnet_ids]}
        if self.private_subnet_ids:
            existing["private_subnet_ids"] = [*self.private_subnet_ids]
        # New-VPC keys set beside vpcId are kept, so that the component's rule refuses them.
        chosen = cast(NetworkArgs, {key: value for key, value in new_vpc.items() if key in self.model_fields_set})
        return {"existing": existing, **chosen}


class ClusterSettings(Section):
    """`ecs-workloads:cluster` — the ECS cluster."""

    container_insights: str = ECS_CLUSTER_ARGS["container_insights"].setting(description="Container Insights level.")
    default_capacity: CapacitySettings = Field(
        default_factory=CapacitySettings, description="Capacity strategy for tasks that do not set their own."
    )
    capacity_providers: list[CapacityProviderSettings] = Field(
        default_factory=list, description="EC2 capacity providers beside Fargate, each named."
    )

    @model_validator(mode="after")
    def _providers(self) -> ClusterSettings:
        names = [provider.name for provider in self.capacity_providers]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"capacityProviders: each name once; repeated: {', '.join(repeated)}")
        unknown = [name for name in self.default_capacity.provider_names() if name not in names]
        if unknown:
            raise ValueError(
                f"defaultCapacity.providers: {', '.join(unknown)} — "
                f"one of capacityProviders: {', '.join(names) or 'none'}"
            )
        return self

    def kinds(self) -> dict[str, str]:
        """Provider name -> `auto_scaling` or `managed_instances`."""
        return {
            p.name: "auto_scaling" if p.auto_scaling is not None else "managed_instances"
            for p in self.capacity_providers
        }

    def args(self) -> dict[str, Any]:
        """The `EcsCluster` arguments (without placement, which the network gives)."""
        args: dict[str, Any] = {
            "container_insights": self.container_insights,
            "default_capacity": self.default_capacity.weights(),
        }
        if self.capacity_providers:
            args["capacity_providers"] = [provider.args() for provider in self.capacity_providers]
        return args


class LogsSettings(Section):
    """`ecs-workloads:logs` — CloudWatch Logs for every workload."""

    # Every workload's `log_retention_days`.
    retention_days: int = FARGATE_WORKLOAD_ARGS["log_retention_days"].setting(
        description="Retention of every log group, a value CloudWatch accepts."
    )


class AlarmsSettings(Section):
    """`ecs-workloads:alarms` — where alarms and failed-run alerts go."""

    email: str | None = ALARM_TOPIC_ARGS["email"].setting(
        None, description="Address subscribed to the alarm topic (confirm the e-mail)."
    )


class StackSettings(Section):
    """Everything a stack file can set under `ecs-workloads:`."""

    protect_data: bool = Field(
        False, description="Protect and retain buckets, queues, log groups and repositories; ALB deletion protection."
    )
    execute_command: bool = FARGATE_WORKLOAD_ARGS["enable_execute_command"].setting(
        description="ECS Exec (`ecs-workloads exec`) for every workload whose enableExecuteCommand does not say."
    )
    network: NetworkSettings = Field(
        default_factory=NetworkSettings, description="The VPC every workload runs in: a new one, or an existing one."
    )
    cluster: ClusterSettings = Field(default_factory=ClusterSettings, description="The ECS cluster of every workload.")
    logs: LogsSettings = Field(default_factory=LogsSettings, description="CloudWatch Logs of every workload.")
    alarms: AlarmsSettings = Field(
        default_factory=AlarmsSettings, description="Where alarms and failed-run alerts are sent."
    )
    cats: CatsSettings = Field(default_factory=CatsSettings, description="The cats web service.")
    picture_scorer: PictureScorerSettings = Field(
        default_factory=PictureScorerSettings, description="The picture scorer the cats API calls over Service Connect."
    )
    image_assessor: ImageAssessorSettings = Field(
        default_factory=ImageAssessorSettings, description="The ImageAssessor scheduled job."
    )
    jobs: JobList = Field(default_factory=list, description="Further scheduled jobs.")
    batch: BatchPipelines = Field(
        default_factory=default_pipelines,
        description="Batch pipelines by name; default: jsonl and images (none when referenceSystem is false).",
    )
    job_api: JobApiSettings = Field(
        default_factory=JobApiSettings, description="The job API: scheduled jobs created at run time over REST."
    )
    reference_system: bool = Field(
        True,
        description="Build the catsndogs reference system (cats, pictureScorer, imageAssessor, jobApi and the "
        "default batch pipelines); false builds only the network, cluster, alarms, dashboard and the generic keys.",
    )
    load_balancer: LoadBalancerSettings = Field(
        default_factory=LoadBalancerSettings,
        description="The stack's load balancer of webServices, when referenceSystem is false.",
    )
    web_services: WebServices = Field(
        default_factory=dict, description="Web services behind the stack's load balancer, by name."
    )
    backends: Backends = Field(default_factory=dict, description="Internal services reached over Service Connect.")
    workers: Workers = Field(
        default_factory=dict, description="Queue workers by name (trigger queue), fed by producers or SNS topics."
    )
    topics: TopicList = Field(
        default_factory=list, description="SNS topics the stack's services publish to, each with its publishers."
    )

    @model_validator(mode="after")
    def _workers_and_topics_fit(self) -> StackSettings:
        """Publishers are the stack's services, which leave SNS_TOPIC_ARNS to the stack; subscriptions by name
        name a topic. Each problem is reported at its key (names of their own: `_name_errors`)."""
        errors: list[_Error] = []
        publishers = self.publisher_workloads()
        choices = ", ".join(publishers) or "none"
        for index, topic in enumerate(self.topics):
            errors += [
                (("topics", index, "publishers", position), publisher, f"one of the stack's services: {choices}")
                for position, publisher in enumerate(topic.publishers)
                if publisher not in publishers
            ]
        publishing = sorted({name for topic in self.topics for name in topic.publishers if name in publishers})
        for publisher in publishing:
            where, workload = publishers[publisher]
            for field in ("environment", "secrets"):
                if TOPIC_ARNS_VARIABLE in getattr(workload, field):
                    errors.append(
                        (
                            (*where, "workload", field, TOPIC_ARNS_VARIABLE),
                            getattr(workload, field)[TOPIC_ARNS_VARIABLE],
                            "set by the stack: the ARNs of the topics the service publishes to; remove it",
                        )
                    )
        topics = [topic.name for topic in self.topics]
        for name, worker in self.workers.items():
            for index, entry in enumerate(worker.subscriptions):
                if entry.topic is not None and entry.topic not in topics:
                    errors.append(
                        (
                            ("workers", name, "subscriptions", index, "topic"),
                            entry.topic,
                            f"one of the stack's topics: {', '.join(topics) or 'none'} (or topicArn for another)",
                        )
                    )
        _raise_at_keys(errors)
        return self

    def publisher_workloads(self) -> dict[str, tuple[tuple[str | int, ...], WorkloadSettings]]:
        """The services that may publish to topics: name → (config location, workload)."""
        found: dict[str, tuple[tuple[str | int, ...], WorkloadSettings]] = {
            name: (("webServices", name), service.workload) for name, service in self.web_services.items()
        }
        found.update({name: (("backends", name), backend.workload) for name, backend in self.backends.items()})
        found.update({name: (("workers", name), worker.workload) for name, worker in self.workers.items()})
        found.update({job.name: (("jobs", index), job.workload) for index, job in enumerate(self.jobs)})
        return found

    @model_validator(mode="after")
    def _job_api_fits_the_stack(self) -> StackSettings:
        """The API runs only the stack's own jobs, and its path rule has a priority of its own on the cats
        listener. Each problem is reported at its key."""
        api = self.job_api
        if not api.enabled or not self.reference_system:
            return self
        jobs = ", ".join([ASSESSOR_JOB, *(job.name for job in self.jobs)])
        errors: list[_Error] = [
            (("jobApi", "allowedJobs", index), name, f"one of the stack's jobs: {jobs}")
            for index, name in enumerate(api.allowed_jobs)
            if name not in jobs.split(", ")
        ]
        if not api.allowed_jobs:
            errors.append((("jobApi", "allowedJobs"), [], f"at least one of the stack's jobs: {jobs}"))
        pipelines = ", ".join(self.batch) or "none"
        errors += [
            (("jobApi", "triggerQueues", index), name, f"one of the stack's batch pipelines: {pipelines}")
            for index, name in enumerate(api.trigger_queues)
            if name not in self.batch
        ]
        taken = {self.cats.rule_priority: "cats.rulePriority"}
        if self.cats.deployment.test_traffic_header is not None:
            # The cats test listener rule sits just before its production rule.
            taken[self.cats.rule_priority - TEST_RULE_OFFSET] = "the cats test rule, cats.rulePriority - 1"
        if api.rule_priority in taken:
            errors.append(
                (
                    ("jobApi", "rulePriority"),
                    api.rule_priority,
                    f"a priority of its own on the cats listener, not that of {taken[api.rule_priority]}",
                )
            )
        _raise_at_keys(errors)
        return self
        jobs = [ASSESSOR_JOB, *(job.name for job in self.jobs)]
        lines = [
            f"jobApi.allowedJobs[{index}]: {name!r} — one of the stack's jobs: {', '.join(jobs)}"
            for index, name in enumerate(api.allowed_jobs)
            if name not in jobs
        ]
        if not api.allowed_jobs:
            lines.append(f"jobApi.allowedJobs: [] — at least one of the stack's jobs: {', '.join(jobs)}")
        taken = {self.cats.rule_priority: "cats.rulePriority"}
        if self.cats.deployment.test_traffic_header is not None:
            # The cats test listener rule sits just before its production rule.
            taken[self.cats.rule_priority - TEST_RULE_OFFSET] = "the cats test rule, cats.rulePriority - 1"
        if api.rule_priority in taken:
            lines.append(
                f"jobApi.rulePriority: {api.rule_priority} — a priority of its own on the cats listener, not that of "
                f"{taken[api.rule_priority]}"
            )
        if lines:
            raise ValueError("; ".join(lines))
        return self

    @model_validator(mode="before")
    @classmethod
    def _no_reference_pipelines(cls, data: Any) -> Any:
        # Without the reference system its default batch pipelines go too; a `batch` the stack file sets stays.
        if isinstance(data, dict) and data.get("referenceSystem") is False and "batch" not in data:
            return {**data, "batch": {}}
        return data

    @model_validator(mode="after")
    def _generic_services_fit(self) -> StackSettings:
        """Reference keys only with the reference system and `loadBalancer` only without; names of the generic
        services unique and within their components' bounds; listener priorities unique; `calls` names
        backends. Each problem is reported at its key."""
        errors: list[_Error] = []
        if not self.reference_system:
            errors += [
                (
                    (to_camel(field),),
                    getattr(self, field).model_dump(by_alias=True, exclude_unset=True),
                    "only with referenceSystem true (a part of the reference system); remove it, or set "
                    "referenceSystem: true",
                )
                for field in _REFERENCE_FIELDS
                if field in self.model_fields_set
            ]
        elif "load_balancer" in self.model_fields_set:
            errors.append(
                (
                    ("loadBalancer",),
                    self.load_balancer.model_dump(by_alias=True, exclude_unset=True),
                    "only with referenceSystem false: with the reference system, webServices join the cats "
                    "listener, whose load balancer cats.allowedCidrs and cats.certificateArn configure",
                )
            )
        errors += self._name_errors() + self._priority_errors() + self._calls_errors()
        _raise_at_keys(errors)
        return self

    def _name_errors(self) -> list[_Error]:
        owners: dict[str, str] = {}
        if self.reference_system:
            owners = {CATS_APP: "cats", SCORER_NAME: "pictureScorer", JOB_API_NAME: "jobApi"}
        owners.update({job.name: f"jobs[{index}].name" for index, job in enumerate(self.jobs)})
        owners.update({name: f"batch.{name}" for name in self.batch})
        errors: list[_Error] = []
        generic = [("webServices", name) for name in self.web_services] + [("backends", name) for name in self.backends]
        for key, name in generic:
            if key == "webServices":
                shifting = self.web_services[name].shifts_traffic()
                names = ALB_WEB_SERVICE_SHIFTING_NAMES if shifting else ALB_WEB_SERVICE_NAMES
                bound = WEB_SERVICE_SHIFTING_NAME_MAX_LENGTH if shifting else WEB_SERVICE_NAME_MAX_LENGTH
                pattern = WEB_SERVICE_RESOURCE_NAME
            else:
                names, bound, pattern = BACKEND_SERVICE_NAMES, BACKEND_NAME_MAX_LENGTH, BACKEND_RESOURCE_NAME
            if problem := job_name_problem(name, bound):
                errors.append(((key, name), name, f"must be {problem} ({names.reason(pattern.format(name='<name>'))})"))
            elif name in owners:
                errors.append(((key, name), name, f"{_OWN_NAME}; {owners[name]} has it"))
            else:
                owners[name] = f"{key}.{name}"
        # Worker names are bounded by their own key type (stack/workers.py).
        errors += [
            (("workers", name), name, f"{_OWN_NAME}; {owners[name]} has it") for name in self.workers if name in owners
        ]
        return errors

    def _priority_errors(self) -> list[_Error]:
        taken: dict[int, str] = {}
        if self.reference_system:
            taken = {priority: f"cats.{what}" for priority, what in self.cats.rule_priorities().items()}
            if self.job_api.enabled:
                taken.setdefault(self.job_api.rule_priority, "jobApi.rulePriority")
        errors: list[_Error] = []
        for name, service in self.web_services.items():
            for priority, what in service.rule_priorities().items():
                if priority in taken:
                    errors.append(
                        (
                            ("webServices", name, "rulePriority"),
                            service.rule_priority,
                            f"a priority of its own on the listener ({what} takes {priority}), not that of "
                            f"{taken[priority]}",
                        )
                    )
                else:
                    taken[priority] = f"webServices.{name}.{what}"
        return errors

    def _calls_errors(self) -> list[_Error]:
        errors: list[_Error] = []
        callers = [("webServices", name, s.calls, s.workload) for name, s in self.web_services.items()]
        callers += [("backends", name, s.calls, s.workload) for name, s in self.backends.items()]
        for key, name, calls, workload in callers:
            choices = [backend for backend in self.backends if backend != name]
            for index, called in enumerate(calls or []):
                if called not in choices:
                    errors.append(
                        (
                            (key, name, "calls", index),
                            called,
                            f"one of the stack's backends: {', '.join(choices) or 'none'}",
                        )
                    )
            urls = {url_variable(b): b for b in called_backends(name, calls, self.backends) if b in choices}
            for field in ("environment", "secrets"):
                for variable in sorted(set(urls) & set(getattr(workload, field))):
                    errors.append(
                        (
                            (key, name, "workload", field, variable),
                            getattr(workload, field)[variable],
                            f"set by the stack: the URL of the backend {urls[variable]}; remove it",
                        )
                    )
        return errors

    @model_validator(mode="after")
    def _workloads_fit_their_capacity(self) -> StackSettings:
        """Each workload names providers the cluster has, of one kind, and asks only for what that kind runs
        (bridge mode, GPUs, ephemeral storage): a stack-file error before anything is built."""
        lines: list[str] = []
        kinds = self.cluster.kinds()
        for path, workload in self._workloads():
            capacity = workload.capacity or self.cluster.default_capacity
            own = f"{path}.capacity" if workload.capacity is not None else "cluster.defaultCapacity"
            named = capacity.provider_names()
            for index, name in enumerate(named):
                if name not in kinds:
                    lines.append(
                        f"{own}.providers[{index}].name: {name!r} — one of cluster.capacityProviders: "
                        f"{', '.join(kinds) or 'none'}"
                    )
            found = {kinds[name] for name in named if name in kinds}
            if len(found) > 1:
                lines.append(f"{own}.providers: {named!r} — providers of one kind, not " + " and ".join(sorted(found)))
                continue
            compatibility = COMPATIBILITY_BY_KIND[found.pop()] if found else "FARGATE"
            problems = ArgumentProblems("WorkloadSettings")
            where_it_runs({**workload.sizing(), "compatibility": compatibility}, problems, f"{path}.")
            lines += [config_wording(line) for line in problems.lines()]
        if lines:
            raise ValueError("; ".join(lines))
        return self

    def _workloads(self) -> list[tuple[str, WorkloadSettings]]:
        found: list[tuple[str, WorkloadSettings]] = []
        if self.reference_system:
            found += [
                ("cats.workload", self.cats.workload),
                ("pictureScorer.workload", self.picture_scorer.workload),
                ("imageAssessor.workload", self.image_assessor.workload),
            ]
        found += [(f"webServices.{name}.workload", service.workload) for name, service in self.web_services.items()]
        found += [(f"backends.{name}.workload", backend.workload) for name, backend in self.backends.items()]
        found += [(f"jobs[{index}].workload", job.workload) for index, job in enumerate(self.jobs)]
        found += [(f"batch.{name}.workload", pipeline.workload) for name, pipeline in self.batch.items()]
        found += [(f"workers.{name}.workload", worker.workload) for name, worker in self.workers.items()]
        if self.job_api.enabled and self.reference_system:
            found.append(("jobApi.workload", self.job_api.workload))
        return found


_OWN_NAME = "a name of its own across webServices, backends, workers, jobs, batch and the reference system"
"""The stack's services share the `services` stack output (and the operator CLI's NAME), so each has a name
of its own."""

_REFERENCE_FIELDS = ("cats", "picture_scorer", "image_assessor", "job_api")
"""The settings of the reference system's parts, refused when `referenceSystem` is false."""

_Error = tuple[tuple[str | int, ...], Any, str]
"""A problem at a config location: its key path, the value given there and what is allowed."""


def _raise_at_keys(errors: list[_Error]) -> None:
    """One validation error listing every problem, each at its key (the config loader words them)."""
    if errors:
        raise ValidationError.from_exception_data(
            "StackSettings",
            [
                InitErrorDetails(
                    type=PydanticCustomError("value_error", "{allowed}", {"allowed": allowed}),
                    loc=loc,
                    input=value,
                )
                for loc, value, allowed in errors
            ],
        )

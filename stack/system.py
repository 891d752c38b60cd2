"""Builds the reference system for one stack from validated settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from ecs_workloads import AlarmTopic, EcsCluster, EcsClusterArgs, Network, OperationsDashboard

from .backend import SCORER_NAME, build_backend, service_outputs
from .batch import build_batch
from .foundation import Foundation
from .job_api import JOB_API_NAME, build_job_api, runnable_jobs
from .jobs import AssessorTarget, build_jobs
from .services import build_services
from .settings import StackSettings
from .topics import build_topics, grant_publish, publisher_environment
from .web import CatsWeb, build_web
from .workers import build_workers


def build_foundation(settings: StackSettings) -> Foundation:
    """The network, cluster and alarm topic every workload shares, with the stack-wide choices they need."""
    network = Network("network", settings.network.args())
    cluster_args = settings.cluster.args()
    # The namespace exists only for the backends that publish in it.
    if (settings.reference_system and settings.picture_scorer.enabled) or settings.backends:
        cluster_args["service_connect"] = True
    if settings.cluster.capacity_providers:
        # The instances run where the tasks do: the workload subnets, with NAT or public IPs as they have.
        cluster_args["placement"] = network.placement()
    cluster = EcsCluster("ecs", cast(EcsClusterArgs, cluster_args))
    alarms = AlarmTopic("alarms", {"email": settings.alarms.email} if settings.alarms.email else {})
    return Foundation(
        placement=network.placement(),
        load_balancer_subnet_ids=network.load_balancer_subnet_ids,
        cluster_name=cluster.name,
        cluster_arn=cluster.arn,
        alarm_topic_arn=alarms.arn,
        protect_data=settings.protect_data,
        log_retention_days=settings.logs.retention_days,
        execute_command=settings.execute_command,
        default_capacity=settings.cluster.default_capacity,
        capacity_providers=cluster.capacity_providers,
        service_connect_namespace_arn=cluster.service_connect_namespace_arn,
    )


def build_system(settings: StackSettings) -> dict[str, Any]:
    """Creates the stack's resources and returns the stack outputs (the operator CLI reads them)."""
    foundation = build_foundation(settings)
    reference = _build_reference(foundation, settings) if settings.reference_system else None
    topics = build_topics(settings.topics)
    # The ARNs of the topics each publisher publishes to, in its environment.
    publishing = publisher_environment(settings.topics, topics)
    batch = build_batch(foundation, settings.batch)
    own = build_services(
        foundation,
        settings.web_services,
        settings.backends,
        settings.load_balancer,
        reference.web.listener if reference is not None else None,
        publishing,
    )
    jobs = build_jobs(foundation, reference.assessor if reference is not None else None, settings.jobs, publishing)
    workers, worker_outputs = build_workers(
        foundation, settings.workers, {name: topic.arn for name, topic in topics.items()}, publishing
    )
    # Every service that may publish, by name: settings have checked that each publisher is one of them.
    grant_publish(settings.topics, topics, {**own.components, **jobs.tasks, **workers})
    queues = {**batch["queues"], **worker_outputs["queues"]}
    services = {
        **(reference.services if reference is not None else {}),
        **batch["services"],
        **own.services,
        **worker_outputs["services"],
    }
    job_api = None
    if reference is not None and settings.job_api.enabled:
        job_api = build_job_api(
            foundation,
            settings.job_api,
            reference.web.listener,
            runnable_jobs(settings.job_api, jobs.tasks),
            [batch["queues"][name]["queueArn"] for name in settings.job_api.trigger_queues],
        )
        services[JOB_API_NAME] = job_api.service
    dashboard = OperationsDashboard(
        "operations",
        {
            "dashboard_name": f"{pulumi.get_project()}-{pulumi.get_stack()}",
            "schedules": [
                {"title": name, "schedule_group_name": job["scheduleGroup"]}
                for name, job in jobs.outputs["jobs"].items()
            ],
            "queues": [
                {
                    "title": name,
                    "queue_name": queue["queueName"],
                    "dlq_name": queue["dlqName"],
                    "cluster_name": foundation.cluster_name,
                    "service_name": services[name]["serviceName"],
                }
                for name, queue in queues.items()
            ],
            "web_services": [*([reference.web.metrics] if reference is not None else []), *own.metrics],
        },
    )
    return {
        "region": aws.get_region_output().region,
        "vpcId": foundation.placement["vpc_id"],
        "workloadSubnetIds": foundation.placement["subnet_ids"],
        "assignPublicIp": foundation.placement["assign_public_ip"],
        "clusterName": foundation.cluster_name,
        "clusterArn": foundation.cluster_arn,
        "alarmTopicArn": foundation.alarm_topic_arn,
        "dashboardUrl": dashboard.url,
        **(reference.outputs if reference is not None else {}),
        **jobs.outputs,
        "services": services,
        "queues": queues,
        **({"topicArns": {name: topic.arn for name, topic in topics.items()}} if topics else {}),
        **({"jobApi": job_api.outputs} if job_api is not None else {}),
        # The URL the stack's own web services are reached through: the cats load balancer's, or the stack's.
        **({"loadBalancerUrl": own.load_balancer_url} if own.load_balancer_url is not None else {}),
    }


@dataclass(frozen=True)
class _Reference:
    """The catsndogs services, and what the rest of the stack takes from them."""

    web: CatsWeb
    services: dict[str, Any]
    outputs: dict[str, Any]
    """The cats outputs beside `services` (catsUrl, albDnsName, ...)."""
    assessor: AssessorTarget


def _build_reference(foundation: Foundation, settings: StackSettings) -> _Reference:
    scorer = build_backend(foundation, settings.picture_scorer)
    web = build_web(foundation, settings.cats, [scorer.endpoint()] if scorer is not None else [])
    outputs = dict(web.outputs)
    services = dict(outputs.pop("services"))
    if scorer is not None:
        services[SCORER_NAME] = service_outputs(scorer, settings.picture_scorer)
    # The assessor reaches the cats API through the load balancer's URL output, never a typed value, and
    # holds the same token secret as the service.
    assessor = AssessorTarget(settings.image_assessor, web.alb_url, web.api_token_secret_arn)
    return _Reference(web=web, services=services, outputs=outputs, assessor=assessor)


def export_all(outputs: dict[str, Any]) -> None:
    for key, value in outputs.items():
        pulumi.export(key, value)

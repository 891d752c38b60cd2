"""`BackendService`: an internal ECS service without a load balancer, reached by the stack's other
services through ECS Service Connect."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from typing import cast

import pulumi
import pulumi_aws as aws

from ..deployment_strategy import DEPLOYMENT_STRATEGY_ARGS, infrastructure_role, rollout
from ..error_rate_alarm import RequestCounts, error_rate_alarm
from ..fargate_service import ServiceDeploymentArgs, create_service
from ..fargate_workload import EmbeddedWorkloadArgs
from ..options import component_type, with_former_type
from ..outputs import register_declared_outputs
from ..scheduled_scaling import scheduled_actions, service_scaling_target
from ..service_connect import ServiceConnectBackend, proxy_logs
from ..tags import with_tags
from ..target_tracking import TrackedMetric, initial_deployment, target_tracking
from ..workload_shape import WorkloadShape, placed_on_capacity
from .args import (
    BACKEND_SERVICE_ARGS,
    BACKEND_WORKLOAD_NAME,
    BackendServiceArgs,
    alarms_wanted,
    alias_port,
    backend_aliases,
    backend_url,
    validate_backend_service_args,
)


class BackendService(WorkloadShape):
    """An ECS service with no load balancer, published in the cluster's Cloud Map namespace.

    Its container's named port is a Service Connect service: clients in the namespace call it by its
    client aliases (`http://picture-scorer:8080`) through the proxy ECS runs in their tasks, which balances
    requests over healthy backend tasks. Its tasks admit nothing until a client names it
    (`AlbWebService`'s `service_connect.backends`), and then only that client's tasks, on its port.
    """

    WORKLOAD_NAME = BACKEND_WORKLOAD_NAME
    FAMILY = "{name}"

    url: str
    """`http://<first client alias>:<port>`: what clients call."""
    discovery_name: str
    """Name of the backend's Cloud Map service in the namespace."""
    port: int
    """Container port the tasks are reached on."""
    service_name: pulumi.Output[str]
    """Name of the ECS service."""
    cluster_name: pulumi.Output[str]
    """Name of the ECS cluster the service runs in."""

    def __init__(self, name: str, args: BackendServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args = placed_on_capacity(args, ("deployment", "capacity"))
        validate_backend_service_args(args, name=name)
        super().__init__(
            component_type("BackendService"),
            name,
            None,
            with_former_type("BackendService", with_tags(args.get("tags"), opts)),
        )
        value = BACKEND_SERVICE_ARGS.value
        placement = args["placement"]
        self.port = args["workload"]["port"]
        port_name = value(args, "port_name")
        self.discovery_name = value(args, "discovery_name") or name
        aliases = backend_aliases(name, args)
        self.url = backend_url(name, args)

        named: EmbeddedWorkloadArgs = {
            **args["workload"],
            "port_name": port_name,
            "app_protocol": value(args, "app_protocol"),
        }
        workload = self._embed_workload(
            name,
            named,
            vpc_id=placement["vpc_id"],
            subnet_ids=placement["subnet_ids"],
            protect_data=value(args, "protect_data"),
        )

        service_connect = aws.ecs.ServiceServiceConnectConfigurationArgs(
            enabled=True,
            namespace=args["namespace"],
            services=[
                aws.ecs.ServiceServiceConnectConfigurationServiceArgs(
                    port_name=port_name,
                    discovery_name=self.discovery_name,
                    # pulumi-aws names the list `client_alias` (ECS: clientAliases).
                    client_alias=[
                        aws.ecs.ServiceServiceConnectConfigurationServiceClientAliasArgs(
                            port=alias_port(alias, args), dns_name=alias["dns_name"]
                        )
                        for alias in aliases
                    ],
                )
            ],
            log_configuration=proxy_logs(workload.log_group_name, aws.get_region_output().region),
            access_log_configuration=aws.ecs.ServiceServiceConnectConfigurationAccessLogConfigurationArgs(
                format=value(args, "access_logs"),
                include_query_parameters="ENABLED" if value(args, "access_logs_query_parameters") else "DISABLED",
            ),
        )
        scaling = args.get("autoscaling")
        schedule = value(args, "scheduled_scaling")
        strategy = value(args, "deployment_strategy")
        deployment = cast(ServiceDeploymentArgs, initial_deployment(value(args, "deployment"), scaling))
        # A traffic-shifting strategy needs no resources of its own here: ECS registers the new revision's
        # tasks in Cloud Map as test endpoints and moves the clients' proxies over to them ("Service Connect
        # resources for Amazon ECS blue/green, linear, and canary deployments"). Only the hooks need a role.
        hooks = DEPLOYMENT_STRATEGY_ARGS.value(strategy, "lifecycle_hooks")
        role = (
            infrastructure_role(self, name, strategy, [], description="ECS runs this service's deployment hooks")
            if hooks
            else None
        )
        # The alarm selects the service by its name (Service Connect metrics carry ClusterName, ServiceName and
        # DiscoveryName) and the service names the alarm (deployment alarms): one of them needs a name known
        # before both exist. The alarm's is the project's, the stack's and the component's, unique per account
        # and region as an autoname.
        alarm_name = f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}-5xx-rate" if alarms_wanted(args) else None
        service = create_service(
            self,
            name,
            cluster_arn=args["cluster_arn"],
            workload=workload,
            placement=placement,
            deployment=deployment,
            autoscaled=scaling is not None or bool(schedule),
            providers=value(args, "capacity_providers"),
            service_connect=service_connect,
            depends_on=[role.policy] if role is not None else None,
            rollout=rollout(
                strategy, alarm_names=[alarm_name] if alarm_name else [], role_arn=role.arn if role else None
            ),
        )
        if alarm_name is not None:
            threshold = value(args, "error_rate_alarm_percent")
            error_rate_alarm(
                self,
                name,
                # Counted by the Service Connect proxy in the backend's tasks, for the requests it passes to
                # them: both revisions during a traffic shift, as they are one service.
                sources=[
                    RequestCounts(
                        namespace="AWS/ECS",
                        errors_metric="HTTPCode_Target_5XX_Count",
                        requests_metric="RequestCount",
                        dimensions={
                            "ClusterName": args["cluster_name"],
                            "ServiceName": service.name,
                            "DiscoveryName": self.discovery_name,
                        },
                    )
                ],
                threshold=threshold,
                description=f"{name}: more than {threshold}% of requests answered 5xx by the tasks",
                topic=[args["alarm_topic_arn"]] if "alarm_topic_arn" in args else None,
                alarm_name=alarm_name,
            )
        target = service_scaling_target(
            self,
            name,
            cluster_name=args["cluster_name"],
            service=service,
            deployment=deployment,
            scaling=scaling,
            schedule=schedule,
        )
        if target is not None:
            if scaling is not None:
                metrics = [
                    TrackedMetric(role_name, metric, scaling[key])  # type: ignore[literal-required]
                    for role_name, metric, key in (
                        ("cpu", "ECSServiceAverageCPUUtilization", "cpu_target_percent"),
                        ("memory", "ECSServiceAverageMemoryUtilization", "memory_target_percent"),
                    )
                    if key in scaling
                ]
                target_tracking(self, name, target, scaling=scaling, metrics=metrics)
            scheduled_actions(self, name, target, schedule)

        self.service_name = service.name
        self.cluster_name = pulumi.Output.from_input(args["cluster_name"])
        register_declared_outputs(self)

    def endpoint(self) -> ServiceConnectBackend:
        """What a client names in its `service_connect.backends` to call this backend."""
        return ServiceConnectBackend(
            name=self.discovery_name, url=self.url, port=self.port, security_group_id=self.security_group_id
        )

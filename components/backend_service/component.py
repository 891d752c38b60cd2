"""`BackendService`: an internal ECS service without a load balancer, reached by the stack's other
services through ECS Service Connect."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from typing import cast

import pulumi
import pulumi_aws as aws

from ..fargate_service import ServiceDeploymentArgs, create_service, scaling_target
from ..fargate_workload import FargateWorkloadArgs
from ..outputs import register_declared_outputs
from ..service_connect import ServiceConnectBackend, proxy_logs
from ..tags import with_tags
from ..target_tracking import TrackedMetric, initial_deployment, target_tracking
from ..workload_shape import WorkloadShape, placed_on_capacity
from .args import (
    BACKEND_SERVICE_ARGS,
    BACKEND_WORKLOAD_NAME,
    CLIENT_ALIAS_ARGS,
    BackendServiceArgs,
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
        super().__init__("ecs-workloads:backend_service:BackendService", name, None, with_tags(args.get("tags"), opts))
        value = BACKEND_SERVICE_ARGS.value
        placement = args["placement"]
        self.port = args["workload"]["port"]
        port_name = value(args, "port_name")
        self.discovery_name = value(args, "discovery_name") or name
        aliases = value(args, "client_aliases") or [{"dns_name": self.discovery_name}]
        alias_port = lambda alias: CLIENT_ALIAS_ARGS.value(alias, "port") or self.port  # noqa: E731
        self.url = f"http://{aliases[0]['dns_name']}:{alias_port(aliases[0])}"

        named: FargateWorkloadArgs = {
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
                            port=alias_port(alias), dns_name=alias["dns_name"]
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
        # Deployment strategies plug in here as in every service: through `deployment`, which
        # `create_service` turns into the service's deployment configuration.
        deployment = cast(ServiceDeploymentArgs, initial_deployment(value(args, "deployment"), scaling))
        service = create_service(
            self,
            name,
            cluster_arn=args["cluster_arn"],
            workload=workload,
            placement=placement,
            deployment=deployment,
            autoscaled=scaling is not None,
            providers=value(args, "capacity_providers"),
            service_connect=service_connect,
        )
        if scaling is not None:
            metrics = [
                TrackedMetric(role, metric, scaling[key])  # type: ignore[literal-required]
                for role, metric, key in (
                    ("cpu", "ECSServiceAverageCPUUtilization", "cpu_target_percent"),
                    ("memory", "ECSServiceAverageMemoryUtilization", "memory_target_percent"),
                )
                if key in scaling
            ]
            target = scaling_target(
                self,
                name,
                cluster_name=args["cluster_name"],
                service=service,
                min_tasks=scaling["min_tasks"],
                max_tasks=scaling["max_tasks"],
            )
            target_tracking(self, name, target, scaling=scaling, metrics=metrics)

        self.service_name = service.name
        self.cluster_name = pulumi.Output.from_input(args["cluster_name"])
        register_declared_outputs(self)

    def endpoint(self) -> ServiceConnectBackend:
        """What a client names in its `service_connect.backends` to call this backend."""
        return ServiceConnectBackend(
            name=self.discovery_name, url=self.url, port=self.port, security_group_id=self.security_group_id
        )

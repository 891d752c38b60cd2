"""`AlbWebService`: the component that puts the load balancer, target group, service, scaling and alarms
together around its embedded workload."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
from typing import cast

import pulumi
import pulumi_aws as aws

from ..auto_scaling_capacity import DYNAMIC_HOST_PORTS
from ..deployment_strategy import DEPLOYMENT_STRATEGY_ARGS, rollout, shifts_traffic
from ..fargate_service import ServiceDeploymentArgs, create_service
from ..fargate_workload import FARGATE_WORKLOAD_ARGS, EmbeddedWorkloadArgs
from ..options import child, component_type, with_former_type
from ..outputs import register_declared_outputs
from ..scheduled_scaling import scheduled_actions, service_scaling_target
from ..service_connect import admit_clients, client_configuration, client_environment
from ..tags import with_tags
from ..target_tracking import initial_deployment
from ..workload_shape import WorkloadShape, placed_on_capacity
from .alarms import alarms
from .args import (
    ALB_WEB_SERVICE_ARGS,
    ALB_WORKLOAD_NAME,
    ALTERNATE_TARGET_GROUP,
    DATABASE_ACCESS_ARGS,
    AlbWebServiceArgs,
    SharedListenerArgs,
    validate_alb_web_service_args,
)
from .listeners import own_listeners, shared_listener_routing
from .load_balancer import connect_to_tasks, own_load_balancer, shared_load_balancer
from .scaling import autoscaling
from .target_group import target_group
from .traffic_shift import TargetGroups, traffic_shift


class AlbWebService(WorkloadShape):
    """An ECS Fargate service behind an Application Load Balancer.

    The service either owns its ALB (internet-facing or internal, HTTP or HTTPS) or joins an existing
    listener with a path rule, so several services can share one load balancer (`/cats*`, `/dogs*`).
    Traffic reaches the tasks only through the ALB: the ALB admits the allowed CIDRs, the tasks admit
    only the ALB's security group.
    """

    WORKLOAD_NAME = ALB_WORKLOAD_NAME
    FAMILY = "{name}"

    url: pulumi.Output[str]
    """Base URL without path: `https://<domain_name>`, else `http(s)://<ALB DNS name>`, or the shared
    listener's `url`."""
    load_balancer_dns_name: pulumi.Output[str]
    """DNS name of the load balancer."""
    load_balancer_arn: pulumi.Output[str]
    """ARN of the load balancer."""
    load_balancer_arn_suffix: pulumi.Output[str]
    """`app/<name>/<id>`, the load balancer's CloudWatch dimension."""
    listener_arns: pulumi.Output[dict[str, str]]
    """ARNs of the listeners this component created, by protocol (`http`, `https`); none on a shared one."""
    target_group_arn: pulumi.Output[str]
    """ARN of the target group of the tasks."""
    target_group_arn_suffix: pulumi.Output[str]
    """`targetgroup/<name>/<id>`, the target group's CloudWatch dimension."""
    service_name: pulumi.Output[str]
    """Name of the ECS service."""
    cluster_name: pulumi.Output[str]
    """Name of the ECS cluster the service runs in."""
    alb_security_group_id: pulumi.Output[str]
    """Security group of the load balancer."""
    service_security_group_id: pulumi.Output[str]
    """Security group of the tasks (the same as `security_group_id`)."""

    def __init__(self, name: str, args: AlbWebServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args = placed_on_capacity(args, ("deployment", "capacity"))
        validate_alb_web_service_args(args, name=name)
        super().__init__(
            component_type("AlbWebService"),
            name,
            None,
            with_former_type("AlbWebService", with_tags(args.get("tags"), opts)),
        )
        value = ALB_WEB_SERVICE_ARGS.value
        placement = args["placement"]
        port = args["workload"]["port"]
        client = args.get("service_connect")
        calling: EmbeddedWorkloadArgs = {
            **args["workload"],
            "environment": {
                **FARGATE_WORKLOAD_ARGS.value(args["workload"], "environment"),
                **client_environment(client),
            },
        }
        workload = self._embed_workload(
            name,
            calling,
            vpc_id=placement["vpc_id"],
            subnet_ids=placement["subnet_ids"],
            protect_data=value(args, "protect_data"),
        )
        tasks_sg = workload.security_group_id

        shared = args.get("shared_listener")
        lb = shared_load_balancer(shared) if shared is not None else own_load_balancer(self, name, args)
        providers = value(args, "capacity_providers")
        bridge = workload.network_mode == "bridge"
        if bridge:
            # Tasks share their instance's network: the ALB reaches them on host ports, through the
            # security group of each provider's instances.
            host_port = args["workload"].get("host_port")
            ports = (host_port, host_port) if host_port else DYNAMIC_HOST_PORTS
            for entry in value(args, "deployment")["capacity"]["providers"]:
                facts = providers[entry["name"]]
                connect_to_tasks(self, name, lb, facts["security_group_id"], ports, role=f"instances-{entry['name']}")
        else:
            connect_to_tasks(self, name, lb, tasks_sg, (port, port))

        strategy = value(args, "deployment_strategy")
        target_type = "instance" if bridge else "ip"
        group = target_group(self, name, args, port, target_type=target_type)
        groups = TargetGroups(
            group,
            target_group(self, name, args, port, target_type=target_type, suffix=ALTERNATE_TARGET_GROUP)
            if shifts_traffic(strategy)
            else None,
        )
        routing = (
            shared_listener_routing(self, name, args, groups)
            if shared is not None
            else own_listeners(self, name, args, lb, groups)
        )
        self._routing_listener_arn = routing.forwarding_listener_arn

        for index, access in enumerate(value(args, "database_access")):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-db-access-{index}",
                security_group_id=access["security_group_id"],
                referenced_security_group_id=tasks_sg,
                ip_protocol="tcp",
                from_port=access["port"],
                to_port=access["port"],
                description=DATABASE_ACCESS_ARGS.value(access, "description") or f"From {name} tasks",
                opts=child(self),
            )

        admit_clients(self, name, client, tasks_sg)

        scaling = args.get("autoscaling")
        schedule = value(args, "scheduled_scaling")
        deployment = cast(ServiceDeploymentArgs, initial_deployment(value(args, "deployment"), scaling))
        alarm_names = (
            alarms(self, name, args, lb.arn_suffix, groups.all)
            if "alarm_topic_arn" in args or DEPLOYMENT_STRATEGY_ARGS.value(strategy, "rollback_on_alarm")
            else []
        )
        advanced = None
        role_arn = None
        ready = list(routing.ready)
        if groups.alternate is not None:
            assert routing.production_rule is not None
            shift = traffic_shift(
                self,
                name,
                strategy,
                groups,
                routing.forwarding_listener_arn,
                routing.production_rule,
                routing.test_rule,
            )
            advanced, role_arn = shift.advanced_configuration, shift.role.arn
            ready.append(shift.role.policy)
        service = create_service(
            self,
            name,
            cluster_arn=args["cluster_arn"],
            workload=workload,
            placement=placement,
            deployment=deployment,
            autoscaled=scaling is not None or bool(schedule),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=group.arn,
                    container_name=workload.container_name,
                    container_port=port,
                    advanced_configuration=advanced,
                )
            ],
            health_check_grace_period_seconds=value(args, "health_check_grace_period_seconds"),
            depends_on=ready,
            providers=providers,
            rollout=rollout(strategy, alarm_names=alarm_names, role_arn=role_arn),
            service_connect=(
                client_configuration(client, workload.log_group_name, aws.get_region_output().region)
                if client is not None
                else None
            ),
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
                autoscaling(self, name, target, scaling=scaling, lb_arn_suffix=lb.arn_suffix, target_group=group)
            scheduled_actions(self, name, target, schedule)

        self.url = pulumi.Output.from_input(lb.url)
        self.load_balancer_dns_name = pulumi.Output.from_input(lb.dns_name)
        self.load_balancer_arn = pulumi.Output.from_input(lb.arn)
        self.load_balancer_arn_suffix = pulumi.Output.from_input(lb.arn_suffix)
        # from_input resolves a mapping of Outputs into one Output of the mapping; its stub types only plain values.
        self.listener_arns = pulumi.Output.from_input(routing.listener_arns)  # type: ignore[arg-type]
        self.target_group_arn = group.arn
        self.target_group_arn_suffix = group.arn_suffix
        self.service_name = service.name
        self.cluster_name = pulumi.Output.from_input(args["cluster_name"])
        self.alb_security_group_id = pulumi.Output.from_input(lb.security_group_id)
        self.service_security_group_id = tasks_sg
        register_declared_outputs(self)

    def shared_listener(self) -> SharedListenerArgs:
        """What another `AlbWebService` needs to join this service's load balancer with a path rule."""
        return SharedListenerArgs(
            listener_arn=self._routing_listener_arn,
            load_balancer_arn=self.load_balancer_arn,
            load_balancer_arn_suffix=self.load_balancer_arn_suffix,
            load_balancer_dns_name=self.load_balancer_dns_name,
            load_balancer_security_group_id=self.alb_security_group_id,
            url=self.url,
        )

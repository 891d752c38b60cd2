"""A web service: a `FargateWorkload` run as an ECS service behind an Application Load Balancer.

The service either owns its ALB (internet-facing or internal, HTTP or HTTPS) or joins an existing
listener with a path rule, so several services can share one load balancer (`/cats*`, `/dogs*`).
Traffic reaches the tasks only through the ALB: the ALB admits the allowed CIDRs, the tasks admit
only the ALB's security group.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .alarm_topic import validate_topic_arn
from .fargate_service import ServiceDeploymentArgs, create_service, scaling_target, validate_deployment
from .fargate_workload import FargateWorkload, FargateWorkloadArgs, validate_workload_args
from .network import PLACEMENT_VPC, WorkloadPlacement, validate_placement
from .options import child
from .validation import ArgumentProblems, is_id_list, is_int_in, is_known

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")
DOMAIN_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,32}$")
_MATCHER = re.compile(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")
# A listener rule holds at most five condition values.
_MAX_PATH_PATTERNS = 5
_OWN_ALB_ONLY = (
    "load_balancer_subnet_ids",
    "internal",
    "certificate_arn",
    "domain_name",
    "hosted_zone_id",
    "allowed_cidrs",
    "idle_timeout",
    "access_logs_bucket",
    "access_logs_prefix",
)


class SharedListenerArgs(TypedDict):
    """An existing ALB listener to join with a path rule; `AlbWebService.shared_listener()` returns one."""

    listener_arn: pulumi.Input[str]
    """The listener that forwards requests (the HTTPS one when the ALB has TLS). Required."""
    load_balancer_arn: pulumi.Input[str]
    """ARN of the load balancer. Required."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """`app/<name>/<id>`, the CloudWatch dimension and autoscaling label part. Required."""
    load_balancer_dns_name: pulumi.Input[str]
    """DNS name of the load balancer. Required."""
    load_balancer_security_group_id: pulumi.Input[str]
    """Security group of the load balancer; it gets an egress rule to this service's tasks. Required."""
    url: pulumi.Input[str]
    """Base URL clients use for the load balancer, e.g. `https://example.com`. Required."""


class DatabaseAccessArgs(TypedDict, total=False):
    """A database (or any server) security group that should admit this service's tasks."""

    security_group_id: Required[pulumi.Input[str]]
    """The database's security group; an ingress rule is added to it. Required."""
    port: Required[int]
    """TCP port of the database, e.g. 5432 or 3306. Required."""
    description: str
    """Description of the ingress rule. Default `From <name> tasks`."""


class WebAutoscalingArgs(TypedDict, total=False):
    """Target-tracking autoscaling of the task count. Give at least one target."""

    min_tasks: Required[int]
    """Fewest tasks, 1 to 1000 (target tracking cannot start from zero tasks: no metric). Required."""
    max_tasks: Required[int]
    """Most tasks, `min_tasks` to 1000. Required."""
    cpu_target_percent: float
    """Keep average service CPU near this percentage, above 0 up to 100. Default: no CPU target."""
    requests_per_target: int
    """Keep ALB requests per task per minute near this number, 1 to 1000000. Default: no request target."""
    scale_in_cooldown: int
    """Seconds after a scale-in before another, 0 to 3600. Default 300."""
    scale_out_cooldown: int
    """Seconds after a scale-out before another, 0 to 3600. Default 60."""


class AlbWebServiceArgs(TypedDict, total=False):
    """Arguments of `AlbWebService`."""

    cluster_name: Required[pulumi.Input[str]]
    """Name of the ECS cluster (autoscaling resource id). Required."""
    cluster_arn: Required[pulumi.Input[str]]
    """ARN of the ECS cluster. Required."""
    placement: Required[WorkloadPlacement]
    """VPC, task subnets and whether tasks get a public IP. Required."""
    workload: Required[FargateWorkloadArgs]
    """The container (FargateWorkloadArgs without `vpc_id`, which comes from `placement`); `port` is
    required. Required."""
    deployment: ServiceDeploymentArgs
    """Task count, capacity, rollout bounds, ECS Exec. Default: 1 on-demand task (`autoscaling.min_tasks`
    when autoscaling), 100/200 %."""
    load_balancer_subnet_ids: pulumi.Input[list[str]]
    """Subnets of the ALB, in at least two AZs: public subnets for an internet-facing ALB, workload
    subnets for an internal one. Required unless `shared_listener`."""
    internal: bool
    """Create an internal ALB instead of an internet-facing one. Default false."""
    shared_listener: SharedListenerArgs
    """Join this existing listener with a path rule instead of creating an ALB. Default: own ALB."""
    path_patterns: list[str]
    """Route only these paths (e.g. `["/cats*"]`, up to 5) to the service; on an own ALB everything else
    gets a 404. Required with `shared_listener`. Default: all paths."""
    priority: int
    """Priority of the path rule, 1 to 50000, unique per listener (lower wins). Required with
    `shared_listener`; default 100 on an own ALB."""
    certificate_arn: pulumi.Input[str]
    """ACM certificate for HTTPS on 443; port 80 then redirects. Default: HTTP only (unless `domain_name`)."""
    domain_name: str
    """Domain for the service: a DNS-validated ACM certificate and an alias record are created in
    `hosted_zone_id`, and HTTPS is served. Default none."""
    hosted_zone_id: pulumi.Input[str]
    """Route 53 hosted zone of `domain_name`. Required with `domain_name`."""
    allowed_cidrs: list[str]
    """IPv4/IPv6 CIDR blocks that may reach the ALB on 80 (and 443). Default `["0.0.0.0/0"]` for an
    internet-facing ALB; required for an internal one."""
    idle_timeout: int
    """Seconds an idle connection is kept, 1 to 4000. Default 60."""
    access_logs_bucket: pulumi.Input[str]
    """S3 bucket (with a policy that lets ELB log delivery write) for ALB access logs. Default: off."""
    access_logs_prefix: str
    """Key prefix of the access logs. Default: the bucket root."""
    health_check_path: str
    """Path the ALB probes on each task. Default `/`."""
    health_check_matcher: str
    """HTTP codes that count as healthy, e.g. `200` or `200-399`. Default `200-399`."""
    health_check_interval: int
    """Seconds between probes, 5 to 300. Default 10."""
    healthy_threshold: int
    """Consecutive successes before a task receives traffic, 2 to 10. Default 2."""
    unhealthy_threshold: int
    """Consecutive failures before a task is taken out, 2 to 10. Default 3."""
    health_check_timeout: int
    """Seconds before a probe fails, 2 to 120, less than the interval. Default 5."""
    deregistration_delay: int
    """Seconds in-flight requests may finish on a stopping task, 0 to 3600. Default 30."""
    stickiness_duration: int
    """When given, `lb_cookie` stickiness for this many seconds, 1 to 604800. Default: off."""
    health_check_grace_period_seconds: int
    """Seconds ECS ignores failing ALB health checks of a new task, 0 to 2147483647. Default 30."""
    database_access: list[DatabaseAccessArgs]
    """Security groups (e.g. an RDS database's) that admit this service's tasks. Default none."""
    autoscaling: WebAutoscalingArgs
    """Target-tracking autoscaling. Default: fixed `deployment.desired_count`."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic for the 5xx-rate and unhealthy-task alarms. Default: no alarms."""
    error_rate_alarm_percent: float
    """Alarm when target 5xx responses exceed this percentage of requests, above 0 up to 100. Default 5."""
    protect_data: bool
    """ALB deletion protection; also protects the workload's log group and repository. Default false."""


class AlbWebService(pulumi.ComponentResource):
    """An ECS Fargate service behind an Application Load Balancer.

    Outputs: `url` (base URL without path: `https://<domain_name>`, else `http(s)://<ALB DNS name>`, or the
    shared listener's `url`), `load_balancer_dns_name`, `load_balancer_arn`, `load_balancer_arn_suffix`,
    `listener_arns` (`http`/`https`, the listeners this component created), `target_group_arn`,
    `target_group_arn_suffix`, `service_name`, `cluster_name`, `alb_security_group_id`,
    `service_security_group_id`, `log_group_name`, `task_role_name`, and `workload`.
    """

    url: pulumi.Output[str]
    load_balancer_dns_name: pulumi.Output[str]
    load_balancer_arn: pulumi.Output[str]
    load_balancer_arn_suffix: pulumi.Output[str]
    listener_arns: dict[str, pulumi.Output[str]]
    target_group_arn: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    service_name: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    alb_security_group_id: pulumi.Output[str]
    service_security_group_id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    task_role_name: pulumi.Output[str]
    workload: FargateWorkload

    def __init__(self, name: str, args: AlbWebServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        validate_alb_web_service_args(args)
        super().__init__("ecs-workloads:alb_web_service:AlbWebService", name, None, opts)
        self._name = name
        protect = args.get("protect_data", False)
        placement = args["placement"]
        port = args["workload"]["port"]

        self.workload = FargateWorkload(
            name,
            {"protect_data": protect, **args["workload"], "vpc_id": placement["vpc_id"]},
            opts=child(self),
        )
        tasks_sg = self.workload.security_group_id

        shared = args.get("shared_listener")
        lb = _SharedLoadBalancer(shared) if shared is not None else self._own_load_balancer(args)
        self.alb_security_group_id = pulumi.Output.from_input(lb.security_group_id)

        # The ALB talks to the tasks on the container port only, and the tasks hear only the ALB.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-to-tasks",
            security_group_id=lb.security_group_id,
            referenced_security_group_id=tasks_sg,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"To {name} tasks",
            opts=child(self),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-tasks-from-alb",
            security_group_id=tasks_sg,
            referenced_security_group_id=lb.security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description="From the load balancer only",
            opts=child(self),
        )

        target_group = self._target_group(args, placement, port)
        routing: list[pulumi.Resource]
        if shared is not None:
            self.listener_arns = {}
            routing_listener_arn = pulumi.Output.from_input(shared["listener_arn"])
            routing = [self._path_rule(args, routing_listener_arn, target_group)]
            self.url = pulumi.Output.from_input(shared["url"])
        else:
            self.listener_arns, routing_listener_arn, routing = self._listeners(args, lb, target_group)
            self.url = lb.url
        self._routing_listener_arn = routing_listener_arn

        for index, access in enumerate(args.get("database_access", [])):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-db-access-{index}",
                security_group_id=access["security_group_id"],
                referenced_security_group_id=tasks_sg,
                ip_protocol="tcp",
                from_port=access["port"],
                to_port=access["port"],
                description=access.get("description", f"From {name} tasks"),
                opts=child(self),
            )

        autoscaling = args.get("autoscaling")
        deployment = dict(args.get("deployment", {}))
        if autoscaling is not None:
            deployment.setdefault("desired_count", autoscaling["min_tasks"])
        service = create_service(
            self,
            name,
            cluster_arn=args["cluster_arn"],
            workload=self.workload,
            placement=placement,
            deployment=deployment,
            autoscaled=autoscaling is not None,
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=target_group.arn,
                    container_name=self.workload.container_name,
                    container_port=port,
                )
            ],
            health_check_grace_period_seconds=args.get("health_check_grace_period_seconds", 30),
            # ECS refuses a target group that no listener uses yet.
            depends_on=routing,
        )
        if autoscaling is not None:
            self._autoscaling(args["cluster_name"], service, autoscaling, lb.arn_suffix, target_group)
        if "alarm_topic_arn" in args:
            self._alarms(args, lb.arn_suffix, target_group)

        self.load_balancer_dns_name = pulumi.Output.from_input(lb.dns_name)
        self.load_balancer_arn = pulumi.Output.from_input(lb.arn)
        self.load_balancer_arn_suffix = pulumi.Output.from_input(lb.arn_suffix)
        self.target_group_arn = target_group.arn
        self.target_group_arn_suffix = target_group.arn_suffix
        self.service_name = service.name
        self.cluster_name = pulumi.Output.from_input(args["cluster_name"])
        self.service_security_group_id = tasks_sg
        self.log_group_name = self.workload.log_group_name
        self.task_role_name = self.workload.task_role_name
        self.register_outputs(
            {
                "url": self.url,
                "load_balancer_dns_name": self.load_balancer_dns_name,
                "load_balancer_arn": self.load_balancer_arn,
                "load_balancer_arn_suffix": self.load_balancer_arn_suffix,
                "listener_arns": self.listener_arns,
                "target_group_arn": self.target_group_arn,
                "service_name": self.service_name,
                "cluster_name": self.cluster_name,
                "alb_security_group_id": self.alb_security_group_id,
                "service_security_group_id": self.service_security_group_id,
                "log_group_name": self.log_group_name,
                "task_role_name": self.task_role_name,
            }
        )

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

    def _own_load_balancer(self, args: AlbWebServiceArgs) -> _OwnLoadBalancer:
        name = self._name
        internal = args.get("internal", False)
        https = _wants_https(args)
        security_group = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            description=f"Load balancer of {name}",
            vpc_id=args["placement"]["vpc_id"],
            opts=child(self),
        )
        ports = (80, 443) if https else (80,)
        cidrs = args.get("allowed_cidrs", ["0.0.0.0/0"])
        for port in ports:
            for cidr in cidrs:
                network = ipaddress.ip_network(cidr)
                family = "cidr_ipv4" if network.version == 4 else "cidr_ipv6"
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-alb-in-{port}-{_slug(network)}",
                    security_group_id=security_group.id,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    description=f"Clients from {cidr}",
                    opts=child(self),
                    **{family: cidr},
                )
        access_logs = None
        if "access_logs_bucket" in args:
            access_logs = aws.lb.LoadBalancerAccessLogsArgs(
                bucket=args["access_logs_bucket"], prefix=args.get("access_logs_prefix"), enabled=True
            )
        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=internal,
            subnets=args["load_balancer_subnet_ids"],
            security_groups=[security_group.id],
            drop_invalid_header_fields=True,
            idle_timeout=args.get("idle_timeout", 60),
            enable_deletion_protection=args.get("protect_data", False),
            access_logs=access_logs,
            opts=child(self),
        )
        domain = args.get("domain_name")
        if domain is not None:
            url = pulumi.Output.from_input(f"https://{domain}")
        else:
            url = pulumi.Output.concat("https://" if https else "http://", alb.dns_name)
        return _OwnLoadBalancer(alb, security_group.id, url)

    def _target_group(self, args: AlbWebServiceArgs, placement: WorkloadPlacement, port: int) -> aws.lb.TargetGroup:
        stickiness = None
        if "stickiness_duration" in args:
            stickiness = aws.lb.TargetGroupStickinessArgs(
                type="lb_cookie", cookie_duration=args["stickiness_duration"], enabled=True
            )
        return aws.lb.TargetGroup(
            f"{self._name}-tg",
            target_type="ip",
            port=port,
            protocol="HTTP",
            vpc_id=placement["vpc_id"],
            deregistration_delay=args.get("deregistration_delay", 30),
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                path=args.get("health_check_path", "/"),
                matcher=args.get("health_check_matcher", "200-399"),
                interval=args.get("health_check_interval", 10),
                healthy_threshold=args.get("healthy_threshold", 2),
                unhealthy_threshold=args.get("unhealthy_threshold", 3),
                timeout=args.get("health_check_timeout", 5),
                protocol="HTTP",
                port="traffic-port",
            ),
            stickiness=stickiness,
            opts=child(self),
        )

    def _listeners(
        self, args: AlbWebServiceArgs, lb: _OwnLoadBalancer, target_group: aws.lb.TargetGroup
    ) -> tuple[dict[str, pulumi.Output[str]], pulumi.Output[str], list[pulumi.Resource]]:
        """Creates the listeners; returns their ARNs, the one that routes to the service, and what the
        service waits for."""
        name = self._name
        if "path_patterns" in args:
            # Paths of other services (or none) answer 404 instead of reaching this one.
            routed = aws.lb.ListenerDefaultActionArgs(
                type="fixed-response",
                fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                    content_type="text/plain", message_body="Not found", status_code="404"
                ),
            )
        else:
            routed = aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)

        certificate_arn = self._certificate(args, lb) if _wants_https(args) else None
        if certificate_arn is None:
            http = aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=lb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[routed],
                opts=child(self),
            )
            arns = {"http": http.arn}
            forwarding = http
            created: list[pulumi.Resource] = [http]
        else:
            https = aws.lb.Listener(
                f"{name}-https",
                load_balancer_arn=lb.arn,
                port=443,
                protocol="HTTPS",
                ssl_policy=TLS_POLICY,
                certificate_arn=certificate_arn,
                default_actions=[routed],
                opts=child(self),
            )
            http = aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=lb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[
                    aws.lb.ListenerDefaultActionArgs(
                        type="redirect",
                        redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                            protocol="HTTPS", port="443", status_code="HTTP_301"
                        ),
                    )
                ],
                opts=child(self),
            )
            arns = {"http": http.arn, "https": https.arn}
            forwarding = https
            created = [https, http]
        if "path_patterns" in args:
            created.append(self._path_rule(args, forwarding.arn, target_group))
        return arns, forwarding.arn, created

    def _certificate(self, args: AlbWebServiceArgs, lb: _OwnLoadBalancer) -> pulumi.Output[str]:
        if "certificate_arn" in args:
            return pulumi.Output.from_input(args["certificate_arn"])
        name, domain, zone = self._name, args["domain_name"], args["hosted_zone_id"]
        certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=domain,
            validation_method="DNS",
            opts=child(self),
        )
        # One domain without alternative names has exactly one validation record.
        option = certificate.domain_validation_options[0]
        record = aws.route53.Record(
            f"{name}-certificate-validation-record",
            zone_id=zone,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=300,
            # A certificate re-created for the same domain gets the same CNAME.
            allow_overwrite=True,
            opts=child(self),
        )
        validation = aws.acm.CertificateValidation(
            f"{name}-certificate-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
            opts=child(self),
        )
        aws.route53.Record(
            f"{name}-alias",
            zone_id=zone,
            name=domain,
            type="A",
            aliases=[aws.route53.RecordAliasArgs(name=lb.dns_name, zone_id=lb.zone_id, evaluate_target_health=True)],
            opts=child(self),
        )
        # The listener takes the ARN from the validation, so it waits until the certificate is issued.
        return validation.certificate_arn

    def _path_rule(
        self, args: AlbWebServiceArgs, listener_arn: pulumi.Input[str], target_group: aws.lb.TargetGroup
    ) -> aws.lb.ListenerRule:
        return aws.lb.ListenerRule(
            f"{self._name}-rule",
            listener_arn=listener_arn,
            priority=args.get("priority", 100),
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=args["path_patterns"])
                )
            ],
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=target_group.arn)],
            opts=child(self),
        )

    def _autoscaling(
        self,
        cluster_name: pulumi.Input[str],
        service: aws.ecs.Service,
        autoscaling: WebAutoscalingArgs,
        lb_arn_suffix: pulumi.Input[str],
        target_group: aws.lb.TargetGroup,
    ) -> None:
        name = self._name
        target = scaling_target(
            self,
            name,
            cluster_name=cluster_name,
            service=service,
            min_tasks=autoscaling["min_tasks"],
            max_tasks=autoscaling["max_tasks"],
        )
        metrics: list[tuple[str, str, float, pulumi.Input[str] | None]] = []
        if "cpu_target_percent" in autoscaling:
            metrics.append(("cpu", "ECSServiceAverageCPUUtilization", autoscaling["cpu_target_percent"], None))
        if "requests_per_target" in autoscaling:
            label = pulumi.Output.concat(lb_arn_suffix, "/", target_group.arn_suffix)
            metrics.append(("requests", "ALBRequestCountPerTarget", autoscaling["requests_per_target"], label))
        for role, metric, value, label in metrics:
            aws.appautoscaling.Policy(
                f"{name}-scale-{role}",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=value,
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type=metric, resource_label=label
                    ),
                    scale_in_cooldown=autoscaling.get("scale_in_cooldown", 300),
                    scale_out_cooldown=autoscaling.get("scale_out_cooldown", 60),
                ),
                opts=child(self),
            )

    def _alarms(self, args: AlbWebServiceArgs, lb_arn_suffix: pulumi.Input[str], target_group: aws.lb.TargetGroup):
        name = self._name
        topic = [args["alarm_topic_arn"]]
        dimensions = {"TargetGroup": target_group.arn_suffix, "LoadBalancer": lb_arn_suffix}
        threshold = args.get("error_rate_alarm_percent", 5)

        def metric(query_id: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query_id,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="AWS/ApplicationELB",
                    metric_name=metric_name,
                    dimensions=dimensions,
                    stat="Sum",
                    period=60,
                ),
            )

        aws.cloudwatch.MetricAlarm(
            f"{name}-5xx-rate",
            alarm_description=f"{name}: more than {threshold}% of requests answered 5xx by the tasks",
            metric_queries=[
                metric("errors", "HTTPCode_Target_5XX_Count"),
                metric("requests", "RequestCount"),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="rate",
                    # The ALB publishes no 5xx datapoint for a minute without errors; FILL makes that 0 %.
                    expression="100 * FILL(errors, 0) / requests",
                    label="Target 5xx %",
                    return_data=True,
                ),
            ],
            comparison_operator="GreaterThanThreshold",
            threshold=threshold,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            alarm_actions=topic,
            ok_actions=topic,
            opts=child(self),
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-unhealthy-tasks",
            alarm_description=f"{name}: tasks failing the load balancer health check",
            namespace="AWS/ApplicationELB",
            metric_name="UnHealthyHostCount",
            dimensions=dimensions,
            statistic="Maximum",
            period=60,
            evaluation_periods=3,
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            treat_missing_data="notBreaching",
            alarm_actions=topic,
            ok_actions=topic,
            opts=child(self),
        )


class _OwnLoadBalancer:
    def __init__(self, alb: aws.lb.LoadBalancer, security_group_id: pulumi.Output[str], url: pulumi.Output[str]):
        self.arn = alb.arn
        self.arn_suffix = alb.arn_suffix
        self.dns_name = alb.dns_name
        self.zone_id = alb.zone_id
        self.security_group_id = security_group_id
        self.url = url


class _SharedLoadBalancer:
    def __init__(self, shared: SharedListenerArgs):
        self.arn = shared["load_balancer_arn"]
        self.arn_suffix = shared["load_balancer_arn_suffix"]
        self.dns_name = shared["load_balancer_dns_name"]
        self.security_group_id = shared["load_balancer_security_group_id"]


def _wants_https(args: AlbWebServiceArgs) -> bool:
    return "certificate_arn" in args or "domain_name" in args


def _slug(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """A resource-name part per CIDR, so adding or removing one CIDR leaves the other rules alone."""
    text = re.sub(r"[^0-9a-f]+", "-", str(network).lower()).strip("-")
    return f"v{network.version}-{text}"


def _is_number(value: Any, low: float, high: float) -> bool:
    """Within (low, high]."""
    return isinstance(value, int | float) and not isinstance(value, bool) and low < value <= high


def validate_alb_web_service_args(args: AlbWebServiceArgs) -> None:
    """Raises one ValueError listing every problem in `args`."""
    problems = ArgumentProblems("AlbWebService")
    given = problems.mapping("", args, AlbWebServiceArgs)
    if given is None:
        problems.raise_if_any()
    args = given
    for key in ("cluster_name", "cluster_arn", "workload"):
        problems.check(args.get(key) is not None, key, args.get(key), "required")
    validate_placement(problems, "placement", args.get("placement"))

    workload = args.get("workload")
    if workload is not None and problems.mapping("workload", workload) is not None:
        problems.check("vpc_id" not in workload, "workload.vpc_id", workload.get("vpc_id"), "comes from placement")
        problems.check("port" in workload, "workload.port", None, "the container port the ALB forwards to (required)")
        # The placement VPC is checked (once) under placement.
        validate_workload_args({**workload, "vpc_id": PLACEMENT_VPC}, problems, "workload.")
    deployment = validate_deployment(problems, "deployment.", args.get("deployment", {}))

    _validate_load_balancer(problems, args)
    _validate_target_group(problems, args)
    _validate_database_access(problems, args.get("database_access", []))
    _validate_autoscaling(problems, args, deployment)
    validate_topic_arn(problems, "alarm_topic_arn", args.get("alarm_topic_arn"))
    if "error_rate_alarm_percent" in args:
        value = args["error_rate_alarm_percent"]
        problems.check(_is_number(value, 0, 100), "error_rate_alarm_percent", value, "a number above 0 up to 100")
    for flag in ("internal", "protect_data"):
        if flag in args:
            problems.check(isinstance(args[flag], bool), flag, args[flag], "true or false")
    problems.raise_if_any()


def _validate_load_balancer(problems: ArgumentProblems, args: AlbWebServiceArgs) -> None:
    shared = args.get("shared_listener")
    if shared is not None:
        shared = problems.mapping("shared_listener", shared, SharedListenerArgs)
        for key in SharedListenerArgs.__annotations__ if shared is not None else ():
            problems.check(shared.get(key) is not None, f"shared_listener.{key}", shared.get(key), "required")
        for key in _OWN_ALB_ONLY:
            problems.check(
                key not in args, key, args.get(key), "belongs to the load balancer's owner; not with shared_listener"
            )
        problems.check(
            "path_patterns" in args, "path_patterns", None, "required with shared_listener (e.g. ['/cats*'])"
        )
        problems.check("priority" in args, "priority", None, "required with shared_listener: 1 to 50000, unique")
    else:
        subnets = args.get("load_balancer_subnet_ids")
        if subnets is None:
            problems.add("load_balancer_subnet_ids", None, "required unless shared_listener is given")
        else:
            problems.check(
                is_id_list(subnets, 2),
                "load_balancer_subnet_ids",
                subnets,
                "at least two subnet ids in different availability zones",
            )
        if args.get("internal", False) and "allowed_cidrs" not in args:
            problems.add("allowed_cidrs", None, "required for an internal load balancer (who may call it)")
        if "allowed_cidrs" in args:
            _validate_cidrs(problems, args["allowed_cidrs"])
        _validate_tls(problems, args)
        if "idle_timeout" in args:
            value = args["idle_timeout"]
            problems.check(is_int_in(value, 1, 4000), "idle_timeout", value, "an integer from 1 to 4000 seconds")
        if "access_logs_prefix" in args and "access_logs_bucket" not in args:
            problems.add("access_logs_prefix", args["access_logs_prefix"], "needs access_logs_bucket")

    if "path_patterns" in args:
        patterns = args["path_patterns"]
        problems.check(
            isinstance(patterns, list)
            and 1 <= len(patterns) <= _MAX_PATH_PATTERNS
            and all(isinstance(p, str) and p.startswith("/") and len(p) <= 128 for p in patterns),
            "path_patterns",
            patterns,
            f"1 to {_MAX_PATH_PATTERNS} paths starting with / (up to 128 characters; * and ? are wildcards)",
        )
    if "priority" in args:
        priority = args["priority"]
        problems.check(is_int_in(priority, 1, 50000), "priority", priority, "an integer from 1 to 50000")
        problems.check("path_patterns" in args, "priority", priority, "only with path_patterns")


def _validate_cidrs(problems: ArgumentProblems, cidrs: Any) -> None:
    if not isinstance(cidrs, list) or not cidrs:
        problems.add("allowed_cidrs", cidrs, "a non-empty list of CIDR blocks such as 203.0.113.0/24")
        return
    seen = set()
    for cidr in cidrs:
        try:
            # ip_network would read an integer as a /32 address.
            if not isinstance(cidr, str):
                raise TypeError(cidr)
            network = ipaddress.ip_network(cidr)
        except (TypeError, ValueError):
            problems.add("allowed_cidrs", cidr, "a CIDR block with no host bits set, such as 203.0.113.0/24")
            continue
        problems.check(network not in seen, "allowed_cidrs", cidr, "listed more than once")
        seen.add(network)


def _validate_tls(problems: ArgumentProblems, args: AlbWebServiceArgs) -> None:
    if "certificate_arn" in args and "domain_name" in args:
        problems.add("certificate_arn", args["certificate_arn"], "give certificate_arn or domain_name, not both")
    certificate = args.get("certificate_arn")
    if certificate is not None and is_known(certificate):
        problems.check(
            isinstance(certificate, str) and bool(CERTIFICATE_ARN.match(certificate)),
            "certificate_arn",
            certificate,
            "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
        )
    domain = args.get("domain_name")
    if domain is not None:
        problems.check(
            isinstance(domain, str) and bool(DOMAIN_NAME.match(domain)),
            "domain_name",
            domain,
            "a lower-case DNS name such as cats.example.com",
        )
        problems.check("hosted_zone_id" in args, "hosted_zone_id", None, "required with domain_name")
    zone = args.get("hosted_zone_id")
    if zone is not None:
        problems.check(domain is not None, "hosted_zone_id", zone, "only with domain_name")
        if is_known(zone):
            problems.check(
                isinstance(zone, str) and bool(HOSTED_ZONE_ID.match(zone)),
                "hosted_zone_id",
                zone,
                "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
            )


def _validate_target_group(problems: ArgumentProblems, args: AlbWebServiceArgs) -> None:
    path = args.get("health_check_path", "/")
    problems.check(
        isinstance(path, str) and path.startswith("/") and len(path) <= 1024,
        "health_check_path",
        path,
        "a path starting with /",
    )
    matcher = args.get("health_check_matcher", "200-399")
    problems.check(
        isinstance(matcher, str) and bool(_MATCHER.match(matcher)),
        "health_check_matcher",
        matcher,
        "HTTP codes such as 200, 200,204 or 200-399",
    )
    ranges = (
        ("health_check_interval", 5, 300, 10),
        ("healthy_threshold", 2, 10, 2),
        ("unhealthy_threshold", 2, 10, 3),
        ("health_check_timeout", 2, 120, 5),
        ("deregistration_delay", 0, 3600, 30),
        ("health_check_grace_period_seconds", 0, 2147483647, 30),
    )
    problems.integers(args, ranges)
    interval, timeout = args.get("health_check_interval", 10), args.get("health_check_timeout", 5)
    if is_int_in(interval, 5, 300) and is_int_in(timeout, 2, 120) and timeout >= interval:
        problems.add("health_check_timeout", timeout, f"must be less than health_check_interval ({interval})")
    if "stickiness_duration" in args:
        value = args["stickiness_duration"]
        problems.check(is_int_in(value, 1, 604800), "stickiness_duration", value, "an integer from 1 to 604800 seconds")


def _validate_database_access(problems: ArgumentProblems, entries: Any) -> None:
    if not isinstance(entries, list):
        problems.add("database_access", entries, "a list of {security_group_id, port, description}")
        return
    for index, entry in enumerate(entries):
        prefix = f"database_access[{index}]."
        entry = problems.mapping(f"database_access[{index}]", entry, DatabaseAccessArgs)
        if entry is None:
            continue
        group = entry.get("security_group_id")
        problems.check(group is not None, f"{prefix}security_group_id", group, "the database's security group id")
        problems.check(is_int_in(entry.get("port"), 1, 65535), f"{prefix}port", entry.get("port"), "a TCP port 1-65535")


def _validate_autoscaling(
    problems: ArgumentProblems, args: AlbWebServiceArgs, deployment: ServiceDeploymentArgs
) -> None:
    autoscaling = args.get("autoscaling")
    if autoscaling is None:
        return
    p = "autoscaling."
    autoscaling = problems.mapping("autoscaling", autoscaling, WebAutoscalingArgs)
    if autoscaling is None:
        return
    low, high = autoscaling.get("min_tasks"), autoscaling.get("max_tasks")
    problems.check(is_int_in(low, 1, 1000), f"{p}min_tasks", low, "an integer from 1 to 1000 (required)")
    problems.check(is_int_in(high, 1, 1000), f"{p}max_tasks", high, "an integer from 1 to 1000 (required)")
    if is_int_in(low, 1, 1000) and is_int_in(high, 1, 1000):
        problems.check(low <= high, f"{p}max_tasks", high, f"at least min_tasks ({low})")
        desired = deployment.get("desired_count")
        if is_int_in(desired, 0, 1000):
            problems.check(
                low <= desired <= high,
                "deployment.desired_count",
                desired,
                f"within autoscaling min_tasks..max_tasks ({low}..{high})",
            )
    if "cpu_target_percent" not in autoscaling and "requests_per_target" not in autoscaling:
        problems.add("autoscaling", autoscaling, "give cpu_target_percent, requests_per_target or both")
    if "cpu_target_percent" in autoscaling:
        value = autoscaling["cpu_target_percent"]
        problems.check(_is_number(value, 0, 100), f"{p}cpu_target_percent", value, "a number above 0 up to 100")
    if "requests_per_target" in autoscaling:
        value = autoscaling["requests_per_target"]
        problems.check(is_int_in(value, 1, 1_000_000), f"{p}requests_per_target", value, "an integer from 1 to 1000000")
    for key, default in (("scale_in_cooldown", 300), ("scale_out_cooldown", 60)):
        value = autoscaling.get(key, default)
        problems.check(is_int_in(value, 0, 3600), f"{p}{key}", value, "an integer from 0 to 3600 seconds")

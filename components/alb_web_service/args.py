"""What `AlbWebService` accepts: the args TypedDicts, one declaration each, and the rules across fields."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Required, TypedDict

import pulumi

from ..alarm_topic import TOPIC_ARN
from ..arguments import Arguments, Check, Flag, Identifier, Integer, Items, Nested, NestedList, Text
from ..capacity import CapacityProviderFacts
from ..deployment_strategy import (
    DEPLOYMENT_STRATEGY_ARGS,
    ROLLING,
    SHIFTING_STRATEGIES,
    DeploymentStrategyArgs,
    shifts_traffic,
)
from ..error_rate_alarm import ERROR_RATE_PERCENT
from ..fargate_service import SERVICE_DEPLOYMENT_ARGS, ServiceDeploymentArgs
from ..fargate_workload import FARGATE_WORKLOAD_NAMES, EmbeddedWorkloadArgs
from ..name_limits import (
    ALARM,
    ECS_SERVICE,
    IAM_ROLE,
    LOAD_BALANCER,
    SCALING_POLICY,
    SECURITY_GROUP,
    TARGET_GROUP,
    ComponentNames,
)
from ..network import WORKLOAD_PLACEMENT_ARGS, WorkloadPlacement
from ..scheduled_scaling import SCHEDULED_SCALING, ScheduledScalingActionArgs, scheduled_scaling_bounds
from ..service_connect import SERVICE_CONNECT_CLIENT_ARGS, ServiceConnectClientArgs, client_environment
from ..tags import TAGS
from ..target_tracking import (
    SCALE_IN_COOLDOWN,
    SCALE_OUT_COOLDOWN,
    TASK_COUNT,
    UTILIZATION_PERCENT,
    at_least_one_target,
    desired_count_within_autoscaling,
    scaling_bounds,
)
from ..validation import ArgumentProblems, cidr_networks
from ..workload_shape import CAPACITY_PROVIDERS, EMBEDDED_WORKLOAD, validate_capacity, validate_embedded_workload

CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")
DOMAIN_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,32}$")
# Matcher.HttpCode (elbv2 service model, botocore elbv2/2015-12-01): "For Application Load Balancers, you
# can specify values between 200 and 499", as a list ("200,202") or a range ("200-299").
ALB_HEALTHY_CODES = (200, 499)
_MATCHER_PART = re.compile(r"^(\d{3})(?:-(\d{3}))?$")


def _is_alb_matcher(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    low, high = ALB_HEALTHY_CODES
    for part in value.split(","):
        match = _MATCHER_PART.match(part)
        if match is None:
            return False
        first, last = int(match[1]), int(match[2] or match[1])
        if not low <= first <= last <= high:
            return False
    return True


# HttpHeaderConditionConfig.HttpHeaderName: up to 40 characters, a token of RFC 7230 (letters, digits and
# !#$%&'*+-.^_`|~); the ALB compares it without case.
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_PATH = re.compile(r"/.*")
# The test listener rule sits just before the production rule, so a request with the test header matches it
# first (ALB rules are evaluated from the lowest priority number).
TEST_RULE_OFFSET = 1
# PathPatternConditionConfig: each value up to 128 characters, `*` and `?` wildcards.
PATH_PATTERN = Text(pattern=_PATH, shape="a path starting with / (* and ? are wildcards)", max_length=128)
# HostHeaderConditionConfig.Values: up to 128 characters of A-Z, a-z, 0-9, - and ., with `*` and `?` wildcards;
# "You must include at least one "." character. You can include only alphabetical characters after the final
# "." character."
HOST_HEADER = Text(
    pattern=re.compile(r"[A-Za-z0-9*?-][A-Za-z0-9*?.-]*\.[A-Za-z]+"),
    shape="a host name such as api.example.com (* and ? are wildcards)",
    max_length=128,
)
# "Quotas for your Application Load Balancers": at most 5 condition values per rule, counted over all its
# conditions; SourceIpConditionConfig.Values: "The total number of values must be less than, or equal to five."
RULE_CONDITION_VALUES = 5
# Arguments of the load balancer itself, which only the service that owns it may set.
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
    """The listener that forwards requests (the HTTPS one when the ALB has TLS)."""
    load_balancer_arn: pulumi.Input[str]
    """ARN of the load balancer."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """`app/<name>/<id>`, the CloudWatch dimension and autoscaling label part."""
    load_balancer_dns_name: pulumi.Input[str]
    """DNS name of the load balancer."""
    load_balancer_security_group_id: pulumi.Input[str]
    """Security group of the load balancer; it gets an egress rule to this service's tasks."""
    url: pulumi.Input[str]
    """Base URL clients use for the load balancer, e.g. `https://example.com`."""


SHARED_LISTENER_ARGS = Arguments(
    SharedListenerArgs,
    {
        "listener_arn": Identifier(shape="a listener ARN"),
        "load_balancer_arn": Identifier(shape="a load balancer ARN"),
        "load_balancer_arn_suffix": Identifier(shape="an ARN suffix such as app/<name>/<id>"),
        "load_balancer_dns_name": Identifier(shape="a DNS name"),
        "load_balancer_security_group_id": Identifier(shape="a security group id"),
        "url": Identifier(shape="a URL such as https://example.com"),
    },
)


class DatabaseAccessArgs(TypedDict, total=False):
    """A database (or any server) security group that should admit this service's tasks."""

    security_group_id: Required[pulumi.Input[str]]
    """The database's security group; an ingress rule is added to it."""
    port: Required[int]
    """TCP port of the database, e.g. 5432 or 3306."""
    description: str
    """Description of the ingress rule."""


DATABASE_ACCESS_ARGS = Arguments(
    DatabaseAccessArgs,
    {
        "security_group_id": Identifier(shape="the database's security group id"),
        "port": Integer(low=1, high=65535),
        # EC2 security group rule descriptions: up to 255 characters.
        "description": Text(max_length=255, otherwise="`From <name> tasks`"),
    },
)


class WebAutoscalingArgs(TypedDict, total=False):
    """Target-tracking autoscaling of the task count. Give at least one target."""

    min_tasks: Required[int]
    """Fewest tasks (target tracking cannot start from zero tasks: there is no metric)."""
    max_tasks: Required[int]
    """Most tasks, at least `min_tasks`."""
    cpu_target_percent: float
    """Keep average service CPU near this percentage."""
    requests_per_target: int
    """Keep ALB requests per task per minute near this number."""
    scale_in_cooldown: int
    """Seconds after a scale-in before another."""
    scale_out_cooldown: int
    """Seconds after a scale-out before another."""


WEB_AUTOSCALING_ARGS = Arguments(
    WebAutoscalingArgs,
    {
        "min_tasks": TASK_COUNT,
        "max_tasks": TASK_COUNT,
        "cpu_target_percent": replace(UTILIZATION_PERCENT, otherwise="no CPU target"),
        "requests_per_target": Integer(low=1, high=1_000_000, otherwise="no request target"),
        "scale_in_cooldown": SCALE_IN_COOLDOWN,
        "scale_out_cooldown": SCALE_OUT_COOLDOWN,
    },
    rules=[scaling_bounds, at_least_one_target("cpu_target_percent", "requests_per_target")],
)


class AlbWebServiceArgs(TypedDict, total=False):
    """Arguments of `AlbWebService`."""

    cluster_name: Required[pulumi.Input[str]]
    """Name of the ECS cluster (autoscaling resource id)."""
    cluster_arn: Required[pulumi.Input[str]]
    """ARN of the ECS cluster."""
    capacity_providers: dict[str, CapacityProviderFacts]
    """The cluster's EC2 capacity providers by name (`EcsCluster.capacity_providers`), for capacity weights
    that name them."""
    placement: Required[WorkloadPlacement]
    """VPC, task subnets and whether tasks get a public IP."""
    workload: Required[EmbeddedWorkloadArgs]
    """The container: FargateWorkloadArgs without `vpc_id` (from `placement`) and `protect_data` (this
    component's own); `port` is required."""
    deployment: ServiceDeploymentArgs
    """Task count, capacity, rollout bounds, ECS Exec."""
    deployment_strategy: DeploymentStrategyArgs
    """How a new revision replaces the running one: rolling, or blue/green, canary or linear traffic shifting
    between two target groups, with alarm rollback."""
    test_traffic_header: str
    """With a traffic-shifting strategy, requests carrying this HTTP header reach the new revision before any
    production traffic does (the test listener rule, at `priority` - 1)."""
    load_balancer_subnet_ids: pulumi.Input[list[str]]
    """Subnets of the ALB, in at least two AZs: public subnets for an internet-facing ALB, workload
    subnets for an internal one."""
    internal: bool
    """Create an internal ALB instead of an internet-facing one."""
    shared_listener: SharedListenerArgs
    """Join this existing listener with a path rule instead of creating an ALB."""
    path_patterns: list[str]
    """Route only these paths (e.g. `["/cats*"]`) to the service; on an own ALB everything else gets a
    404. Required with `shared_listener`."""
    priority: int
    """Priority of the path rule, unique per listener (lower wins). Required with `shared_listener`."""
    host_header: str
    """Route only requests for this host name (the `Host` header) to the service: a host-header condition of
    its listener rule."""
    source_cidrs: list[str]
    """Route only requests from these client CIDR blocks to the service: a source-ip condition of its listener
    rule (others get the listener's 404). The load balancer's `allowed_cidrs` still decide who reaches it."""
    certificate_arn: pulumi.Input[str]
    """ACM certificate for HTTPS on 443; port 80 then redirects."""
    domain_name: str
    """Domain for the service: a DNS-validated ACM certificate and an alias record are created in
    `hosted_zone_id`, and HTTPS is served."""
    hosted_zone_id: pulumi.Input[str]
    """Route 53 hosted zone of `domain_name`. Required with `domain_name`."""
    allowed_cidrs: list[str]
    """IPv4/IPv6 CIDR blocks that may reach the ALB on 80 (and 443). Required for an internal ALB."""
    idle_timeout: int
    """Seconds an idle connection is kept."""
    access_logs_bucket: pulumi.Input[str]
    """S3 bucket (with a policy that lets ELB log delivery write) for ALB access logs."""
    access_logs_prefix: str
    """Key prefix of the access logs."""
    health_check_path: str
    """Path the ALB probes on each task."""
    health_check_matcher: str
    """HTTP codes that count as healthy, e.g. `200` or `200-399`."""
    health_check_interval: int
    """Seconds between probes."""
    healthy_threshold: int
    """Consecutive successes before a task receives traffic."""
    unhealthy_threshold: int
    """Consecutive failures before a task is taken out."""
    health_check_timeout: int
    """Seconds before a probe fails, less than the interval."""
    deregistration_delay: int
    """Seconds in-flight requests may finish on a stopping task."""
    stickiness_duration: int
    """When given, `lb_cookie` stickiness for this many seconds."""
    health_check_grace_period_seconds: int
    """Seconds ECS ignores failing ALB health checks of a new task."""
    database_access: list[DatabaseAccessArgs]
    """Security groups (e.g. an RDS database's) that admit this service's tasks."""
    service_connect: ServiceConnectClientArgs
    """Call these backends (`BackendService.endpoint()`) through ECS Service Connect: the tasks get the
    Service Connect proxy of the cluster's namespace, each backend admits them on its port, and each
    backend's URL is set as `<NAME>_URL` (e.g. PICTURE_SCORER_URL)."""
    autoscaling: WebAutoscalingArgs
    """Target-tracking autoscaling of the task count; the service starts with `min_tasks` tasks unless
    `deployment.desired_count` says otherwise."""
    scheduled_scaling: list[ScheduledScalingActionArgs]
    """Cron actions that set the task count's min and max at given times (`ScheduledScalingActionArgs`):
    within `autoscaling.min_tasks`' and `max_tasks`' bounds with autoscaling (no zero: target tracking cannot
    start from zero tasks), else within `deployment.desired_count`'s, so the service can be stopped at night."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic for the 5xx-rate and unhealthy-task alarms."""
    error_rate_alarm_percent: float
    """Alarm when target 5xx responses exceed this percentage of requests."""
    protect_data: bool
    """ALB deletion protection; also protects the workload's log group and repository."""
    tags: dict[str, str]
    """Tags of every resource the service creates (tasks get them from the task definition)."""


def _cidr_blocks(value: Any) -> bool:
    # Two spellings of one network would give two security group rules of the same name.
    networks = cidr_networks(value)
    return networks is not None and len(set(networks)) == len(networks)


# The rules across these fields are ALB_WEB_SERVICE_RULES below, not `rules=`: `Arguments` runs its rules
# only when every field passed, and this component has always named a conflict next to a wrong value.
ALB_WEB_SERVICE_ARGS = Arguments(
    AlbWebServiceArgs,
    {
        "cluster_name": Identifier(shape="an ECS cluster name"),
        "cluster_arn": Identifier(shape="an ECS cluster ARN"),
        "capacity_providers": CAPACITY_PROVIDERS,
        "placement": Nested(arguments=WORKLOAD_PLACEMENT_ARGS),
        "workload": EMBEDDED_WORKLOAD,
        "deployment": Nested(arguments=SERVICE_DEPLOYMENT_ARGS, default={}),
        "deployment_strategy": Nested(
            arguments=DEPLOYMENT_STRATEGY_ARGS, default={}, otherwise="rolling, alarm rollback"
        ),
        "test_traffic_header": Text(
            pattern=_HEADER_NAME,
            shape="an HTTP header name such as X-Test-Revision",
            max_length=40,
            otherwise="no test listener rule",
        ),
        # CreateLoadBalancer: an Application Load Balancer needs subnets in at least two Availability Zones.
        "load_balancer_subnet_ids": Items(
            item=Identifier(shape="a subnet id"), min_items=2, otherwise="required unless shared_listener"
        ),
        "internal": Flag(default=False),
        "shared_listener": Nested(arguments=SHARED_LISTENER_ARGS, otherwise="the service creates its own ALB"),
        # A rule holds at most five condition values (Elastic Load Balancing quotas).
        "path_patterns": Items(
            item=PATH_PATTERN,
            max_items=5,
            otherwise="all paths",
        ),
        # CreateRule Priority (RulePriority): 1 to 50000.
        "priority": Integer(low=1, high=50000, default=100),
        "host_header": replace(HOST_HEADER, otherwise="any host"),
        "source_cidrs": Check(
            test=lambda value: _cidr_blocks(value) and len(value) <= RULE_CONDITION_VALUES,
            says=f"a list of 1 to {RULE_CONDITION_VALUES} distinct CIDR blocks with no host bits set, such as "
            "203.0.113.0/24",
            otherwise="any client",
        ),
        "certificate_arn": Text(
            pattern=CERTIFICATE_ARN,
            shape="an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
            otherwise="HTTP only, unless domain_name",
        ),
        "domain_name": Text(pattern=DOMAIN_NAME, shape="a lower-case DNS name such as cats.example.com"),
        "hosted_zone_id": Text(pattern=HOSTED_ZONE_ID, shape="a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ"),
        "allowed_cidrs": Check(
            default=["0.0.0.0/0"],
            test=_cidr_blocks,
            says="a non-empty list of distinct CIDR blocks with no host bits set, such as 203.0.113.0/24",
        ),
        # LoadBalancerAttribute idle_timeout.timeout_seconds: 1 to 4000.
        "idle_timeout": Integer(low=1, high=4000, default=60),
        "access_logs_bucket": Identifier(shape="an S3 bucket name", otherwise="no access logs"),
        "access_logs_prefix": Text(otherwise="the bucket root"),
        # elbv2 model: Path 1 to 1024 characters.
        "health_check_path": Text(pattern=_PATH, shape="a path starting with /", max_length=1024, default="/"),
        "health_check_matcher": Check(
            test=_is_alb_matcher,
            says=f"HTTP codes from {ALB_HEALTHY_CODES[0]} to {ALB_HEALTHY_CODES[1]} such as 200, 200,204 or 200-399, "
            "ranges low-high",
            default="200-399",
        ),
        # elbv2 model: HealthCheckIntervalSeconds 5-300, HealthCheckThresholdCount 2-10,
        # HealthCheckTimeoutSeconds 2-120.
        "health_check_interval": Integer(low=5, high=300, default=10),
        "healthy_threshold": Integer(low=2, high=10, default=2),
        "unhealthy_threshold": Integer(low=2, high=10, default=3),
        "health_check_timeout": Integer(low=2, high=120, default=5),
        # Target group attributes: deregistration_delay.timeout_seconds 0-3600,
        # stickiness.lb_cookie.duration_seconds 1-604800.
        "deregistration_delay": Integer(low=0, high=3600, default=30),
        "stickiness_duration": Integer(low=1, high=604800, otherwise="no stickiness"),
        # ecs CreateService healthCheckGracePeriodSeconds: up to 2147483647.
        "health_check_grace_period_seconds": Integer(low=0, high=2_147_483_647, default=30),
        "database_access": NestedList(arguments=DATABASE_ACCESS_ARGS, default=[]),
        "service_connect": Nested(arguments=SERVICE_CONNECT_CLIENT_ARGS, otherwise="no Service Connect"),
        "autoscaling": Nested(arguments=WEB_AUTOSCALING_ARGS, otherwise="fixed deployment.desired_count"),
        "scheduled_scaling": SCHEDULED_SCALING,
        "alarm_topic_arn": replace(TOPIC_ARN, otherwise="no alarms"),
        "error_rate_alarm_percent": ERROR_RATE_PERCENT,
        "protect_data": Flag(default=False),
        "tags": TAGS,
    },
)


# Rules across fields. They run on every call, also when some field is wrong (so one error names every
# problem), and read a value only when its own spec accepts it; absent fields they do not concern leave
# them silent, so a caller that builds only some of the fields (stack settings) can run the ones it shares.


def _valid(arguments: Arguments, args: Mapping[str, Any], name: str) -> bool:
    return name in args and arguments[name].problem(args[name]) is None


def _load_balancer_owner(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """With `shared_listener` the load balancer is another service's; without, this one needs subnets."""
    if "shared_listener" not in args:
        if "load_balancer_subnet_ids" not in args:
            problems.add(f"{prefix}load_balancer_subnet_ids", None, "required unless shared_listener is given")
        return
    for key in _OWN_ALB_ONLY:
        if key in args:
            problems.add(f"{prefix}{key}", args[key], "belongs to the load balancer's owner; not with shared_listener")
    if "path_patterns" not in args:
        problems.add(f"{prefix}path_patterns", None, "required with shared_listener (e.g. ['/cats*'])")
    if "priority" not in args:
        problems.add(f"{prefix}priority", None, "required with shared_listener, unique per listener")


def own_load_balancer_inputs(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """An own internal load balancer names who may call it; access logs' prefix needs their bucket."""
    if "shared_listener" in args:
        return
    if args.get("internal") is True and "allowed_cidrs" not in args:
        problems.add(f"{prefix}allowed_cidrs", None, "required for an internal load balancer (who may call it)")
    if "access_logs_prefix" in args and "access_logs_bucket" not in args:
        problems.add(f"{prefix}access_logs_prefix", args["access_logs_prefix"], "needs access_logs_bucket")


def certificate_source(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """HTTPS takes one certificate: a given one, or one issued for `domain_name` and validated in its zone."""
    if "shared_listener" in args:
        return
    if "certificate_arn" in args and "domain_name" in args:
        problems.add(
            f"{prefix}certificate_arn", args["certificate_arn"], "give certificate_arn or domain_name, not both"
        )
    if "domain_name" in args and "hosted_zone_id" not in args:
        problems.add(f"{prefix}hosted_zone_id", None, "required with domain_name")
    if "hosted_zone_id" in args and "domain_name" not in args:
        problems.add(f"{prefix}hosted_zone_id", args["hosted_zone_id"], "only with domain_name")


RULE_CONDITIONS = ("path_patterns", "host_header", "source_cidrs")
"""The arguments that become conditions of the service's listener rule."""


def routes_by_rule(args: Mapping[str, Any]) -> bool:
    """Whether a listener rule forwards to the service: for a rule condition, and always when traffic shifts
    (ECS moves production traffic by rewriting a listener rule, never a listener's default action)."""
    return any(key in args for key in RULE_CONDITIONS) or shifts_traffic(args.get("deployment_strategy") or {})


def rule_condition_values(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """The rule's condition values (paths, host, source CIDRs, and the test rule's header) fit the ALB's quota."""
    declared = ALB_WEB_SERVICE_ARGS
    counts = {
        key: (len(args[key]) if isinstance(args[key], list) else 1)
        for key in RULE_CONDITIONS
        if _valid(declared, args, key)
    }
    test_header = 1 if _valid(declared, args, "test_traffic_header") else 0
    total = sum(counts.values()) + test_header
    if total > RULE_CONDITION_VALUES:
        given = ", ".join(f"{key} {count}" for key, count in counts.items())
        header = ", test_traffic_header 1" if test_header else ""
        problems.add(
            f"{prefix}{next(reversed(counts))}",
            args[next(reversed(counts))],
            f"at most {RULE_CONDITION_VALUES} condition values per listener rule in all ({given}{header})",
        )


def rule_routing(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """`priority` and `test_traffic_header` need a listener rule, and the test rule a priority below."""
    strategy = args.get("deployment_strategy", {})
    if not isinstance(strategy, dict) or not _valid(
        DEPLOYMENT_STRATEGY_ARGS, {"strategy": ROLLING, **strategy}, "strategy"
    ):
        return
    shifting = shifts_traffic(strategy)
    if "priority" in args and not routes_by_rule(args):
        problems.add(
            f"{prefix}priority",
            args["priority"],
            f"only with {', '.join(RULE_CONDITIONS)} or a {SHIFTING_STRATEGIES} strategy",
        )
    if "test_traffic_header" not in args:
        return
    if not shifting:
        problems.add(
            f"{prefix}test_traffic_header",
            args["test_traffic_header"],
            f"only with a {SHIFTING_STRATEGIES} strategy",
        )
    elif _valid(ALB_WEB_SERVICE_ARGS, args, "priority") and args["priority"] <= TEST_RULE_OFFSET:
        problems.add(
            f"{prefix}priority",
            args["priority"],
            f"above {TEST_RULE_OFFSET} with test_traffic_header (the test rule takes priority - {TEST_RULE_OFFSET})",
        )


def _timeout_below_interval(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    # The elbv2 API refuses a health check timeout that is not shorter than its interval.
    declared = ALB_WEB_SERVICE_ARGS
    interval = declared.value(args, "health_check_interval")
    timeout = declared.value(args, "health_check_timeout")
    if declared["health_check_interval"].problem(interval) or declared["health_check_timeout"].problem(timeout):
        return
    if timeout >= interval:
        problems.add(f"{prefix}health_check_timeout", timeout, f"must be less than health_check_interval ({interval})")


ALB_WEB_SERVICE_RULES = (
    _load_balancer_owner,
    own_load_balancer_inputs,
    certificate_source,
    rule_routing,
    rule_condition_values,
    _timeout_below_interval,
    desired_count_within_autoscaling,
    scheduled_scaling_bounds,
)
"""The rules of `ALB_WEB_SERVICE_ARGS` that span its fields."""


ALB_WORKLOAD_NAME = "{name}"
"""The embedded workload's logical name: the service's own, as in the first release."""

# The children Pulumi autonames from the service's name; the load balancer and target group, 32 characters
# at most, leave it the least room.
ALB_WEB_SERVICE_NAMES = ComponentNames.of(
    [
        ("-alb", LOAD_BALANCER),
        ("-tg", TARGET_GROUP),
        ("-alb-sg", SECURITY_GROUP),
        ("-service", ECS_SERVICE),
        ("-scale-requests", SCALING_POLICY),
        ("-unhealthy-tasks", ALARM),
    ],
    embeds=[(ALB_WORKLOAD_NAME, FARGATE_WORKLOAD_NAMES)],
)
ALTERNATE_TARGET_GROUP = "-tg-alt"
"""Suffix of the second target group a traffic-shifting strategy needs."""
# A traffic-shifting service has two more autonamed children; the alternate target group binds the name.
ALB_WEB_SERVICE_SHIFTING_NAMES = ComponentNames(
    (
        *ALB_WEB_SERVICE_NAMES.children,
        *ComponentNames.of([(ALTERNATE_TARGET_GROUP, TARGET_GROUP), ("-deploy-role", IAM_ROLE)]).children,
    )
)


def _known_client(client: Any) -> Any:
    """The Service Connect client arguments when they passed their declaration, for the names they reserve."""
    problems = ArgumentProblems("AlbWebService")
    SERVICE_CONNECT_CLIENT_ARGS.check(client, problems)
    return client if client is not None and not problems else None


def validate_alb_web_service_args(args: AlbWebServiceArgs, *, name: str | None = None) -> None:
    """Raises one ValueError listing every problem in `args`, and in `name` when given."""
    problems = ArgumentProblems("AlbWebService")
    if name is not None:
        strategy = args.get("deployment_strategy") if isinstance(args, dict) else None
        shifting = isinstance(strategy, dict) and strategy.get("strategy", ROLLING) != ROLLING
        (ALB_WEB_SERVICE_SHIFTING_NAMES if shifting else ALB_WEB_SERVICE_NAMES).check(name, problems)
    given = ALB_WEB_SERVICE_ARGS.check(args, problems)
    if given is not None:
        validate_embedded_workload(
            problems,
            given.get("workload"),
            reserved_environment=client_environment(_known_client(given.get("service_connect"))),
            required={"port": "the container port the ALB forwards to (required)"},
        )
        for rule in ALB_WEB_SERVICE_RULES:
            rule(given, problems, "")
        if not problems:
            validate_capacity(problems, given, ("deployment", "capacity"))
    problems.raise_if_any()

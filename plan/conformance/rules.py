"""Rules AWS enforces server-side that no service model states: each a small function with its citation.

A rule takes one request and returns findings; `RULES` maps (service, operation) to the rules of that request.
"""

from __future__ import annotations

import itertools
import json
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ecs_workloads import name_limits
from ecs_workloads.arguments import Text
from ecs_workloads.fargate_sizes import FARGATE_MEMORY_BY_CPU, fargate_memory_problem
from ecs_workloads.name_limits import NameLimit
from ecs_workloads.queue_backed_batch_service.subscriptions import FILTER_POLICY_SCOPES, filter_policy_problem
from ecs_workloads.schedule_expression import normalize_schedule_expression
from ecs_workloads.service_connect import DNS_NAME, PORT_NAME

from .model import Finding
from .requests import Request


@dataclass(frozen=True)
class Rule:
    id: str
    citation: str
    check: Callable[[Request], list[Finding]]


def _name_length(rule_id: str, member: str, limit: NameLimit) -> Rule:
    """The rule that `member` fits `limit`, cited where the limit is declared."""

    def check(request: Request) -> list[Finding]:
        name = request.params.get(member)
        if isinstance(name, str) and len(name) > limit.limit:
            return [Finding(member, name, f"{len(name)} characters; at most {limit.limit} after autonaming")]
        return []

    return Rule(rule_id, limit.citation, check)


def _fargate_size(request: Request) -> list[Finding]:
    params = request.params
    if "FARGATE" not in params.get("requiresCompatibilities", []):
        return []
    cpu, memory = int(params.get("cpu", 0)), int(params.get("memory", 0))
    if cpu not in FARGATE_MEMORY_BY_CPU:
        return [
            Finding(
                "cpu", params.get("cpu"), f"Fargate cpu must be one of {', '.join(map(str, FARGATE_MEMORY_BY_CPU))}"
            )
        ]
    problem = fargate_memory_problem(cpu, memory)
    return [Finding("memory", params.get("memory"), problem)] if problem else []


def _awsvpc_host_ports(request: Request) -> list[Finding]:
    if request.params.get("networkMode") != "awsvpc":
        return []
    found = []
    for index, container in enumerate(request.params.get("containerDefinitions", [])):
        for p, mapping in enumerate(container.get("portMappings", [])):
            host = mapping.get("hostPort")
            if host is not None and host != mapping.get("containerPort"):
                path = f"containerDefinitions[{index}].portMappings[{p}].hostPort"
                found.append(Finding(path, host, "with awsvpc the host port must equal the container port"))
    return found


def _essential_container(request: Request) -> list[Finding]:
    containers = request.params.get("containerDefinitions", [])
    if containers and not any(c.get("essential", True) for c in containers):
        return [Finding("containerDefinitions[].essential", False, "at least one container must be essential")]
    return []


def _mounts_name_volumes(request: Request) -> list[Finding]:
    volumes = {volume.get("name") for volume in request.params.get("volumes", [])}
    return [
        Finding(
            f"containerDefinitions[{index}].mountPoints[{m}].sourceVolume",
            mount.get("sourceVolume"),
            "must name a volume of the task definition",
        )
        for index, container in enumerate(request.params.get("containerDefinitions", []))
        for m, mount in enumerate(container.get("mountPoints", []))
        if mount.get("sourceVolume") not in volumes
    ]


def _firelens_pairs(request: Request) -> list[Finding]:
    containers = request.params.get("containerDefinitions", [])
    routers = [c for c in containers if c.get("firelensConfiguration")]
    routed = [
        i for i, c in enumerate(containers) if (c.get("logConfiguration") or {}).get("logDriver") == "awsfirelens"
    ]
    if routed and not routers:
        return [
            Finding(
                f"containerDefinitions[{routed[0]}].logConfiguration.logDriver",
                "awsfirelens",
                "needs a container with a firelensConfiguration in the task",
            )
        ]
    if routers and not routed:
        return [
            Finding(
                "containerDefinitions[].firelensConfiguration",
                routers[0]["firelensConfiguration"],
                "needs at least one container logging with the awsfirelens driver",
            )
        ]
    return []


def _efs_volume_configuration(request: Request) -> list[Finding]:
    """IAM authorization and access points need transit encryption, and with an access point the root
    directory is omitted or `/` (the access point's path applies)."""
    found = []
    for index, volume in enumerate(request.params.get("volumes", [])):
        efs = volume.get("efsVolumeConfiguration")
        if not efs:
            continue
        at = f"volumes[{index}].efsVolumeConfiguration"
        authorization = efs.get("authorizationConfig") or {}
        needs_tls = authorization.get("iam") == "ENABLED" or "accessPointId" in authorization
        if needs_tls and efs.get("transitEncryption") != "ENABLED":
            found.append(
                Finding(f"{at}.transitEncryption", efs.get("transitEncryption"), "ENABLED with IAM or an access point")
            )
        if "accessPointId" in authorization and efs.get("rootDirectory") not in (None, "/"):
            found.append(Finding(f"{at}.rootDirectory", efs["rootDirectory"], "omitted or / with an access point"))
    return found


def _one_transition_per_policy(request: Request) -> list[Finding]:
    return [
        Finding(f"LifecyclePolicies[{index}]", policy, "exactly one transition per lifecycle policy")
        for index, policy in enumerate(request.params.get("LifecyclePolicies", []))
        if len(policy) != 1
    ]


def _timeout_below_interval(request: Request) -> list[Finding]:
    timeout, interval = (
        request.params.get("HealthCheckTimeoutSeconds"),
        request.params.get("HealthCheckIntervalSeconds"),
    )
    if timeout is not None and interval is not None and timeout >= interval:
        return [Finding("HealthCheckTimeoutSeconds", timeout, f"must be less than the interval ({interval} s)")]
    return []


def _known_time_zone_in(member: str) -> Callable[[Request], list[Finding]]:
    def check(request: Request) -> list[Finding]:
        zone = request.params.get(member)
        if zone is None or zone in zoneinfo.available_timezones():
            return []
        return [Finding(member, zone, "must be an IANA time zone name")]

    return check


_known_time_zone = _known_time_zone_in("ScheduleExpressionTimezone")


# ScheduledActionName's pattern in the application-autoscaling model; unanchored there, it only says something
# when it must match the whole name.
_SCHEDULED_ACTION_NAME = re.compile(r"(?!((^[ ]+.*)|(.*([\u0000-\u001f]|[\u007f-\u009f]|[:/|])+.*)|(.*[ ]+$))).+")


def _scheduled_action(request: Request) -> list[Finding]:
    """A name AWS takes, a schedule it can parse, and a scalable target action whose maximum is not below its
    minimum."""
    found = []
    name = request.params.get("ScheduledActionName")
    if isinstance(name, str) and not _SCHEDULED_ACTION_NAME.fullmatch(name):
        found.append(
            Finding("ScheduledActionName", name, "no leading or trailing space, control character, ':', '/' or '|'")
        )
    schedule = request.params.get("Schedule")
    try:
        normalized = normalize_schedule_expression(str(schedule))
    except ValueError as error:
        found.append(Finding("Schedule", schedule, str(error)))
    else:
        if normalized != schedule:
            found.append(Finding("Schedule", schedule, f"must be in AWS syntax, e.g. {normalized}"))
    action = request.params.get("ScalableTargetAction") or {}
    low, high = action.get("MinCapacity"), action.get("MaxCapacity")
    if not action or (low is None and high is None):
        found.append(Finding("ScalableTargetAction", action, "must set MinCapacity, MaxCapacity or both"))
    elif low is not None and high is not None and high < low:
        found.append(Finding("ScalableTargetAction.MaxCapacity", high, f"cannot be less than MinCapacity ({low})"))
    return found


def _launch_type_xor_strategy(request: Request) -> list[Finding]:
    params = request.params
    ecs = params.get("Target", {}).get("EcsParameters", params)
    launch = ecs.get("launchType", ecs.get("LaunchType"))
    strategy = ecs.get("capacityProviderStrategy", ecs.get("CapacityProviderStrategy"))
    if launch and strategy:
        return [Finding("launchType", launch, "launch type and capacity provider strategy are mutually exclusive")]
    return []


def _public_ip_needs_fargate_launch_type(request: Request) -> list[Finding]:
    ecs = request.params.get("Target", {}).get("EcsParameters") or {}
    vpc = (ecs.get("NetworkConfiguration") or {}).get("awsvpcConfiguration") or {}
    if vpc.get("AssignPublicIp") == "ENABLED" and ecs.get("LaunchType") != "FARGATE":
        path = "Target.EcsParameters.NetworkConfiguration.awsvpcConfiguration.AssignPublicIp"
        return [Finding(path, "ENABLED", "ENABLED only with LaunchType FARGATE (Scheduler AwsVpcConfiguration)")]
    return []


def _start_date_not_past(request: Request) -> list[Finding]:
    start = request.params.get("StartDate")
    if not isinstance(start, str):
        return []
    when = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when < datetime.now(UTC) - timedelta(minutes=5):
        return [Finding("StartDate", start, "must not be earlier than 5 minutes ago")]
    return []


def _steps_contiguous(request: Request) -> list[Finding]:
    steps = (request.params.get("StepScalingPolicyConfiguration") or {}).get("StepAdjustments") or []
    ordered = sorted(steps, key=lambda s: s.get("MetricIntervalLowerBound", float("-inf")))
    found = []
    for index, (low, high) in enumerate(itertools.pairwise(ordered)):
        if low.get("MetricIntervalUpperBound") != high.get("MetricIntervalLowerBound"):
            path = f"StepScalingPolicyConfiguration.StepAdjustments[{index + 1}].MetricIntervalLowerBound"
            found.append(
                Finding(path, high.get("MetricIntervalLowerBound"), "step intervals must not overlap or leave gaps")
            )
    bounded = [s for s in ordered if "MetricIntervalUpperBound" not in s]
    if len(bounded) > 1:
        found.append(
            Finding(
                "StepScalingPolicyConfiguration.StepAdjustments", len(bounded), "only one step may be unbounded above"
            )
        )
    return found


def _one_return_data(request: Request) -> list[Finding]:
    metrics = request.params.get("Metrics")
    if not metrics:
        return []
    returned = [m.get("Id") for m in metrics if m.get("ReturnData", True)]
    if len(returned) != 1:
        return [Finding("Metrics[].ReturnData", returned, "exactly one metric query of an alarm returns data")]
    return []


def _matcher_range(request: Request) -> list[Finding]:
    codes = (request.params.get("Matcher") or {}).get("HttpCode")
    if not isinstance(codes, str):
        return []
    for part in codes.replace(",", "-").split("-"):
        if not part.isdigit() or not 200 <= int(part) <= 499:
            return [Finding("Matcher.HttpCode", codes, "ALB health check codes are 200–499")]
    return []


def _grant_targets_secret_arn(request: Request) -> list[Finding]:
    found = []
    for index, statement in enumerate(json.loads(request.params["PolicyDocument"]).get("Statement", [])):
        actions = statement.get("Action")
        if "secretsmanager:GetSecretValue" not in (actions if isinstance(actions, list) else [actions]):
            continue
        resources = statement.get("Resource")
        for resource in resources if isinstance(resources, list) else [resources]:
            # A secret ARN ends at its 6-character random suffix; `:key:stage:version` belongs to valueFrom only.
            if resource.startswith("arn:") and resource.split(":secret:", 1)[-1].count(":"):
                found.append(
                    Finding(
                        f"PolicyDocument.Statement[{index}].Resource",
                        resource,
                        "IAM authorizes GetSecretValue on the secret's own ARN",
                    )
                )
    return found


_BUCKET_NAME = re.compile(rf"[a-z0-9][a-z0-9.-]{{1,{name_limits.S3_BUCKET.limit - 2}}}[a-z0-9]")
# EC2's documented character set for security group names/descriptions and rule descriptions.
_EC2_TEXT = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*")


def _bucket_name(request: Request) -> list[Finding]:
    name = request.params.get("Bucket", "")
    if not _BUCKET_NAME.fullmatch(name) or ".." in name:
        return [
            Finding(
                "Bucket",
                name,
                f"3–{name_limits.S3_BUCKET.limit} lowercase letters, digits, dots and hyphens, "
                "letter or digit at both ends",
            )
        ]
    return []


def _ec2_text(*paths: tuple[str, ...]) -> Callable[[Request], list[Finding]]:
    def values(node, path: tuple[str, ...], at: str):
        if not path:
            yield at, node
        elif isinstance(node, list):
            for index, item in enumerate(node):
                yield from values(item, path, f"{at}[{index}]")
        elif isinstance(node, dict) and path[0] in node:
            yield from values(node[path[0]], path[1:], f"{at}.{path[0]}" if at else path[0])

    def check(request: Request) -> list[Finding]:
        return [
            Finding(at, value, "only a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*")
            for path in paths
            for at, value in values(request.params, path, "")
            if isinstance(value, str) and not _EC2_TEXT.fullmatch(value)
        ]

    return check


_RULE_TEXT = tuple(
    ("IpPermissions", ranges, "Description")
    for ranges in ("IpRanges", "Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds")
)

# The conditions a service principal's statement may carry where AWS documents limits on them:
# (service, operation of the policy's request) -> principal -> condition keys AWS does not support there
# (None: no condition at all). EventBridge User Guide, "Using resource-based policies for Amazon
# EventBridge" (eb-use-resource-based, Amazon SNS permissions): "You can't use Condition blocks in Amazon SNS
# topic policies for EventBridge." SNS Developer Guide, "Key management" (sns-key-management): "Adding the
# aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is not supported for
# EventBridge-to-encrypted topics."
_UNSUPPORTED_CONDITIONS: dict[tuple[str, str], dict[str, frozenset[str] | None]] = {
    ("sns", "SetTopicAttributes"): {"events.amazonaws.com": None},
    ("kms", "CreateKey"): {
        "events.amazonaws.com": frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"}),
    },
}


def _principal_conditions(request: Request) -> list[Finding]:
    limits = _UNSUPPORTED_CONDITIONS.get((request.service, request.operation), {})
    found = []
    for path, _kind, text in request.documents:
        statements = json.loads(text).get("Statement", [])
        for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
            services = (
                statement.get("Principal", {}).get("Service", [])
                if isinstance(statement.get("Principal"), dict)
                else []
            )
            for service in [services] if isinstance(services, str) else services:
                if service not in limits:
                    continue
                keys = {key.lower() for test in statement.get("Condition", {}).values() for key in test}
                refused = keys if limits[service] is None else keys & limits[service]
                if refused:
                    found.append(
                        Finding(
                            f"{path}.Statement[{index}].Condition",
                            sorted(refused),
                            f"{service} does not support these condition keys here; the statement never matches",
                        )
                    )
    return found


def _subscription_attributes(request: Request) -> list[Finding]:
    """Subscribe's attributes as SNS accepts them: the filter policy within SNS's documented limits for its
    scope, the scope one of two values, raw delivery true or false, and an sqs endpoint a queue ARN."""
    found = []
    params = request.params
    attributes = params.get("Attributes", {})
    scope = attributes.get("FilterPolicyScope", "MessageAttributes")
    if scope not in FILTER_POLICY_SCOPES:
        found.append(Finding("Attributes.FilterPolicyScope", scope, f"one of {', '.join(FILTER_POLICY_SCOPES)}"))
    if "FilterPolicy" in attributes:
        text = attributes["FilterPolicy"]
        try:
            problem = filter_policy_problem(json.loads(text), scope)
        except (TypeError, ValueError):
            problem = "a JSON object"
        if problem:
            found.append(Finding("Attributes.FilterPolicy", text, problem))
    raw = attributes.get("RawMessageDelivery", "false")
    if raw not in ("true", "false"):
        found.append(Finding("Attributes.RawMessageDelivery", raw, "true or false"))
    endpoint = params.get("Endpoint")
    if params.get("Protocol") == "sqs" and not (isinstance(endpoint, str) and endpoint.startswith("arn:aws:sqs:")):
        found.append(Finding("Endpoint", endpoint, "the ARN of an SQS queue"))
    return found


_C = {
    "sc-names": "ECS API Reference, ServiceConnectService portName/discoveryName and PortMapping name: up to 64 "
    "lowercase letters, numbers, _ and -, not starting with -; ServiceConnectClientAlias dnsName: up to 127, also .",
    "sc-access-logs": "ECS Developer Guide, Service Connect access logs: delivered to the logConfiguration "
    "destination, which must be set",
    "app-protocol": "ECS API Reference, PortMapping appProtocol: applies to a named port mapping (Service Connect)",
    "fargate": "ECS Developer Guide, Task CPU and memory (Fargate)",
    "awsvpc": "ECS API Reference, PortMapping hostPort: with awsvpc it must equal containerPort or be omitted",
    "launch": "ECS API Reference, CreateService/RunTask: launchType and capacityProviderStrategy are exclusive",
    "publicip": "EventBridge Scheduler API Reference, AwsVpcConfiguration AssignPublicIp: ENABLED only with FARGATE",
    "start": "EventBridge Scheduler API Reference, CreateSchedule StartDate: cannot be earlier than 5 minutes ago",
    "steps": "Application Auto Scaling API Reference, StepAdjustment: intervals must not overlap or leave gaps",
    "returndata": "CloudWatch API Reference, PutMetricAlarm Metrics: exactly one ReturnData true",
    "matcher": "ELB API Reference, Matcher HttpCode: ALB values 200–499",
    "essential": "ECS Developer Guide, Task definition parameters (essential): a task needs one essential container",
    "volumes": "ECS API Reference, MountPoint sourceVolume: must match the name of a volume in the task definition",
    "firelens": "RegisterTaskDefinition refuses awsfirelens without a container with a firelensConfiguration, and "
    "a firelensConfiguration without a container logging with awsfirelens (ECS Developer Guide, FireLens)",
    "efs-volume": "ECS API Reference, EFSVolumeConfiguration and EFSAuthorizationConfig: transit encryption with "
    "IAM or an access point; rootDirectory omitted or / with an access point",
    "efs-lifecycle": "EFS API Reference, PutLifecycleConfiguration: each LifecyclePolicy has a single transition",
    "tg-timeout": "ELB API Reference, CreateTargetGroup HealthCheckTimeoutSeconds: less than the interval",
    "timezone": "EventBridge Scheduler User Guide, Schedule types: time zones are IANA tz database names",
    "scaling-timezone": "Application Auto Scaling API Reference, PutScheduledAction Timezone: IANA time zone names",
    "scheduled-action": "Application Auto Scaling API Reference, PutScheduledAction ScheduledActionName (pattern), "
    "Schedule (at/rate/cron, 6 cron fields) and ScalableTargetAction (min and max; 'Maximum capacity cannot be "
    "less than minimum capacity')",
    "s3-name": "S3 User Guide, General purpose bucket naming rules",
    "distribution": "Amazon EC2 Auto Scaling API Reference, InstancesDistribution: valid values",
    "provider-name": "ECS API Reference, CreateCapacityProvider name: not prefixed with aws, ecs or fargate",
    "placement": "ECS Developer Guide, How Amazon ECS places tasks on container instances: EC2 capacity only",
    "ec2-text": "EC2 API Reference, CreateSecurityGroup GroupDescription and IpRange Description: allowed characters",
    "secret-arn": "Secrets Manager User Guide, Authentication and access control: resource is the secret ARN",
    "subscription": "SNS Developer Guide, Filter policy constraints (at most 5 keys, 150 combinations, 256 KB; no "
    "nesting with MessageAttributes); SNS API Reference, Subscribe (Attributes FilterPolicyScope, RawMessageDelivery; "
    "sqs endpoint: the queue ARN)",
    "principal-conditions": "EventBridge User Guide (eb-use-resource-based): no Condition blocks in SNS topic "
    "policies for EventBridge; SNS Developer Guide (sns-key-management): aws:SourceAccount/SourceArn/SourceOrgID "
    "not supported in a KMS key policy for EventBridge-to-encrypted topics",
}

_RESERVED_PROVIDER_PREFIX = re.compile(r"^(aws|ecs|fargate)", re.IGNORECASE)


def _provider_name_prefix(request: Request) -> list[Finding]:
    name = request.params.get("name")
    if isinstance(name, str) and _RESERVED_PROVIDER_PREFIX.match(name):
        return [Finding("name", name, "a capacity provider name may not start with aws, ecs or fargate")]
    return []


def _placement_on_ec2_only(request: Request) -> list[Finding]:
    """Placement strategies choose between instances; a Fargate strategy has none to choose from."""
    strategy = [entry.get("capacityProvider") for entry in request.params.get("capacityProviderStrategy", [])]
    on_fargate = request.params.get("launchType") == "FARGATE" or (
        bool(strategy) and all(name in ("FARGATE", "FARGATE_SPOT") for name in strategy)
    )
    if on_fargate and request.params.get("placementStrategy"):
        return [Finding("placementStrategy", request.params["placementStrategy"], "not supported on Fargate")]
    return []


_SPOT_STRATEGIES = ("lowest-price", "capacity-optimized", "capacity-optimized-prioritized", "price-capacity-optimized")
_ON_DEMAND_STRATEGIES = ("prioritized", "lowest-price")


def _instances_distribution(request: Request) -> list[Finding]:
    """The values the Auto Scaling API reference documents for InstancesDistribution, which its model leaves
    as free text and unbounded integers."""
    where = "MixedInstancesPolicy.InstancesDistribution"
    distribution = (request.params.get("MixedInstancesPolicy") or {}).get("InstancesDistribution") or {}
    found = []
    percentage = distribution.get("OnDemandPercentageAboveBaseCapacity")
    if percentage is not None and not 0 <= percentage <= 100:
        found.append(Finding(f"{where}.OnDemandPercentageAboveBaseCapacity", percentage, "0 to 100"))
    for key, allowed in (
        ("SpotAllocationStrategy", _SPOT_STRATEGIES),
        ("OnDemandAllocationStrategy", _ON_DEMAND_STRATEGIES),
    ):
        if key in distribution and distribution[key] not in allowed:
            found.append(Finding(f"{where}.{key}", distribution[key], "one of " + ", ".join(allowed)))
    return found


def _named(path: str, value: object, spec: Text) -> list[Finding]:
    problem = spec.problem(value)
    return [Finding(path, value, f"must be {problem}")] if problem else []


def _service_connect_names(request: Request) -> list[Finding]:
    config = request.params.get("serviceConnectConfiguration") or {}
    found = []
    for index, service in enumerate(config.get("services", [])):
        where = f"serviceConnectConfiguration.services[{index}]"
        found += _named(f"{where}.portName", service.get("portName"), PORT_NAME)
        if "discoveryName" in service:
            found += _named(f"{where}.discoveryName", service["discoveryName"], PORT_NAME)
        for a, alias in enumerate(service.get("clientAliases", [])):
            found += _named(f"{where}.clientAliases[{a}].dnsName", alias.get("dnsName"), DNS_NAME)
    return found


def _access_logs_need_log_configuration(request: Request) -> list[Finding]:
    config = request.params.get("serviceConnectConfiguration") or {}
    if "accessLogConfiguration" in config and "logConfiguration" not in config:
        return [Finding("serviceConnectConfiguration.logConfiguration", None, "required with accessLogConfiguration")]
    return []


def _port_mapping_names(request: Request) -> list[Finding]:
    found = []
    for index, container in enumerate(request.params.get("containerDefinitions", [])):
        for p, mapping in enumerate(container.get("portMappings", [])):
            where = f"containerDefinitions[{index}].portMappings[{p}]"
            if "name" in mapping:
                found += _named(f"{where}.name", mapping["name"], PORT_NAME)
            elif "appProtocol" in mapping:
                found.append(Finding(f"{where}.appProtocol", mapping["appProtocol"], "only on a named port mapping"))
    return found


RULES: dict[tuple[str, str], tuple[Rule, ...]] = {
    ("iam", "CreateRole"): (_name_length("iam-role-name", "RoleName", name_limits.IAM_ROLE),),
    ("iam", "PutRolePolicy"): (
        _name_length("iam-policy-name", "PolicyName", name_limits.IAM_ROLE_POLICY),
        Rule("secret-grant-arn", _C["secret-arn"], _grant_targets_secret_arn),
    ),
    ("elbv2", "CreateLoadBalancer"): (_name_length("alb-name", "Name", name_limits.LOAD_BALANCER),),
    ("elbv2", "CreateTargetGroup"): (
        _name_length("tg-name", "Name", name_limits.TARGET_GROUP),
        Rule("tg-matcher", _C["matcher"], _matcher_range),
        Rule("tg-timeout", _C["tg-timeout"], _timeout_below_interval),
    ),
    ("sqs", "CreateQueue"): (_name_length("sqs-name", "QueueName", name_limits.SQS_QUEUE),),
    ("sns", "CreateTopic"): (_name_length("sns-name", "Name", name_limits.SNS_TOPIC),),
    ("sns", "Subscribe"): (Rule("sns-subscription", _C["subscription"], _subscription_attributes),),
    ("scheduler", "CreateSchedule"): (
        _name_length("schedule-name", "Name", name_limits.SCHEDULE),
        Rule("schedule-start", _C["start"], _start_date_not_past),
        Rule("schedule-timezone", _C["timezone"], _known_time_zone),
        Rule("schedule-launch", _C["launch"], _launch_type_xor_strategy),
        Rule("schedule-public-ip", _C["publicip"], _public_ip_needs_fargate_launch_type),
    ),
    ("scheduler", "CreateScheduleGroup"): (_name_length("group-name", "Name", name_limits.SCHEDULE_GROUP),),
    ("events", "PutRule"): (_name_length("rule-name", "Name", name_limits.EVENT_RULE),),
    ("logs", "CreateLogGroup"): (_name_length("log-group-name", "logGroupName", name_limits.LOG_GROUP),),
    ("ecs", "RegisterTaskDefinition"): (
        Rule("fargate-size", _C["fargate"], _fargate_size),
        Rule("awsvpc-host-port", _C["awsvpc"], _awsvpc_host_ports),
        Rule("essential-container", _C["essential"], _essential_container),
        Rule("mount-volume", _C["volumes"], _mounts_name_volumes),
        Rule("firelens-pair", _C["firelens"], _firelens_pairs),
        Rule("efs-volume", _C["efs-volume"], _efs_volume_configuration),
        Rule("port-mapping-name", _C["sc-names"], _port_mapping_names),
    ),
    ("efs", "PutLifecycleConfiguration"): (Rule("efs-lifecycle", _C["efs-lifecycle"], _one_transition_per_policy),),
    ("ecs", "CreateService"): (
        Rule("service-launch", _C["launch"], _launch_type_xor_strategy),
        Rule("placement-ec2", _C["placement"], _placement_on_ec2_only),
        Rule("service-connect-names", _C["sc-names"], _service_connect_names),
        Rule("service-connect-access-logs", _C["sc-access-logs"], _access_logs_need_log_configuration),
    ),
    ("ecs", "CreateCapacityProvider"): (Rule("provider-name", _C["provider-name"], _provider_name_prefix),),
    ("autoscaling", "CreateAutoScalingGroup"): (Rule("asg-distribution", _C["distribution"], _instances_distribution),),
    ("application-autoscaling", "PutScalingPolicy"): (Rule("step-contiguity", _C["steps"], _steps_contiguous),),
    ("application-autoscaling", "PutScheduledAction"): (
        Rule("scaling-timezone", _C["scaling-timezone"], _known_time_zone_in("Timezone")),
        Rule("scheduled-action", _C["scheduled-action"], _scheduled_action),
    ),
    ("s3", "CreateBucket"): (Rule("s3-bucket-name", _C["s3-name"], _bucket_name),),
    ("ec2", "CreateSecurityGroup"): (
        Rule("sg-text", _C["ec2-text"], _ec2_text(("GroupName",), ("Description",))),
        _name_length("sg-name", "GroupName", name_limits.SECURITY_GROUP),
    ),
    ("ec2", "AuthorizeSecurityGroupIngress"): (Rule("sg-rule-text", _C["ec2-text"], _ec2_text(*_RULE_TEXT)),),
    ("ec2", "AuthorizeSecurityGroupEgress"): (Rule("sg-rule-text", _C["ec2-text"], _ec2_text(*_RULE_TEXT)),),
    ("cloudwatch", "PutMetricAlarm"): (Rule("metric-math-return", _C["returndata"], _one_return_data),),
    ("sns", "SetTopicAttributes"): (Rule("principal-conditions", _C["principal-conditions"], _principal_conditions),),
    ("kms", "CreateKey"): (Rule("principal-conditions", _C["principal-conditions"], _principal_conditions),),
}

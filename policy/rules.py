"""The guardrails every stack must pass, as plain Python over resource inputs.

One rule = id, description, enforcement, the resource types it looks at and a check
`(resource, context) -> [violation messages]`. The Pulumi policy pack (`policy/__main__.py`) and the
offline evaluation of a recorded plan (`policy/evaluate.py`) run these same functions, so a rule that
passes in the tests passes in `pulumi preview --policy-pack policy`.

Properties are the provider's camelCase inputs; JSON documents (IAM policies, container definitions,
redrive policies) arrive as strings. Under the policy SDK, reading a value that is unknown during
preview raises the SDK's `UnknownValueError`, which the SDK reports as "can't run during preview";
cross-resource links fall back to the engine's property dependencies instead of raising.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

try:
    from pulumi_policy.proxy import UnknownValueError
except ImportError:  # the offline evaluation does not need the policy SDK

    class UnknownValueError(Exception):  # type: ignore[no-redef]
        pass


Enforcement = Literal["mandatory", "advisory"]
MANDATORY: Enforcement = "mandatory"
ADVISORY: Enforcement = "advisory"
PROJECT = "ecs-workloads"
_PRODUCTION_STACK = re.compile(r"^(prod|production)([-_.].*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class ResourceView:
    """One resource as a rule sees it."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    """Inputs (camelCase). Under stack validation in the SDK, the resource's state."""
    protect: bool = False
    retain_on_delete: bool | None = False
    """None where the policy engine does not report the option (the policy SDK does not)."""
    state: Mapping[str, Any] = field(default_factory=dict)
    """Outputs where known (ids, ARNs, names): what other resources use to refer to this one."""
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Property name -> URNs of the resources that property's value came from (policy SDK only)."""


@dataclass(frozen=True)
class StackContext:
    """What a rule may know about the stack besides the resource it checks."""

    stack: str
    protect_data: bool
    is_production: bool
    resources: tuple[ResourceView, ...] = ()

    @classmethod
    def from_config(cls, stack: str, config: Mapping[str, Any], resources: Iterable[ResourceView] = ()) -> StackContext:
        """`config` maps `namespace:key` to values as in a stack file or the CLI's config (strings allowed).

        A stack is production when it protects data or is named prod/production (`prod-eu` too), so a
        production stack that forgot `protectData` is still held to production rules.
        """
        protect = _truthy(config.get(f"{PROJECT}:protectData", config.get(f"{PROJECT}:config:protectData")))
        production = protect or bool(_PRODUCTION_STACK.match(stack))
        return cls(stack=stack, protect_data=protect, is_production=production, resources=tuple(resources))

    def of_type(self, types: Iterable[str]) -> list[ResourceView]:
        wanted = set(types)
        return [r for r in self.resources if r.type in wanted]


Check = Callable[[ResourceView, StackContext], list[str]]


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    enforcement: Enforcement
    resource_types: frozenset[str]
    check: Check
    control: str
    """The AWS Security Hub control or AWS Control Tower (Guard) rule implemented, or `none`."""
    cross_resource: bool = False
    """Needs other resources of the stack (a stack validation policy under the SDK)."""
    advisory_outside_production: bool = False
    """Deliberate in dev (e.g. public IPs instead of a NAT gateway): reported, not blocking."""

    def enforcement_for(self, context: StackContext) -> Enforcement:
        if self.advisory_outside_production and not context.is_production:
            return ADVISORY
        return self.enforcement


@dataclass(frozen=True)
class Violation:
    rule_id: str
    enforcement: Enforcement
    control: str
    resource_type: str
    resource_name: str
    urn: str
    message: str

    def __str__(self) -> str:
        return f"[{self.enforcement}] {self.rule_id} ({self.control}) {self.resource_type} {self.resource_name}: " + (
            self.message
        )


def run_rules(rules: Iterable[Rule], context: StackContext) -> list[Violation]:
    """Every violation of `rules` by the resources in `context`."""
    found: list[Violation] = []
    for rule in rules:
        level = rule.enforcement_for(context)
        for resource in context.resources:
            if resource.type not in rule.resource_types:
                continue
            for message in rule.check(resource, context):
                found.append(
                    Violation(rule.id, level, rule.control, resource.type, resource.name, resource.urn, message)
                )
    return found


# --- value helpers ------------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def known(mapping: Mapping[str, Any], key: str) -> Any:
    """`mapping[key]`, or None when absent or unknown during preview."""
    try:
        return mapping.get(key)
    except UnknownValueError:
        return None


def _get(value: Any, *path: str) -> Any:
    """Nested lookup through mappings; None where any step is missing."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if _is_list(value) else [value]


def _document(value: Any) -> Any:
    """A JSON document given as a string (the provider's form) or already parsed; None when invalid."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _statements(document: Any) -> list[Mapping[str, Any]]:
    return [s for s in _as_list(_get(document, "Statement")) if isinstance(s, Mapping)]


def identities(resource: ResourceView) -> set[str]:
    """Values other resources use to point at this one: id, ARN, name, bucket name, queue URL."""
    found: set[str] = set()
    for source in (resource.props, resource.state):
        for key in ("id", "arn", "name", "bucket", "url"):
            value = known(source, key)
            if isinstance(value, str) and value:
                found.add(value)
    return found


def refers_to(source: ResourceView, prop: str, value: Any, target: ResourceView) -> bool:
    """Whether `value` (read from `source.props[prop]`) names `target`.

    A known value is compared with the target's identities; an unknown one (preview) falls back to the
    resources the property's value was computed from.
    """
    if value is not None:
        return isinstance(value, str) and value in identities(target)
    return target.urn in source.references.get(prop, ())


def _named(resource: ResourceView, prop: str, targets: Iterable[ResourceView]) -> list[ResourceView]:
    """The `targets` that `resource.props[prop]` names."""
    value = known(resource.props, prop)
    return [t for t in targets if refers_to(resource, prop, value, t)]


# --- resource types -----------------------------------------------------------------------------

BUCKETS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_ENCRYPTION = frozenset(
    {
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    }
)
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_REDRIVE = "aws:sqs/redrivePolicy:RedrivePolicy"
TOPIC = "aws:sns/topic:Topic"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
CLUSTER = "aws:ecs/cluster:Cluster"
LOAD_BALANCERS = frozenset({"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"})
LISTENERS = frozenset({"aws:lb/listener:Listener", "aws:alb/listener:Listener"})
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
ROLE = "aws:iam/role:Role"
IDENTITY_POLICIES = frozenset({"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", ROLE})
SCHEDULE = "aws:scheduler/schedule:Schedule"
KMS_KEY = "aws:kms/key:Key"
SECRETS = frozenset({"aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretVersion:SecretVersion"})
INGRESS_RULES = frozenset(
    {
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:ec2/securityGroup:SecurityGroup",
    }
)
STATEFUL = BUCKETS | SECRETS | {QUEUE, LOG_GROUP, REPOSITORY}


# --- S3 -----------------------------------------------------------------------------------------

_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
_SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")


def _bucket_policies(bucket: ResourceView, context: StackContext) -> list[Any]:
    documents = [_document(p.props.get("policy")) for p in _pointing_at(bucket, context, BUCKET_POLICY, "bucket")]
    inline = bucket.props.get("policy")
    if inline:
        documents.append(_document(inline))
    return documents


def _pointing_at(target: ResourceView, context: StackContext, types: str | Iterable[str], prop: str):
    """Resources of `types` whose `prop` names `target` (e.g. the public access blocks of a bucket)."""
    wanted = {types} if isinstance(types, str) else set(types)
    return [r for r in context.resources if r.type in wanted and refers_to(r, prop, known(r.props, prop), target)]


def check_public_access_block(bucket: ResourceView, context: StackContext) -> list[str]:
    blocks = _pointing_at(bucket, context, PUBLIC_ACCESS_BLOCK, "bucket")
    if not blocks:
        return ["no BucketPublicAccessBlock for this bucket; add one with all four settings true"]
    problems = []
    for block in blocks:
        off = [flag for flag in _BLOCK_FLAGS if block.props.get(flag) is not True]
        if off:
            problems.append(f"BucketPublicAccessBlock {block.name} leaves {', '.join(off)} off; set all four to true")
    return problems


def check_bucket_encryption(bucket: ResourceView, context: StackContext) -> list[str]:
    algorithms = [
        _get(
            bucket.props,
            "serverSideEncryptionConfiguration",
            "rule",
            "applyServerSideEncryptionByDefault",
            "sseAlgorithm",
        )
    ]
    for config in _pointing_at(bucket, context, BUCKET_ENCRYPTION, "bucket"):
        for rule in _as_list(config.props.get("rules")):
            algorithms.append(_get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
    if any(a in _SSE_ALGORITHMS for a in algorithms):
        return []
    return [
        "no default encryption configured (BucketServerSideEncryptionConfiguration with sseAlgorithm "
        f"{' / '.join(_SSE_ALGORITHMS)})"
    ]


def _denies_insecure_transport(statement: Mapping[str, Any]) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    value = _get(statement, "Condition", "Bool", "aws:SecureTransport")
    return any(str(v).lower() == "false" for v in _as_list(value))


def check_bucket_tls_only(bucket: ResourceView, context: StackContext) -> list[str]:
    for document in _bucket_policies(bucket, context):
        if any(_denies_insecure_transport(s) for s in _statements(document)):
            return []
    return ['no bucket policy statement denies requests with "aws:SecureTransport": "false"']


def _is_public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in _as_list(principal.get("AWS"))


def check_bucket_policy_not_public(policy: ResourceView, context: StackContext) -> list[str]:
    document = _document(policy.props.get("policy"))
    if document is None:
        return ["policy is not a JSON document"]
    return [
        f"statement {s.get('Sid', index)} allows anyone (Principal *) without a condition"
        for index, s in enumerate(_statements(document))
        if s.get("Effect") == "Allow" and _is_public_principal(s.get("Principal")) and not s.get("Condition")
    ]


# --- SQS and SNS --------------------------------------------------------------------------------


def check_queue_encrypted(queue: ResourceView, context: StackContext) -> list[str]:
    if queue.props.get("sqsManagedSseEnabled") is True or queue.props.get("kmsMasterKeyId"):
        return []
    return ["neither sqsManagedSseEnabled nor kmsMasterKeyId is set"]


def _redrive_target(resource: ResourceView) -> Any:
    """The dead-letter queue ARN in a redrive policy, None when absent or unknown."""
    return _get(_document(known(resource.props, "redrivePolicy")), "deadLetterTargetArn")


def _is_dead_letter_queue(queue: ResourceView, context: StackContext) -> bool:
    if known(queue.props, "redriveAllowPolicy"):
        return True
    for source in context.of_type([QUEUE, QUEUE_REDRIVE]):
        if source is not queue and refers_to(source, "redrivePolicy", _redrive_target(source), queue):
            return True
    for schedule in context.of_type([SCHEDULE]):
        arn = _get(known(schedule.props, "target"), "deadLetterConfig", "arn")
        if refers_to(schedule, "target", arn, queue):
            return True
    for target in context.of_type([EVENT_TARGET]):
        arn = _get(known(target.props, "deadLetterConfig"), "arn")
        if refers_to(target, "deadLetterConfig", arn, queue):
            return True
    return False


def check_work_queue_has_dlq(queue: ResourceView, context: StackContext) -> list[str]:
    if _is_dead_letter_queue(queue, context):
        return []
    redrive = _document(queue.props.get("redrivePolicy"))
    if _get(redrive, "deadLetterTargetArn") and _get(redrive, "maxReceiveCount"):
        return []
    if _pointing_at(queue, context, QUEUE_REDRIVE, "queueUrl"):
        return []
    return ["a work queue without redrivePolicy (deadLetterTargetArn + maxReceiveCount): poison messages loop forever"]


def check_topic_encrypted(topic: ResourceView, context: StackContext) -> list[str]:
    return [] if topic.props.get("kmsMasterKeyId") else ["kmsMasterKeyId is not set"]


# --- ECS ----------------------------------------------------------------------------------------

_CREDENTIAL_NAME = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL|ACCESS_KEY|ECS_ENGINE_AUTH_DATA)", re.IGNORECASE
)
_ROOT_USERS = {"root", "0"}


def _containers(task_definition: ResourceView) -> list[Mapping[str, Any]] | None:
    """Container definitions, or None when they are not a JSON list."""
    parsed = _document(task_definition.props.get("containerDefinitions"))
    if not _is_list(parsed):
        return None
    return [c for c in parsed if isinstance(c, Mapping)]


def _per_container(check: Callable[[Mapping[str, Any]], str | None]) -> Check:
    def run(task_definition: ResourceView, context: StackContext) -> list[str]:
        containers = _containers(task_definition)
        if containers is None:
            return ["containerDefinitions is not a JSON list of containers"]
        problems = []
        for container in containers:
            problem = check(container)
            if problem:
                problems.append(f"container {container.get('name', '?')}: {problem}")
        return problems

    return run


def _privileged(container: Mapping[str, Any]) -> str | None:
    return "privileged is true" if container.get("privileged") is True else None


def _logging(container: Mapping[str, Any]) -> str | None:
    return None if _get(container, "logConfiguration", "logDriver") else "no logConfiguration.logDriver"


def _readonly_root(container: Mapping[str, Any]) -> str | None:
    return None if container.get("readonlyRootFilesystem") is True else "readonlyRootFilesystem is not true"


def _non_root(container: Mapping[str, Any]) -> str | None:
    user = container.get("user")
    if not user:
        return "no user set: runs as the image's USER, root unless the image says otherwise"
    if str(user).split(":")[0] in _ROOT_USERS:
        return f"user {user} is root"
    return None


def _credential_names(environment: Any) -> list[str]:
    names = [_get(entry, "name") for entry in _as_list(environment)]
    return sorted(n for n in names if isinstance(n, str) and _CREDENTIAL_NAME.search(n))


def check_no_secrets_in_environment(resource: ResourceView, context: StackContext) -> list[str]:
    if resource.type == SCHEDULE:
        overrides = _document(_get(resource.props, "target", "input"))
        containers = _as_list(_get(overrides, "containerOverrides"))
        where = "run overrides (stored in the schedule)"
    else:
        containers = _containers(resource) or []
        where = "plain environment"
    problems = []
    for container in containers:
        names = _credential_names(_get(container, "environment"))
        if names:
            problems.append(
                f"container {_get(container, 'name') or '?'}: {', '.join(names)} in {where}; "
                "use secrets (valueFrom an SSM parameter or Secrets Manager ARN)"
            )
    return problems


def check_task_isolation(task_definition: ResourceView, context: StackContext) -> list[str]:
    problems = []
    if task_definition.props.get("networkMode") != "awsvpc":
        problems.append(f"networkMode is {task_definition.props.get('networkMode')!r}, not awsvpc")
    for mode in ("pidMode", "ipcMode"):
        if task_definition.props.get(mode) == "host":
            problems.append(f"{mode} is host: containers share the host's namespace")
    return problems


def _ecs_parameters(resource: ResourceView) -> Mapping[str, Any]:
    """The part of a service or a schedule target that says how tasks run."""
    if resource.type == SCHEDULE:
        return _get(resource.props, "target", "ecsParameters") or {}
    return resource.props


def check_latest_platform(resource: ResourceView, context: StackContext) -> list[str]:
    version = _ecs_parameters(resource).get("platformVersion")
    if version in (None, "LATEST"):
        return []
    return [f"platformVersion is pinned to {version}; leave it unset (LATEST) to get platform security fixes"]


def check_no_public_ip(resource: ResourceView, context: StackContext) -> list[str]:
    if _get(_ecs_parameters(resource), "networkConfiguration", "assignPublicIp") is True:
        return ["tasks get a public IP (assignPublicIp true); run them in private subnets behind NAT"]
    return []


def check_container_insights(cluster: ResourceView, context: StackContext) -> list[str]:
    for setting in _as_list(cluster.props.get("settings")):
        if _get(setting, "name") == "containerInsights" and _get(setting, "value") in ("enabled", "enhanced"):
            return []
    return ["Container Insights is off (settings containerInsights enabled or enhanced)"]


def check_circuit_breaker(service: ResourceView, context: StackContext) -> list[str]:
    controller = _get(service.props, "deploymentController", "type")
    if controller not in (None, "ECS"):
        return []  # CODE_DEPLOY and EXTERNAL deployments roll back by their own means
    breaker = service.props.get("deploymentCircuitBreaker") or {}
    if breaker.get("enable") is True and breaker.get("rollback") is True:
        return []
    return ["deploymentCircuitBreaker must have enable and rollback true: a failing deploy otherwise retries forever"]


# --- Load balancing -----------------------------------------------------------------------------

_RECOMMENDED_TLS = re.compile(r"^ELBSecurityPolicy-TLS13-1-[23]-")


def _is_application(lb: ResourceView) -> bool:
    return lb.props.get("loadBalancerType", "application") == "application"


def check_drop_invalid_headers(lb: ResourceView, context: StackContext) -> list[str]:
    if not _is_application(lb) or lb.props.get("dropInvalidHeaderFields") is True:
        return []
    return ["dropInvalidHeaderFields is not true"]


def _redirects_to_https(listener: ResourceView) -> bool:
    actions = _as_list(listener.props.get("defaultActions"))
    return bool(actions) and all(
        _get(a, "type") == "redirect" and _get(a, "redirect", "protocol") == "HTTPS" for a in actions
    )


def _siblings(listener: ResourceView, context: StackContext) -> list[ResourceView]:
    """Listeners of the same load balancer (including `listener`), by ARN or, in preview, by origin."""
    listeners = context.of_type(LISTENERS)
    arn = known(listener.props, "loadBalancerArn")
    if arn is not None:
        return [r for r in listeners if known(r.props, "loadBalancerArn") == arn]
    origin = set(listener.references.get("loadBalancerArn", ()))
    return [listener] + [
        r for r in listeners if r is not listener and origin & set(r.references.get("loadBalancerArn", ()))
    ]


def check_http_redirects(listener: ResourceView, context: StackContext) -> list[str]:
    if listener.props.get("protocol") != "HTTP" or _redirects_to_https(listener):
        return []
    if any(s.props.get("protocol") == "HTTPS" for s in _siblings(listener, context)):
        return ["the load balancer serves HTTPS, but this HTTP listener does not redirect to it"]
    return []


def check_https_in_production(listener: ResourceView, context: StackContext) -> list[str]:
    if listener.props.get("protocol") != "HTTP" or _redirects_to_https(listener):
        return []
    if any(s.props.get("protocol") == "HTTPS" for s in _siblings(listener, context)):
        return []  # reported by elb-http-redirects-to-https
    balancers = _named(listener, "loadBalancerArn", context.of_type(LOAD_BALANCERS))
    if balancers and all(lb.props.get("internal") is True for lb in balancers):
        return []
    return ["an internet-facing load balancer serves plain HTTP; give it a certificate (HTTPS with redirect)"]


def check_tls_policy(listener: ResourceView, context: StackContext) -> list[str]:
    if listener.props.get("protocol") != "HTTPS":
        return []
    policy = listener.props.get("sslPolicy")
    if isinstance(policy, str) and _RECOMMENDED_TLS.match(policy):
        return []
    return [f"sslPolicy {policy!r} is not a TLS 1.2+ policy (e.g. ELBSecurityPolicy-TLS13-1-2-2021-06)"]


def check_deletion_protection(lb: ResourceView, context: StackContext) -> list[str]:
    return [] if lb.props.get("enableDeletionProtection") is True else ["enableDeletionProtection is not true"]


def check_access_logs(lb: ResourceView, context: StackContext) -> list[str]:
    logs = lb.props.get("accessLogs") or {}
    if logs.get("enabled") is True and logs.get("bucket"):
        return []
    return ["access logs are off (accessLogs with a bucket and enabled true)"]


# --- Network ------------------------------------------------------------------------------------

_ANYWHERE = ("0.0.0.0/0", "::/0")
_OPEN_PORTS = (80, 443)


def _open_rule_problem(cidrs: list[Any], protocol: Any, from_port: Any, to_port: Any) -> str | None:
    open_to = [c for c in cidrs if c in _ANYWHERE]
    if not open_to:
        return None
    if str(protocol) in ("-1", "all"):
        return f"all traffic open to {', '.join(open_to)}"
    if from_port == to_port and from_port in _OPEN_PORTS:
        return None
    return f"ports {from_port}-{to_port} open to {', '.join(open_to)}; only 80 and 443 may be"


def check_no_open_ingress(resource: ResourceView, context: StackContext) -> list[str]:
    props = resource.props
    if resource.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        rules = [([props.get("cidrIpv4"), props.get("cidrIpv6")], props.get("ipProtocol"), props)]
    elif resource.type == "aws:ec2/securityGroupRule:SecurityGroupRule":
        if props.get("type") != "ingress":
            return []
        rules = [
            (_as_list(props.get("cidrBlocks")) + _as_list(props.get("ipv6CidrBlocks")), props.get("protocol"), props)
        ]
    else:
        rules = [
            (_as_list(_get(r, "cidrBlocks")) + _as_list(_get(r, "ipv6CidrBlocks")), _get(r, "protocol"), r)
            for r in _as_list(props.get("ingress"))
        ]
    problems = []
    for cidrs, protocol, rule in rules:
        problem = _open_rule_problem(cidrs, protocol, _get(rule, "fromPort"), _get(rule, "toPort"))
        if problem:
            problems.append(problem)
    return problems


# --- IAM ----------------------------------------------------------------------------------------

# Services that hold data: a statement granting their actions must name the resources.
_DATA_SERVICES = ("s3", "sqs", "sns", "dynamodb", "secretsmanager", "ssm", "kms", "logs", "ecr")
# Data-service actions that have no resource-level permissions, so `*` is the only possible resource.
_NO_RESOURCE_LEVEL = frozenset(
    {
        "ecr:getauthorizationtoken",
        "s3:listallmybuckets",
        "sqs:listqueues",
        "sns:listtopics",
        "secretsmanager:getrandompassword",
        "secretsmanager:listsecrets",
        "ssm:describeparameters",
        "kms:listkeys",
        "kms:listaliases",
        "kms:createkey",
        "logs:describeloggroups",
        "dynamodb:listtables",
    }
)


def _identity_documents(resource: ResourceView) -> list[tuple[str, Any]]:
    if resource.type == ROLE:
        return [
            (f"inline policy {_get(p, 'name') or '?'}", _document(_get(p, "policy")))
            for p in _as_list(resource.props.get("inlinePolicies"))
        ]
    return [("policy", _document(resource.props.get("policy")))]


def _allow_statements(resource: ResourceView) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for where, document in _identity_documents(resource):
        for index, statement in enumerate(_statements(document)):
            if statement.get("Effect") == "Allow":
                yield f"{where} statement {statement.get('Sid', index)}", statement


def check_no_wildcard_actions(resource: ResourceView, context: StackContext) -> list[str]:
    problems = []
    for label, statement in _allow_statements(resource):
        if "NotAction" in statement:
            problems.append(f"{label}: Allow with NotAction grants every other action")
        wild = [a for a in _as_list(statement.get("Action")) if isinstance(a, str) and (a == "*" or a.endswith(":*"))]
        if wild:
            problems.append(f"{label}: wildcard actions {', '.join(wild)}")
    return problems


def check_data_resources_scoped(resource: ResourceView, context: StackContext) -> list[str]:
    problems = []
    for label, statement in _allow_statements(resource):
        if "*" not in _as_list(statement.get("Resource")):
            continue
        data = [
            a
            for a in _as_list(statement.get("Action"))
            if isinstance(a, str) and a.split(":")[0].lower() in _DATA_SERVICES and a.lower() not in _NO_RESOURCE_LEVEL
        ]
        if data:
            problems.append(f"{label}: {', '.join(data)} on Resource *; name the exact ARNs")
    return problems


# --- Logs, images, schedules, alarms, data protection ---------------------------------------------


def check_log_retention(log_group: ResourceView, context: StackContext) -> list[str]:
    days = log_group.props.get("retentionInDays")
    if isinstance(days, int | float) and days > 0:
        return []
    return ["retentionInDays is not set: logs are kept (and billed) forever"]


def check_scan_on_push(repository: ResourceView, context: StackContext) -> list[str]:
    if _get(repository.props, "imageScanningConfiguration", "scanOnPush") is True:
        return []
    return ["imageScanningConfiguration.scanOnPush is not true"]


def check_lifecycle_policy(repository: ResourceView, context: StackContext) -> list[str]:
    if _pointing_at(repository, context, LIFECYCLE_POLICY, "repository"):
        return []
    return ["no LifecyclePolicy: old images accumulate (and are billed) forever"]


def check_stateful_protected(resource: ResourceView, context: StackContext) -> list[str]:
    if not context.is_production:
        return []
    problems = []
    if not resource.protect:
        problems.append("not protected (protect=True): `pulumi destroy` would delete its data")
    if resource.retain_on_delete is False:
        problems.append("retainOnDelete is not set: removing it from the program deletes its data")
    for flag in ("forceDestroy", "forceDelete"):
        if resource.props.get(flag) is True:
            problems.append(f"{flag} is true: deletion would empty it first")
    return problems


def check_schedule_retry_and_dlq(schedule: ResourceView, context: StackContext) -> list[str]:
    target = schedule.props.get("target") or {}
    problems = []
    if not _get(target, "deadLetterConfig", "arn"):
        problems.append("target.deadLetterConfig is not set: runs Scheduler cannot start are lost silently")
    if not target.get("retryPolicy"):
        problems.append("target.retryPolicy is not set")
    return problems


def check_key_rotation(key: ResourceView, context: StackContext) -> list[str]:
    spec = key.props.get("customerMasterKeySpec") or key.props.get("keySpec") or "SYMMETRIC_DEFAULT"
    if spec != "SYMMETRIC_DEFAULT" or key.props.get("enableKeyRotation") is True:
        return []  # AWS rotates only symmetric encryption keys
    return ["enableKeyRotation is not true"]


def check_alarm_actions(alarm: ResourceView, context: StackContext) -> list[str]:
    if alarm.props.get("actionsEnabled") is False:
        return ["actionsEnabled is false"]
    return [] if _as_list(alarm.props.get("alarmActions")) else ["no alarmActions: the alarm notifies nobody"]


# --- The rule set ---------------------------------------------------------------------------------


def _rule(rule_id, description, enforcement, types, check, control, **options) -> Rule:
    types = frozenset({types} if isinstance(types, str) else types)
    return Rule(rule_id, description, enforcement, types, check, control, **options)


RULES: tuple[Rule, ...] = (
    # Security Hub S3.8 (bucket level; S3.1 is the account-level equivalent).
    _rule(
        "s3-bucket-public-access-blocked",
        "S3 buckets have a public access block with all four settings on.",
        MANDATORY,
        BUCKETS,
        check_public_access_block,
        "Security Hub S3.8",
        cross_resource=True,
    ),
    # Security Hub S3.4 / Config rule s3-bucket-server-side-encryption-enabled. S3 encrypts new objects by
    # default since 2023; the rule keeps the key choice explicit in the program.
    _rule(
        "s3-bucket-encrypted",
        "S3 buckets declare default server-side encryption.",
        MANDATORY,
        BUCKETS,
        check_bucket_encryption,
        "Security Hub S3.4",
        cross_resource=True,
    ),
    # Security Hub S3.5.
    _rule(
        "s3-bucket-tls-only",
        "S3 bucket policies deny requests that do not use TLS.",
        MANDATORY,
        BUCKETS,
        check_bucket_tls_only,
        "Security Hub S3.5",
        cross_resource=True,
    ),
    # Security Hub S3.2 / S3.3 (public read / write), on the policy as written.
    _rule(
        "s3-bucket-policy-not-public",
        "S3 bucket policies do not allow anyone (Principal *) without a condition.",
        MANDATORY,
        BUCKET_POLICY,
        check_bucket_policy_not_public,
        "Security Hub S3.2/S3.3",
    ),
    # Security Hub SQS.1.
    _rule(
        "sqs-queue-encrypted",
        "SQS queues are encrypted at rest (SSE-SQS or KMS).",
        MANDATORY,
        QUEUE,
        check_queue_encrypted,
        "Security Hub SQS.1",
    ),
    # No AWS control; CDK's QueueProcessingFargateService always creates a DLQ for the same reason.
    _rule(
        "sqs-work-queue-has-dlq",
        "SQS work queues have a dead-letter queue (redrivePolicy); dead-letter queues themselves are exempt.",
        MANDATORY,
        QUEUE,
        check_work_queue_has_dlq,
        "none",
        cross_resource=True,
    ),
    # Security Hub SNS.1.
    _rule(
        "sns-topic-encrypted",
        "SNS topics are encrypted at rest with KMS.",
        MANDATORY,
        TOPIC,
        check_topic_encrypted,
        "Security Hub SNS.1",
    ),
    # Security Hub ECS.4.
    _rule(
        "ecs-container-not-privileged",
        "ECS containers do not run privileged.",
        MANDATORY,
        TASK_DEFINITION,
        _per_container(_privileged),
        "Security Hub ECS.4",
    ),
    # Security Hub ECS.9.
    _rule(
        "ecs-container-logging",
        "ECS containers have a log configuration.",
        MANDATORY,
        TASK_DEFINITION,
        _per_container(_logging),
        "Security Hub ECS.9",
    ),
    # Security Hub ECS.8 (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ECS_ENGINE_AUTH_DATA), widened to every
    # credential-looking name and to the run overrides a schedule stores.
    _rule(
        "ecs-no-secrets-in-environment",
        "Credential-looking variables are not passed as plain container environment.",
        MANDATORY,
        {TASK_DEFINITION, SCHEDULE},
        check_no_secrets_in_environment,
        "Security Hub ECS.8",
    ),
    # Security Hub ECS.5.
    _rule(
        "ecs-readonly-root-filesystem",
        "ECS containers mount their root filesystem read-only.",
        MANDATORY,
        TASK_DEFINITION,
        _per_container(_readonly_root),
        "Security Hub ECS.5",
    ),
    # Control Tower CT.ECS.PR.3 (Guard rule). Advisory: the user usually comes from the image's USER.
    _rule(
        "ecs-non-root-user",
        "ECS containers name a non-root user.",
        ADVISORY,
        TASK_DEFINITION,
        _per_container(_non_root),
        "Control Tower CT.ECS.PR.3",
    ),
    # Security Hub ECS.3 (host PID namespace) and Control Tower CT.ECS.PR.4 (awsvpc network mode).
    _rule(
        "ecs-task-isolation",
        "ECS tasks use awsvpc networking and do not share the host's PID or IPC namespace.",
        MANDATORY,
        TASK_DEFINITION,
        check_task_isolation,
        "Security Hub ECS.3, Control Tower CT.ECS.PR.4",
    ),
    # Security Hub ECS.10 (services), applied to scheduled runs too.
    _rule(
        "ecs-fargate-latest-platform",
        "Fargate services and scheduled runs use the LATEST platform version.",
        MANDATORY,
        {SERVICE, SCHEDULE},
        check_latest_platform,
        "Security Hub ECS.10",
    ),
    # Security Hub ECS.2 (services), applied to scheduled runs too. Dev runs without NAT on purpose.
    _rule(
        "ecs-no-public-ip",
        "ECS tasks do not get public IP addresses in production.",
        MANDATORY,
        {SERVICE, SCHEDULE},
        check_no_public_ip,
        "Security Hub ECS.2",
        advisory_outside_production=True,
    ),
    # Security Hub ECS.12.
    _rule(
        "ecs-container-insights",
        "ECS clusters have Container Insights on.",
        MANDATORY,
        CLUSTER,
        check_container_insights,
        "Security Hub ECS.12",
    ),
    # No AWS control; the deployment safety CDK leaves off by default.
    _rule(
        "ecs-deployment-circuit-breaker",
        "ECS services roll back failed deployments (circuit breaker with rollback).",
        MANDATORY,
        SERVICE,
        check_circuit_breaker,
        "none",
    ),
    # Security Hub ELB.4.
    _rule(
        "elb-drop-invalid-headers",
        "Application Load Balancers drop invalid HTTP headers.",
        MANDATORY,
        LOAD_BALANCERS,
        check_drop_invalid_headers,
        "Security Hub ELB.4",
    ),
    # Security Hub ELB.1, where the load balancer has HTTPS.
    _rule(
        "elb-http-redirects-to-https",
        "HTTP listeners of a load balancer that serves HTTPS redirect to HTTPS.",
        MANDATORY,
        LISTENERS,
        check_http_redirects,
        "Security Hub ELB.1",
        cross_resource=True,
    ),
    # Security Hub ELB.1 for internet-facing load balancers without a certificate; dev may use HTTP.
    _rule(
        "elb-https-in-production",
        "Internet-facing load balancers serve HTTPS in production.",
        MANDATORY,
        LISTENERS,
        check_https_in_production,
        "Security Hub ELB.1",
        cross_resource=True,
        advisory_outside_production=True,
    ),
    # Security Hub ELB.17.
    _rule(
        "elb-tls-policy",
        "HTTPS listeners use a TLS 1.2+ security policy.",
        MANDATORY,
        LISTENERS,
        check_tls_policy,
        "Security Hub ELB.17",
    ),
    # Security Hub ELB.6; dev stacks are torn down freely.
    _rule(
        "elb-deletion-protection",
        "Load balancers have deletion protection in production.",
        MANDATORY,
        LOAD_BALANCERS,
        check_deletion_protection,
        "Security Hub ELB.6",
        advisory_outside_production=True,
    ),
    # Security Hub ELB.5. Advisory: needs a log bucket the stack does not create by default.
    _rule(
        "elb-access-logs",
        "Load balancers write access logs.",
        ADVISORY,
        LOAD_BALANCERS,
        check_access_logs,
        "Security Hub ELB.5",
    ),
    # Security Hub EC2.18 (authorised ports 80 and 443) and EC2.19.
    _rule(
        "ec2-no-open-ingress",
        "Security groups admit the whole internet only on ports 80 and 443.",
        MANDATORY,
        INGRESS_RULES,
        check_no_open_ingress,
        "Security Hub EC2.18/EC2.19",
    ),
    # Security Hub IAM.21 (customer managed policies), applied to inline role policies too.
    _rule(
        "iam-no-wildcard-actions",
        "IAM policies do not allow wildcard actions (`*`, `service:*`) or NotAction.",
        MANDATORY,
        IDENTITY_POLICIES,
        check_no_wildcard_actions,
        "Security Hub IAM.21",
    ),
    # No AWS control (least privilege, as the design requires): data services name their resources.
    _rule(
        "iam-data-resources-scoped",
        "IAM statements on data services (S3, SQS, SNS, DynamoDB, Secrets Manager, SSM, KMS, Logs, ECR) "
        "name their resources instead of `*`.",
        MANDATORY,
        IDENTITY_POLICIES,
        check_data_resources_scoped,
        "none",
    ),
    # Security Hub CloudWatch.16 (any retention; the control's default minimum of 365 days is a cost choice).
    _rule(
        "logs-retention-set",
        "CloudWatch log groups have a retention period.",
        MANDATORY,
        LOG_GROUP,
        check_log_retention,
        "Security Hub CloudWatch.16",
    ),
    # Security Hub ECR.1.
    _rule(
        "ecr-scan-on-push",
        "ECR repositories scan images on push.",
        MANDATORY,
        REPOSITORY,
        check_scan_on_push,
        "Security Hub ECR.1",
    ),
    # Security Hub ECR.3.
    _rule(
        "ecr-lifecycle-policy",
        "ECR repositories have a lifecycle policy.",
        MANDATORY,
        REPOSITORY,
        check_lifecycle_policy,
        "Security Hub ECR.3",
        cross_resource=True,
    ),
    # No AWS control; the project's data-protection convention.
    _rule(
        "stateful-resources-protected",
        "In production, buckets, queues, log groups, ECR repositories and secrets are protected and retained "
        "on delete.",
        MANDATORY,
        STATEFUL,
        check_stateful_protected,
        "none",
    ),
    # No AWS control; what CDK does not expose (aws-cdk#13659).
    _rule(
        "scheduler-retry-and-dlq",
        "EventBridge Scheduler schedules have a retry policy and a dead-letter queue.",
        MANDATORY,
        SCHEDULE,
        check_schedule_retry_and_dlq,
        "none",
    ),
    # Security Hub KMS.4.
    _rule(
        "kms-key-rotation",
        "Symmetric KMS keys rotate their key material yearly.",
        MANDATORY,
        KMS_KEY,
        check_key_rotation,
        "Security Hub KMS.4",
    ),
    # Security Hub CloudWatch.15; dev alarms may stay silent.
    _rule(
        "cloudwatch-alarm-has-actions",
        "CloudWatch alarms notify someone in production.",
        MANDATORY,
        METRIC_ALARM,
        check_alarm_actions,
        "Security Hub CloudWatch.15",
        advisory_outside_production=True,
    ),
)

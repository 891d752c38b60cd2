"""What becomes of every Copilot manifest field: declared once, read by the mappers, the report and the docs.

A rule names a field path (`*` one key of a user-named mapping, `[]` any list item, `**` everything below),
the workload types it applies to, its outcome and the stack key it lands in, or why it cannot. The first
matching rule wins, so specific paths come before the general ones. A field no rule names is reported as
unsupported ("not a field this importer knows"), never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .manifests import BACKEND, ENVIRONMENT, JOB, WEB, WORKER, Path_

SERVICES = (WEB, BACKEND, WORKER)
WORKLOADS = (WEB, BACKEND, WORKER, JOB)
ALL = (*WORKLOADS, ENVIRONMENT)
# The config key each workload type becomes.
TARGET_KEY = {
    JOB: "ecs-workloads:jobs",
    WORKER: "ecs-workloads:workers",
    WEB: "ecs-workloads:webServices",
    BACKEND: "ecs-workloads:backends",
}


class Outcome(StrEnum):
    MAPPED = "mapped"
    APPROXIMATED = "approximated"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Rule:
    pattern: str
    outcome: Outcome
    target: str
    """Where it lands (config key path), or '-'."""
    note: str
    """How it is approximated, or why it is unsupported; for mapped fields what to know, if anything."""
    types: tuple[str, ...] = WORKLOADS

    def parts(self) -> tuple[str, ...]:
        return tuple(part for part in self.pattern.replace("[]", ".[]").split(".") if part)

    def matches(self, path: Path_, kind: str) -> bool:
        if kind not in self.types:
            return False
        parts = self.parts()
        for index, part in enumerate(parts):
            if part == "**":
                return True
            if index >= len(path):
                return False
            given = path[index]
            if part == "[]":
                if not isinstance(given, int):
                    return False
            elif part != "*" and part != given:
                return False
        return len(parts) == len(path)


M, A, U = Outcome.MAPPED, Outcome.APPROXIMATED, Outcome.UNSUPPORTED
_FROM_CFN = "from_cfn reads a CloudFormation export of the Copilot app; look the value up and write it in"
_ADDONS = "Copilot-specific integration with no equivalent in this stack"

RULES: tuple[Rule, ...] = (
    # --- identity -------------------------------------------------------------------------------------------
    Rule("name", M, "the entry's name", "jobs take it as `name`; services as their key"),
    Rule(
        "type",
        M,
        "the config key",
        "Scheduled Job → jobs, Worker Service → workers, Load Balanced Web Service → "
        "webServices, Backend Service → backends",
    ),
    Rule("name", M, "-", "the environment's name (--env)", (ENVIRONMENT,)),
    Rule("type", M, "-", "Environment", (ENVIRONMENT,)),
    # --- image ----------------------------------------------------------------------------------------------
    Rule("image.location", M, "workload.image", ""),
    Rule(
        "image.build",
        A,
        "workload.image",
        "the stack builds only apps/<name>; the stack file gets the "
        "placeholder image <name>:latest: build and push the image, then set workload.image",
    ),
    Rule(
        "image.build.**",
        A,
        "workload.image",
        "build arguments of a local build: build and push the image yourself, then set workload.image",
    ),
    Rule(
        "image.port",
        M,
        "workload.port",
        "ports below 1024 need root; the containers run as non-root, so such a port is written as 8080 (approximated)",
        (WEB, BACKEND),
    ),
    Rule("image.port", U, "-", "a worker or job receives no traffic; nothing listens on the port", (WORKER, JOB)),
    Rule("image.healthcheck.command", M, "workload.healthCheck.command", ""),
    Rule("image.healthcheck.**", M, "workload.healthCheck", "durations become seconds"),
    Rule("image.credentials", U, "-", "private registry credentials are not supported; push the image to ECR"),
    Rule("image.labels.*", U, "-", "Docker labels of the container are not set by the stack"),
    Rule(
        "image.depends_on.*",
        M,
        "workload.dependsOn",
        "start, complete, success, healthy → START, COMPLETE, SUCCESS, HEALTHY",
    ),
    Rule("image.docker_labels.*", U, "-", "Docker labels of the container are not set by the stack"),
    # --- size and placement ---------------------------------------------------------------------------------
    Rule("cpu", M, "workload.cpu", ""),
    Rule("memory", M, "workload.memory", ""),
    Rule(
        "platform", M, "workload.cpuArchitecture", "linux/x86_64 → X86_64, linux/arm64 → ARM64; Windows is unsupported"
    ),
    Rule("platform.**", M, "workload.cpuArchitecture", "osfamily/architecture as above"),
    Rule("exec", M, "workload.enableExecuteCommand", ""),
    Rule(
        "network.vpc.placement",
        A,
        "ecs-workloads:network",
        "the stack places every workload alike: in the "
        "private subnets when the network has them (NAT), else in the public ones with a public IP",
    ),
    Rule(
        "network.vpc.placement.**",
        A,
        "ecs-workloads:network",
        "subnet choice per workload is not supported; the stack's network decides",
    ),
    Rule(
        "network.vpc.security_groups",
        U,
        "-",
        "extra security groups per workload are not supported; grant "
        "access with the workload's own security group (output securityGroupId)",
    ),
    Rule("network.vpc.security_groups.**", U, "-", "extra security groups per workload are not supported"),
    Rule(
        "network.connect",
        A,
        "-",
        "Service Connect: backends are reachable through Service Connect in the "
        "stack's namespace; other services do not join it",
        SERVICES,
    ),
    Rule("network.connect.**", U, "-", "Service Connect aliases are not configurable", SERVICES),
    Rule("command", M, "workload.command", "a string is split like a shell would (shlex)", SERVICES),
    Rule("command", M, "command", "a string is split like a shell would (shlex)", (JOB,)),
    Rule("entrypoint", M, "workload.entryPoint", "a string is split like a shell would (shlex)"),
    Rule("variables.*", M, "workload.environment", "values become strings"),
    Rule("variables.*.from_cfn", U, "-", _FROM_CFN),
    Rule("env_file", U, "-", "env files on S3 are not supported; move the variables into the manifest"),
    Rule(
        "secrets.*",
        A,
        "workload.secrets",
        "an SSM parameter name becomes the parameter's ARN in the stack's "
        "region with account 123456789012: replace it with yours",
    ),
    Rule(
        "secrets.*.secretsmanager",
        A,
        "workload.secrets",
        "a Secrets Manager name becomes a partial ARN (region, account 123456789012); a full ARN is mapped as it is",
    ),
    Rule("secrets.*.from_cfn", U, "-", _FROM_CFN),
    Rule("storage.readonly_fs", M, "workload.readonlyRootFilesystem", ""),
    Rule("storage.ephemeral", U, "-", "ephemeral storage size is not a stack setting (Fargate's 20 GiB)"),
    Rule("storage.volumes.*.path", M, "workload.efsVolumes[].path", ""),
    Rule("storage.volumes.*.read_only", M, "workload.efsVolumes[].readOnly", ""),
    Rule(
        "storage.volumes.*.efs",
        M,
        "workload.efsVolumes[].create",
        "efs: true creates an encrypted file system for the volume (Copilot's managed EFS)",
    ),
    Rule("storage.volumes.*.efs.id", M, "workload.efsVolumes[].fileSystemId", ""),
    Rule("storage.volumes.*.efs.id.from_cfn", U, "-", _FROM_CFN),
    Rule("storage.volumes.*.efs.root_dir", M, "workload.efsVolumes[].rootDirectory", ""),
    Rule("storage.volumes.*.efs.auth.access_point_id", M, "workload.efsVolumes[].accessPointId", ""),
    Rule("storage.volumes.*.efs.auth.iam", A, "-", "the stack always mounts with IAM authorization"),
    Rule(
        "storage.volumes.*.efs.uid",
        A,
        "workload.efsVolumes[].create",
        "a managed file system's directory is owned by the container's user; uid/gid are not separate settings",
    ),
    Rule("storage.volumes.*.efs.gid", A, "workload.efsVolumes[].create", "as uid"),
    Rule("storage.volumes.*", U, "-", "only EFS volumes are supported; a bind-mount scratch volume is not"),
    Rule(
        "logging.retention",
        A,
        "ecs-workloads:logs.retentionDays",
        "one retention for the whole stack: the largest of the workloads' is written",
    ),
    Rule(
        "logging.destination.Name",
        A,
        "workload.logRouting.destination",
        "FireLens cloudwatch/s3/firehose outputs only; their other options are not carried",
    ),
    Rule("logging.**", U, "-", "FireLens options beyond the destination are not supported"),
    Rule("sidecars.*.image", M, "workload.sidecars[].image", "a sidecar built from a Dockerfile is not supported"),
    Rule("sidecars.*.image.location", M, "workload.sidecars[].image", ""),
    Rule("sidecars.*.port", M, "workload.sidecars[].port", "port/protocol: the protocol is dropped (TCP)"),
    Rule("sidecars.*.essential", M, "workload.sidecars[].essential", ""),
    Rule("sidecars.*.command", M, "workload.sidecars[].command", ""),
    Rule("sidecars.*.variables.*", M, "workload.sidecars[].environment", "values become strings"),
    Rule("sidecars.*.secrets.*", A, "workload.sidecars[].secrets", "as secrets"),
    Rule("sidecars.*.healthcheck.command", M, "workload.sidecars[].healthCheck.command", ""),
    Rule("sidecars.*.healthcheck.*", M, "workload.sidecars[].healthCheck", "durations become seconds"),
    Rule("sidecars.*.depends_on.*", M, "workload.sidecars[].dependsOn", ""),
    Rule("sidecars.*.**", U, "-", "not a sidecar setting of the stack"),
    Rule("taskdef_overrides", U, "-", "raw CloudFormation overrides have no equivalent; see the stack's settings"),
    Rule("taskdef_overrides.**", U, "-", "raw CloudFormation overrides have no equivalent"),
    Rule("publish.topics[].name", M, "ecs-workloads:topics[].name", "named <workload>-<topic>, as Copilot does"),
    Rule("publish.topics[].fifo", U, "-", "FIFO topics are not supported (standard topics only)"),
    Rule("publish.topics[].fifo.**", U, "-", "FIFO topics are not supported"),
    Rule(
        "deployment.rolling",
        A,
        "deployment",
        "default keeps the rolling update; recreate is approximated by the rolling update",
        SERVICES,
    ),
    Rule(
        "deployment.rollback_alarms",
        A,
        "deployment",
        "the stack rolls back on its own alarms (circuit breaker and 5xx rate), not on these",
        SERVICES,
    ),
    Rule(
        "deployment.rollback_alarms.**",
        A,
        "deployment",
        "the stack rolls back on its own alarms (circuit breaker and 5xx rate), not on these thresholds",
        SERVICES,
    ),
    Rule("observability.tracing", U, "-", "X-Ray sidecars are not added; see ecs-workloads:telemetry"),
    Rule("variables.**", U, "-", "not a plain variable value"),
    Rule("secrets.**", U, "-", "not a secret reference this importer knows"),
    # --- services -------------------------------------------------------------------------------------------
    Rule("count", M, "desiredCount", "", (WEB, BACKEND)),
    Rule("count", M, "minTasks/maxTasks", "a fixed count n becomes minTasks = maxTasks = n", (WORKER,)),
    Rule("count.range", M, "autoscaling.minTasks/maxTasks", "", (WEB, BACKEND)),
    Rule("count.range.min", M, "autoscaling.minTasks", "", (WEB, BACKEND)),
    Rule("count.range.max", M, "autoscaling.maxTasks", "", (WEB, BACKEND)),
    Rule("count.range", M, "minTasks/maxTasks", "", (WORKER,)),
    Rule("count.range.min", M, "minTasks", "", (WORKER,)),
    Rule("count.range.max", M, "maxTasks", "", (WORKER,)),
    Rule(
        "count.range.spot_from",
        A,
        "workload.capacity",
        "Spot from the n-th task becomes base n-1 on-demand tasks, the rest split evenly between FARGATE and "
        "FARGATE_SPOT (a base needs a FARGATE weight)",
    ),
    Rule("count.spot", A, "workload.capacity", "n tasks all on Spot: desiredCount n, capacity fargateSpot only"),
    Rule("count.cpu_percentage", M, "autoscaling.cpuTargetPercent", "", (WEB, BACKEND)),
    Rule("count.cpu_percentage.value", M, "autoscaling.cpuTargetPercent", "", (WEB, BACKEND)),
    Rule("count.memory_percentage", M, "autoscaling.memoryTargetPercent", "", (BACKEND,)),
    Rule("count.memory_percentage.value", M, "autoscaling.memoryTargetPercent", "", (BACKEND,)),
    Rule("count.memory_percentage", U, "-", "a web service scales on CPU and requests only", (WEB,)),
    Rule("count.memory_percentage.**", U, "-", "a web service scales on CPU and requests only", (WEB,)),
    Rule("count.requests", M, "autoscaling.requestsPerTarget", "", (WEB,)),
    Rule("count.requests.value", M, "autoscaling.requestsPerTarget", "", (WEB,)),
    Rule("count.requests", U, "-", "a backend has no load balancer whose requests could be counted", (BACKEND,)),
    Rule("count.requests.**", U, "-", "a backend has no load balancer whose requests could be counted", (BACKEND,)),
    Rule("count.response_time", U, "-", "target response time is not an autoscaling metric of the stack"),
    Rule("count.response_time.**", U, "-", "target response time is not an autoscaling metric of the stack"),
    Rule("count.*.cooldown.**", A, "-", "the stack's target tracking keeps its own cooldowns"),
    Rule("count.cooldown.**", A, "-", "the stack's target tracking keeps its own cooldowns"),
    Rule(
        "count.queue_delay.acceptable_latency",
        A,
        "messagesPerTask",
        "messagesPerTask = acceptable_latency / "
        "msg_processing_time (the backlog one task clears in the acceptable latency)",
        (WORKER,),
    ),
    Rule("count.queue_delay.msg_processing_time", A, "messagesPerTask", "as acceptable_latency", (WORKER,)),
    Rule("count.cpu_percentage", U, "-", "a worker scales on its queue backlog only", (WORKER,)),
    Rule("count.cpu_percentage.**", U, "-", "a worker scales on its queue backlog only", (WORKER,)),
    Rule("count.memory_percentage", U, "-", "a worker scales on its queue backlog only", (WORKER,)),
    Rule("count.memory_percentage.**", U, "-", "a worker scales on its queue backlog only", (WORKER,)),
    Rule("http.path", M, "pathPattern", "a path p becomes /p*; '' or / becomes /*", (WEB,)),
    Rule("http.healthcheck", M, "healthCheckPath", "", (WEB,)),
    Rule("http.healthcheck.path", M, "healthCheckPath", "", (WEB,)),
    Rule("http.healthcheck.**", A, "-", "thresholds and intervals keep the stack's defaults", (WEB,)),
    Rule("http.allowed_source_ips", M, "sourceCidrs", "", (WEB,)),
    Rule(
        "http.alias",
        M,
        "hostHeader",
        "the first alias becomes the rule's host header; the DNS records are "
        "yours to create (Copilot's hosted zone integration is not carried)",
        (WEB,),
    ),
    Rule("http.alias[].name", M, "hostHeader", "as alias", (WEB,)),
    Rule("http.alias[].hosted_zone", U, "-", "DNS records for aliases are not created", (WEB,)),
    Rule("http.hosted_zone", U, "-", "DNS records for aliases are not created", (WEB,)),
    Rule(
        "http.redirect_to_https",
        A,
        "ecs-workloads:loadBalancer.certificateArn",
        "with a certificate the shared load balancer always redirects HTTP to HTTPS",
        (WEB,),
    ),
    Rule("http.target_container", U, "-", "traffic goes to the main container", (WEB,)),
    Rule("http.target_port", U, "-", "traffic goes to image.port", (WEB,)),
    Rule("http.deregistration_delay", U, "-", "the target group keeps the stack's deregistration delay", (WEB,)),
    Rule("http.stickiness", U, "-", "sticky sessions are not supported", (WEB,)),
    Rule(
        "http.alb", U, "-", "an imported load balancer: the stack creates its own (ecs-workloads:loadBalancer)", (WEB,)
    ),
    Rule("http.version", U, "-", "the target group speaks HTTP/1.1", (WEB,)),
    Rule("http.additional_rules[].**", U, "-", "one listener rule per web service", (WEB,)),
    Rule("http", U, "-", "http: false (no load balancer) is not a web service of the stack", (WEB,)),
    Rule("http.**", U, "-", "not an http setting of the stack", (WEB,)),
    Rule("nlb.**", U, "-", "Network Load Balancers are not supported", (WEB,)),
    Rule("http.**", U, "-", "a backend's internal ALB is not supported; reach it through Service Connect", (BACKEND,)),
    Rule("subscribe.topics[].name", M, "subscriptions[].topic", "the topic <service>-<name>", (WORKER,)),
    Rule("subscribe.topics[].service", M, "subscriptions[].topic", "the publishing workload", (WORKER,)),
    Rule("subscribe.topics[].filter_policy.**", M, "subscriptions[].filterPolicy", "", (WORKER,)),
    Rule(
        "subscribe.topics[].queue", U, "-", "one queue per worker; a topic-specific queue is not supported", (WORKER,)
    ),
    Rule(
        "subscribe.topics[].queue.**",
        U,
        "-",
        "one queue per worker; a topic-specific queue is not supported",
        (WORKER,),
    ),
    Rule("subscribe.queue.timeout", M, "visibilityTimeoutSeconds", "", (WORKER,)),
    Rule("subscribe.queue.retention", M, "maxMessageAgeSeconds", "", (WORKER,)),
    Rule("subscribe.queue.dead_letter.tries", M, "maxReceiveCount", "", (WORKER,)),
    Rule("subscribe.queue.delay", U, "-", "delivery delay is not a queue setting of the stack", (WORKER,)),
    Rule("subscribe.queue.fifo", U, "-", "FIFO queues are not supported", (WORKER,)),
    Rule("subscribe.queue.fifo.**", U, "-", "FIFO queues are not supported", (WORKER,)),
    Rule("subscribe.**", U, "-", "not a subscription setting of the stack", (WORKER,)),
    # --- scheduled jobs -------------------------------------------------------------------------------------
    Rule(
        "on.schedule",
        M,
        "schedule",
        "@every/@daily/... and 5-field cron as they are; none becomes a paused "
        "daily schedule (enabled: false) to run by hand",
        (JOB,),
    ),
    Rule("retries", M, "retries", "with target workflow, which starts a failed task again", (JOB,)),
    Rule("timeout", U, "-", "the stack does not stop a run after a timeout; the container must end itself", (JOB,)),
    Rule("count", U, "-", "a job's task count is taskCount; Copilot's count belongs to services", (JOB,)),
    # --- environment ----------------------------------------------------------------------------------------
    Rule("network.vpc.id", M, "ecs-workloads:network.vpcId", "", (ENVIRONMENT,)),
    Rule("network.vpc.cidr", M, "ecs-workloads:network.cidrBlock", "", (ENVIRONMENT,)),
    Rule("network.vpc.subnets.public[].id", M, "ecs-workloads:network.publicSubnetIds", "", (ENVIRONMENT,)),
    Rule("network.vpc.subnets.private[].id", M, "ecs-workloads:network.privateSubnetIds", "", (ENVIRONMENT,)),
    Rule(
        "network.vpc.subnets.*[].cidr",
        A,
        "ecs-workloads:network.cidrBlock",
        "subnets are cut from the VPC's CIDR evenly; their own CIDRs are not kept",
        (ENVIRONMENT,),
    ),
    Rule(
        "network.vpc.subnets.*[].az",
        A,
        "ecs-workloads:network.availabilityZones",
        "the number of zones is kept, not their names",
        (ENVIRONMENT,),
    ),
    Rule("network.vpc.flow_logs", U, "-", "VPC flow logs are not created", (ENVIRONMENT,)),
    Rule("network.vpc.flow_logs.**", U, "-", "VPC flow logs are not created", (ENVIRONMENT,)),
    Rule("network.vpc.security_group.**", U, "-", "environment security group rules are not supported", (ENVIRONMENT,)),
    Rule(
        "http.public.certificates",
        M,
        "ecs-workloads:loadBalancer.certificateArn",
        "the first certificate; further ones are not attached (approximated when there are more)",
        (ENVIRONMENT,),
    ),
    Rule("http.public.ingress.source_ips", M, "ecs-workloads:loadBalancer.allowedCidrs", "", (ENVIRONMENT,)),
    Rule("http.private.**", U, "-", "an internal load balancer for backends is not supported", (ENVIRONMENT,)),
    Rule("http.**", U, "-", "not a load balancer setting of the stack", (ENVIRONMENT,)),
    Rule(
        "observability.container_insights",
        M,
        "ecs-workloads:cluster.containerInsights",
        "true → enabled; false writes nothing (off is the default)",
        (ENVIRONMENT,),
    ),
    Rule("cdn", U, "-", "CloudFront is not created", (ENVIRONMENT,)),
    Rule("cdn.**", U, "-", "CloudFront is not created", (ENVIRONMENT,)),
)

UNKNOWN = Rule("**", U, "-", "not a field this importer knows", ALL)


def rule_for(path: Path_, kind: str) -> Rule:
    return next((rule for rule in RULES if rule.matches(path, kind)), UNKNOWN)

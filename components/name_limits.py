"""How long a component's name may be: the AWS name limits its autonamed children must fit.

Pulumi names a child that gets no explicit name `<logical name>-<7 random hex>`, 8 characters more than
its logical name, and pulumi-aws refuses at preview a name longer than the AWS limit rather than
truncating it (pulumi/pulumi-cdk#62: `"name" cannot be longer than 32 characters:
"loadbalancedserviceLB1BE8EDCE-403d9b7"`; pulumi/pulumi-aws#2121: "its hyphen-plus-7-character-hash").
Children are named `<component name><suffix>`, so each component declares its autonamed children's
suffixes with the limit each must fit, and the component name's maximum follows from the tightest one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .validation import ArgumentProblems

AUTONAME_SUFFIX = 8
"""`-` and 7 random hex characters that Pulumi appends to a logical name."""


@dataclass(frozen=True)
class NameLimit:
    """The longest name AWS accepts for one kind of resource."""

    resource_type: str
    """Pulumi type token of the resource."""
    what: str
    limit: int
    citation: str
    """Where AWS states the limit, quoted by the conformance check's findings."""


IAM_ROLE = NameLimit(
    "aws:iam/role:Role", "an IAM role name", 64, "IAM User Guide, IAM and AWS STS quotas: role name 64 characters"
)
IAM_ROLE_POLICY = NameLimit(
    "aws:iam/rolePolicy:RolePolicy",
    "an IAM policy name",
    128,
    "IAM User Guide, IAM and AWS STS quotas: inline policy name 128 characters",
)
LOG_GROUP = NameLimit(
    "aws:cloudwatch/logGroup:LogGroup",
    "a log group name",
    512,
    "CloudWatch Logs API Reference, CreateLogGroup logGroupName: 1–512 characters",
)
SECURITY_GROUP = NameLimit(
    "aws:ec2/securityGroup:SecurityGroup",
    "a security group name",
    255,
    "EC2 API Reference, CreateSecurityGroup GroupName: up to 255 characters",
)
ECR_REPOSITORY = NameLimit(
    "aws:ecr/repository:Repository",
    "an ECR repository name",
    256,
    "ECR API Reference, CreateRepository repositoryName: 2–256 characters",
)
SQS_QUEUE = NameLimit(
    "aws:sqs/queue:Queue", "an SQS queue name", 80, "SQS API Reference, CreateQueue QueueName: up to 80 characters"
)
SNS_TOPIC = NameLimit(
    "aws:sns/topic:Topic",
    "an SNS topic name",
    256,
    "SNS API Reference, CreateTopic Name: up to 256 letters, digits, hyphens and underscores",
)
ALARM = NameLimit(
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "an alarm name",
    255,
    "CloudWatch API Reference, PutMetricAlarm AlarmName: 1–255 characters",
)
SCHEDULE = NameLimit(
    "aws:scheduler/schedule:Schedule",
    "a schedule name",
    64,
    "EventBridge Scheduler API Reference, CreateSchedule Name: 1–64 characters",
)
SCHEDULE_GROUP = NameLimit(
    "aws:scheduler/scheduleGroup:ScheduleGroup",
    "a schedule group name",
    64,
    "EventBridge Scheduler API Reference, CreateScheduleGroup Name: 1–64 characters",
)
EVENT_RULE = NameLimit(
    "aws:cloudwatch/eventRule:EventRule",
    "an EventBridge rule name",
    64,
    "EventBridge API Reference, PutRule Name: at most 64 characters",
)
LOAD_BALANCER = NameLimit(
    "aws:lb/loadBalancer:LoadBalancer",
    "a load balancer name",
    32,
    "ELB API Reference, CreateLoadBalancer Name: at most 32 characters",
)
TARGET_GROUP = NameLimit(
    "aws:lb/targetGroup:TargetGroup",
    "a target group name",
    32,
    "ELB API Reference, CreateTargetGroup Name: at most 32 characters",
)
ECS_SERVICE = NameLimit(
    "aws:ecs/service:Service",
    "an ECS service name",
    255,
    "ECS API Reference, CreateService serviceName: up to 255 characters",
)
S3_BUCKET = NameLimit(
    "aws:s3/bucket:Bucket",
    "an S3 bucket name",
    63,
    "S3 User Guide, General purpose bucket naming rules: between 3 (min) and 63 (max) characters long",
)
SCALING_POLICY = NameLimit(
    "aws:appautoscaling/policy:Policy",
    "a scaling policy name",
    256,
    "Application Auto Scaling API Reference, PutScalingPolicy PolicyName: 1–256 characters",
)
STATE_MACHINE = NameLimit(
    "aws:sfn/stateMachine:StateMachine",
    "a state machine name",
    80,
    "Step Functions API Reference, CreateStateMachine name: 1–80 characters",
)

NAME_LIMITS = {
    limit.resource_type: limit
    for limit in (
        IAM_ROLE,
        IAM_ROLE_POLICY,
        LOG_GROUP,
        SECURITY_GROUP,
        ECR_REPOSITORY,
        SQS_QUEUE,
        SNS_TOPIC,
        ALARM,
        SCHEDULE,
        SCHEDULE_GROUP,
        EVENT_RULE,
        LOAD_BALANCER,
        TARGET_GROUP,
        ECS_SERVICE,
        S3_BUCKET,
        SCALING_POLICY,
        STATE_MACHINE,
    )
}
"""Every limit above by type token, for checks over recorded resources."""


@dataclass(frozen=True)
class ChildName:
    """One autonamed child: its logical name is the component's name followed by `suffix`."""

    suffix: str
    limit: NameLimit

    @property
    def room(self) -> int:
        """The longest component name that still fits."""
        return self.limit.limit - len(self.suffix) - AUTONAME_SUFFIX


@dataclass(frozen=True)
class ComponentNames:
    """The autonamed children of a component, its own and those of the components it embeds."""

    children: tuple[ChildName, ...]

    @classmethod
    def of(
        cls, own: Iterable[tuple[str, NameLimit]], embeds: Iterable[tuple[str, ComponentNames]] = ()
    ) -> ComponentNames:
        """`own` as `(suffix, limit)`; each embedded component as `(its name pattern, its names)`, the pattern
        a `str.format` of `name` such as `"{name}-workload"`."""
        children = [ChildName(suffix, limit) for suffix, limit in own]
        for pattern, names in embeds:
            prefix = pattern.format(name="")
            children += [ChildName(prefix + child.suffix, child.limit) for child in names.children]
        return cls(tuple(children))

    @property
    def binding(self) -> ChildName:
        """The child that leaves the component name the least room."""
        return min(self.children, key=lambda child: child.room)

    @property
    def max_length(self) -> int:
        """The longest name the component accepts."""
        return self.binding.room

    def allowed(self) -> str:
        return f"at most {self.max_length} characters: {self.reason()}"

    def reason(self, name: str = "<name>") -> str:
        """Why the bound is what it is, with the component's name written as `name`."""
        child = self.binding
        return (
            f"the longest resource name {name}{child.suffix} plus the {AUTONAME_SUFFIX}-character autoname suffix "
            f"must fit the {child.limit.limit} characters {child.limit.what} allows"
        )

    def check(self, name: str, problems: ArgumentProblems) -> None:
        problems.check(len(name) <= self.max_length, "name", name, self.allowed())

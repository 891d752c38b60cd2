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


# The botocore service models (botocore/data/<service>/*/service-2.json) unless said otherwise.
IAM_ROLE = NameLimit("aws:iam/role:Role", "an IAM role name", 64)  # iam roleNameType max 64
IAM_ROLE_POLICY = NameLimit("aws:iam/rolePolicy:RolePolicy", "an IAM policy name", 128)  # iam policyNameType
LOG_GROUP = NameLimit("aws:cloudwatch/logGroup:LogGroup", "a log group name", 512)  # logs LogGroupName max 512
# ec2 CreateSecurityGroup GroupName: "Up to 255 characters in length".
SECURITY_GROUP = NameLimit("aws:ec2/securityGroup:SecurityGroup", "a security group name", 255)
ECR_REPOSITORY = NameLimit("aws:ecr/repository:Repository", "an ECR repository name", 256)  # ecr RepositoryName
# sqs CreateQueue QueueName: "A queue name can have up to 80 characters".
SQS_QUEUE = NameLimit("aws:sqs/queue:Queue", "an SQS queue name", 80)
ALARM = NameLimit("aws:cloudwatch/metricAlarm:MetricAlarm", "an alarm name", 255)  # cloudwatch AlarmName max 255
SCHEDULE = NameLimit("aws:scheduler/schedule:Schedule", "a schedule name", 64)  # scheduler Name max 64
SCHEDULE_GROUP = NameLimit("aws:scheduler/scheduleGroup:ScheduleGroup", "a schedule group name", 64)
EVENT_RULE = NameLimit("aws:cloudwatch/eventRule:EventRule", "an EventBridge rule name", 64)  # events RuleName
# elbv2 CreateLoadBalancer / CreateTargetGroup Name: "can have a maximum of 32 characters".
LOAD_BALANCER = NameLimit("aws:lb/loadBalancer:LoadBalancer", "a load balancer name", 32)
TARGET_GROUP = NameLimit("aws:lb/targetGroup:TargetGroup", "a target group name", 32)
ECS_SERVICE = NameLimit("aws:ecs/service:Service", "an ECS service name", 255)  # ECS CreateService serviceName
# S3 User Guide, "General purpose bucket naming rules": "between 3 (min) and 63 (max) characters long".
S3_BUCKET = NameLimit("aws:s3/bucket:Bucket", "an S3 bucket name", 63)
SCALING_POLICY = NameLimit("aws:appautoscaling/policy:Policy", "a scaling policy name", 256)  # PolicyName max 256

NAME_LIMITS = {
    limit.resource_type: limit
    for limit in (
        IAM_ROLE,
        IAM_ROLE_POLICY,
        LOG_GROUP,
        SECURITY_GROUP,
        ECR_REPOSITORY,
        SQS_QUEUE,
        ALARM,
        SCHEDULE,
        SCHEDULE_GROUP,
        EVENT_RULE,
        LOAD_BALANCER,
        TARGET_GROUP,
        ECS_SERVICE,
        S3_BUCKET,
        SCALING_POLICY,
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

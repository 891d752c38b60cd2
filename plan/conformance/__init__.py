"""Offline AWS conformance: every recorded resource as the API requests it becomes, judged by AWS's rules.

`check(recording)` translates each registration (`requests`, `requests_edge`, `requests_network`,
`requests_compute`, `requests_efs`), validates each request
against the botocore service model (`model`), the JSON documents inside it (`documents`) and the
server-side rules no model states (`rules`), and returns a `Report`. Types without a translator are
listed in the report, never passed silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.recording import Recording, Registration

from . import documents, model, requests, requests_compute, requests_edge, requests_efs, requests_network, rules
from .requests import Request

TRANSLATORS: dict[str, Callable[[Registration], list[Request]]] = {
    "aws:ecs/taskDefinition:TaskDefinition": requests.task_definition,
    "aws:ecs/service:Service": requests.service,
    "aws:ecs/cluster:Cluster": requests.cluster,
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": requests.capacity_providers,
    "aws:servicediscovery/httpNamespace:HttpNamespace": requests.http_namespace,
    "aws:iam/role:Role": requests.role,
    "aws:iam/rolePolicy:RolePolicy": requests.role_policy,
    "aws:sqs/queue:Queue": requests.queue,
    "aws:sqs/queuePolicy:QueuePolicy": requests.queue_policy,
    "aws:scheduler/schedule:Schedule": requests.schedule,
    "aws:scheduler/scheduleGroup:ScheduleGroup": requests.schedule_group,
    "aws:sfn/stateMachine:StateMachine": requests.state_machine,
    "aws:appautoscaling/target:Target": requests.scaling_target,
    "aws:appautoscaling/policy:Policy": requests.scaling_policy,
    "aws:appautoscaling/scheduledAction:ScheduledAction": requests.scheduled_action,
    "aws:ecr/repository:Repository": requests.repository,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": requests.lifecycle_policy,
    "aws:cloudwatch/logGroup:LogGroup": requests.log_group,
    "aws:kms/key:Key": requests_edge.key,
    "aws:sns/topic:Topic": requests_edge.topic,
    "aws:sns/topicPolicy:TopicPolicy": requests_edge.topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": requests_edge.subscription,
    "aws:cloudwatch/eventRule:EventRule": requests_edge.event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": requests_edge.event_target,
    "aws:cloudwatch/metricAlarm:MetricAlarm": requests_edge.metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": requests_edge.dashboard,
    "aws:secretsmanager/secret:Secret": requests_edge.secret,
    "aws:lb/loadBalancer:LoadBalancer": requests_edge.load_balancer,
    "aws:lb/targetGroup:TargetGroup": requests_edge.target_group,
    "aws:lb/listener:Listener": requests_edge.listener,
    "aws:lb/listenerRule:ListenerRule": requests_edge.listener_rule,
    "aws:s3/bucket:Bucket": requests_network.bucket,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": requests_network.public_access_block,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        requests_network.encryption
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": requests_network.lifecycle,
    "aws:s3/bucketPolicy:BucketPolicy": requests_network.bucket_policy,
    "aws:s3/bucketNotification:BucketNotification": requests_network.notification,
    "aws:ec2/securityGroup:SecurityGroup": requests_network.security_group,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": requests_network.ingress_rule,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": requests_network.egress_rule,
    "aws:secretsmanager/secretVersion:SecretVersion": requests_network.secret_version,
    "aws:route53/record:Record": requests_network.record,
    "aws:acm/certificate:Certificate": requests_network.certificate,
    "aws:acm/certificateValidation:CertificateValidation": requests_network.certificate_validation,
    "aws:ec2/launchTemplate:LaunchTemplate": requests_compute.launch_template,
    "aws:autoscaling/group:Group": requests_compute.auto_scaling_group,
    "aws:iam/instanceProfile:InstanceProfile": requests_compute.instance_profile,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": requests_compute.role_policy_attachment,
    "aws:ecs/capacityProvider:CapacityProvider": requests_compute.capacity_provider,
    "aws:efs/fileSystem:FileSystem": requests_efs.file_system,
    "aws:efs/mountTarget:MountTarget": requests_efs.mount_target,
    "aws:efs/accessPoint:AccessPoint": requests_efs.access_point,
    "aws:efs/fileSystemPolicy:FileSystemPolicy": requests_efs.file_system_policy,
    "aws:efs/backupPolicy:BackupPolicy": requests_efs.backup_policy,
}


@dataclass(frozen=True)
class Problem:
    resource: str
    request: str
    path: str
    value: Any
    rule: str

    def __str__(self) -> str:
        return f"{self.resource} ({self.request}) {self.path}: {self.value!r} — {self.rule}"


@dataclass
class Report:
    requests: list[Request] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Resource type -> how many registrations of it have no translator yet.
    unchecked: dict[str, int] = field(default_factory=dict)


def check_request(request: Request) -> list[Problem]:
    where = f"{request.service} {request.operation}"
    findings = model.validate_request(request.service, request.operation, request.params)
    for path, kind, text in request.documents:
        findings.extend(documents.CHECKS[kind](text, path))
    ruled = [
        Problem(request.resource, where, finding.path, finding.value, f"{finding.rule} [{rule.id}: {rule.citation}]")
        for rule in rules.RULES.get((request.service, request.operation), ())
        for finding in rule.check(request)
    ]
    # Where a cited rule and the model both object to one field (a role name over the model's 64 too), the
    # rule's message says more; report the field once.
    covered = {problem.path for problem in ruled}
    problems = [Problem(request.resource, where, f.path, f.value, f.rule) for f in findings if f.path not in covered]
    return problems + ruled


def check(recording: Recording) -> Report:
    report = Report()
    for registration in sorted((r for r in recording.registrations if r.custom), key=lambda r: r.urn):
        translate = TRANSLATORS.get(registration.type)
        if translate is None:
            report.unchecked[registration.type] = report.unchecked.get(registration.type, 0) + 1
            continue
        for request in translate(registration):
            report.requests.append(request)
            report.problems.extend(check_request(request))
    return report


def render(report: Report) -> str:
    summary = f"AWS rules: {len(report.requests)} requests checked, {len(report.problems)} problems"
    if report.unchecked:
        kinds = ", ".join(f"{kind} ×{count}" for kind, count in sorted(report.unchecked.items()))
        summary += f"; not translated, so not checked: {kinds}"
    lines = [summary]
    lines.extend(f"  {problem}" for problem in report.problems)
    return "\n".join(lines)

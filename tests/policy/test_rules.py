"""Every rule against a violating and a passing fixture, plus the rules over real recorded shapes."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from ecs_workloads import FargateWorkload, GeneratedSecret
from harness.program import run_callable
from policy.evaluate import evaluate
from policy.rules import ADVISORY, MANDATORY, RULES, ResourceView, StackContext, run_rules
from stack.tags import REQUIRED_TAGS

ACCOUNT = "123456789012"
# The real stacks set the required tags through the provider's default tags; so do these contexts.
DEV = StackContext("dev", protect_data=False, is_production=False, default_tags=dict.fromkeys(REQUIRED_TAGS, "dev"))
PROD = StackContext("prod", protect_data=True, is_production=True, default_tags=dict.fromkeys(REQUIRED_TAGS, "prod"))
UNTAGGED = StackContext("dev", protect_data=False, is_production=False)
BY_ID = {rule.id: rule for rule in RULES}
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
LOG_DESTINATION = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs-workloads/run:*"


def res(typ: str, name: str, props: dict[str, Any] | None = None, **options: Any) -> ResourceView:
    return ResourceView(
        type=typ, name=name, urn=f"urn:pulumi:test::ecs-workloads::{typ}::{name}", props=props or {}, **options
    )


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def containers(**container: Any) -> str:
    base = {
        "name": "app",
        "image": "public.ecr.aws/x/app:1",
        "privileged": False,
        "readonlyRootFilesystem": True,
        "user": "1000:1000",
        "environment": [{"name": "MODE", "value": "batch"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {}},
    }
    return json.dumps([{**base, **container}])


def task_definition(name: str = "task", **props: Any) -> ResourceView:
    return res(TASK, name, {"networkMode": "awsvpc", "containerDefinitions": containers(), **props})


def bucket(name: str = "data") -> ResourceView:
    physical = f"{name}-1234567"
    return res(BUCKET, name, state={"id": physical, "bucket": physical, "arn": f"arn:aws:s3:::{physical}"})


def queue(name: str, **props: Any) -> ResourceView:
    physical = f"{name}-1234567"
    url = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{physical}"
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{physical}"
    return res(QUEUE, name, {"sqsManagedSseEnabled": True, **props}, state={"id": url, "url": url, "arn": arn})


def redrive(dlq: ResourceView) -> str:
    return json.dumps({"deadLetterTargetArn": dlq.state["arn"], "maxReceiveCount": 3})


def service(**props: Any) -> ResourceView:
    base = {
        "networkConfiguration": {"subnets": ["subnet-a"], "assignPublicIp": False},
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    }
    return res(SERVICE, "web-service", {**base, **props})


def schedule(**target: Any) -> ResourceView:
    base = {
        "arn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/c",
        "ecsParameters": {"networkConfiguration": {"subnets": ["subnet-a"], "assignPublicIp": False}},
        "retryPolicy": {"maximumRetryAttempts": 3.0},
        "deadLetterConfig": {"arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:job-dlq"},
    }
    return res(SCHEDULE, "job-schedule", {"scheduleExpression": "rate(2 minutes)", "target": {**base, **target}})


LB_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/web-alb/1"


def alb(**props: Any) -> ResourceView:
    base = {"loadBalancerType": "application", "dropInvalidHeaderFields": True, "internal": False}
    return res(LB, "web-alb", {**base, **props}, state={"arn": LB_ARN, "id": LB_ARN})


def listener(name: str, protocol: str, action: dict[str, Any], **props: Any) -> ResourceView:
    return res(LISTENER, name, {"loadBalancerArn": LB_ARN, "protocol": protocol, "defaultActions": [action], **props})


FORWARD = {"type": "forward", "targetGroupArn": "arn:tg"}
REDIRECT = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
TLS13 = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def repository(**props: Any) -> ResourceView:
    return res(
        REPOSITORY,
        "web-repo",
        {"imageScanningConfiguration": {"scanOnPush": True}, **props},
        state={"id": "web-repo-1234567", "name": "web-repo-1234567"},
    )


BUCKET = "aws:s3/bucket:Bucket"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
QUEUE = "aws:sqs/queue:Queue"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
SCHEDULE = "aws:scheduler/schedule:Schedule"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
REPOSITORY = "aws:ecr/repository:Repository"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALL_ON = {flag: True for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")}
TLS_DENY = {
    "Sid": "TlsOnly",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::data-1234567", "arn:aws:s3:::data-1234567/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
SSE_RULES = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]


SECURITY_GROUP_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"
VPC_WITH_PRIVATE_SUBNETS = res(
    "awsx:ec2:Vpc", "network", state={"publicSubnetIds": ["subnet-public1"], "privateSubnetIds": ["subnet-private1"]}
)


def launch_template(public_ip: bool = False, **props: Any) -> ResourceView:
    return res(
        LAUNCH_TEMPLATE,
        "pipeline-launch-template",
        {
            "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
            "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeType": "gp3"}}],
            "networkInterfaces": [{"associatePublicIpAddress": "true" if public_ip else "false"}],
            **props,
        },
        state={"id": "lt-0123456789abcdef0"},
    )


def auto_scaling_group(subnets: list[str]) -> ResourceView:
    spec = {"launchTemplateId": "lt-0123456789abcdef0", "version": "$Latest"}
    return res(
        ASG,
        "pipeline-asg",
        {
            "vpcZoneIdentifiers": subnets,
            "protectFromScaleIn": True,
            "mixedInstancesPolicy": {"launchTemplate": {"launchTemplateSpecification": spec}},
        },
        state={"arn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1:autoScalingGroupName/asg"},
    )


def capacity_provider(protection: str) -> ResourceView:
    return res(
        "aws:ecs/capacityProvider:CapacityProvider",
        "pipeline-provider",
        {
            "autoScalingGroupProvider": {
                "autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1:"
                "autoScalingGroupName/asg",
                "managedTerminationProtection": protection,
            }
        },
    )


@dataclass(frozen=True)
class Case:
    """A stack whose first resource the rule judges."""

    resources: list[ResourceView]
    context: StackContext = DEV


def _pair(violating: list[ResourceView], passing: list[ResourceView], context: StackContext = DEV):
    return Case(violating, context), Case(passing, context)


CASES: dict[str, tuple[Case, Case]] = {
    "s3-bucket-public-access-blocked": _pair(
        [bucket(), res(PAB, "data-pab", {"bucket": "data-1234567", **ALL_ON, "restrictPublicBuckets": False})],
        [bucket(), res(PAB, "data-pab", {"bucket": "data-1234567", **ALL_ON})],
    ),
    "s3-bucket-encrypted": _pair(
        [bucket(), res(SSE, "other-sse", {"bucket": "other-1234567", "rules": SSE_RULES})],
        [bucket(), res(SSE, "data-sse", {"bucket": "data-1234567", "rules": SSE_RULES})],
    ),
    "s3-bucket-tls-only": _pair(
        [
            bucket(),
            res(
                BUCKET_POLICY,
                "data-policy",
                {"bucket": "data-1234567", "policy": policy({**TLS_DENY, "Effect": "Allow"})},
            ),
        ],
        [bucket(), res(BUCKET_POLICY, "data-policy", {"bucket": "data-1234567", "policy": policy(TLS_DENY)})],
    ),
    "s3-bucket-policy-not-public": _pair(
        [
            res(
                BUCKET_POLICY,
                "p",
                {"policy": policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"})},
            )
        ],
        [
            res(
                BUCKET_POLICY,
                "p",
                {
                    "policy": policy(
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "logging.s3.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                        },
                        TLS_DENY,
                    )
                },
            )
        ],
    ),
    "sqs-queue-encrypted": _pair(
        [queue("work", sqsManagedSseEnabled=False)], [queue("work", kmsMasterKeyId="alias/aws/sqs")]
    ),
    "sqs-work-queue-has-dlq": _pair(
        # A queue that only some other queue's DLQ points at is still a work queue without its own DLQ.
        [queue("work"), queue("other", redrivePolicy=redrive(queue("other-dlq")))],
        [queue("work", redrivePolicy=redrive(queue("work-dlq"))), queue("work-dlq")],
    ),
    "sns-topic-encrypted": _pair(
        [res("aws:sns/topic:Topic", "alarms")],
        [res("aws:sns/topic:Topic", "alarms", {"kmsMasterKeyId": "alias/aws/sns"})],
    ),
    "ecs-container-not-privileged": _pair(
        [task_definition(containerDefinitions=containers(privileged=True))], [task_definition()]
    ),
    "ecs-container-logging": _pair(
        [task_definition(containerDefinitions=containers(logConfiguration=None))], [task_definition()]
    ),
    "ecs-no-secrets-in-environment": _pair(
        [task_definition(containerDefinitions=containers(environment=[{"name": "DB_PASSWORD", "value": "x"}]))],
        [task_definition(containerDefinitions=containers(secrets=[{"name": "DB_PASSWORD", "valueFrom": "arn:ssm"}]))],
    ),
    "ecs-readonly-root-filesystem": _pair(
        [task_definition(containerDefinitions=containers(readonlyRootFilesystem=False))], [task_definition()]
    ),
    "ecs-non-root-user": _pair([task_definition(containerDefinitions=containers(user="0:0"))], [task_definition()]),
    "ecs-task-isolation": _pair([task_definition(networkMode="awsvpc", pidMode="host")], [task_definition()]),
    "ecs-fargate-latest-platform": _pair([service(platformVersion="1.3.0")], [service(platformVersion="LATEST")]),
    "ecs-no-public-ip": _pair(
        [service(networkConfiguration={"subnets": ["subnet-a"], "assignPublicIp": True})], [service()], PROD
    ),
    "ecs-container-insights": _pair(
        [res("aws:ecs/cluster:Cluster", "ecs", {"settings": [{"name": "containerInsights", "value": "disabled"}]})],
        [res("aws:ecs/cluster:Cluster", "ecs", {"settings": [{"name": "containerInsights", "value": "enhanced"}]})],
    ),
    "ecs-deployment-circuit-breaker": _pair(
        [service(deploymentCircuitBreaker={"enable": True, "rollback": False})], [service()]
    ),
    "ecs-deployment-alarms": _pair(
        [
            service(
                loadBalancers=[{"targetGroupArn": "tg"}],
                alarms={"alarmNames": ["5xx"], "enable": True, "rollback": False},
            )
        ],
        [
            service(
                loadBalancers=[{"targetGroupArn": "tg"}],
                alarms={"alarmNames": ["5xx"], "enable": True, "rollback": True},
            ),
            # A service without a load balancer has no request alarms to roll back on.
            service(),
        ],
        PROD,
    ),
    "elb-drop-invalid-headers": _pair([alb(dropInvalidHeaderFields=False)], [alb()]),
    "elb-http-redirects-to-https": _pair(
        [listener("http", "HTTP", FORWARD), listener("https", "HTTPS", FORWARD, sslPolicy=TLS13)],
        [listener("http", "HTTP", REDIRECT), listener("https", "HTTPS", FORWARD, sslPolicy=TLS13)],
    ),
    "elb-https-in-production": _pair(
        [listener("http", "HTTP", FORWARD), alb()],
        # An internal load balancer may serve plain HTTP inside the VPC.
        [listener("http", "HTTP", FORWARD), alb(internal=True)],
        PROD,
    ),
    "elb-tls-policy": _pair(
        [listener("https", "HTTPS", FORWARD, sslPolicy="ELBSecurityPolicy-2016-08")],
        [listener("https", "HTTPS", FORWARD, sslPolicy=TLS13)],
    ),
    "elb-deletion-protection": _pair([alb(enableDeletionProtection=False)], [alb(enableDeletionProtection=True)], PROD),
    "elb-access-logs": _pair([alb()], [alb(accessLogs={"bucket": "logs-1234567", "enabled": True})]),
    "ec2-no-open-ingress": _pair(
        [
            res(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "ssh",
                {"cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0},
            )
        ],
        [
            res(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "https",
                {"cidrIpv6": "::/0", "ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0},
            )
        ],
    ),
    "iam-no-wildcard-actions": _pair(
        [
            res(
                ROLE_POLICY,
                "p",
                {"policy": policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"})},
            )
        ],
        [
            res(
                ROLE_POLICY,
                "p",
                {"policy": policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})},
            )
        ],
    ),
    "iam-data-resources-scoped": _pair(
        [
            res(
                ROLE_POLICY,
                "p",
                {"policy": policy({"Effect": "Allow", "Action": ["sqs:ReceiveMessage"], "Resource": "*"})},
            )
        ],
        # Actions without resource-level permissions may only name `*`.
        [
            res(
                ROLE_POLICY,
                "p",
                {
                    "policy": policy(
                        {
                            "Effect": "Allow",
                            "Action": ["ecr:GetAuthorizationToken", "ssmmessages:OpenDataChannel"],
                            "Resource": "*",
                        }
                    )
                },
            )
        ],
    ),
    "logs-retention-set": _pair(
        [res("aws:cloudwatch/logGroup:LogGroup", "logs")],
        [res("aws:cloudwatch/logGroup:LogGroup", "logs", {"retentionInDays": 14.0})],
    ),
    "ecr-scan-on-push": _pair([repository(imageScanningConfiguration={"scanOnPush": False})], [repository()]),
    "ecr-lifecycle-policy": _pair(
        [repository(), res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "other", {"repository": "other-repo-1234567"})],
        [
            repository(),
            res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "web-repo-lifecycle", {"repository": "web-repo-1234567"}),
        ],
    ),
    "stateful-resources-protected": _pair(
        [res("aws:cloudwatch/logGroup:LogGroup", "logs", protect=True, retain_on_delete=False)],
        [res("aws:cloudwatch/logGroup:LogGroup", "logs", protect=True, retain_on_delete=True)],
        PROD,
    ),
    "scheduler-retry-and-dlq": _pair([schedule(deadLetterConfig=None)], [schedule()]),
    "stepfunctions-logging-enabled": _pair(
        [res(STATE_MACHINE, "run", {"loggingConfiguration": {"level": "OFF", "logDestination": LOG_DESTINATION}})],
        [res(STATE_MACHINE, "run", {"loggingConfiguration": {"level": "ERROR", "logDestination": LOG_DESTINATION}})],
    ),
    "stepfunctions-execution-data-not-logged": _pair(
        [res(STATE_MACHINE, "run", {"loggingConfiguration": {"level": "ALL", "includeExecutionData": True}})],
        [res(STATE_MACHINE, "run", {"loggingConfiguration": {"level": "ALL", "includeExecutionData": False}})],
    ),
    "efs-encrypted-at-rest": _pair(
        [res("aws:efs/fileSystem:FileSystem", "share-fs", {"encrypted": False})],
        [res("aws:efs/fileSystem:FileSystem", "share-fs", {"encrypted": True})],
    ),
    "ecs-efs-volume-tls-and-iam": _pair(
        [
            task_definition(
                volumes=[
                    {
                        "name": "reports",
                        "efsVolumeConfiguration": {"fileSystemId": "fs-0123abcd", "transitEncryption": "DISABLED"},
                    }
                ]
            )
        ],
        [
            task_definition(
                volumes=[
                    {"name": "scratch"},
                    {
                        "name": "reports",
                        "efsVolumeConfiguration": {
                            "fileSystemId": "fs-0123abcd",
                            "transitEncryption": "ENABLED",
                            "authorizationConfig": {"iam": "ENABLED"},
                        },
                    },
                ]
            )
        ],
    ),
    "kms-key-rotation": _pair(
        [res("aws:kms/key:Key", "alarms-key", {"enableKeyRotation": False})],
        # Asymmetric keys cannot rotate automatically.
        [res("aws:kms/key:Key", "signing-key", {"customerMasterKeySpec": "RSA_2048"})],
    ),
    "cloudwatch-alarm-has-actions": _pair(
        [res("aws:cloudwatch/metricAlarm:MetricAlarm", "dlq-alarm", {"threshold": 0.0})],
        [
            res(
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                "dlq-alarm",
                {"alarmActions": [f"arn:aws:sns:us-east-1:{ACCOUNT}:alarms"]},
            )
        ],
        PROD,
    ),
    "ec2-imdsv2-required": _pair([launch_template(metadataOptions={"httpTokens": "optional"})], [launch_template()]),
    "ec2-volumes-encrypted": _pair(
        [launch_template(blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}])],
        [launch_template()],
    ),
    "ec2-no-public-ip-in-private-subnets": _pair(
        [auto_scaling_group(["subnet-private1"]), launch_template(public_ip=True), VPC_WITH_PRIVATE_SUBNETS],
        # The same template in public subnets (a stack without NAT) may give public IPs.
        [auto_scaling_group(["subnet-public1"]), launch_template(public_ip=True), VPC_WITH_PRIVATE_SUBNETS],
    ),
    "ecs-managed-termination-protection": _pair(
        [capacity_provider("DISABLED"), auto_scaling_group(["subnet-private1"])],
        [capacity_provider("ENABLED"), auto_scaling_group(["subnet-private1"])],
    ),
    "tags-required": (
        Case([res(BUCKET, "data", {"tags": {"project": "ecs-workloads"}})], UNTAGGED),
        # The stack's default tags and the resource's own tags together carry all three.
        Case(
            [res(BUCKET, "data", {"tags": {"environment": "dev"}})],
            dataclasses.replace(UNTAGGED, default_tags={"project": "ecs-workloads", "stack": "dev"}),
        ),
    ),
}


def _judge(rule_id: str, case: Case) -> list[str]:
    return BY_ID[rule_id].check(case.resources[0], dataclasses.replace(case.context, resources=tuple(case.resources)))


def test_there_are_at_least_twenty_rules_with_unique_ids_and_a_control_mapping():
    assert len(RULES) >= 20
    assert len(BY_ID) == len(RULES)
    assert all(rule.control and rule.description for rule in RULES)
    assert {rule.enforcement for rule in RULES} == {MANDATORY, ADVISORY}


def test_every_rule_has_a_violating_and_a_passing_case():
    assert set(CASES) == set(BY_ID)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_violating_case_is_reported(rule_id):
    violating, _ = CASES[rule_id]
    assert violating.resources[0].type in BY_ID[rule_id].resource_types
    assert _judge(rule_id, violating)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_passing_case_is_clean(rule_id):
    _, passing = CASES[rule_id]
    assert passing.resources[0].type in BY_ID[rule_id].resource_types
    assert _judge(rule_id, passing) == []


def test_public_ip_is_advisory_in_dev_and_mandatory_in_prod():
    public = service(networkConfiguration={"subnets": ["subnet-a"], "assignPublicIp": True})
    rule = BY_ID["ecs-no-public-ip"]
    for context, level in ((DEV, ADVISORY), (PROD, MANDATORY)):
        stack = StackContext(context.stack, context.protect_data, context.is_production, (public,))
        [violation] = run_rules([rule], stack)
        assert violation.enforcement == level
        assert violation.urn == public.urn and violation.control == "Security Hub ECS.2"


def test_public_ip_in_a_scheduled_run_counts_too():
    public = schedule(ecsParameters={"networkConfiguration": {"subnets": ["subnet-a"], "assignPublicIp": True}})
    assert BY_ID["ecs-no-public-ip"].check(public, PROD)


def test_dev_needs_no_protection_and_prod_flags_force_delete():
    repo = repository(forceDelete=True)
    rule = BY_ID["stateful-resources-protected"]
    assert rule.check(repo, DEV) == []
    problems = rule.check(repo, PROD)
    assert any("forceDelete" in p for p in problems) and any("protect" in p for p in problems)


def test_a_queue_named_as_a_schedules_dead_letter_target_is_exempt():
    dlq = queue("job-dlq")
    target = schedule(deadLetterConfig={"arn": dlq.state["arn"]})
    assert BY_ID["sqs-work-queue-has-dlq"].check(dlq, StackContext("dev", False, False, (dlq, target))) == []


def test_credential_names_in_schedule_overrides_are_reported_without_values():
    overrides = json.dumps(
        {"containerOverrides": [{"name": "app", "environment": [{"name": "API_TOKEN", "value": "s3cr3t"}]}]}
    )
    [problem] = BY_ID["ecs-no-secrets-in-environment"].check(schedule(input=overrides), DEV)
    assert "API_TOKEN" in problem and "s3cr3t" not in problem


def test_unparseable_container_definitions_are_a_violation():
    assert BY_ID["ecs-container-logging"].check(task_definition(containerDefinitions="not json"), DEV)


@pytest.mark.parametrize(
    ("stack", "config", "production", "protect"),
    [
        ("dev", {"ecs-workloads:protectData": False}, False, False),
        ("staging", {"ecs-workloads:protectData": "true"}, True, True),
        ("prod-eu", {}, True, False),
        ("production", {"ecs-workloads:config:protectData": "false"}, True, False),
    ],
)
def test_context_from_config(stack, config, production, protect):
    context = StackContext.from_config(stack, config)
    assert (context.is_production, context.protect_data) == (production, protect)


# --- the same rules over resources as the program records them ----------------------------------------


def test_links_between_recorded_resources_use_the_mocked_ids():
    def program():
        data = aws.s3.Bucket("data")
        aws.s3.BucketPublicAccessBlock("data-pab", bucket=data.id, **{_snake(k): True for k in ALL_ON})
        aws.s3.BucketServerSideEncryptionConfiguration(
            "data-sse",
            bucket=data.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
        )
        aws.s3.BucketPolicy("data-policy", bucket=data.id, policy=pulumi.Output.json_dumps(_tls_only(data.arn)))
        dlq = aws.sqs.Queue("work-dlq", sqs_managed_sse_enabled=True)
        aws.sqs.Queue(
            "work",
            sqs_managed_sse_enabled=True,
            redrive_policy=pulumi.Output.json_dumps({"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 5}),
        )
        FargateWorkload("web", {"vpc_id": "vpc-0abc1234", "build_context": "apps/cats"})

    violations = evaluate(run_callable(program), DEV)
    linked = {
        "s3-bucket-public-access-blocked",
        "s3-bucket-encrypted",
        "s3-bucket-tls-only",
        "sqs-work-queue-has-dlq",
        "ecr-lifecycle-policy",
    }
    assert [v for v in violations if v.rule_id in linked] == []
    # The workload's image has no USER in the task definition: the one advisory finding.
    assert {v.rule_id for v in violations} == {"ecs-non-root-user"}


def test_an_unlinked_bucket_is_reported_on_every_bucket_rule():
    recording = run_callable(lambda: aws.s3.Bucket("loose"))
    rules = {v.rule_id for v in evaluate(recording, DEV)}
    assert {"s3-bucket-public-access-blocked", "s3-bucket-encrypted", "s3-bucket-tls-only"} <= rules


def test_a_workload_in_a_protected_stack_passes_the_protection_rule():
    recording = run_callable(
        lambda: FargateWorkload("web", {"vpc_id": "vpc-0abc1234", "build_context": "apps/cats", "protect_data": True})
    )
    assert [v for v in evaluate(recording, PROD) if v.enforcement == MANDATORY] == []
    unprotected = run_callable(lambda: FargateWorkload("web", {"vpc_id": "vpc-0abc1234", "build_context": "apps/cats"}))
    flagged = {v.resource_name for v in evaluate(unprotected, PROD) if v.rule_id == "stateful-resources-protected"}
    assert flagged == {"web-logs", "web-repo"}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _tls_only(bucket_arn: pulumi.Output[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{**TLS_DENY, "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")]}],
    }


def test_the_guardrails_page_lists_every_rule_with_its_control():
    page = (Path(__file__).resolve().parents[2] / "docs" / "guardrails.md").read_text()
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.control} |" in page


def test_a_generated_secret_must_be_protected_in_production():
    protected = run_callable(lambda: GeneratedSecret("token", {"protect_data": True}))
    assert [v for v in evaluate(protected, PROD) if v.enforcement == MANDATORY] == []
    unprotected = run_callable(lambda: GeneratedSecret("token", {}))
    flagged = {v.resource_name for v in evaluate(unprotected, PROD) if v.rule_id == "stateful-resources-protected"}
    assert flagged == {"token", "token-value"}
    assert [v for v in evaluate(unprotected, DEV) if v.enforcement == MANDATORY] == []


# --- tags ------------------------------------------------------------------------------------------------

TAGS = BY_ID["tags-required"]


def test_taggable_types_come_from_the_provider_sdk_classes():
    # Bucket and Function (module `lambda_` in the SDK) take tags; a bucket policy and a role policy do not.
    for taggable in (BUCKET, "aws:lambda/function:Function", "aws:ecs/taskDefinition:TaskDefinition"):
        assert taggable in TAGS.resource_types
    for untaggable in (BUCKET_POLICY, ROLE_POLICY, "aws:nosuch/thing:Thing", "docker-build:index:Image"):
        assert untaggable not in TAGS.resource_types


def test_the_message_names_the_resource_and_the_missing_keys():
    [message] = TAGS.check(res(QUEUE, "work", {"tags": {"stack": "dev"}}), UNTAGGED)
    assert message.startswith(f"work ({QUEUE}) lacks the tags project, environment:")


def test_tags_all_computed_by_the_provider_is_what_counts():
    complete = dict.fromkeys(REQUIRED_TAGS, "dev")
    assert TAGS.check(res(BUCKET, "data", {"tagsAll": complete}), UNTAGGED) == []
    assert TAGS.check(res(BUCKET, "data", {"tags_all": complete}), UNTAGGED) == []
    # tagsAll already holds the default tags: a key missing there is missing on the resource.
    assert TAGS.check(res(BUCKET, "data", {"tagsAll": {"project": "x"}}), DEV)


def test_default_tags_come_from_the_stack_config_in_either_form():
    value = {"tags": dict.fromkeys(REQUIRED_TAGS, "dev")}
    for config in ({"aws:defaultTags": value}, {"aws:defaultTags": json.dumps(value)}):
        assert StackContext.from_config("dev", config).default_tags == value["tags"]


def test_a_recorded_program_without_default_tags_is_flagged_on_every_taggable_resource():
    recording = run_callable(lambda: FargateWorkload("web", {"vpc_id": "vpc-0abc1234", "build_context": "apps/cats"}))
    flagged = {v.resource_name for v in evaluate(recording, UNTAGGED) if v.rule_id == "tags-required"}
    taggable = {r.name for r in recording.registrations if r.custom and r.type in TAGS.resource_types}
    assert flagged == taggable and {"web-logs", "web-repo", "web-task"} <= flagged
    assert [v for v in evaluate(recording, DEV) if v.rule_id == "tags-required"] == []


def test_bridge_mode_passes_isolation_only_on_ec2_instances_that_keep_metadata_from_containers():
    bridge = task_definition(networkMode="bridge", requiresCompatibilities=["EC2"])
    assert _judge("ecs-task-isolation", Case([bridge, launch_template()])) == []
    open_metadata = launch_template(metadataOptions={"httpTokens": "required", "httpPutResponseHopLimit": 2})
    assert _judge("ecs-task-isolation", Case([bridge, open_metadata])) == [
        "networkMode is 'bridge' on instances whose metadata containers can reach (hop limit 1)"
    ]
    assert _judge("ecs-task-isolation", Case([task_definition(networkMode="host")])) == [
        "networkMode is 'host', not awsvpc"
    ]


def test_ssh_from_the_internet_is_refused_by_the_open_ingress_rule():
    ssh = res(
        SECURITY_GROUP_INGRESS, "ssh", {"cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 22, "toPort": 22}
    )
    assert _judge("ec2-no-open-ingress", Case([ssh])) == ["ports 22-22 open to 0.0.0.0/0; only 80 and 443 may be"]


def test_the_container_rules_judge_every_sidecar_not_only_the_first_container():
    def with_sidecar(**sidecar: Any) -> ResourceView:
        app = json.loads(containers())[0]
        return task_definition(containerDefinitions=json.dumps([app, {**app, "name": "otel", **sidecar}]))

    assert _judge_one("ecs-container-not-privileged", with_sidecar(privileged=True)) == [
        "container otel: privileged is true"
    ]
    assert _judge_one("ecs-container-logging", with_sidecar(logConfiguration=None)) == [
        "container otel: no logConfiguration.logDriver"
    ]
    assert _judge_one("ecs-container-logging", with_sidecar()) == []
    assert _judge_one("ecs-container-not-privileged", with_sidecar(privileged="true")) == [
        'container otel: privileged is "true"'
    ]
    assert _judge_one("ecs-container-not-privileged", with_sidecar(privileged=False)) == []
    no_key = {key: value for key, value in json.loads(containers())[0].items() if key != "privileged"}
    assert _judge_one("ecs-container-not-privileged", task_definition(containerDefinitions=json.dumps([no_key]))) == []


def _logging_task(*drivers: str, router: bool = False) -> ResourceView:
    """A task whose containers log through `drivers`, the first one FireLens's log router when `router`."""
    app = json.loads(containers())[0]
    defined = [{**app, "name": f"c{index}", "logConfiguration": {"logDriver": d}} for index, d in enumerate(drivers)]
    if router:
        defined[0]["firelensConfiguration"] = {"type": "fluentbit"}
    return task_definition(containerDefinitions=json.dumps(defined))


def test_every_container_logs_to_cloudwatch_or_through_the_task_s_own_log_router():
    assert _judge_one("ecs-container-logging", _logging_task("awslogs", "awslogs")) == []
    # FireLens: the router logs to CloudWatch itself, the others hand their logs to it.
    assert _judge_one("ecs-container-logging", _logging_task("awslogs", "awsfirelens", router=True)) == []
    assert _judge_one("ecs-container-logging", _logging_task("awslogs", "awsfirelens")) == [
        "container c1: logDriver awsfirelens, but no container of the task has a firelensConfiguration (the log router)"
    ]
    assert _judge_one("ecs-container-logging", _logging_task("awslogs", "json-file")) == [
        "container c1: logDriver 'json-file'; awslogs, or awsfirelens with a log router in the task"
    ]


def test_a_workload_with_sidecars_passes_every_container_rule():
    sidecar = {"name": "otel", "image": "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1", "user": "10001"}
    recording = run_callable(
        lambda: FargateWorkload(
            "web",
            {"vpc_id": "vpc-0abc1234", "image": "public.ecr.aws/x/app:1", "user": "10001", "sidecars": [sidecar]},
        )
    )
    container_rules = {rule_id for rule_id in BY_ID if rule_id.startswith("ecs-")}
    assert [v for v in evaluate(recording, DEV) if v.rule_id in container_rules] == []


def test_a_workload_routing_its_logs_passes_every_container_rule_but_the_advisory_root_check_it_opts_into():
    routing = {
        "destination": "firehose",
        "delivery_stream_arn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/l",
    }
    args = {"vpc_id": "vpc-0abc1234", "image": "public.ecr.aws/x/app:1", "user": "10001", "log_routing": routing}
    recording = run_callable(lambda: FargateWorkload("web", args))
    container_rules = {rule_id for rule_id in BY_ID if rule_id.startswith("ecs-")}
    assert [v for v in evaluate(recording, DEV) if v.rule_id in container_rules] == []
    as_root = {**args, "log_routing": {**routing, "user": "0"}}
    recording = run_callable(lambda: FargateWorkload("web", as_root))
    assert [(v.rule_id, v.message) for v in evaluate(recording, DEV) if v.rule_id in container_rules] == [
        ("ecs-non-root-user", "container log-router: user 0 is root")
    ]


def _judge_one(rule_id: str, resource: ResourceView) -> list[str]:
    return _judge(rule_id, Case([resource]))


def test_an_efs_volume_without_tls_or_iam_is_reported_with_both_reasons():
    volume = {"name": "reports", "efsVolumeConfiguration": {"fileSystemId": "fs-0123abcd"}}
    assert BY_ID["ecs-efs-volume-tls-and-iam"].check(task_definition(volumes=[volume]), DEV) == [
        "volume reports: transitEncryption is not ENABLED",
        "volume reports: authorizationConfig.iam is not ENABLED",
    ]


def test_a_workload_with_a_created_efs_share_passes_every_mandatory_rule_in_production():
    args = {
        "vpc_id": "vpc-0abc1234",
        "subnet_ids": ["subnet-0aaa1111"],
        "image": "public.ecr.aws/docker/library/busybox:1.36",
        "user": "10001:10001",
        "efs_volumes": [{"name": "reports", "path": "/reports", "read_only": False, "create": {}}],
    }
    protected = run_callable(lambda: FargateWorkload("job", {**args, "protect_data": True}))
    assert [v for v in evaluate(protected, PROD) if v.enforcement == MANDATORY] == []
    unprotected = run_callable(lambda: FargateWorkload("job", args))
    flagged = {v.resource_name for v in evaluate(unprotected, PROD) if v.rule_id == "stateful-resources-protected"}
    assert "job-reports-fs" in flagged


def test_a_state_machine_without_logging_is_reported_for_level_and_destination():
    assert BY_ID["stepfunctions-logging-enabled"].check(res(STATE_MACHINE, "run"), DEV) == [
        "loggingConfiguration.level is not set: failed runs leave no log",
        "loggingConfiguration.logDestination is not set",
    ]

"""Pulumi mocks that answer like AWS would, closely enough for the program to run end to end.

Strict: an invoke that is not listed here raises, so a new data-source call cannot slip into the
program unnoticed (it would need a cloud account at preview time).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pulumi

ACCOUNT_ID = "123456789012"


class UnmockedInvokeError(RuntimeError):
    pass


def _suffix(name: str, length: int = 7) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


class StackMocks(pulumi.runtime.Mocks):
    """Plausible outputs per resource type: ids, ARNs, names, DNS names, URLs, awsx VPC subnets."""

    def __init__(self, region: str) -> None:
        self.region = region

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getRegion:getRegion":
            return {"id": self.region, "name": self.region, "region": self.region, "endpoint": "", "description": ""}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "id": ACCOUNT_ID,
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/deployer",
                "userId": "AIDAEXAMPLE",
            }
        if args.token == "aws:index/getPartition:getPartition":
            return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsSuffix": "com.amazonaws"}
        if args.token == "aws:secretsmanager/getRandomPassword:getRandomPassword":
            # Deterministic, so snapshots are stable; as long as asked for, letters and digits like AWS's.
            length = int(args.args.get("passwordLength") or 32)
            value = (hashlib.sha256(b"random-password").hexdigest() * (length // 64 + 1))[:length]
            return {"id": "random-password", "randomPassword": value, **dict(args.args)}
        raise UnmockedInvokeError(f"invoke {args.token} is not mocked; add it to harness/mocks.py")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        physical = inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        if not inputs.get("name") and inputs.get("namePrefix"):
            # The provider appends a 26-character unique id to a name prefix (terraform's PrefixedUniqueId).
            physical = f"{inputs['namePrefix']}{_suffix(args.name, 26)}"
        service = _service(args.typ)
        arn = f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{args.typ.rsplit(':', 1)[-1].lower()}/{physical}"
        state: dict[str, Any] = {"name": physical, "arn": arn}
        resource_id = f"{physical}-id"
        state.update(inputs)
        special = _SPECIAL.get(args.typ)
        if special is not None:
            extra, resource_id = special(self, args, inputs, physical)
            state.update(extra)
        state.setdefault("id", resource_id)
        return resource_id, state


def _service(typ: str) -> str:
    # "aws:ecs/service:Service" -> "ecs"
    if not typ.startswith("aws:"):
        return typ.split(":")[0]
    return typ.split(":")[1].split("/")[0]


def _vpc(mocks: StackMocks, args, inputs, physical):
    azs = int(inputs.get("numberOfAvailabilityZones") or 3)
    kinds = [spec.get("type") for spec in inputs.get("subnetSpecs") or [{"type": "Public"}, {"type": "Private"}]]
    vpc_id = f"vpc-{_suffix(args.name, 8)}"

    def subnets(kind: str) -> list[str]:
        return [f"subnet-{_suffix(f'{args.name}{kind}{az}', 8)}" for az in range(azs)] if kind in kinds else []

    return {
        "vpcId": vpc_id,
        "publicSubnetIds": subnets("Public"),
        "privateSubnetIds": subnets("Private"),
        "isolatedSubnetIds": subnets("Isolated"),
        # The real output is a list of NatGateway resources; tests assert on the requested strategy.
        "natGateways": [],
    }, vpc_id


def _security_group(mocks, args, inputs, physical):
    group_id = f"sg-{_suffix(args.name, 10)}"
    return {"arn": f"arn:aws:ec2:{mocks.region}:{ACCOUNT_ID}:security-group/{group_id}"}, group_id


def _role(mocks, args, inputs, physical):
    return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{physical}", "uniqueId": f"AROA{_suffix(physical, 12)}"}, physical


def _log_group(mocks, args, inputs, physical):
    return {"arn": f"arn:aws:logs:{mocks.region}:{ACCOUNT_ID}:log-group:{physical}"}, physical


def _cluster(mocks, args, inputs, physical):
    arn = f"arn:aws:ecs:{mocks.region}:{ACCOUNT_ID}:cluster/{physical}"
    return {"arn": arn}, arn


def _task_definition(mocks, args, inputs, physical):
    family = inputs.get("family", physical)
    arn = f"arn:aws:ecs:{mocks.region}:{ACCOUNT_ID}:task-definition/{family}:1"
    return {"arn": arn, "arnWithoutRevision": arn.rsplit(":", 1)[0], "revision": 1}, family


def _service_resource(mocks, args, inputs, physical):
    return {}, f"arn:aws:ecs:{mocks.region}:{ACCOUNT_ID}:service/{physical}"


def _repository(mocks, args, inputs, physical):
    url = f"{ACCOUNT_ID}.dkr.ecr.{mocks.region}.amazonaws.com/{physical}"
    return {
        "arn": f"arn:aws:ecr:{mocks.region}:{ACCOUNT_ID}:repository/{physical}",
        "repositoryUrl": url,
        "registryId": ACCOUNT_ID,
    }, physical


def _image(mocks, args, inputs, physical):
    digest = hashlib.sha256(args.name.encode()).hexdigest()
    return {"imageUri": f"{inputs.get('repositoryUrl', physical)}@sha256:{digest}"}, f"{physical}-image"


def _bucket(mocks, args, inputs, physical):
    bucket = inputs.get("bucket") or f"{args.name}-{_suffix(args.name)}"
    return {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{mocks.region}.amazonaws.com",
    }, bucket


def _queue(mocks, args, inputs, physical):
    url = f"https://sqs.{mocks.region}.amazonaws.com/{ACCOUNT_ID}/{physical}"
    return {"arn": f"arn:aws:sqs:{mocks.region}:{ACCOUNT_ID}:{physical}", "url": url}, url


def _load_balancer(mocks, args, inputs, physical):
    suffix = _suffix(physical, 16)
    arn = f"arn:aws:elasticloadbalancing:{mocks.region}:{ACCOUNT_ID}:loadbalancer/app/{physical}/{suffix}"
    return {
        "arn": arn,
        "arnSuffix": f"app/{physical}/{suffix}",
        "dnsName": f"{physical}-{_suffix(physical, 9)}.{mocks.region}.elb.amazonaws.com",
        "zoneId": "Z35SXDOTRQ7X7K",
    }, arn


def _target_group(mocks, args, inputs, physical):
    suffix = _suffix(physical, 16)
    arn = f"arn:aws:elasticloadbalancing:{mocks.region}:{ACCOUNT_ID}:targetgroup/{physical}/{suffix}"
    return {"arn": arn, "arnSuffix": f"targetgroup/{physical}/{suffix}"}, arn


def _listener(mocks, args, inputs, physical):
    arn = f"arn:aws:elasticloadbalancing:{mocks.region}:{ACCOUNT_ID}:listener/app/{physical}/{_suffix(physical, 16)}"
    return {"arn": arn}, arn


def _topic(mocks, args, inputs, physical):
    arn = f"arn:aws:sns:{mocks.region}:{ACCOUNT_ID}:{physical}"
    return {"arn": arn}, arn


def _certificate(mocks, args, inputs, physical):
    arn = f"arn:aws:acm:{mocks.region}:{ACCOUNT_ID}:certificate/{_suffix(physical, 12)}"
    domain = inputs.get("domainName", "example.com")
    return {
        "arn": arn,
        "domainValidationOptions": [
            {
                "domainName": domain,
                "resourceRecordName": f"_x1.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": "_x2.acm-validations.aws.",
            }
        ],
    }, arn


def _record(mocks, args, inputs, physical):
    fqdn = str(inputs.get("name", physical)).rstrip(".")
    return {"fqdn": fqdn}, f"{inputs.get('zoneId', 'Z0')}_{fqdn}_{inputs.get('type', 'A')}"


def _schedule(mocks, args, inputs, physical):
    group = inputs.get("groupName", "default")
    arn = f"arn:aws:scheduler:{mocks.region}:{ACCOUNT_ID}:schedule/{group}/{physical}"
    return {"arn": arn}, f"{group}/{physical}"


def _schedule_group(mocks, args, inputs, physical):
    return {"arn": f"arn:aws:scheduler:{mocks.region}:{ACCOUNT_ID}:schedule-group/{physical}"}, physical


def _event_rule(mocks, args, inputs, physical):
    return {"arn": f"arn:aws:events:{mocks.region}:{ACCOUNT_ID}:rule/{physical}"}, physical


def _secret(mocks, args, inputs, physical):
    # Secrets Manager appends a hyphen and six random characters to the name in the ARN.
    arn = f"arn:aws:secretsmanager:{mocks.region}:{ACCOUNT_ID}:secret:{physical}-{_suffix(physical, 6)}"
    return {"arn": arn}, arn


def _secret_version(mocks, args, inputs, physical):
    version = f"{_suffix(physical, 8)}-0000-4000-8000-{_suffix(physical, 12)}"
    return {
        "versionId": version,
        "hasSecretStringWo": "secretStringWo" in inputs,
    }, f"{inputs.get('secretId')}|{version}"


def _dashboard(mocks, args, inputs, physical):
    name = inputs.get("dashboardName", physical)
    return {"dashboardArn": f"arn:aws:cloudwatch::{ACCOUNT_ID}:dashboard/{name}"}, name


def _file_system(mocks, args, inputs, physical):
    file_system_id = f"fs-{_suffix(args.name, 17)}"
    arn = f"arn:aws:elasticfilesystem:{mocks.region}:{ACCOUNT_ID}:file-system/{file_system_id}"
    return {"arn": arn, "creationToken": physical}, file_system_id


def _access_point(mocks, args, inputs, physical):
    access_point_id = f"fsap-{_suffix(args.name, 17)}"
    arn = f"arn:aws:elasticfilesystem:{mocks.region}:{ACCOUNT_ID}:access-point/{access_point_id}"
    return {"arn": arn}, access_point_id


def _mount_target(mocks, args, inputs, physical):
    return {}, f"fsmt-{_suffix(args.name, 17)}"


def _state_machine(mocks, args, inputs, physical):
    # Step Functions ARNs name the service `states` and the resource `stateMachine:<name>`.
    return {"arn": f"arn:aws:states:{mocks.region}:{ACCOUNT_ID}:stateMachine:{physical}"}, (
        f"arn:aws:states:{mocks.region}:{ACCOUNT_ID}:stateMachine:{physical}"
    )


_SPECIAL = {
    "awsx:ec2:Vpc": _vpc,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:iam/role:Role": _role,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:ecs/cluster:Cluster": _cluster,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/service:Service": _service_resource,
    "aws:ecr/repository:Repository": _repository,
    "awsx:ecr:Image": _image,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:sqs/queue:Queue": _queue,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:sns/topic:Topic": _topic,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:route53/record:Record": _record,
    "aws:scheduler/schedule:Schedule": _schedule,
    "aws:scheduler/scheduleGroup:ScheduleGroup": _schedule_group,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:efs/fileSystem:FileSystem": _file_system,
    "aws:efs/accessPoint:AccessPoint": _access_point,
    "aws:efs/mountTarget:MountTarget": _mount_target,
    "aws:sfn/stateMachine:StateMachine": _state_machine,
}

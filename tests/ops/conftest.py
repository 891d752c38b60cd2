"""A deployed stack in moto for the operator commands: real ECS, Scheduler, SQS, Application Auto Scaling
and CloudWatch Logs resources, and stack outputs written from their real names and ARNs in the shape of
`stack_outputs.json`. Spies wrap boto3 clients to record calls or to change what AWS answers."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from moto import mock_aws

from ecs_workloads.generated_secret import random_password_request
from ecs_workloads.ops.cli import main
from ecs_workloads.ops.clock import Clock

FIXTURE = Path(__file__).with_name("stack_outputs.json")
REGION = "us-east-1"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler-run-task"
# A whole-minute start a day away: Scheduler refuses start dates in the past.
START = (datetime.now(UTC) + timedelta(days=1)).replace(second=0, microsecond=0)


# Reading and parsing the service models is most of what creating a client costs (about 80 ms a client);
# one loader caches them for every session of the run.
_MODELS = botocore.loaders.create_loader()


def shared_model_session() -> boto3.session.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", _MODELS)
    return boto3.session.Session(botocore_session=core, region_name=REGION)


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    empty = tmp_path / "aws-empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Tasks need a VPC, not the thousands of default images moto otherwise builds for every test.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


@dataclass
class DeployedStack:
    outputs: dict[str, Any]
    path: Path
    session: boto3.session.Session

    def client(self, service: str) -> Any:
        return self.session.client(service)

    def job(self, name: str) -> dict[str, Any]:
        return self.outputs["jobs"][name]

    def schedule(self, job: str) -> dict[str, Any]:
        entry = self.job(job)
        return self.client("scheduler").get_schedule(Name=entry["scheduleName"], GroupName=entry["scheduleGroup"])

    def rewrite(self, change: Callable[[dict[str, Any]], None]) -> None:
        change(self.outputs)
        self.path.write_text(json.dumps(self.outputs))


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[DeployedStack]:
    with mock_aws():
        session = shared_model_session()
        outputs = _deploy(json.loads(FIXTURE.read_text()), session)
        path = tmp_path / "outputs.json"
        path.write_text(json.dumps(outputs))
        yield DeployedStack(outputs, path, session)


def _deploy(template: dict[str, Any], session: boto3.session.Session) -> dict[str, Any]:
    ec2, ecs, scheduler, logs = (session.client(name) for name in ("ec2", "ecs", "scheduler", "logs"))
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # Fargate tasks get an ENI with a private DNS name, which moto only gives in a VPC with DNS hostnames.
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    cluster = ecs.create_cluster(clusterName=template["clusterName"], capacityProviders=["FARGATE", "FARGATE_SPOT"])[
        "cluster"
    ]
    outputs = {**template, "vpcId": vpc, "clusterName": cluster["clusterName"], "clusterArn": cluster["clusterArn"]}

    jobs = {}
    for name, job in template["jobs"].items():
        task_definition = _register(ecs, job["family"], job["containerName"], job["logGroupName"])
        logs.create_log_group(logGroupName=job["logGroupName"])
        scheduler.create_schedule_group(Name=job["scheduleGroup"])
        jobs[name] = {
            **job,
            "taskDefinitionArn": task_definition,
            "clusterArn": cluster["clusterArn"],
            "subnetIds": [subnet],
            "securityGroupIds": [group],
        }
    _schedule(scheduler, jobs["image-assessor"], cluster["clusterArn"], "rate(2 minutes)", "UTC", start=START)
    _schedule(scheduler, jobs["nightly-report"], cluster["clusterArn"], "cron(30 2 * * ? *)", "Europe/London")
    outputs["jobs"] = jobs

    autoscaling = session.client("application-autoscaling")
    services = {}
    for name, service in template["services"].items():
        task_definition = _register(ecs, f"{name}-service", "app", f"/ecs/{name}")
        created = ecs.create_service(
            cluster=cluster["clusterName"],
            serviceName=service["serviceName"],
            taskDefinition=task_definition,
            desiredCount=max(service["minTasks"], 1),
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        )["service"]
        autoscaling.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=f"service/{cluster['clusterName']}/{created['serviceName']}",
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=service["minTasks"],
            MaxCapacity=service["maxTasks"],
        )
        services[name] = {**service, "serviceName": created["serviceName"], "clusterName": cluster["clusterName"]}
        if "apiTokenSecretArn" in service:
            services[name]["apiTokenSecretArn"] = _token_secret(session, service["apiTokenSecretArn"])
    outputs["services"] = services

    sqs = session.client("sqs")
    queues = {}
    for name, queue in template["queues"].items():
        dlq_url = sqs.create_queue(QueueName=queue["dlqUrl"].rsplit("/", 1)[-1])["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
        queue_url = sqs.create_queue(
            QueueName=queue["queueUrl"].rsplit("/", 1)[-1], Attributes={"RedrivePolicy": redrive}
        )["QueueUrl"]
        queues[name] = {**queue, "queueUrl": queue_url, "dlqUrl": dlq_url}
    outputs["queues"] = queues
    return outputs


def _token_secret(session: boto3.session.Session, template_arn: str) -> str:
    """A secret like the stack's: same name, a value generated by Secrets Manager as the stack asks for it."""
    secrets = session.client("secretsmanager")
    # arn:...:secret:<name>-<6 characters Secrets Manager appends>
    name = template_arn.split(":secret:", 1)[1].rsplit("-", 1)[0]
    value = secrets.get_random_password(**random_password_request())["RandomPassword"]
    return secrets.create_secret(Name=name, SecretString=value)["ARN"]


def _register(ecs: Any, family: str, container: str, log_group: str) -> str:
    return ecs.register_task_definition(
        family=family,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": container,
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest",
                "essential": True,
                "memory": 512,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": log_group,
                        "awslogs-region": REGION,
                        "awslogs-stream-prefix": container,
                    },
                },
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]


def _schedule(
    scheduler: Any, job: dict[str, Any], cluster_arn: str, expression: str, timezone: str, start: datetime | None = None
) -> None:
    extra = {"StartDate": start} if start else {}
    scheduler.create_schedule(
        Name=job["scheduleName"],
        GroupName=job["scheduleGroup"],
        ScheduleExpression=expression,
        ScheduleExpressionTimezone=timezone,
        Description=f"runs {job['family']}",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5},
        State="ENABLED",
        Target={
            "Arn": cluster_arn,
            "RoleArn": SCHEDULER_ROLE,
            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
            "EcsParameters": {
                "TaskDefinitionArn": job["taskDefinitionArn"],
                "TaskCount": 1,
                "LaunchType": "FARGATE",
                "NetworkConfiguration": {
                    "awsvpcConfiguration": {"Subnets": job["subnetIds"], "AssignPublicIp": "ENABLED"}
                },
            },
        },
        **extra,
    )


@dataclass
class Call:
    service: str
    operation: str
    kwargs: dict[str, Any]


@dataclass
class SpySession:
    """A boto3 session whose clients record every call; `answers[(service, operation)]` can replace a call.

    A replacement receives the real operation and the call's arguments, so it can call through and
    change the response, or answer on its own.
    """

    answers: dict[tuple[str, str], Callable[..., Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    session: boto3.session.Session = field(default_factory=lambda: shared_model_session())

    def client(self, service_name: str, *, region_name: str | None = None, config: Any = None) -> Any:
        return _SpyClient(self, service_name, self.session.client(service_name, region_name=region_name, config=config))

    def called(self, service: str, operation: str) -> list[dict[str, Any]]:
        return [call.kwargs for call in self.calls if (call.service, call.operation) == (service, operation)]


class _SpyClient:
    def __init__(self, session: SpySession, service: str, client: Any) -> None:
        self._session, self._service, self._client = session, service, client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name in ("get_paginator", "can_paginate"):
            return attribute

        def spy(**kwargs: Any) -> Any:
            self._session.calls.append(Call(self._service, name, kwargs))
            answer = self._session.answers.get((self._service, name))
            return answer(attribute, **kwargs) if answer else attribute(**kwargs)

        return spy


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(stack: DeployedStack, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Runs the CLI in process against the moto stack, with an optional spying session and clock."""

    def run(*args: str, session: SpySession | None = None, clock: Clock | None = None) -> Result:
        capsys.readouterr()
        code = main(["--outputs", str(stack.path), *args], session=session, clock=clock)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def spy() -> SpySession:
    return SpySession()

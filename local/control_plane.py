"""What `ecs-workloads` operates, recorded in moto: the cluster, the job's task definition, schedule and log
group, the services, and the stack outputs file that names them.

The records are the ones the stack deploys, under local names: a VPC with a subnet and a security group
(moto attaches task network interfaces to them), one cluster, the ImageAssessor's task definition (its
environment, and its API token as a container secret naming the Secrets Manager secret), its EventBridge
Scheduler schedule in its own group targeting the cluster with the schedule's task count, and an ECS
service for the cats API and for each batch pipeline. The outputs file has the shape `ecs-workloads
--outputs FILE` reads (`ecs_workloads.ops.outputs`); it is checked with that reader before it is written.

The records are live state, not a copy: the local scheduler reads the schedule's State from moto at every
occurrence, and the local ECS agent (`local.ecs_agent`) runs whatever tasks RunTask records in the cluster.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecs_workloads.ops.outputs import StackOutputs, parse_outputs
from ecs_workloads.ops.schedules import set_state
from stack.jobs import ScheduleSettings

from .aws import Aws
from .processes import FAKE_AWS_ENV, REGION, ROOT

# Where `make local` leaves the outputs file and the environment that points the CLI at moto_server.
DEFAULT_STATE_DIR = ROOT / "build" / "local"
OUTPUTS_FILE = "outputs.json"
ENV_FILE = "aws.env"
# The image of a container built from apps/<app>: the local agent runs it as `python -m <app>`.
LOCAL_IMAGE_PREFIX = "local/"
CONTAINER = "app"  # FargateWorkload's default container name
ACCOUNT = "123456789012"  # moto's account
_CPU, _MEMORY = 256, 512


def local_image(app: str) -> str:
    return f"{LOCAL_IMAGE_PREFIX}{app}"


@dataclass
class ControlPlane:
    aws: Aws
    stack: str
    cluster_name: str = ""
    cluster_arn: str = ""
    subnet_id: str = ""
    security_group_id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)

    def create(self) -> None:
        ec2 = self.aws.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        # As the stack's VPC: tasks' network interfaces get DNS names (moto needs them to attach one).
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self.subnet_id = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
        self.security_group_id = ec2.create_security_group(GroupName="tasks", Description="local tasks", VpcId=vpc)[
            "GroupId"
        ]
        cluster = self.aws.client("ecs").create_cluster(clusterName=f"ecs-workloads-{self.stack}-local")["cluster"]
        self.cluster_name, self.cluster_arn = cluster["clusterName"], cluster["clusterArn"]
        self.outputs = {
            "region": REGION,
            "clusterName": self.cluster_name,
            "clusterArn": self.cluster_arn,
            "jobs": {},
            "services": {},
            "queues": {},
        }

    def _task_definition(
        self,
        family: str,
        app: str,
        environment: Mapping[str, str],
        secrets: Mapping[str, str],
        log_group: str | None = None,
        command: list[str] | None = None,
    ) -> str:
        container: dict[str, Any] = {
            "name": CONTAINER,
            "image": local_image(app),
            "essential": True,
            "cpu": _CPU,
            "memory": _MEMORY,
            "environment": [{"name": key, "value": value} for key, value in environment.items()],
            "secrets": [{"name": key, "valueFrom": arn} for key, arn in secrets.items()],
        }
        if command is not None:
            container["command"] = command
        if log_group is not None:
            container["logConfiguration"] = {
                "logDriver": "awslogs",
                "options": {"awslogs-group": log_group, "awslogs-region": REGION, "awslogs-stream-prefix": CONTAINER},
            }
        return self.aws.client("ecs").register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu=str(_CPU),
            memory=str(_MEMORY),
            containerDefinitions=[container],
        )["taskDefinition"]["taskDefinitionArn"]

    def add_job(
        self,
        name: str,
        app: str,
        schedule: ScheduleSettings,
        environment: Mapping[str, str],
        secrets: Mapping[str, str],
        config_path: str,
    ) -> None:
        """The job's task definition, log group and schedule (State from the `enabled` setting)."""
        family = f"ecs-workloads-{self.stack}-{name}"
        log_group = f"/ecs/ecs-workloads-{self.stack}/{name}"
        self.aws.client("logs").create_log_group(logGroupName=log_group)
        task_definition = self._task_definition(family, app, environment, secrets, log_group)
        scheduler = self.aws.client("scheduler")
        group, schedule_name = f"{name}-group", f"{name}-schedule"
        scheduler.create_schedule_group(Name=group)
        network = {
            "Subnets": [self.subnet_id],
            "SecurityGroups": [self.security_group_id],
            "AssignPublicIp": "DISABLED",
        }
        dates = {
            key: datetime.fromisoformat(value).astimezone(UTC)
            for key, value in (("StartDate", schedule.start_date), ("EndDate", schedule.end_date))
            if value
        }
        scheduler.create_schedule(
            Name=schedule_name,
            GroupName=group,
            ScheduleExpression=schedule.schedule,
            ScheduleExpressionTimezone=schedule.timezone,
            State="ENABLED" if schedule.enabled else "DISABLED",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={
                "Arn": self.cluster_arn,
                "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{name}-scheduler",
                "EcsParameters": {
                    "TaskDefinitionArn": task_definition,
                    "TaskCount": schedule.task_count,
                    "LaunchType": "FARGATE",
                    "NetworkConfiguration": {"awsvpcConfiguration": network},
                },
            },
            **dates,
        )
        self.outputs["jobs"][name] = {
            "configPath": config_path,
            "scheduleName": schedule_name,
            "scheduleGroup": group,
            "scheduleExpression": schedule.schedule,
            "timezone": schedule.timezone,
            "taskDefinitionArn": task_definition,
            "family": family,
            "containerName": CONTAINER,
            "clusterArn": self.cluster_arn,
            "subnetIds": [self.subnet_id],
            "securityGroupIds": [self.security_group_id],
            "assignPublicIp": False,
            "logGroupName": log_group,
        }

    def add_task_family(
        self, family: str, app: str, environment: Mapping[str, str], command: list[str], log_group: str
    ) -> str:
        """A task definition in `family` running `command` in the app's image; returns its ARN."""
        return self._task_definition(family, app, environment, {}, log_group, command)

    def add_service(self, name: str, app: str, desired: int, **outputs: str) -> None:
        """An ECS service record; its tasks are the processes the local system keeps running, not moto tasks."""
        task_definition = self._task_definition(f"ecs-workloads-{self.stack}-{name}", app, {}, {})
        service = self.aws.client("ecs").create_service(
            cluster=self.cluster_name,
            serviceName=f"{name}-service",
            taskDefinition=task_definition,
            desiredCount=desired,
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": [self.subnet_id], "securityGroups": [self.security_group_id]}
            },
        )["service"]
        self.outputs["services"][name] = {
            "serviceName": service["serviceName"],
            "clusterName": self.cluster_name,
            # No scalable targets exist in moto; the local pools do not autoscale.
            "autoscaled": False,
            **outputs,
        }

    def add_exports(self, **values: str) -> None:
        """Top-level outputs the CLI does not read, under the stack's names (e.g. `catsApiUrl`)."""
        self.outputs.update(values)

    def add_queue(self, name: str, queue_url: str, dlq_url: str, input_bucket: str, output_bucket: str) -> None:
        self.outputs["queues"][name] = {
            "queueUrl": queue_url,
            "dlqUrl": dlq_url,
            "inputBucket": input_bucket,
            "outputBucket": output_bucket,
        }

    def stack_outputs(self) -> StackOutputs:
        return parse_outputs(json.dumps(self.outputs), "the local system")

    def schedule_enabled(self, job: str) -> bool:
        entry = self.outputs["jobs"][job]
        schedule = self.aws.client("scheduler").get_schedule(
            Name=entry["scheduleName"], GroupName=entry["scheduleGroup"]
        )
        return schedule.get("State", "ENABLED") == "ENABLED"

    def set_schedule_enabled(self, job: str, enabled: bool) -> None:
        """The same UpdateSchedule call `ecs-workloads pause|resume` makes."""
        set_state(self.aws.client("scheduler"), self.stack_outputs().job(job), enabled, datetime.now(UTC))

    def write(self, directory: Path, endpoint: str) -> tuple[Path, Path]:
        """The outputs file, and `KEY=value` lines pointing boto3 (so the CLI) at moto with fake credentials."""
        self.stack_outputs()  # the CLI's own reader accepts it, or this raises
        directory.mkdir(parents=True, exist_ok=True)
        outputs_path, env_path = directory / OUTPUTS_FILE, directory / ENV_FILE
        _replace(outputs_path, json.dumps(self.outputs, indent=2) + "\n")
        _replace(env_path, "".join(f"{key}={value}\n" for key, value in cli_environment(endpoint).items()))
        return outputs_path, env_path


def cli_environment(endpoint: str) -> dict[str, str]:
    """What boto3 needs to talk to moto_server and nothing else: its endpoint, a region, fake credentials."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        "AWS_SESSION_TOKEN": FAKE_AWS_ENV["AWS_SESSION_TOKEN"],
    }


def read_environment(path: Path) -> dict[str, str]:
    """The `KEY=value` lines `ControlPlane.write` left."""
    pairs = (line.partition("=") for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {key: value for key, _, value in pairs}


def _replace(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)  # a reader sees the old file or the new one, never half of one

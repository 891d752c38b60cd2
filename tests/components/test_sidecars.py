"""Sidecars of a `FargateWorkload`: the recorded container definitions, the execution role, and every
validation error with its exact message."""

from __future__ import annotations

import json

import pytest

from ecs_workloads import FargateWorkload
from harness.program import run_callable

BASE = {"vpc_id": "vpc-0abc1234", "image": "public.ecr.aws/docker/library/nginx:1.27", "port": 8080}
COLLECTOR = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1"
PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/app/token"
COLLECTOR_PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/otel/key"
COLLECTOR_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:otel/creds-AbCdEf:key::"
HEALTH = {"command": ["CMD", "/healthcheck"], "interval": 10}


def _record(**args):
    return run_callable(lambda: FargateWorkload("job", {**BASE, **args}))


def _containers(recording):
    return json.loads(recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])


def _problems(**args) -> list[str]:
    with pytest.raises(ValueError) as caught:
        FargateWorkload("job", {**BASE, **args})
    return str(caught.value).splitlines()[1:]


def test_sidecars_follow_the_main_container_in_order_with_their_start_conditions():
    recording = _record(
        depends_on=[{"container": "otel", "condition": "HEALTHY"}, {"container": "migrate", "condition": "SUCCESS"}],
        sidecars=[
            {
                "name": "otel",
                "image": COLLECTOR,
                "command": ["--config=/etc/ecs/ecs-default-config.yaml"],
                "port": 4317,
                "health_check": HEALTH,
                "cpu": 64,
                "memory": 128,
                "user": "10001",
                "environment": {"OTEL_LOG_LEVEL": "info"},
            },
            {
                "name": "migrate",
                "image": "public.ecr.aws/org/migrate:3",
                "essential": False,
                "readonly_root_filesystem": False,
                "depends_on": [{"container": "otel"}],
            },
        ],
    )
    app, otel, migrate = _containers(recording)
    assert [c["name"] for c in (app, otel, migrate)] == ["app", "otel", "migrate"]
    assert app["dependsOn"] == [
        {"containerName": "otel", "condition": "HEALTHY"},
        {"containerName": "migrate", "condition": "SUCCESS"},
    ]
    assert migrate["dependsOn"] == [{"containerName": "otel", "condition": "START"}]
    assert "dependsOn" not in otel
    assert otel["image"] == COLLECTOR and otel["essential"] is True and otel["privileged"] is False
    assert otel["cpu"] == 64 and otel["memory"] == 128 and otel["user"] == "10001"
    assert otel["command"] == ["--config=/etc/ecs/ecs-default-config.yaml"]
    assert otel["portMappings"] == [{"containerPort": 4317, "protocol": "tcp"}]
    assert otel["environment"] == [{"name": "OTEL_LOG_LEVEL", "value": "info"}]
    assert otel["healthCheck"] == {
        "command": ["CMD", "/healthcheck"],
        "interval": 10,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 0,
    }
    assert migrate["essential"] is False and migrate["readonlyRootFilesystem"] is False
    assert "mountPoints" not in migrate and "cpu" not in migrate


def test_every_container_logs_to_the_workload_log_group_under_its_own_prefix():
    recording = _record(sidecars=[{"name": "otel", "image": COLLECTOR}])
    group = recording.one("aws:cloudwatch/logGroup:LogGroup").outputs["name"]
    for container in _containers(recording):
        assert container["logConfiguration"] == {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": group,
                "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": container["name"],
            },
        }


def test_each_read_only_container_has_its_own_scratch_tmp():
    recording = _record(sidecars=[{"name": "otel", "image": COLLECTOR}])
    app, otel = _containers(recording)
    assert app["mountPoints"] == [{"sourceVolume": "scratch", "containerPath": "/tmp", "readOnly": False}]
    assert otel["mountPoints"] == [{"sourceVolume": "scratch-otel", "containerPath": "/tmp", "readOnly": False}]
    volumes = recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["volumes"]
    assert [volume["name"] for volume in volumes] == ["scratch", "scratch-otel"]


def test_execution_role_reads_every_containers_secrets_and_pulls_every_private_image():
    sidecar_image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/tools/otel:1"
    recording = _record(
        image="123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:2",
        secrets={"API_TOKEN": PARAMETER},
        sidecars=[
            {"name": "otel", "image": sidecar_image, "secrets": {"OTEL_KEY": COLLECTOR_PARAMETER}},
            {"name": "relay", "image": COLLECTOR, "secrets": {"RELAY_KEY": COLLECTOR_SECRET, "APP_TOKEN": PARAMETER}},
        ],
    )
    policy = json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", "job-execution-policy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert set(by_sid) == {"WriteOwnLogGroup", "EcrAuth", "PullOwnImage", "ReadListedParameters", "ReadListedSecrets"}
    assert by_sid["ReadListedParameters"]["Resource"] == [PARAMETER, COLLECTOR_PARAMETER]
    assert by_sid["ReadListedSecrets"]["Resource"] == [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:otel/creds-AbCdEf"
    ]
    assert by_sid["PullOwnImage"]["Resource"] == [
        "arn:aws:ecr:us-east-1:123456789012:repository/team/app",
        "arn:aws:ecr:us-east-1:123456789012:repository/tools/otel",
    ]
    relay = _containers(recording)[2]
    assert relay["secrets"] == [
        {"name": "APP_TOKEN", "valueFrom": PARAMETER},
        {"name": "RELAY_KEY", "valueFrom": COLLECTOR_SECRET},
    ]


def test_without_sidecars_the_task_definition_is_as_before():
    app, *rest = _containers(_record())
    assert rest == [] and "dependsOn" not in app


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            {"sidecars": [{"name": "app", "image": COLLECTOR}]},
            ["sidecars[0].name: 'app' — a name of its own; the main container has it"],
        ),
        (
            {"sidecars": [{"name": "otel", "image": COLLECTOR}, {"name": "otel", "image": COLLECTOR}]},
            ["sidecars[1].name: 'otel' — a name of its own; sidecars[0] has it"],
        ),
        (
            {"sidecars": [{"name": "otel", "image": COLLECTOR, "port": 8080}]},
            ["sidecars[0].port: 8080 — a port of its own; the main container listens on it"],
        ),
        (
            {
                "sidecars": [
                    {"name": "a", "image": COLLECTOR, "port": 4317},
                    {"name": "b", "image": COLLECTOR, "port": 4317},
                ]
            },
            ["sidecars[1].port: 4317 — a port of its own; a listens on it"],
        ),
        (
            {"depends_on": [{"container": "otel"}]},
            ["depends_on[0].container: 'otel' — one of the other containers: none (declare it in sidecars)"],
        ),
        (
            {"sidecars": [{"name": "otel", "image": COLLECTOR, "depends_on": [{"container": "otel"}]}]},
            ["sidecars[0].depends_on[0].container: 'otel' — one of the other containers: app"],
        ),
        (
            {
                "sidecars": [{"name": "otel", "image": COLLECTOR}],
                "depends_on": [{"container": "otel", "condition": "HEALTHY"}],
            },
            ["depends_on[0].condition: 'HEALTHY' — START, COMPLETE or SUCCESS: container otel has no health_check"],
        ),
        (
            {
                "sidecars": [{"name": "otel", "image": COLLECTOR}],
                "depends_on": [{"container": "otel", "condition": "COMPLETE"}],
            },
            [
                "depends_on[0].condition: 'COMPLETE' — START or HEALTHY: container otel is essential, and ECS waits "
                "for an exit only of a non-essential container"
            ],
        ),
        (
            {
                "sidecars": [{"name": "otel", "image": COLLECTOR}],
                "depends_on": [{"container": "otel", "condition": "READY"}],
            },
            ["depends_on[0].condition: 'READY' — one of START, COMPLETE, SUCCESS, HEALTHY"],
        ),
        (
            {
                "depends_on": [{"container": "b"}],
                "sidecars": [
                    {"name": "a", "image": COLLECTOR, "depends_on": [{"container": "app"}]},
                    {"name": "b", "image": COLLECTOR, "depends_on": [{"container": "a"}]},
                ],
            },
            [
                "depends_on: [{'container': 'b', 'condition': 'START'}] — no cycle in the start order: "
                "app -> b -> a -> app waits on itself"
            ],
        ),
        (
            {
                "sidecars": [
                    {"name": "a", "image": COLLECTOR, "cpu": 128},
                    {"name": "b", "image": COLLECTOR, "cpu": 128},
                ]
            },
            ["sidecars: 'cpu 256 in all' — less than the task's cpu (256), so the main container keeps a share"],
        ),
        (
            {"memory_reservation": 256, "sidecars": [{"name": "a", "image": COLLECTOR, "memory": 256}]},
            [
                'sidecars: "memory 512 in all with the main container\'s memory_reservation" — less than the '
                "task's memory (512), so the main container keeps a share"
            ],
        ),
        (
            {"sidecars": [{"name": "a", "image": COLLECTOR, "user": "root"}]},
            [
                "sidecars[0].user: 'root' — uid[:gid] or a user name, not root (the containers run as non-root), "
                "such as 10001:10001"
            ],
        ),
        (
            {"sidecars": [{"name": "a", "image": COLLECTOR, "environment": {"DB_PASSWORD": "x"}}]},
            [
                "sidecars[0].environment.DB_PASSWORD: '<hidden>' — looks like a credential; pass it in `secrets` as "
                "an SSM parameter or Secrets Manager ARN"
            ],
        ),
        (
            {"sidecars": [{"image": COLLECTOR}]},
            ["sidecars[0].name: None — required"],
        ),
    ],
)
def test_each_sidecar_problem_has_its_exact_message(args, expected):
    problems = _problems(**args)
    assert len(problems) == len(expected)
    for line, wanted in zip(problems, expected, strict=True):
        assert line.strip().startswith(wanted), line

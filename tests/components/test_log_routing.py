"""FireLens log routing of a `FargateWorkload`: the recorded container definitions (the router and every
container's awsfirelens options), the task role's statements, and every validation error with its exact
message."""

from __future__ import annotations

import json

import pytest

from ecs_workloads import AlbWebService, FargateWorkload, QueueBackedBatchService, ScheduledEcsTask
from ecs_workloads.fargate_workload.log_routing import ROUTER_IMAGE
from harness.program import run_callable
from tests.components.test_alb_web_service import BASE as WEB
from tests.components.test_queue_backed_batch_service import BASE as BATCH
from tests.components.test_scheduled_ecs_task import BASE as SCHEDULED

BASE = {"vpc_id": "vpc-0abc1234", "image": "public.ecr.aws/docker/library/nginx:1.27", "port": 8080}
COLLECTOR = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1"
STREAM_ARN = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/app-logs"


def _record(**args):
    return run_callable(lambda: FargateWorkload("job", {**BASE, **args}))


def _containers(recording):
    return json.loads(recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])


def _task_statements(recording):
    policy = recording.one("aws:iam/rolePolicy:RolePolicy", "job-task-log-routing").inputs["policy"]
    return json.loads(policy)["Statement"]


def _problems(**args) -> list[str]:
    with pytest.raises(ValueError) as caught:
        FargateWorkload("job", {**BASE, **args})
    return [line.strip() for line in str(caught.value).splitlines()[1:]]


def test_the_router_is_fluent_bit_essential_non_root_read_only_and_logs_itself_to_the_workload_group():
    recording = _record(log_routing={"destination": "cloudwatch"})
    group = recording.one("aws:cloudwatch/logGroup:LogGroup").outputs["name"]
    _, router = _containers(recording)
    assert router["name"] == "log-router"
    assert router["image"] == ROUTER_IMAGE
    assert router["firelensConfiguration"] == {"type": "fluentbit"}
    assert router["essential"] is True and router["privileged"] is False
    assert router["memoryReservation"] == 50 and "memory" not in router
    assert router["user"] == "65534:65534"
    assert router["readonlyRootFilesystem"] is True
    assert router["mountPoints"] == [{"sourceVolume": "scratch-log-router", "containerPath": "/tmp", "readOnly": False}]
    assert router["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {"awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "log-router"},
    }
    assert "dependsOn" not in router
    volumes = recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["volumes"]
    assert [volume["name"] for volume in volumes] == ["scratch", "scratch-log-router"]

    built = []
    run_callable(lambda: built.append(FargateWorkload("job", {**BASE, "log_routing": {"destination": "cloudwatch"}})))
    assert built[0].container_names == ["app", "log-router"]


def test_cloudwatch_routes_every_container_to_the_workload_group_and_grants_only_its_streams():
    recording = _record(log_routing={"destination": "cloudwatch"}, sidecars=[{"name": "otel", "image": COLLECTOR}])
    group = recording.one("aws:cloudwatch/logGroup:LogGroup").outputs
    app, otel, _ = _containers(recording)
    for container in (app, otel):
        assert container["logConfiguration"] == {
            "logDriver": "awsfirelens",
            "options": {
                "Name": "cloudwatch_logs",
                "region": "us-east-1",
                "log_group_name": group["name"],
                "log_stream_prefix": f"{container['name']}/",
                "auto_create_group": "false",
            },
        }
        assert container["dependsOn"] == [{"containerName": "log-router", "condition": "START"}]
    assert _task_statements(recording) == [
        {
            "Sid": "RouteLogsToLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{group['arn']}:log-stream:*",
        }
    ]


@pytest.mark.parametrize("bucket", ["app-logs-123", "arn:aws:s3:::app-logs-123"])
def test_s3_writes_put_objects_under_the_prefix_and_grants_only_that_prefix(bucket):
    recording = _record(log_routing={"destination": "s3", "bucket": bucket, "key_prefix": "firelens/api/"})
    app, _ = _containers(recording)
    assert app["logConfiguration"] == {
        "logDriver": "awsfirelens",
        "options": {
            "Name": "s3",
            "bucket": "app-logs-123",
            "region": "us-east-1",
            "total_file_size": "1M",
            "s3_key_format": "/firelens/api/$TAG/%Y/%m/%d/%H-%M-%S-$UUID",
            "use_put_object": "On",
        },
    }
    assert _task_statements(recording) == [
        {
            "Sid": "RouteLogsToBucket",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::app-logs-123/firelens/api/*",
        }
    ]


def test_firehose_sends_to_the_stream_in_its_own_region_and_grants_only_that_stream():
    recording = _record(log_routing={"destination": "firehose", "delivery_stream_arn": STREAM_ARN})
    app, _ = _containers(recording)
    assert app["logConfiguration"] == {
        "logDriver": "awsfirelens",
        "options": {"Name": "kinesis_firehose", "delivery_stream": "app-logs", "region": "eu-west-1"},
    }
    assert _task_statements(recording) == [
        {
            "Sid": "RouteLogsToDeliveryStream",
            "Effect": "Allow",
            "Action": "firehose:PutRecordBatch",
            "Resource": STREAM_ARN,
        }
    ]


def test_a_start_order_naming_the_router_is_kept_and_others_are_added_to():
    recording = _record(
        log_routing={"destination": "cloudwatch", "name": "fluent", "user": "0"},
        depends_on=[{"container": "fluent", "condition": "START"}, {"container": "otel", "condition": "HEALTHY"}],
        sidecars=[{"name": "otel", "image": COLLECTOR, "health_check": {"command": ["CMD", "/healthcheck"]}}],
    )
    app, otel, router = _containers(recording)
    assert app["dependsOn"] == [
        {"containerName": "fluent", "condition": "START"},
        {"containerName": "otel", "condition": "HEALTHY"},
    ]
    assert otel["dependsOn"] == [{"containerName": "fluent", "condition": "START"}]
    assert router["name"] == "fluent" and router["user"] == "0"


def test_the_routing_policy_is_the_task_roles_and_the_execution_role_is_unchanged():
    routed = _record(log_routing={"destination": "firehose", "delivery_stream_arn": STREAM_ARN})
    plain = _record()
    policy = routed.one("aws:iam/rolePolicy:RolePolicy", "job-task-log-routing")
    assert policy.inputs["role"] == routed.one("aws:iam/role:Role", "job-task-role").outputs["id"]
    execution = "job-execution-policy"
    assert (
        routed.one("aws:iam/rolePolicy:RolePolicy", execution).inputs
        == plain.one("aws:iam/rolePolicy:RolePolicy", execution).inputs
    )
    assert [r.name for r in plain.of_type("aws:iam/rolePolicy:RolePolicy")] == [execution]


@pytest.mark.parametrize(
    ("shape", "base"),
    [(ScheduledEcsTask, SCHEDULED), (QueueBackedBatchService, BATCH), (AlbWebService, WEB)],
    ids=["scheduled", "batch", "web"],
)
def test_every_shape_routes_its_logs_through_the_shared_workload(shape, base):
    routing = {"destination": "firehose", "delivery_stream_arn": STREAM_ARN}
    workload = {**base["workload"], "log_routing": routing}
    recording = run_callable(lambda: shape("shape", {**base, "workload": workload}))
    main, router = _containers(recording)
    assert main["logConfiguration"]["logDriver"] == "awsfirelens"
    assert router["firelensConfiguration"] == {"type": "fluentbit"}
    statements = [
        json.loads(policy.inputs["policy"])["Statement"]
        for policy in recording.of_type("aws:iam/rolePolicy:RolePolicy")
        if policy.name.endswith("-task-log-routing")
    ]
    assert [s[0]["Resource"] for s in statements] == [STREAM_ARN]


@pytest.mark.parametrize(
    ("routing", "extra", "expected"),
    [
        (
            {"destination": "s3"},
            {},
            ["log_routing.bucket: None — required with destination s3"],
        ),
        (
            {"destination": "firehose"},
            {},
            ["log_routing.delivery_stream_arn: None — required with destination firehose"],
        ),
        (
            {"destination": "cloudwatch", "bucket": "app-logs-123", "key_prefix": "x/"},
            {},
            [
                "log_routing.bucket: 'app-logs-123' — only with destination s3",
                "log_routing.key_prefix: 'x/' — only with destination s3",
            ],
        ),
        (
            {"destination": "s3", "bucket": "app-logs-123", "delivery_stream_arn": STREAM_ARN},
            {},
            [f"log_routing.delivery_stream_arn: {STREAM_ARN!r} — only with destination firehose"],
        ),
        (
            {"destination": "cloudwach"},
            {},
            [
                "log_routing.destination: 'cloudwach' — unknown destination; did you mean \"cloudwatch\"? "
                "allowed: cloudwatch, s3, firehose"
            ],
        ),
        (
            {"destination": "s3", "bucket": "Bad_Bucket"},
            {},
            [
                "log_routing.bucket: 'Bad_Bucket' — an S3 bucket name (3 to 63 of a-z, 0-9, . and -) or its "
                "arn:aws:s3::: ARN"
            ],
        ),
        (
            {"destination": "firehose", "delivery_stream_arn": "arn:aws:kinesis:eu-west-1:123456789012:stream/x"},
            {},
            [
                "log_routing.delivery_stream_arn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/x' — a Firehose "
                "delivery stream ARN (arn:aws:firehose:<region>:<account>:deliverystream/<name>)"
            ],
        ),
        (
            {"destination": "s3", "bucket": "app-logs-123", "key_prefix": "logs"},
            {},
            ["log_routing.key_prefix: 'logs' — an S3 key prefix ending in / of up to 512 characters"],
        ),
        (
            {"destination": "cloudwatch", "user": "fluent"},
            {},
            [
                "log_routing.user: 'fluent' — a numeric uid, uid:gid or uid:group (what ECS accepts for a "
                "FireLens container)"
            ],
        ),
        (
            {"destination": "cloudwatch", "name": "otel"},
            {"sidecars": [{"name": "otel", "image": COLLECTOR}]},
            ["log_routing.name: 'otel' — a name of its own; sidecars[0] has it"],
        ),
        (
            {"destination": "cloudwatch", "name": "app"},
            {},
            ["log_routing.name: 'app' — a name of its own; the main container has it"],
        ),
        (
            {"destination": "cloudwatch", "memory_reservation": 512},
            {},
            [
                "log_routing.memory_reservation: 'memory 512 in all' — less than the task's memory (512), so the "
                "main container keeps a share"
            ],
        ),
        (
            {"destination": "cloudwatch"},
            {"sidecars": [{"name": "otel", "image": COLLECTOR, "memory": 462}]},
            ["sidecars: 'memory 512 in all' — less than the task's memory (512), so the main container keeps a share"],
        ),
        (
            {"destination": "cloudwatch"},
            {"depends_on": [{"container": "log-router", "condition": "SUCCESS"}]},
            [
                "depends_on[0].condition: 'SUCCESS' — START or HEALTHY: container log-router is essential, and "
                "ECS waits for an exit only of a non-essential container"
            ],
        ),
        (
            {"destination": "cloudwatch", "image": ""},
            {},
            ["log_routing.image: '' — an image URI"],
        ),
        (
            {"bucket": "app-logs-123"},
            {},
            ["log_routing.destination: None — required"],
        ),
    ],
)
def test_log_routing_problems_have_exact_messages(routing, extra, expected):
    assert _problems(log_routing=routing, **extra) == expected


def test_without_log_routing_the_task_definition_is_as_before():
    (app,) = _containers(_record())
    assert app["logConfiguration"]["logDriver"] == "awslogs" and "dependsOn" not in app


def test_on_ec2_capacity_in_bridge_mode_the_app_starts_after_the_router_which_maps_no_port():
    # FireLens in bridge mode: the router must start before the containers that log through it, and no port
    # mapping may use its 24224 (ECS Developer Guide, FireLens considerations).
    recording = _record(
        compatibility="EC2", network_mode="bridge", log_routing={"destination": "cloudwatch"}, memory_reservation=256
    )
    app, router = _containers(recording)
    assert app["dependsOn"] == [{"containerName": "log-router", "condition": "START"}]
    assert app["portMappings"] == [{"containerPort": 8080, "protocol": "tcp", "hostPort": 0}]
    assert "portMappings" not in router and router["firelensConfiguration"] == {"type": "fluentbit"}
    task = recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert task["networkMode"] == "bridge" and task["requiresCompatibilities"] == ["EC2"]

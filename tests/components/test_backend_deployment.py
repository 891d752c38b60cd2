"""Deployment strategies, the 5xx-rate alarm, lifecycle hooks and scheduled scaling of `BackendService`,
asserted on recorded inputs, and their validation messages."""

from __future__ import annotations

import json

import pytest

from ecs_workloads.backend_service import BackendService
from harness.program import run_callable

from .test_backend_service import BASE, SERVICE, TARGET

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
HOOK = "arn:aws:lambda:us-east-1:123456789012:function:smoke-test"
TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"
NIGHT = {"name": "night", "schedule": "cron(0 20 * * ? *)", "min_capacity": 0, "max_capacity": 0}


def _run(**args):
    return run_callable(lambda: BackendService("picture-scorer", {**BASE, **args}), stack="dev", project="shop")


def _service(recording):
    return recording.one(SERVICE, "picture-scorer-service")


def test_rolling_by_default_rolls_back_on_the_service_connect_5xx_rate():
    recording = _run()
    service = _service(recording)
    assert service.inputs["deploymentConfiguration"] == {"strategy": "ROLLING"}
    alarm = recording.one(ALARM, "picture-scorer-5xx-rate")
    # Named before the service exists: the service's deployment alarms name it, and it names the service.
    assert alarm.inputs["name"] == "shop-dev-picture-scorer-5xx-rate"
    assert service.inputs["alarms"] == {
        "alarmNames": ["shop-dev-picture-scorer-5xx-rate"],
        "enable": True,
        "rollback": True,
    }
    queries = {query["id"]: query for query in alarm.inputs["metricQueries"]}
    dimensions = {
        "ClusterName": "ecs-cluster",
        "ServiceName": service.outputs["name"],
        "DiscoveryName": "picture-scorer",
    }
    assert queries["errors"]["metric"] == {
        "namespace": "AWS/ECS",
        "metricName": "HTTPCode_Target_5XX_Count",
        "dimensions": dimensions,
        "stat": "Sum",
        "period": 60,
    }
    assert queries["requests"]["metric"]["metricName"] == "RequestCount"
    assert queries["requests"]["metric"]["dimensions"] == dimensions
    assert queries["rate"]["expression"] == "100 * FILL(errors, 0) / requests"
    assert (alarm.inputs["threshold"], alarm.inputs["evaluationPeriods"], alarm.inputs["datapointsToAlarm"]) == (
        5,
        5,
        3,
    )
    assert "alarmActions" not in alarm.inputs
    assert "picture-scorer-deploy-role" not in [role.name for role in recording.of_type(ROLE)]


def test_the_alarm_notifies_the_topic_at_the_callers_threshold():
    alarm = _run(alarm_topic_arn=TOPIC, error_rate_alarm_percent=2.5).one(ALARM, "picture-scorer-5xx-rate")
    assert (alarm.inputs["alarmActions"], alarm.inputs["okActions"], alarm.inputs["threshold"]) == (
        [TOPIC],
        [TOPIC],
        2.5,
    )


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ({"strategy": "blue_green"}, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "5"}),
        (
            {"strategy": "canary", "canary_percent": 20, "canary_bake_minutes": 3},
            {
                "strategy": "CANARY",
                "bakeTimeInMinutes": "5",
                "canaryConfiguration": {"canaryPercent": 20, "canaryBakeTimeInMinutes": "3"},
            },
        ),
        (
            {"strategy": "linear", "bake_time_minutes": 0},
            {
                "strategy": "LINEAR",
                "bakeTimeInMinutes": "0",
                "linearConfiguration": {"stepPercent": 10.0, "stepBakeTimeInMinutes": "6"},
            },
        ),
    ],
)
def test_each_strategy_shifts_through_service_connect_without_traffic_resources(strategy, expected):
    recording = _run(deployment_strategy=strategy)
    service = _service(recording).inputs
    assert service["deploymentConfiguration"] == expected
    # Service Connect needs neither load balancer entries nor a traffic role: ECS moves the clients' proxies.
    assert "loadBalancers" not in service
    assert "picture-scorer-deploy-role" not in [role.name for role in recording.of_type(ROLE)]
    assert service["serviceConnectConfiguration"]["services"][0]["discoveryName"] == "picture-scorer"


def test_hooks_get_a_role_that_invokes_exactly_their_functions():
    other = "arn:aws:lambda:us-east-1:123456789012:function:traffic-check:live"
    recording = _run(
        deployment_strategy={
            "strategy": "blue_green",
            "lifecycle_hooks": [
                {"function_arn": HOOK, "stages": ["POST_SCALE_UP"]},
                {"function_arn": other, "stages": ["POST_TEST_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"]},
            ],
        }
    )
    role = recording.one(ROLE, "picture-scorer-deploy-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "ecs.amazonaws.com"}
    policy = recording.one(ROLE_POLICY, "picture-scorer-deploy-policy")
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {"Sid": "InvokeHooks", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [HOOK, other]}
    ]
    service = _service(recording)
    assert service.inputs["deploymentConfiguration"]["lifecycleHooks"] == [
        {"hookTargetArn": HOOK, "roleArn": role.outputs["arn"], "lifecycleStages": ["POST_SCALE_UP"]},
        {
            "hookTargetArn": other,
            "roleArn": role.outputs["arn"],
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"],
        },
    ]
    # ECS checks the role's permissions when it creates the service.
    assert policy.urn in service.dependencies


def test_a_grpc_backend_has_no_5xx_alarm_and_so_no_alarm_rollback():
    recording = _run(app_protocol="grpc", deployment_strategy={"strategy": "blue_green"})
    assert recording.of_type(ALARM) == []
    assert "alarms" not in _service(recording).inputs


def test_alarm_rollback_can_be_turned_off():
    recording = _run(deployment_strategy={"rollback_on_alarm": False})
    assert "alarms" not in _service(recording).inputs
    assert recording.of_type(ALARM) == []


def test_a_schedule_alone_moves_the_fixed_count():
    recording = _run(deployment={"desired_count": 2}, scheduled_scaling=[NIGHT])
    target = recording.one(TARGET, "picture-scorer-scaling-target")
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (2, 2)
    assert set(target.ignore_changes) == {"minCapacity", "maxCapacity"}
    action = recording.one(ACTION, "picture-scorer-schedule-night").inputs
    assert action["scalableTargetAction"] == {"minCapacity": 0, "maxCapacity": 0}
    assert action["resourceId"] == target.inputs["resourceId"]
    assert "desiredCount" in _service(recording).ignore_changes


def test_a_schedule_beside_target_tracking_sets_its_bounds():
    recording = _run(
        autoscaling={"min_tasks": 1, "max_tasks": 4, "cpu_target_percent": 60},
        scheduled_scaling=[{**NIGHT, "min_capacity": 1, "max_capacity": 1}],
    )
    target = recording.one(TARGET, "picture-scorer-scaling-target")
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (1, 4)
    assert recording.one(ACTION, "picture-scorer-schedule-night").inputs["scalableTargetAction"] == {
        "minCapacity": 1,
        "maxCapacity": 1,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {
                "autoscaling": {"min_tasks": 1, "max_tasks": 4, "cpu_target_percent": 60},
                "scheduled_scaling": [{**NIGHT, "max_capacity": 2}],
            },
            "scheduled_scaling[0].min_capacity: 0 — an integer from 1 to 1000, as autoscaling.min_tasks allows here",
        ),
        (
            {"app_protocol": "grpc", "deployment_strategy": {"rollback_on_alarm": True}},
            "deployment_strategy.rollback_on_alarm: True — only with app_protocol http or http2 (the Service "
            "Connect proxy counts no 5xx for grpc)",
        ),
        (
            {"app_protocol": "grpc", "alarm_topic_arn": TOPIC},
            f"alarm_topic_arn: '{TOPIC}' — only with app_protocol http or http2 (the Service Connect proxy counts "
            "no 5xx for grpc)",
        ),
        (
            {"deployment_strategy": {"bake_time_minutes": 5}},
            "deployment_strategy.bake_time_minutes: 5 — only with strategy blue_green, canary or linear",
        ),
        (
            {"error_rate_alarm_percent": 0},
            "error_rate_alarm_percent: 0 — a number above 0 up to 100",
        ),
    ],
)
def test_deployment_problems_are_named_before_any_resource(args, message):
    with pytest.raises(ValueError) as caught:
        _run(**args)
    assert str(caught.value).splitlines() == ["invalid BackendService arguments:", f"  {message}"]

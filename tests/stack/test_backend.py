"""The picture scorer as the stack composes it: a BackendService in the cluster's namespace that only the
cats service calls."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from harness.program import run_program, stack_config
from harness.recording import Recording
from stack.backend import SCORER_NAME, SCORER_PORT, PictureScorerSettings

SERVICE = "aws:ecs/service:Service"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
NAMESPACE = "aws:servicediscovery/httpNamespace:HttpNamespace"


@pytest.fixture(scope="module", params=["dev", "prod"])
def recording(request) -> Recording:
    return run_program(request.param)


def test_the_scorer_publishes_in_the_cluster_namespace_and_cats_calls_it(recording):
    namespace = recording.one(NAMESPACE).outputs["arn"]
    assert recording.one("aws:ecs/cluster:Cluster").inputs["serviceConnectDefaults"] == {"namespace": namespace}
    scorer = recording.one(SERVICE, f"{SCORER_NAME}-service").inputs["serviceConnectConfiguration"]
    assert scorer["namespace"] == namespace
    assert scorer["services"][0]["clientAlias"] == [{"port": SCORER_PORT, "dnsName": SCORER_NAME}]
    cats = recording.one(SERVICE, "cats-service").inputs["serviceConnectConfiguration"]
    assert cats["namespace"] == namespace and "services" not in cats
    task = recording.one("aws:ecs/taskDefinition:TaskDefinition", "cats-task")
    environment = json.loads(task.inputs["containerDefinitions"])[0]["environment"]
    assert {"name": "PICTURE_SCORER_URL", "value": f"http://{SCORER_NAME}:{SCORER_PORT}"} in environment


def test_only_the_cats_tasks_reach_the_scorer(recording):
    scorer_sg = recording.one("aws:ec2/securityGroup:SecurityGroup", f"{SCORER_NAME}-sg").outputs["id"]
    cats_sg = recording.one("aws:ec2/securityGroup:SecurityGroup", "cats-sg").outputs["id"]
    rules = [rule.inputs for rule in recording.of_type(INGRESS) if rule.inputs["securityGroupId"] == scorer_sg]
    assert [(r["referencedSecurityGroupId"], r["fromPort"], r["toPort"]) for r in rules] == [
        (cats_sg, SCORER_PORT, SCORER_PORT)
    ]
    assert not any("cidrIpv4" in rule or "cidrIpv6" in rule for rule in rules)


def test_prod_autoscales_the_scorer_on_cpu_and_memory():
    recording = run_program("prod")
    metrics = {
        policy.name: policy.inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"][
            "predefinedMetricType"
        ]
        for policy in recording.of_type("aws:appautoscaling/policy:Policy")
        if policy.name.startswith(SCORER_NAME)
    }
    assert metrics == {
        f"{SCORER_NAME}-scale-cpu": "ECSServiceAverageCPUUtilization",
        f"{SCORER_NAME}-scale-memory": "ECSServiceAverageMemoryUtilization",
    }


def test_the_ec2_stack_without_the_scorer_has_no_namespace():
    recording = run_program("ec2")
    assert recording.of_type(NAMESPACE) == []
    assert all("serviceConnectConfiguration" not in service.inputs for service in recording.of_type(SERVICE))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"enabled": True, "desiredCount": 5, "autoscaling": {"minTasks": 1, "maxTasks": 3}},
            "desiredCount: 5 — within autoscaling minTasks..maxTasks (1..3)",
        ),
        (
            {"autoscaling": {"cpuTargetPercent": None}},
            "autoscaling: {'min_tasks': 1, 'max_tasks': 3} — give cpuTargetPercent, memoryTargetPercent or both",
        ),
        ({"accessLogs": "XML"}, "must be one of JSON, TEXT"),
        ({"autoscaling": {"memoryTargetPercent": 0}}, "memoryTargetPercent: 0.0 — a number above 0 up to 100"),
        ({"enabeld": True}, "Extra inputs are not permitted"),
    ],
)
def test_bad_scorer_settings_are_refused_with_a_message(raw, message):
    with pytest.raises(ValidationError) as caught:
        PictureScorerSettings.model_validate(raw)
    assert message in str(caught.value)


HOOK_ARN = "arn:aws:lambda:us-east-1:123456789012:function:scorer-smoke-test"


def _scorer(recording_config):
    config = stack_config("dev")
    scorer = {**config.get("ecs-workloads:pictureScorer", {}), **recording_config}
    return run_program("dev", config={**config, "ecs-workloads:pictureScorer": scorer})


def test_the_scorer_deploys_blue_green_with_hooks_and_scales_on_a_schedule():
    recording = _scorer(
        {
            "enabled": True,
            "desiredCount": 1,
            "deployment": {
                "strategy": "blue_green",
                "bakeTimeMinutes": 10,
                "lifecycleHooks": [{"functionArn": HOOK_ARN, "stages": ["POST_TEST_TRAFFIC_SHIFT"]}],
            },
            "scheduledScaling": [
                {"name": "night", "schedule": "cron(0 20 * * ? *)", "minCapacity": 0, "maxCapacity": 0},
                {"name": "morning", "schedule": "cron(0 7 ? * MON-FRI *)", "minCapacity": 1, "maxCapacity": 1},
            ],
        }
    )
    service = recording.one(SERVICE, f"{SCORER_NAME}-service").inputs
    role = recording.one("aws:iam/role:Role", f"{SCORER_NAME}-deploy-role")
    assert service["deploymentConfiguration"] == {
        "strategy": "BLUE_GREEN",
        "bakeTimeInMinutes": "10",
        "lifecycleHooks": [
            {"hookTargetArn": HOOK_ARN, "roleArn": role.outputs["arn"], "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
        ],
    }
    alarm = recording.one("aws:cloudwatch/metricAlarm:MetricAlarm", f"{SCORER_NAME}-5xx-rate")
    assert service["alarms"]["alarmNames"] == [alarm.inputs["name"]]
    assert alarm.inputs["alarmActions"] == [recording.one("aws:sns/topic:Topic").outputs["arn"]]
    actions = {
        action.inputs["name"]: action.inputs["scalableTargetAction"]
        for action in recording.of_type("aws:appautoscaling/scheduledAction:ScheduledAction")
        if action.name.startswith(SCORER_NAME)
    }
    assert actions == {"night": {"minCapacity": 0, "maxCapacity": 0}, "morning": {"minCapacity": 1, "maxCapacity": 1}}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {
                "autoscaling": {"minTasks": 1, "maxTasks": 3},
                "scheduledScaling": [{"name": "night", "schedule": "@daily", "minCapacity": 0, "maxCapacity": 4}],
            },
            "scheduledScaling[0].minCapacity: 0 — an integer from 1 to 1000, as autoscaling.minTasks allows here",
        ),
        (
            {
                "scheduledScaling": [
                    {"name": "busy", "schedule": "@daily", "minCapacity": 2, "maxCapacity": 2},
                    {"name": "busy", "schedule": "@weekly", "minCapacity": 1, "maxCapacity": 1},
                ]
            },
            "scheduledScaling[1].name: 'busy' — unique among the service's scheduled actions "
            "(scheduledScaling[0] has it)",
        ),
        (
            {"deployment": {"lifecycleHooks": [{"functionArn": HOOK_ARN, "stages": ["PRE_SCALE_UP"]}]}},
            "— only with strategy blue_green, canary or linear",
        ),
        ({"deployment": {"strategy": "green"}}, "allowed: rolling, blue_green, canary, linear"),
    ],
)
def test_bad_scorer_deployment_and_schedule_settings_are_refused_with_a_message(raw, message):
    with pytest.raises(ValidationError) as caught:
        PictureScorerSettings.model_validate(raw)
    assert message in str(caught.value)

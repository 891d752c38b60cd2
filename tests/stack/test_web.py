"""The cats web service as the stack composes it: bucket, grants, environment, routing and outputs."""

from __future__ import annotations

import json

import pulumi
import pytest
from pydantic import ValidationError

from ecs_workloads.deployment_strategy import DEPLOYMENT_STRATEGY_ARGS
from ecs_workloads.fargate_service import SERVICE_DEPLOYMENT_ARGS
from harness.program import run_callable, run_program, stack_config
from stack.settings import StackSettings
from stack.system import build_foundation
from stack.web import CatsSettings, build_web

TOKEN = "arn:aws:ssm:us-east-1:123456789012:parameter/cats/api-token"
SECRET = "aws:secretsmanager/secret:Secret"
_CIDRS = "a non-empty list of distinct CIDR blocks with no host bits set, such as 203.0.113.0/24"
PROD_CATS = {
    "desiredCount": 2,
    "domainName": "cats.example.com",
    "hostedZoneId": "Z0123456789EXAMPLE",
    "autoscaling": {"minTasks": 2, "maxTasks": 6, "cpuTargetPercent": 60, "requestsPerTarget": 500},
}


def _web(stack_settings=None, cats=None):
    holder = {}

    def program():
        foundation = build_foundation(StackSettings.model_validate(stack_settings or {}))
        web = build_web(foundation, CatsSettings.model_validate(cats or {}))
        pulumi.Output.all(outputs=web.outputs, url=web.alb_url, topic=foundation.alarm_topic_arn).apply(holder.update)

    return run_callable(program), holder


def _container(recording):
    return json.loads(recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])[0]


def test_pictures_bucket_is_private_encrypted_and_tls_only():
    recording, _ = _web()
    bucket = recording.one("aws:s3/bucket:Bucket", "cats-pictures")
    assert bucket.inputs["forceDestroy"] is True
    assert not bucket.protect and not bucket.retain_on_delete
    block = recording.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert block["bucket"] == bucket.outputs["id"]
    assert all(
        block[key] is True
        for key in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    encryption = recording.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert encryption.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    policy = json.loads(recording.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    arn = bucket.outputs["arn"]
    assert policy["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


def test_task_role_may_use_only_the_pictures_bucket():
    recording, _ = _web()
    arn = recording.one("aws:s3/bucket:Bucket").outputs["arn"]
    grant = recording.one("aws:iam/rolePolicy:RolePolicy", "cats-task-pictures")
    assert grant.inputs["role"] == recording.one("aws:iam/role:Role", "cats-task-role").outputs["id"]
    statements = json.loads(grant.inputs["policy"])["Statement"]
    assert statements == [
        {"Sid": "ListPictures", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": arn},
        {
            "Sid": "ReadWritePictures",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": f"{arn}/*",
        },
    ]
    # No other policy on the task role: ECS Exec is off by default.
    task_policies = [
        r.name for r in recording.of_type("aws:iam/rolePolicy:RolePolicy") if r.name.startswith("cats-task-")
    ]
    assert task_policies == ["cats-task-pictures"]


def test_container_gets_the_bucket_name_and_listens_behind_the_cats_path_rule():
    recording, _ = _web()
    container = _container(recording)
    bucket = recording.one("aws:s3/bucket:Bucket").outputs["bucket"]
    assert container["environment"] == [{"name": "BUCKET_NAME", "value": bucket}]
    assert container["secrets"] == [{"name": "API_TOKEN", "valueFrom": recording.one(SECRET).outputs["arn"]}]
    assert container["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    task = recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert (task["cpu"], task["memory"]) == ("256", "512")
    assert recording.one("awsx:ecr:Image").inputs["context"].endswith("apps/cats")
    rule = recording.one("aws:lb/listenerRule:ListenerRule").inputs
    assert rule["conditions"] == [{"pathPattern": {"values": ["/cats*"]}}]
    assert rule["priority"] == 100
    listener = recording.one("aws:lb/listener:Listener")
    assert (listener.inputs["port"], listener.inputs["protocol"]) == (80, "HTTP")
    assert listener.inputs["defaultActions"][0]["fixedResponse"]["statusCode"] == "404"
    assert recording.one("aws:lb/targetGroup:TargetGroup").inputs["healthCheck"]["path"] == "/health"
    assert recording.one("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 30


def test_service_uses_the_cluster_default_capacity_and_the_stack_alarm_topic():
    recording, holder = _web(stack_settings={"cluster": {"defaultCapacity": {"fargate": 0, "fargateSpot": 1}}})
    service = recording.one("aws:ecs/service:Service").inputs
    assert service["desiredCount"] == 1
    assert service["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    assert service["enableExecuteCommand"] is False
    alarms = recording.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert {a.name for a in alarms} == {"cats-5xx-rate", "cats-unhealthy-tasks"}
    assert all(a.inputs["alarmActions"] == [holder["topic"]] for a in alarms)
    assert recording.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is False


def test_outputs_name_the_urls_service_and_bucket():
    recording, holder = _web()
    dns = recording.one("aws:lb/loadBalancer:LoadBalancer").outputs["dnsName"]
    assert holder["url"] == f"http://{dns}"
    assert holder["outputs"] == {
        "catsUrl": f"http://{dns}/cats/",
        "catsApiUrl": f"http://{dns}/cats/api/",
        "albDnsName": dns,
        "catsServiceName": recording.one("aws:ecs/service:Service").outputs["name"],
        "catsBucketName": recording.one("aws:s3/bucket:Bucket").outputs["bucket"],
        "catsLogGroupName": recording.one("aws:cloudwatch/logGroup:LogGroup").outputs["name"],
        "services": {
            "cats": {
                "serviceName": recording.one("aws:ecs/service:Service").outputs["name"],
                "clusterName": recording.one("aws:ecs/cluster:Cluster").outputs["name"],
                "logGroupName": recording.one("aws:cloudwatch/logGroup:LogGroup").outputs["name"],
                "executeCommand": False,
                "containerNames": ["app"],
                "autoscaled": False,
                "minTasks": 1,
                "maxTasks": 1,
                "url": f"http://{dns}/cats/",
                "apiTokenSecretArn": recording.one(SECRET).outputs["arn"],
            }
        },
    }


def test_autoscaled_service_reports_its_bounds_to_operators():
    _, holder = _web(cats={"desiredCount": 2, "autoscaling": {"minTasks": 2, "maxTasks": 6, "cpuTargetPercent": 60}})
    cats = holder["outputs"]["services"]["cats"]
    assert (cats["autoscaled"], cats["minTasks"], cats["maxTasks"]) == (True, 2, 6)


def test_production_settings_serve_https_autoscale_and_protect_the_data():
    recording, holder = _web(
        stack_settings={"protectData": True, "logs": {"retentionDays": 90}},
        cats={**PROD_CATS, "workload": {"capacity": {"fargate": 1, "fargateSpot": 0}}},
    )
    bucket = recording.one("aws:s3/bucket:Bucket")
    assert bucket.protect and bucket.retain_on_delete
    assert bucket.inputs["forceDestroy"] is False
    assert recording.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is True
    assert recording.one("aws:acm/certificate:Certificate").inputs["domainName"] == "cats.example.com"
    assert recording.one("aws:route53/record:Record", "cats-alias").inputs["zoneId"] == "Z0123456789EXAMPLE"
    ports = sorted(r.inputs["port"] for r in recording.of_type("aws:lb/listener:Listener"))
    assert ports == [80, 443]
    service = recording.one("aws:ecs/service:Service")
    assert service.inputs["desiredCount"] == 2
    assert service.ignore_changes == ("desiredCount",)
    policies = {r.name for r in recording.of_type("aws:appautoscaling/policy:Policy")}
    assert policies == {"cats-scale-cpu", "cats-scale-requests"}
    target = recording.one("aws:appautoscaling/target:Target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 6)
    secret = recording.one(SECRET)
    assert secret.protect and secret.retain_on_delete
    assert _container(recording)["secrets"] == [{"name": "API_TOKEN", "valueFrom": secret.outputs["arn"]}]
    assert recording.one("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 90
    assert holder["url"] == "https://cats.example.com"
    assert holder["outputs"]["catsApiUrl"] == "https://cats.example.com/cats/api/"


BAD_CATS = [
    (
        {
            "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "domainName": "a.example.com",
            "hostedZoneId": "Z0123",
        },
        "certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' — "
        "give certificateArn or domainName, not both",
    ),
    ({"domainName": "cats.example.com"}, "hostedZoneId: None — required with domainName"),
    ({"hostedZoneId": "Z0123"}, "hostedZoneId: 'Z0123' — only with domainName"),
    ({"domainName": "Cats Example"}, "must be a lower-case DNS name"),
    ({"certificateArn": "cert-1"}, "must be an ACM certificate ARN"),
    ({"allowedCidrs": ["10.0.0.1/8"]}, f"must be {_CIDRS}"),
    ({"allowedCidrs": []}, f"must be {_CIDRS}"),
    ({"allowedCidrs": ["2001:db8::/32", "2001:DB8::/32"]}, f"must be {_CIDRS}"),
    ({"pathPattern": "cats*"}, "must be a path starting with / (* and ? are wildcards) of up to 128 characters"),
    (
        {"pathPattern": "/" + "c" * 128},
        "must be a path starting with / (* and ? are wildcards) of up to 128 characters",
    ),
    ({"healthCheckPath": "health"}, "must be a path starting with / of up to 1024 characters"),
    ({"rulePriority": 0}, "must be an integer from 1 to 50000"),
    ({"rulePriority": 50001}, "must be an integer from 1 to 50000"),
    # The stack generates the token: no key may name another one, nor set it in the environment.
    ({"apiTokenSecretArn": TOKEN}, "Extra inputs are not permitted"),
    (
        {"workload": {"secrets": {"API_TOKEN": TOKEN}}},
        "API_TOKEN is set by the stack (the pictures bucket, the generated API token, the picture scorer's URL); "
        "remove it",
    ),
    (
        {"workload": {"environment": {"API_TOKEN": "hunter2"}}},
        "environment.API_TOKEN: '<hidden>' — looks like a credential",
    ),
    ({"workload": {"environment": {"BUCKET_NAME": "mine"}}}, "BUCKET_NAME is set by the stack"),
    ({"autoscaling": {"minTasks": 3, "maxTasks": 2}}, "maxTasks: 2 — at least minTasks (3)"),
    (
        {"autoscaling": {"cpuTargetPercent": None}},
        "autoscaling: {'min_tasks': 2, 'max_tasks': 4} — give cpuTargetPercent, requestsPerTarget or both",
    ),
    ({"autoscaling": {"cpuTargetPercent": 0}}, "cpuTargetPercent: 0.0 — a number above 0 up to 100"),
    ({"autoscaling": {"minTasks": 0}}, "must be an integer from 1 to 1000"),
    (
        {"desiredCount": 1, "autoscaling": {"minTasks": 2}},
        "desiredCount: 1 — within autoscaling minTasks..maxTasks (2..4)",
    ),
    (
        {"deployment": {"strategy": "canery"}},
        'unknown deployment strategy; did you mean "canary"? allowed: rolling, blue_green, canary, linear',
    ),
    ({"deployment": {"strategy": "canary", "canaryPercent": 0}}, "must be a multiple of 0.1 from 0.1 to 100"),
    ({"deployment": {"strategy": "linear", "linearStepPercent": 1}}, "must be a multiple of 0.1 from 3 to 100"),
    ({"deployment": {"strategy": "blue_green", "bakeTimeMinutes": 1441}}, "must be an integer from 0 to 1440"),
    (
        {"deployment": {"strategy": "linear", "canaryBakeMinutes": 5}},
        "canaryBakeMinutes: 5 — only with strategy canary (strategy is linear)",
    ),
    (
        {"deployment": {"bakeTimeMinutes": 5}},
        "bakeTimeMinutes: 5 — only with strategy blue_green, canary or linear",
    ),
    (
        {"deployment": {"testTrafficHeader": "X-Test"}},
        "deployment.testTrafficHeader: 'X-Test' — only with a blue_green, canary or linear strategy",
    ),
    (
        {"rulePriority": 1, "deployment": {"strategy": "canary", "testTrafficHeader": "X-Test"}},
        "rulePriority: 1 — above 1 with testTrafficHeader (the test rule takes priority - 1)",
    ),
    ({"deployment": {"stratgy": "canary"}}, "Extra inputs are not permitted"),
    ({"desiredcount": 2}, "Extra inputs are not permitted"),
    ({"desiredCount": -1}, f"must be {SERVICE_DEPLOYMENT_ARGS['desired_count'].allowed()}"),
    ({"desiredCount": 1001}, f"must be {SERVICE_DEPLOYMENT_ARGS['desired_count'].allowed()}"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_CATS)
def test_bad_cats_settings_are_refused_with_a_message(raw, message):
    with pytest.raises(ValidationError) as caught:
        CatsSettings.model_validate(raw)
    assert message in str(caught.value)


def test_defaults_and_the_production_snippet_are_valid():
    defaults = CatsSettings.model_validate({})
    assert (defaults.path_pattern, defaults.rule_priority, defaults.desired_count) == ("/cats*", 100, 1)
    assert defaults.allowed_cidrs == ["0.0.0.0/0"]
    assert defaults.health_check_path == "/health"
    # ECS Exec is the workload's, and absent there the stack's executeCommand decides.
    assert defaults.autoscaling is None and defaults.workload.enable_execute_command is None
    deployment = defaults.service_args()["deployment"]
    for name in ("desired_count",):
        assert deployment[name] == SERVICE_DEPLOYMENT_ARGS[name].default, name
    prod = CatsSettings.model_validate(PROD_CATS)
    assert prod.autoscaling.args() == {
        "min_tasks": 2,
        "max_tasks": 6,
        "cpu_target_percent": 60,
        "requests_per_target": 500,
    }


def test_the_deployment_settings_pass_the_strategy_through():
    defaults = CatsSettings.model_validate({}).deployment
    assert CatsSettings.model_validate({}).service_args()["deployment_strategy"] == {}
    # The settings' defaults are the component's own declarations.
    for key in ("strategy", "bake_time_minutes", "canary_percent", "linear_step_percent", "rollback_on_alarm"):
        assert getattr(defaults, key) == DEPLOYMENT_STRATEGY_ARGS[key].default, key
    chosen = CatsSettings.model_validate(
        {"deployment": {"strategy": "canary", "canaryPercent": 10, "canaryBakeMinutes": 5, "testTrafficHeader": "X-T"}}
    ).service_args()
    assert chosen["deployment_strategy"] == {
        "strategy": "canary",
        "canary_percent": 10,
        "canary_bake_minutes": 5,
    }
    assert chosen["test_traffic_header"] == "X-T"


def test_prod_cats_deploy_as_a_canary():
    recording = run_program("prod")
    service = recording.one("aws:ecs/service:Service", "cats-service").inputs
    assert service["deploymentConfiguration"]["strategy"] == "CANARY"
    assert service["deploymentConfiguration"]["canaryConfiguration"] == {
        "canaryPercent": 10,
        "canaryBakeTimeInMinutes": "5",
    }
    assert (service["alarms"]["enable"], service["alarms"]["rollback"]) == (True, True)
    assert "advancedConfiguration" in service["loadBalancers"][0]


HOOK_ARN = "arn:aws:lambda:us-east-1:123456789012:function:cats-smoke-test"


def test_cats_lifecycle_hooks_reach_the_component_and_its_role():
    settings = {
        "strategy": "blue_green",
        "lifecycleHooks": [{"functionArn": HOOK_ARN, "stages": ["POST_TEST_TRAFFIC_SHIFT"]}],
    }
    assert CatsSettings.model_validate({"deployment": settings}).service_args()["deployment_strategy"] == {
        "strategy": "blue_green",
        "lifecycle_hooks": [{"function_arn": HOOK_ARN, "stages": ["POST_TEST_TRAFFIC_SHIFT"]}],
    }
    config = stack_config("dev")
    cats = {**config.get("ecs-workloads:cats", {}), "deployment": settings}
    recording = run_program("dev", config={**config, "ecs-workloads:cats": cats})
    role = recording.one("aws:iam/role:Role", "cats-deploy-role")
    [hook] = recording.one("aws:ecs/service:Service", "cats-service").inputs["deploymentConfiguration"][
        "lifecycleHooks"
    ]
    assert hook == {
        "hookTargetArn": HOOK_ARN,
        "roleArn": role.outputs["arn"],
        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
    }
    statements = json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", "cats-deploy-policy").inputs["policy"])
    assert {"Sid": "InvokeHooks", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [HOOK_ARN]} in (
        statements["Statement"]
    )


@pytest.mark.parametrize(
    ("hooks", "message"),
    [
        (
            [{"functionArn": "smoke-test", "stages": ["PRE_SCALE_UP"]}],
            "functionArn: 'smoke-test' — a Lambda function ARN",
        ),
        ([{"functionArn": HOOK_ARN, "stages": ["AFTER_SHIFT"]}], "stages: ['AFTER_SHIFT'] — a list of at least 1"),
        ([{"functionArn": HOOK_ARN}], "stages\n  Field required"),
    ],
)
def test_bad_lifecycle_hooks_are_refused_with_a_message(hooks, message):
    with pytest.raises(ValidationError) as caught:
        CatsSettings.model_validate({"deployment": {"strategy": "canary", "lifecycleHooks": hooks}})
    assert message in str(caught.value)


def test_lifecycle_hooks_need_a_traffic_shifting_strategy():
    with pytest.raises(ValidationError) as caught:
        CatsSettings.model_validate(
            {"deployment": {"lifecycleHooks": [{"functionArn": HOOK_ARN, "stages": ["PRE_SCALE_UP"]}]}}
        )
    assert "lifecycleHooks: [{'function_arn': '" + HOOK_ARN in str(caught.value)
    assert "— only with strategy blue_green, canary or linear" in str(caught.value)

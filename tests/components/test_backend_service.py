"""BackendService and the Service Connect client option of AlbWebService, asserted on recorded inputs."""

from __future__ import annotations

import json

import pytest

from ecs_workloads.alb_web_service import AlbWebService
from ecs_workloads.backend_service import BackendService
from ecs_workloads.cluster import EcsCluster
from ecs_workloads.outputs import declared_outputs
from harness.program import run_callable
from tests.components.component_checks import registered_output_names, untagged

NAMESPACE = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-0123456789abcdef"
PLACEMENT = {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222"], "assign_public_ip": False}
BASE = {
    "cluster_name": "ecs-cluster",
    "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/ecs-cluster",
    "placement": PLACEMENT,
    "namespace": NAMESPACE,
    "workload": {"image": "public.ecr.aws/acme/scorer:1.0", "port": 8080},
}
WEB = {
    "cluster_name": "ecs-cluster",
    "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/ecs-cluster",
    "placement": PLACEMENT,
    "load_balancer_subnet_ids": ["subnet-0ccc3333", "subnet-0ddd4444"],
    "workload": {"image": "public.ecr.aws/acme/cats:1.0", "port": 8080},
}
SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
POLICY = "aws:appautoscaling/policy:Policy"
TARGET = "aws:appautoscaling/target:Target"
TOKEN = "ecs-workloads:index:BackendService"


def _backend(name="picture-scorer", **args):
    return run_callable(lambda: BackendService(name, {**BASE, **args}))


def _containers(recording, name):
    return json.loads(recording.one(TASK, f"{name}-task").inputs["containerDefinitions"])


def test_the_backend_publishes_its_named_port_in_the_namespace_with_access_logs():
    recording = _backend()
    connect = recording.one(SERVICE, "picture-scorer-service").inputs["serviceConnectConfiguration"]
    log_group = recording.one("aws:cloudwatch/logGroup:LogGroup", "picture-scorer-logs").outputs["name"]
    assert connect == {
        "enabled": True,
        "namespace": NAMESPACE,
        "services": [
            {
                "portName": "http",
                "discoveryName": "picture-scorer",
                "clientAlias": [{"port": 8080, "dnsName": "picture-scorer"}],
            }
        ],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": "service-connect",
            },
        },
        "accessLogConfiguration": {"format": "JSON", "includeQueryParameters": "DISABLED"},
    }
    [container] = _containers(recording, "picture-scorer")
    assert container["portMappings"] == [
        {"containerPort": 8080, "protocol": "tcp", "name": "http", "appProtocol": "http"}
    ]


def test_aliases_discovery_name_protocol_and_log_format_are_the_callers():
    recording = _backend(
        "scorer",
        port_name="api",
        app_protocol="http2",
        discovery_name="scorer-v2",
        client_aliases=[{"dns_name": "scorer.internal", "port": 80}, {"dns_name": "scorer-v2"}],
        access_logs="TEXT",
        access_logs_query_parameters=True,
    )
    connect = recording.one(SERVICE, "scorer-service").inputs["serviceConnectConfiguration"]
    assert connect["services"] == [
        {
            "portName": "api",
            "discoveryName": "scorer-v2",
            "clientAlias": [{"port": 80, "dnsName": "scorer.internal"}, {"port": 8080, "dnsName": "scorer-v2"}],
        }
    ]
    assert connect["accessLogConfiguration"] == {"format": "TEXT", "includeQueryParameters": "ENABLED"}
    [container] = _containers(recording, "scorer")
    assert container["portMappings"][0]["name"] == "api"
    assert container["portMappings"][0]["appProtocol"] == "http2"


def test_the_backend_has_no_load_balancer_and_admits_nobody_by_itself():
    recording = _backend()
    types = {registration.type for registration in recording.registrations}
    assert not any(typ.startswith("aws:lb/") for typ in types)
    assert recording.of_type(INGRESS) == []
    assert "loadBalancers" not in recording.one(SERVICE, "picture-scorer-service").inputs


def test_cpu_and_memory_target_tracking_own_the_task_count():
    recording = _backend(
        autoscaling={"min_tasks": 2, "max_tasks": 5, "cpu_target_percent": 70, "memory_target_percent": 80}
    )
    target = recording.one(TARGET, "picture-scorer-scaling-target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 5)
    assert recording.one(SERVICE, "picture-scorer-service").inputs["desiredCount"] == 2
    policies = {
        policy.name: policy.inputs["targetTrackingScalingPolicyConfiguration"] for policy in recording.of_type(POLICY)
    }
    assert policies == {
        "picture-scorer-scale-cpu": {
            "targetValue": 70,
            "predefinedMetricSpecification": {"predefinedMetricType": "ECSServiceAverageCPUUtilization"},
            "scaleInCooldown": 300,
            "scaleOutCooldown": 60,
        },
        "picture-scorer-scale-memory": {
            "targetValue": 80,
            "predefinedMetricSpecification": {"predefinedMetricType": "ECSServiceAverageMemoryUtilization"},
            "scaleInCooldown": 300,
            "scaleOutCooldown": 60,
        },
    }


def test_without_autoscaling_the_count_is_fixed():
    recording = _backend(deployment={"desired_count": 3})
    assert recording.of_type(TARGET) == recording.of_type(POLICY) == []
    assert recording.one(SERVICE, "picture-scorer-service").inputs["desiredCount"] == 3


def test_a_client_names_the_backend_and_only_its_tasks_are_admitted():
    def program():
        scorer = BackendService("picture-scorer", BASE)
        AlbWebService("cats", {**WEB, "service_connect": {"namespace": NAMESPACE, "backends": [scorer.endpoint()]}})
        AlbWebService("dogs", WEB)

    recording = run_callable(program)
    scorer_sg = recording.one(SG, "picture-scorer-sg").outputs["id"]
    cats_sg = recording.one(SG, "cats-sg").outputs["id"]
    into_scorer = [rule.inputs for rule in recording.of_type(INGRESS) if rule.inputs["securityGroupId"] == scorer_sg]
    assert into_scorer == [
        {
            "securityGroupId": scorer_sg,
            "referencedSecurityGroupId": cats_sg,
            "ipProtocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
            "description": "Service Connect from cats tasks",
        }
    ]
    assert recording.one(INGRESS, "cats-calls-picture-scorer").inputs["securityGroupId"] == scorer_sg
    cats = recording.one(SERVICE, "cats-service").inputs["serviceConnectConfiguration"]
    assert cats["enabled"] is True and cats["namespace"] == NAMESPACE
    assert "services" not in cats
    assert cats["logConfiguration"]["options"]["awslogs-stream-prefix"] == "service-connect"
    [container] = _containers(recording, "cats")
    assert {"name": "PICTURE_SCORER_URL", "value": "http://picture-scorer:8080"} in container["environment"]
    assert "serviceConnectConfiguration" not in recording.one(SERVICE, "dogs-service").inputs
    [dogs] = _containers(recording, "dogs")
    assert dogs["environment"] == []


def test_the_cluster_makes_the_namespace_its_service_connect_default():
    recording = run_callable(lambda: EcsCluster("ecs", {"service_connect": True}))
    namespace = recording.one("aws:servicediscovery/httpNamespace:HttpNamespace", "ecs-namespace")
    cluster = recording.one("aws:ecs/cluster:Cluster", "ecs-cluster").inputs
    assert cluster["serviceConnectDefaults"] == {"namespace": namespace.outputs["arn"]}


def test_outputs_and_tags():
    holder = {}

    def program():
        scorer = BackendService("picture-scorer", {**BASE, "tags": {"team": "cats"}})
        holder["endpoint"] = scorer.endpoint()

    recording = run_callable(program)
    assert registered_output_names(recording, TOKEN) == set(declared_outputs(BackendService))
    assert untagged(recording, TOKEN, {"team": "cats"}) == []
    endpoint = holder["endpoint"]
    assert (endpoint["name"], endpoint["url"], endpoint["port"]) == (
        "picture-scorer",
        "http://picture-scorer:8080",
        8080,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"workload": {"image": "x"}},
            "workload.port: None — the container port Service Connect publishes (required)",
        ),
        (
            {"discovery_name": "-scorer"},
            "discovery_name: '-scorer' — lowercase letters, digits, _ and - (not first) of up to 64 characters",
        ),
        (
            {"port_name": "p" * 65},
            f"port_name: '{'p' * 65}' — lowercase letters, digits, _ and - (not first) of up to 64 characters",
        ),
        (
            {"client_aliases": [{"dns_name": "Scorer.Internal"}]},
            "client_aliases[0].dns_name: 'Scorer.Internal' — a DNS name of lowercase letters, digits, _, - and . "
            "(- not first) of up to 127 characters",
        ),
        (
            {"client_aliases": [{"dns_name": "scorer", "port": 0}]},
            "client_aliases[0].port: 0 — an integer from 1 to 65535",
        ),
        (
            {"client_aliases": [{"dns_name": "scorer"}, {"dns_name": "scorer", "port": 8080}]},
            "client_aliases[1]: {'dns_name': 'scorer', 'port': 8080} — a DNS name and port given once",
        ),
        ({"app_protocol": "tcp"}, "app_protocol: 'tcp' — one of http, http2, grpc"),
        ({"access_logs": "XML"}, "access_logs: 'XML' — one of JSON, TEXT"),
        (
            {"autoscaling": {"min_tasks": 1, "max_tasks": 2}},
            "autoscaling: {'min_tasks': 1, 'max_tasks': 2} — give cpu_target_percent, memory_target_percent or both",
        ),
        (
            {"autoscaling": {"min_tasks": 3, "max_tasks": 2, "cpu_target_percent": 50}},
            "autoscaling.max_tasks: 2 — at least min_tasks (3)",
        ),
        (
            {
                "autoscaling": {"min_tasks": 2, "max_tasks": 4, "cpu_target_percent": 50},
                "deployment": {"desired_count": 5},
            },
            "deployment.desired_count: 5 — within autoscaling min_tasks..max_tasks (2..4)",
        ),
        (
            {"workload": {"image": "x", "port": 8080, "port_name": "web"}},
            "workload.port_name: 'web' — set port_name on the component itself; remove it here",
        ),
    ],
)
def test_invalid_arguments_are_named_before_any_resource(args, message):
    with pytest.raises(ValueError) as caught:
        _backend(**args)
    assert str(caught.value).splitlines() == ["invalid BackendService arguments:", f"  {message}"]


def test_a_missing_namespace_is_named():
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: BackendService("scorer", {k: v for k, v in BASE.items() if k != "namespace"}))
    assert "  namespace: None — required" in str(caught.value).splitlines()


def test_a_client_may_not_set_the_url_variable_itself():
    def program():
        scorer = BackendService("picture-scorer", BASE)
        workload = {**WEB["workload"], "environment": {"PICTURE_SCORER_URL": "http://elsewhere"}}
        client = {"namespace": NAMESPACE, "backends": [scorer.endpoint()]}
        AlbWebService("cats", {**WEB, "workload": workload, "service_connect": client})

    with pytest.raises(ValueError) as caught:
        run_callable(program)
    assert (
        "  workload.environment.PICTURE_SCORER_URL: 'http://elsewhere' — set by the component itself; remove it"
        in str(caught.value).splitlines()
    )

"""Each hosted component, constructed by the package's provider from inputs as another language's SDK sends
them, registers the same resources as the Python class given the same arguments.

Wire form: camelCase keys (the schema's names), every number a double (a protobuf Struct has no integers),
read back with `rpc.deserialize_properties` as the provider server does; output values (a value with its
secretness and the resources it depends on) go through `ProviderServicer._construct_inputs` itself. The
expected resources come from running the Python class, so the tests do not restate any resource or token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from google.protobuf import struct_pb2
from pulumi.provider.experimental.analyzer import PropertyDefinition
from pulumi.provider.server import ProviderServicer
from pulumi.runtime import rpc

from ecs_workloads.package_provider import PACKAGE, EcsWorkloadsProvider, hosted_components
from harness.program import run_callable
from harness.recording import Recording

ACCOUNT = "123456789012"
CLUSTER_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/ecs-cluster"
PLACEMENT = {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222"], "assign_public_ip": True}
ON_CLUSTER = {"cluster_name": "ecs-cluster", "cluster_arn": CLUSTER_ARN, "placement": PLACEMENT}
HEALTH = {"command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"], "interval": 10, "retries": 5}

# Component -> Python arguments; the wire form is derived from them with the schema's names.
CASES: list[Any] = [
    pytest.param("Network", {"cidr_block": "10.20.0.0/16", "nat_strategy": "none"}, id="Network"),
    pytest.param(
        "EcsCluster",
        {"container_insights": "enhanced", "default_capacity": {"fargate": 1, "fargate_spot": 3}},
        id="EcsCluster",
    ),
    pytest.param(
        "EcsCluster",
        {
            "placement": PLACEMENT,
            "capacity_providers": [{"name": "pipeline", "auto_scaling": {"instance_types": ["m6i.large"]}}],
        },
        id="EcsCluster-capacity",
    ),
    pytest.param(
        "FargateWorkload",
        {
            "vpc_id": "vpc-0abc1234",
            "image": "public.ecr.aws/docker/library/nginx:1.27",
            "port": 8080,
            "cpu": 512,
            "memory": 1024,
            "health_check": HEALTH,
            "environment": {"LOG_LEVEL": "info"},
            "log_retention_days": 14,
        },
        id="FargateWorkload",
    ),
    pytest.param(
        "JobRunWorkflow",
        {
            "cluster_arn": CLUSTER_ARN,
            "task_families": ["report", "cleanup"],
            "pass_role_arns": [f"arn:aws:iam::{ACCOUNT}:role/report-task"],
            "subnet_ids": ["subnet-0a", "subnet-0b"],
            "security_group_ids": ["sg-0a"],
            "log_retention_days": 14,
        },
        id="JobRunWorkflow",
    ),
    pytest.param("PrivateBucket", {"protect_data": True, "expiry_days": 30}, id="PrivateBucket"),
    pytest.param(
        "EfsFileSystem",
        {
            "vpc_id": "vpc-0abc1234",
            "subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222"],
            "client_security_group_ids": ["sg-0123abcd"],
            "uid": 1000,
            "gid": 1000,
        },
        id="EfsFileSystem",
    ),
    pytest.param("GeneratedSecret", {"description": "for tests", "protect_data": True}, id="GeneratedSecret"),
    pytest.param("AlarmTopic", {"email": "ops@example.com", "tags": {"team_name": "platform"}}, id="AlarmTopic"),
    pytest.param(
        "OperationsDashboard",
        {"dashboard_name": "shop-dev", "schedules": [{"title": "assessor", "schedule_group_name": "assessor-group"}]},
        id="OperationsDashboard",
    ),
    pytest.param(
        "AlbWebService",
        {
            **ON_CLUSTER,
            "load_balancer_subnet_ids": ["subnet-0ccc3333", "subnet-0ddd4444"],
            "workload": {"image": "nginx:1.27", "port": 8080, "health_check": HEALTH},
        },
        id="AlbWebService",
    ),
    pytest.param(
        "BackendService",
        {
            **ON_CLUSTER,
            "namespace": f"arn:aws:servicediscovery:us-east-1:{ACCOUNT}:namespace/ns-abc",
            "workload": {"image": "scorer:1.0", "port": 8080},
        },
        id="BackendService",
    ),
    pytest.param(
        "QueueBackedBatchService",
        {**ON_CLUSTER, "workload": {"image": "batch-worker:1.0", "cpu": 512, "memory": 1024}, "max_tasks": 4},
        id="QueueBackedBatchService",
    ),
    pytest.param(
        "ScheduledEcsTask",
        {**ON_CLUSTER, "workload": {"image": "image-assessor:1"}, "schedule": "rate(2 minutes)", "task_count": 2},
        id="ScheduledEcsTask",
    ),
]


@pytest.fixture(scope="module")
def provider() -> EcsWorkloadsProvider:
    return EcsWorkloadsProvider()


def _token(component: str) -> str:
    # The construct request's token is the schema's, whatever token the class registers itself under.
    return f"{PACKAGE}:index:{component}"


def _wire_names(
    provider: EcsWorkloadsProvider, value: Any, properties: dict[str, PropertyDefinition], mapping: dict[str, str]
) -> dict[str, Any]:
    """Python arguments under the schema's (camelCase) names, nested types included, as an SDK writes them."""
    schema_name = {python: schema for schema, python in mapping.items()}
    wire: dict[str, Any] = {}
    for python, given in value.items():
        name = schema_name[python]
        prop = properties[name]
        nested = prop.ref or (prop.items.ref if prop.items else None)
        type_def = provider.get_type_definition(PropertyDefinition(ref=nested)) if nested else None
        if type_def is None or type_def.enum:
            wire[name] = given
        elif isinstance(given, list):
            wire[name] = [_wire_names(provider, v, type_def.properties, type_def.properties_mapping) for v in given]
        else:
            wire[name] = _wire_names(provider, given, type_def.properties, type_def.properties_mapping)
    return wire


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)  # numbers become doubles, as from any SDK
    return struct


def _resources(recording: Recording) -> list[tuple[Any, ...]]:
    return sorted(
        (r.urn, r.type, r.name, r.parent, r.custom, r.inputs, r.protect, r.retain_on_delete)
        for r in recording.registrations
    )


hosted = {component.__name__: component for component in hosted_components()}


def _python(component: str, args: dict[str, Any]) -> Recording:
    return run_callable(lambda: hosted[component]("x", args))


def _constructed(provider: EcsWorkloadsProvider, component: str, inputs: Callable[[], Any]) -> tuple[Recording, dict]:
    holder: dict[str, Any] = {}

    def program() -> None:
        result = provider.construct("x", _token(component), inputs(), pulumi.ResourceOptions())
        pulumi.Output.all(**result.state).apply(holder.update)

    return run_callable(program), holder


@pytest.mark.parametrize(("component", "args"), CASES)
def test_constructed_from_wire_inputs_like_the_python_class(provider, component, args):
    definition = provider._component_defs[component]
    struct = _struct(_wire_names(provider, args, definition.inputs, definition.inputs_mapping))
    recording, state = _constructed(provider, component, lambda: rpc.deserialize_properties(struct, keep_unknowns=True))
    assert _resources(recording) == _resources(_python(component, args))
    # What the engine gets back: the declared outputs, under their schema names.
    assert set(state) <= set(definition.outputs) and state


def test_hand_written_camel_case_inputs_arrive_as_the_python_arguments(provider):
    # Written as a TypeScript program would: the schema's names, and whole numbers a double on the wire.
    wire = {
        "vpcId": "vpc-0abc1234",
        "image": "public.ecr.aws/docker/library/nginx:1.27",
        "port": 8080,
        "healthCheck": {"command": ["CMD", "true"], "startPeriod": 20},
        "logRetentionDays": 14,
        "readonlyRootFilesystem": False,
    }
    python = {
        "vpc_id": "vpc-0abc1234",
        "image": "public.ecr.aws/docker/library/nginx:1.27",
        "port": 8080,
        "health_check": {"command": ["CMD", "true"], "start_period": 20},
        "log_retention_days": 14,
        "readonly_root_filesystem": False,
    }
    struct = _struct(wire)
    assert isinstance(struct["port"], float)
    inputs = rpc.deserialize_properties(struct, keep_unknowns=True)
    mapped = provider.map_inputs(inputs, provider._component_defs["FargateWorkload"])
    assert mapped == python
    assert type(mapped["port"]) is int and type(mapped["health_check"]["start_period"]) is int
    recording, _ = _constructed(provider, "FargateWorkload", lambda: inputs)
    assert _resources(recording) == _resources(_python("FargateWorkload", python))


def test_a_fractional_number_reaches_the_component_check_unchanged(provider):
    inputs = rpc.deserialize_properties(_struct({"vpcId": "vpc-0abc1234", "image": "nginx:1.27", "port": 8080.5}))
    with pytest.raises(Exception, match=r"port: 8080\.5 — an integer from"):
        run_callable(lambda: provider.construct("x", _token("FargateWorkload"), inputs, pulumi.ResourceOptions()))


DEPENDENCY = "urn:pulumi:test::ecs-workloads::aws:ec2/vpc:Vpc::shared"


def _output_value(value: Any, *, secret: bool = False, dependencies: tuple[str, ...] = ()) -> dict[str, Any]:
    """An output value as the engine forwards another program's Output (the SDKs' special signature)."""
    return {
        rpc._special_sig_key: rpc._special_output_value_sig,
        "value": value,
        "secret": secret,
        "dependencies": list(dependencies),
    }


def test_output_values_construct_like_python_outputs_with_their_secrecy_and_dependencies(provider):
    struct = _struct(
        {
            "vpcId": _output_value("vpc-0abc1234", dependencies=(DEPENDENCY,)),
            "image": _output_value("nginx:1.27"),
            "port": _output_value(8080),
            "environment": {"GREETING": _output_value("hello", secret=True)},
            "logRetentionDays": 14,
        }
    )

    holder: dict[str, Any] = {}

    async def construct() -> None:
        # The server's own reading of construct inputs: output values become Outputs, nested ones too.
        received = await ProviderServicer._construct_inputs(struct, {})
        holder["vpc_id"] = received["vpcId"]
        provider.construct("x", _token("FargateWorkload"), received, pulumi.ResourceOptions())

    def program() -> None:
        pulumi.Output.from_input(construct())

    recording = run_callable(program)
    # The same values as Outputs in a Python program (created inside it: an Output needs its event loop).
    expected = run_callable(
        lambda: hosted["FargateWorkload"](
            "x",
            {
                "vpc_id": pulumi.Output.from_input("vpc-0abc1234"),
                "image": pulumi.Output.from_input("nginx:1.27"),
                "port": pulumi.Output.from_input(8080),
                "environment": {"GREETING": pulumi.Output.secret("hello")},
                "log_retention_days": 14,
            },
        )
    )
    assert _resources(recording) == _resources(expected)
    assert isinstance(holder["vpc_id"], pulumi.Output)
    assert any(DEPENDENCY in r.dependencies for r in recording.registrations)


def test_every_hosted_component_has_a_construct_case():
    assert {param.values[0] for param in CASES} == {c.__name__ for c in hosted_components()}

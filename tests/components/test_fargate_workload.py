from __future__ import annotations

import json

import pytest

import ecs_workloads
from ecs_workloads import FargateWorkload, FargateWorkloadArgs
from ecs_workloads.arguments import field_docstrings
from ecs_workloads.outputs import declared_outputs, output_docs
from harness.program import run_callable
from harness.recording import Recording

PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/app/token"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-AbCdEf"
BASE = {"vpc_id": "vpc-0abc1234", "image": "public.ecr.aws/docker/library/nginx:1.27"}


def _workload(**args):
    holder = {}

    def program():
        holder["workload"] = FargateWorkload("job", {**BASE, **args})

    return run_callable(program), holder


def _container(recording):
    return json.loads(recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])[0]


def _statements(recording, name):
    return json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])["Statement"]


def test_task_definition_is_fargate_sized_and_logged():
    recording, _ = _workload(cpu=512, memory=2048, cpu_architecture="ARM64", ephemeral_storage_gib=50)
    task = recording.one("aws:ecs/taskDefinition:TaskDefinition")
    assert task.inputs["cpu"] == "512" and task.inputs["memory"] == "2048"
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"]
    assert task.inputs["networkMode"] == "awsvpc"
    assert task.inputs["runtimePlatform"] == {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}
    assert task.inputs["ephemeralStorage"] == {"sizeInGib": 50}
    assert task.inputs["family"] == "ecs-workloads-test-job"
    log_group = recording.one("aws:cloudwatch/logGroup:LogGroup")
    assert log_group.inputs["retentionInDays"] == 30
    logging = _container(recording)["logConfiguration"]
    assert logging["logDriver"] == "awslogs"
    assert logging["options"]["awslogs-group"] == log_group.outputs["name"]
    assert logging["options"]["awslogs-region"] == "us-east-1"


def test_execution_role_names_only_its_log_group_and_listed_secrets():
    recording, _ = _workload(secrets={"API_TOKEN": PARAMETER, "DB_PASSWORD": SECRET})
    statements = _statements(recording, "job-execution-policy")
    log_group_arn = recording.one("aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
    by_sid = {s["Sid"]: s for s in statements}
    assert set(by_sid) == {"WriteOwnLogGroup", "ReadListedParameters", "ReadListedSecrets"}
    assert by_sid["WriteOwnLogGroup"]["Resource"] == f"{log_group_arn}:log-stream:*"
    assert by_sid["ReadListedParameters"] == {
        "Sid": "ReadListedParameters",
        "Effect": "Allow",
        "Action": "ssm:GetParameters",
        "Resource": [PARAMETER],
    }
    assert by_sid["ReadListedSecrets"]["Resource"] == [SECRET]
    assert by_sid["ReadListedSecrets"]["Action"] == "secretsmanager:GetSecretValue"


SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/creds-AbCdEf"
PARTIAL_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/creds"


def test_secret_references_with_json_key_or_version_grant_the_secret_itself():
    # ECS's valueFrom form `<secret ARN>:json-key:version-stage:version-id`; IAM authorizes GetSecretValue on
    # the secret's ARN, and a partial ARN (no six-character suffix) on the ARN with the `-??????` wildcard.
    secrets = {
        "DB_USER": f"{SECRET_ARN}:username::",
        "DB_PASSWORD": f"{SECRET_ARN}:password:AWSPREVIOUS:",
        "API_KEY": f"{SECRET_ARN}::AWSCURRENT:",
        "OLD_KEY": f"{PARTIAL_SECRET_ARN}:key::a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        "WHOLE": SECRET,
    }
    recording, _ = _workload(secrets=secrets)
    by_sid = {s["Sid"]: s for s in _statements(recording, "job-execution-policy")}
    assert by_sid["ReadListedSecrets"]["Resource"] == sorted([SECRET_ARN, f"{PARTIAL_SECRET_ARN}-??????", SECRET])
    # The container still asks ECS for the key and version it was given.
    assert _container(recording)["secrets"] == [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())]


@pytest.mark.parametrize(
    "reference",
    [
        f"{SECRET_ARN}:username",
        f"{SECRET_ARN}:username:AWSCURRENT",
        f"{SECRET_ARN}:a:b:c:d",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:bad name",
    ],
)
def test_malformed_secrets_manager_references_are_refused(reference):
    recording = Recording()
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: FargateWorkload("job", {**BASE, "secrets": {"TOKEN": reference}}), recording=recording)
    assert (
        f"secrets.TOKEN: {reference!r} — an SSM parameter ARN or a Secrets Manager secret ARN, optionally with "
        ":json-key:version-stage:version-id"
    ) in str(caught.value)
    assert recording.registrations == []


def test_secrets_reach_the_container_as_value_from_never_as_plain_environment():
    recording, _ = _workload(environment={"MODE": "fast"}, secrets={"API_TOKEN": PARAMETER})
    container = _container(recording)
    assert container["secrets"] == [{"name": "API_TOKEN", "valueFrom": PARAMETER}]
    assert container["environment"] == [{"name": "MODE", "value": "fast"}]


def test_build_context_creates_repository_image_and_scoped_pull():
    holder = {}

    def program():
        holder["w"] = FargateWorkload("job", {"vpc_id": "vpc-1", "build_context": "apps/x", "image_retention_count": 5})

    recording = run_callable(program)
    repository = recording.one("aws:ecr/repository:Repository")
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    policy = json.loads(recording.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])
    assert policy["rules"][0]["selection"]["countNumber"] == 5
    image = recording.one("awsx:ecr:Image")
    assert image.inputs["context"] == "apps/x" and image.inputs["platform"] == "linux/amd64"
    assert _container(recording)["image"] == image.outputs["imageUri"]
    pull = {s["Sid"]: s for s in _statements(recording, "job-execution-policy")}["PullOwnImage"]
    assert pull["Resource"] == repository.outputs["arn"]


def test_private_ecr_image_uri_gets_pull_rights_on_that_repository_only():
    recording, _ = _workload(image="210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.0")
    pull = {s["Sid"]: s for s in _statements(recording, "job-execution-policy")}["PullOwnImage"]
    assert pull["Resource"] == "arn:aws:ecr:eu-west-1:210987654321:repository/team/app"


def test_task_role_starts_empty_and_grant_adds_scoped_statements():
    holder = {}

    def program():
        workload = FargateWorkload("job", BASE)
        workload.grant("queue", [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "arn:aws:sqs:q"}])
        holder["w"] = workload

    recording = run_callable(program)
    task_role = recording.one("aws:iam/role:Role", "job-task-role")
    policies = [
        p for p in recording.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == task_role.outputs["id"]
    ]
    assert [p.name for p in policies] == ["job-task-queue"]
    assert json.loads(policies[0].inputs["policy"])["Statement"][0]["Resource"] == "arn:aws:sqs:q"


def test_security_group_has_no_ingress_and_roles_trust_only_this_account():
    recording, _ = _workload()
    assert recording.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") == []
    assert "ingress" not in recording.one("aws:ec2/securityGroup:SecurityGroup").inputs
    trust = json.loads(recording.one("aws:iam/role:Role", "job-task-role").inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_read_only_root_with_scratch_tmp_by_default_and_container_options():
    recording, _ = _workload(
        port=8080,
        stop_timeout=60,
        user="1000:1000",
        command=["serve"],
        health_check={"command": ["CMD-SHELL", "true"], "interval": 10},
    )
    container = _container(recording)
    assert container["readonlyRootFilesystem"] is True
    assert container["mountPoints"] == [{"sourceVolume": "scratch", "containerPath": "/tmp", "readOnly": False}]
    assert container["privileged"] is False
    assert container["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    assert container["stopTimeout"] == 60 and container["user"] == "1000:1000" and container["command"] == ["serve"]
    assert container["healthCheck"] == {
        "command": ["CMD-SHELL", "true"],
        "interval": 10,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 0,
    }


def test_protect_data_protects_and_retains_the_log_group_and_repository():
    recording = run_callable(
        lambda: FargateWorkload("job", {"vpc_id": "vpc-1", "build_context": "apps/x", "protect_data": True})
    )
    for typ in ("aws:cloudwatch/logGroup:LogGroup", "aws:ecr/repository:Repository"):
        registration = recording.one(typ)
        assert registration.protect and registration.retain_on_delete
    assert recording.one("aws:ecr/repository:Repository").inputs["forceDelete"] is False


def test_bad_cpu_memory_pair_lists_the_valid_memory_values():
    recording = Recording()
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: FargateWorkload("job", {**BASE, "cpu": 1024, "memory": 512}), recording=recording)
    assert "memory: 512 — with cpu 1024 memory must be one of 2048, 3072, 4096, 5120, 6144, 7168, 8192 (MiB)" in str(
        caught.value
    )
    assert recording.registrations == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"cpu": 300}, "cpu: 300 — one of 256, 512, 1024, 2048, 4096, 8192, 16384"),
        ({"cpu_architecture": "arm"}, "cpu_architecture: 'arm' — one of X86_64, ARM64"),
        ({"ephemeral_storage_gib": 10}, "ephemeral_storage_gib: 10 — an integer from 21 to 200"),
        ({"environment": {"DB_PASSWORD": "hunter2"}}, "environment.DB_PASSWORD: '<hidden>' — looks like a credential"),
        (
            {"secrets": {"TOKEN": "plain-value"}},
            "secrets.TOKEN: 'plain-value' — an SSM parameter ARN or a Secrets Manager",
        ),
        ({"port": 80}, "port: 80 — an integer from 1024 to 65535"),
        ({"log_retention_days": 10}, "log_retention_days: 10 — one of 1, 3, 5"),
        ({"build_context": "apps/x"}, "image: 'public.ecr.aws/docker/library/nginx:1.27' — give exactly one of image"),
        ({"health_check": {"command": ["true"]}}, "health_check.command: ['true'] — a list starting with"),
        ({"stop_timeout": 500}, "stop_timeout: 500 — an integer from 2 to 120"),
        ({"memroy": 512}, 'memroy: 512 — unknown argument; did you mean "memory"? allowed:'),
    ],
)
def test_bad_arguments_are_named_with_what_is_allowed(args, expected):
    recording = Recording()
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: FargateWorkload("job", {**BASE, **args}), recording=recording)
    assert expected in str(caught.value)
    assert recording.registrations == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"environment": ["MODE=x"]}, "environment"),
        ({"secrets": "x"}, "secrets"),
        ({"health_check": "CMD true"}, "health_check"),
        ({"cpu": [256]}, "cpu"),
        ({"cpu": 512.0, "memory": 1024}, "cpu"),
        ({"memory": 512.0}, "memory"),
        ({"log_retention_days": True}, "log_retention_days"),
        ({"log_retention_days": 30.0}, "log_retention_days"),
        ({"vpc_id": 5}, "vpc_id"),
        ({"vpc_id": ""}, "vpc_id"),
    ],
)
def test_wrongly_typed_arguments_raise_a_value_error_naming_the_field(args, field):
    recording = Recording()
    with pytest.raises(ValueError, match=rf"\n  {field}: "):
        run_callable(lambda: FargateWorkload("job", {**BASE, **args}), recording=recording)
    assert recording.registrations == []


def test_arguments_that_are_not_a_mapping_raise_a_value_error():
    recording = Recording()
    with pytest.raises(ValueError, match="arguments: "):
        run_callable(lambda: FargateWorkload("job", ["x"]), recording=recording)
    assert recording.registrations == []


# --- tags and outputs ---------------------------------------------------------------------------------

TAGS = {"team": "imaging", "cost-centre": "42"}
# AWS has no tags on these: policies attached to a role or repository, and the awsx image build.
UNTAGGABLE = {"aws:iam/rolePolicy:RolePolicy", "aws:ecr/lifecyclePolicy:LifecyclePolicy"}


def test_tags_reach_every_taggable_resource_of_the_workload():
    recording = run_callable(
        lambda: FargateWorkload("job", {"vpc_id": "vpc-1", "build_context": "apps/x", "tags": TAGS})
    )
    custom = [r for r in recording.registrations if r.custom]
    assert {r.type for r in custom if r.inputs.get("tags") != TAGS} == UNTAGGABLE
    tagged = {r.type for r in custom if r.inputs.get("tags") == TAGS}
    assert {
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:iam/role:Role",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ecr/repository:Repository",
    } <= tagged


def test_bad_tags_are_refused_before_anything_is_registered():
    recording = Recording()
    with pytest.raises(ValueError, match=r"tags: \{'aws:team': 'x'\} — a mapping of at most 50 tags"):
        run_callable(lambda: FargateWorkload("job", {**BASE, "tags": {"aws:team": "x"}}), recording=recording)
    assert recording.registrations == []


def test_every_declared_output_is_registered():
    recording = run_callable(lambda: FargateWorkload("job", BASE))
    registered = set(recording.registered_outputs[recording.one("ecs-workloads:index:FargateWorkload").urn])
    assert registered == set(declared_outputs(FargateWorkload))
    assert {"execution_role_arn", "task_role_name", "task_role_arn", "security_group_id"} <= registered
    assert all(output_docs(FargateWorkload).values())
    assert {"FargateWorkload", "FargateWorkloadArgs", "ContainerHealthCheck"} <= set(ecs_workloads.__all__)


def test_pulumis_component_analyzer_reads_the_arguments_and_outputs_with_their_descriptions():
    from pulumi.provider.experimental.analyzer import Analyzer

    analysis = Analyzer("ecs-workloads").analyze([FargateWorkload])
    definition = analysis["component_definitions"]["FargateWorkload"]
    assert {"vpcId", "cpu", "healthCheck", "tags"} <= set(definition.inputs)
    # The analyzer reads FargateWorkloadArgs' own source: the fields it inherits from EmbeddedWorkloadArgs
    # and BackendWorkloadArgs arrive without a description, which field_docstrings reads from the bases.
    own = {"vpcId", "subnetIds", "protectData"}
    assert {name for name, prop in definition.inputs.items() if prop.description} == own
    docs = field_docstrings(FargateWorkloadArgs)
    assert all(docs[definition.inputs_mapping[name]] for name in definition.inputs)
    assert set(definition.outputs) >= {"executionRoleArn", "taskRoleName"}
    assert all(prop.description for prop in definition.outputs.values())
    health = analysis["type_definitions"]["ContainerHealthCheck"]
    assert all(prop.description for prop in health.properties.values())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"port_name": "http"}, "port_name: 'http' — only with a port (the container port it maps)"),
        ({"port": 8080, "app_protocol": "http"}, "app_protocol: 'http' — only with port_name"),
        ({"port": 8080, "port_name": "web", "app_protocol": "tcp"}, "app_protocol: 'tcp' — one of http, http2, grpc"),
    ],
)
def test_a_named_port_needs_its_port_and_a_known_protocol(extra, message):
    args = {"vpc_id": "vpc-0abc1234", "image": "public.ecr.aws/acme/app:1.0", **extra}
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: FargateWorkload("app", args))
    assert str(caught.value).splitlines() == ["invalid FargateWorkload arguments:", f"  {message}"]

"""The cats API token in both stacks: generated into Secrets Manager, handed to the cats service and the
ImageAssessor as an ECS secret, readable by exactly their execution roles; and ALB_URL following the
listener's scheme."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecs_workloads.generated_secret import PASSWORD_LENGTH
from harness.program import run_program, stack_config
from harness.recording import Recording, Registration, is_secret

SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
# The two workloads that hold the token: the API itself and the job that calls it.
HOLDERS = ("cats", "image-assessor")
CATS_TOKEN = "cats-api-token"
# The job API's own token, held by the job API alone.
JOB_API_TOKEN = "job-api-token"


@pytest.fixture(scope="module", params=["dev", "prod"])
def stack(request) -> tuple[str, Recording]:
    return request.param, run_program(request.param)


def _task_definition(recording: Recording, holder: str) -> Registration:
    [task] = [t for t in recording.of_type(TASK_DEFINITION) if t.inputs["family"].endswith(f"-{holder}")]
    return task


def _container(recording: Recording, holder: str) -> dict[str, Any]:
    return json.loads(_task_definition(recording, holder).inputs["containerDefinitions"])[0]


def _generated_value(recording: Recording, token: str = CATS_TOKEN) -> str:
    """The value the stack writes, after checking the program marks it secret (encrypted in state)."""
    written = recording.one(SECRET_VERSION, f"{token}-value").inputs["secretStringWo"]
    assert is_secret(written)
    return written["value"]


def _execution_statements(recording: Recording, holder: str) -> list[dict[str, Any]]:
    role_arn = _task_definition(recording, holder).inputs["executionRoleArn"]
    [role] = [r for r in recording.of_type("aws:iam/role:Role") if r.outputs["arn"] == role_arn]
    [policy] = [p for p in recording.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["id"]]
    return json.loads(policy.inputs["policy"])["Statement"]


@pytest.mark.parametrize("token", [CATS_TOKEN, JOB_API_TOKEN])
def test_each_stack_generates_each_token_secret_written_write_only(stack, token):
    name, recording = stack
    assert sorted(s.name for s in recording.of_type(SECRET)) == [CATS_TOKEN, JOB_API_TOKEN]
    secret = recording.one(SECRET, token)
    assert "name" not in secret.inputs and "namePrefix" not in secret.inputs  # autonamed
    # The default aws/secretsmanager key: no kmsKeyId, so readers need no kms:Decrypt grant.
    assert "kmsKeyId" not in secret.inputs
    version = recording.one(SECRET_VERSION, f"{token}-value")
    assert version.inputs["secretId"] == secret.outputs["id"]
    # Write-only: the generated value is sent, never kept as `secretString` in the version's state.
    assert "secretString" not in version.inputs
    value = _generated_value(recording, token)
    assert len(value) == PASSWORD_LENGTH and value.isalnum()
    assert version.inputs["secretStringWoVersion"] == 1
    protected = name == "prod"
    for resource in (secret, version):
        assert (resource.protect, resource.retain_on_delete) == (protected, protected)


@pytest.mark.parametrize("token", [CATS_TOKEN, JOB_API_TOKEN])
def test_the_token_value_is_in_no_config_output_or_container_definition(stack, token):
    name, recording = stack
    value = _generated_value(recording, token)
    assert value not in json.dumps(stack_config(name))
    assert value not in json.dumps(recording.stack_outputs)
    for task in recording.of_type(TASK_DEFINITION):
        assert value not in task.inputs["containerDefinitions"]


@pytest.mark.parametrize("holder", HOLDERS)
def test_both_holders_receive_the_token_as_a_secret_not_environment(stack, holder):
    _, recording = stack
    arn = recording.one(SECRET, CATS_TOKEN).outputs["arn"]
    container = _container(recording, holder)
    assert {"name": "API_TOKEN", "valueFrom": arn} in container["secrets"]
    assert "API_TOKEN" not in {variable["name"] for variable in container["environment"]}


@pytest.mark.parametrize("holder", HOLDERS)
def test_execution_roles_may_read_exactly_the_token_secret(stack, holder):
    _, recording = stack
    arn = recording.one(SECRET, CATS_TOKEN).outputs["arn"]
    reads = [s for s in _execution_statements(recording, holder) if "secretsmanager" in json.dumps(s["Action"])]
    assert reads == [
        {"Sid": "ReadListedSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": [arn]}
    ]


def test_only_the_token_holders_may_read_the_token(stack):
    _, recording = stack
    arn = recording.one(SECRET, CATS_TOKEN).outputs["arn"]
    readers = sorted(p.name for p in recording.of_type(ROLE_POLICY) if arn in p.inputs["policy"])
    assert readers == ["cats-execution-policy", "image-assessor-workload-execution-policy"]


def test_only_the_job_api_may_read_its_token_and_operators_find_it_in_its_service_output(stack):
    _, recording = stack
    arn = recording.one(SECRET, JOB_API_TOKEN).outputs["arn"]
    readers = sorted(p.name for p in recording.of_type(ROLE_POLICY) if arn in p.inputs["policy"])
    assert readers == ["job-api-execution-policy"]
    assert {"name": "API_TOKEN", "valueFrom": arn} in _container(recording, "job-api")["secrets"]
    assert recording.stack_outputs["services"]["job-api"]["apiTokenSecretArn"] == arn


def test_operators_find_the_secret_in_the_cats_service_output(stack):
    _, recording = stack
    assert (
        recording.stack_outputs["services"]["cats"]["apiTokenSecretArn"]
        == recording.one(SECRET, CATS_TOKEN).outputs["arn"]
    )


def _assessor_alb_url(recording: Recording) -> str:
    environment = _container(recording, "image-assessor")["environment"]
    return next(variable["value"] for variable in environment if variable["name"] == "ALB_URL")


def test_dev_without_a_certificate_calls_the_api_over_plain_http():
    recording = run_program("dev")
    dns = recording.one("aws:lb/loadBalancer:LoadBalancer").outputs["dnsName"]
    assert _assessor_alb_url(recording) == f"http://{dns}"
    listeners = recording.of_type("aws:lb/listener:Listener")
    assert [(listener.inputs["port"], listener.inputs["protocol"]) for listener in listeners] == [(80, "HTTP")]


def test_dev_with_a_certificate_calls_the_api_over_https():
    config = stack_config("dev")
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/0123abcd-0000-4000-8000-0123456789ab"
    config["ecs-workloads:cats"] = {**config["ecs-workloads:cats"], "certificateArn": certificate}
    recording = run_program("dev", config=config)
    dns = recording.one("aws:lb/loadBalancer:LoadBalancer").outputs["dnsName"]
    assert _assessor_alb_url(recording) == f"https://{dns}"
    https = [r for r in recording.of_type("aws:lb/listener:Listener") if r.inputs["port"] == 443]
    assert [(r.inputs["protocol"], r.inputs["certificateArn"]) for r in https] == [("HTTPS", certificate)]


def test_prod_calls_the_api_over_https_on_its_domain():
    assert _assessor_alb_url(run_program("prod")) == "https://cats.example.com"

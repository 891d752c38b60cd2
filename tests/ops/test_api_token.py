"""`api-token`: the cats API token, read from the Secrets Manager secret named by the stack outputs."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ecs_workloads.generated_secret import PASSWORD_LENGTH


def _stored(stack) -> str:
    arn = stack.outputs["services"]["cats"]["apiTokenSecretArn"]
    return stack.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]


def test_prints_the_token_alone_for_use_in_a_header(stack, cli, spy):
    result = cli("api-token", "cats", session=spy)

    assert result.code == 0, result.err
    token = _stored(stack)
    assert len(token) == PASSWORD_LENGTH
    assert result.out == f"{token}\n"
    assert result.err == ""
    assert spy.called("secretsmanager", "get_secret_value") == [
        {"SecretId": stack.outputs["services"]["cats"]["apiTokenSecretArn"]}
    ]


def test_json_names_the_secret(stack, cli):
    result = cli("api-token", "cats", "--json")

    assert result.code == 0, result.err
    assert result.json() == {
        "service": "cats",
        "secretArn": stack.outputs["services"]["cats"]["apiTokenSecretArn"],
        "token": _stored(stack),
    }


def test_follows_a_rotated_value(stack, cli):
    secrets = stack.client("secretsmanager")
    arn = stack.outputs["services"]["cats"]["apiTokenSecretArn"]
    secrets.put_secret_value(SecretId=arn, SecretString="rotated-by-hand")

    assert cli("api-token", "cats").out == "rotated-by-hand\n"


def test_a_service_without_a_token_is_a_usage_error(cli):
    result = cli("api-token", "jsonl")

    assert result.code == 2
    assert result.err == "error: service 'jsonl' has no API token: its outputs name no apiTokenSecretArn\n"
    assert result.out == ""


def test_access_denied_exits_4_without_a_traceback(cli, spy):
    def deny(_call, **kwargs):
        error = {"Code": "AccessDeniedException", "Message": "not allowed to read the secret"}
        raise ClientError({"Error": error}, "GetSecretValue")

    spy.answers[("secretsmanager", "get_secret_value")] = deny
    result = cli("api-token", "cats", session=spy)

    assert result.code == 4
    assert result.err == "error: access denied for GetSecretValue: not allowed to read the secret\n"
    assert result.out == ""


def test_a_deleted_secret_is_reported(stack, cli):
    arn = stack.outputs["services"]["cats"]["apiTokenSecretArn"]
    stack.client("secretsmanager").delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)

    result = cli("api-token", "cats")

    assert result.code == 1
    assert result.err.startswith("error: GetSecretValue failed: ResourceNotFoundException")
    assert result.out == ""

from __future__ import annotations

import pytest

from ecs_workloads.generated_secret import DESCRIPTION_MAX, PASSWORD_LENGTH, GeneratedSecret
from ecs_workloads.outputs import declared_outputs
from harness.program import run_callable
from harness.recording import Recording
from tests.components.component_checks import registered_output_names, untagged

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"


def test_secret_and_its_write_only_generated_value():
    holder = {}

    def program():
        holder["secret"] = GeneratedSecret("token", {"description": "for tests", "protect_data": True})
        holder["secret"].arn.apply(lambda arn: holder.update(arn=arn))

    recording = run_callable(program)
    secret = recording.one(SECRET, "token")
    assert secret.inputs == {"description": "for tests"}
    assert secret.protect and secret.retain_on_delete
    assert holder["arn"] == secret.outputs["arn"]
    version = recording.one(VERSION, "token-value")
    assert version.protect and version.retain_on_delete
    assert version.inputs["secretId"] == secret.outputs["id"]
    assert sorted(version.inputs) == ["secretId", "secretStringWo", "secretStringWoVersion"]
    assert len(version.inputs["secretStringWo"]["value"]) == PASSWORD_LENGTH


def test_unprotected_by_default():
    recording = run_callable(lambda: GeneratedSecret("token", {}))
    for resource in (recording.one(SECRET), recording.one(VERSION)):
        assert not resource.protect and not resource.retain_on_delete


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"description": "x" * (DESCRIPTION_MAX + 1)},
            f"description: .* — a non-empty string of up to {DESCRIPTION_MAX} characters",
        ),
        ({"protect_data": "yes"}, "protect_data: 'yes' — true or false"),
        ({"length": 12}, "length"),
    ],
)
def test_bad_arguments_register_nothing(args, message):
    recording = Recording()
    with pytest.raises(ValueError, match=message):
        run_callable(lambda: GeneratedSecret("token", args), recording=recording)
    assert recording.registrations == []


def test_tags_on_the_secret():
    tags = {"team": "platform"}
    recording = run_callable(lambda: GeneratedSecret("token", {"tags": tags}))
    assert recording.one(SECRET).inputs["tags"] == tags
    assert "tags" not in recording.one(VERSION).inputs
    assert untagged(recording, "ecs-workloads:index:GeneratedSecret", tags) == []


def test_every_declared_output_is_registered():
    recording = run_callable(lambda: GeneratedSecret("token", {}))
    registered = registered_output_names(recording, "ecs-workloads:index:GeneratedSecret")
    assert registered == set(declared_outputs(GeneratedSecret)) == {"arn"}

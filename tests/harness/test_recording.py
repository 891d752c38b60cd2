"""What the recorder keeps of a registration that the SDK's plain mocks drop."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from harness.program import run_callable
from harness.recording import is_secret


def test_a_secret_input_is_recorded_as_secret_and_a_plain_one_is_not():
    def program():
        aws.ssm.Parameter("token", type="SecureString", value=pulumi.Output.secret("s3cr3t"), description="plain")

    parameter = run_callable(program).one("aws:ssm/parameter:Parameter")
    assert is_secret(parameter.inputs["value"])
    assert parameter.inputs["value"]["value"] == "s3cr3t"
    assert not is_secret(parameter.inputs["description"])
    assert not is_secret(parameter.inputs["type"])

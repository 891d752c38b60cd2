"""Log routing as a stack file gives it: `workload.logRouting` reaches the task definition and the task
role, and the component's messages come back in config wording."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from stack.workload_settings import WorkloadSettings
from tests.stack.test_web import _web

IMAGE = "public.ecr.aws/docker/library/nginx:1.27"


def test_log_routing_of_the_stack_file_reaches_the_task_definition_and_the_task_role():
    routing = {"destination": "s3", "bucket": "cats-logs-123", "keyPrefix": "cats/", "memoryReservation": 64}
    recording, _ = _web(cats={"workload": {"logRouting": routing}})
    app, router = json.loads(recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    assert app["logConfiguration"]["logDriver"] == "awsfirelens"
    assert app["logConfiguration"]["options"]["bucket"] == "cats-logs-123"
    assert app["dependsOn"] == [{"containerName": "log-router", "condition": "START"}]
    assert router["firelensConfiguration"] == {"type": "fluentbit"} and router["memoryReservation"] == 64
    (policy,) = [p for p in recording.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.endswith("-task-log-routing")]
    assert json.loads(policy.inputs["policy"])["Statement"][0]["Resource"] == "arn:aws:s3:::cats-logs-123/cats/*"


def test_settings_pass_only_what_is_written_so_the_defaults_stay_the_components():
    settings = WorkloadSettings.model_validate({"image": IMAGE, "logRouting": {"destination": "cloudwatch"}})
    assert settings.workload_args("cats", 30, False)["log_routing"] == {"destination": "cloudwatch"}


def test_without_log_routing_the_workload_arguments_are_as_before():
    args = WorkloadSettings.model_validate({"image": IMAGE}).workload_args("cats", 30, False)
    assert "log_routing" not in args


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        ({"destination": "s3"}, "logRouting.bucket: None — required with destination s3"),
        (
            {
                "destination": "cloudwatch",
                "deliveryStreamArn": "arn:aws:firehose:eu-west-1:123456789012:deliverystream/x",
            },
            "logRouting.deliveryStreamArn: 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/x' — only with "
            "destination firehose",
        ),
        (
            {"destination": "CloudWatchLogs"},
            'unknown destination; did you mean "cloudwatch"? allowed: cloudwatch, s3, firehose',
        ),
        ({"destination": "cloudwatch", "name": "app"}, "logRouting.name: 'app' — a name of its own; the main"),
        ({"destination": "cloudwatch", "level": "debug"}, "level\n  Extra inputs are not permitted"),
    ],
)
def test_log_routing_problems_name_the_config_key(routing, message):
    with pytest.raises(ValidationError) as caught:
        WorkloadSettings.model_validate({"image": IMAGE, "logRouting": routing})
    assert message in str(caught.value)

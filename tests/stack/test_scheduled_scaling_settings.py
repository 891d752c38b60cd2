"""`scheduledScaling` of the cats service and the batch pipelines: passed to the components, errors in config keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from stack.batch import BatchPipelineSettings
from stack.web import CatsSettings

OFF = {
    "name": "off",
    "schedule": "cron(0 20 ? * MON-FRI *)",
    "timezone": "Europe/London",
    "minCapacity": 0,
    "maxCapacity": 0,
}
ON = {"name": "on", "schedule": "0 7 * * 1-5", "timezone": "Europe/London", "minCapacity": 1, "maxCapacity": 1}


def _error(model, raw) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(raw)
    return str(caught.value)


def test_the_actions_reach_the_components_arguments_in_aws_syntax():
    cats = CatsSettings.model_validate({"scheduledScaling": [OFF, ON]})
    assert cats.service_args()["scheduled_scaling"] == [
        {
            "name": "off",
            "schedule": "cron(0 20 ? * MON-FRI *)",
            "timezone": "Europe/London",
            "min_capacity": 0,
            "max_capacity": 0,
        },
        {
            "name": "on",
            "schedule": "cron(0 7 ? * MON-FRI *)",
            "timezone": "Europe/London",
            "min_capacity": 1,
            "max_capacity": 1,
        },
    ]
    assert "scheduled_scaling" not in CatsSettings.model_validate({}).service_args()
    batch = BatchPipelineSettings.model_validate({"scheduledScaling": [{**ON, "maxCapacity": 4}]})
    assert batch.component_args()["scheduled_scaling"][0]["max_capacity"] == 4


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"scheduledScaling": [OFF, {**ON, "name": "off"}]},
            "scheduledScaling[1].name: 'off' — unique among the service's scheduled actions "
            "(scheduledScaling[0] has it)",
        ),
        ({"scheduledScaling": [{**ON, "minCapacity": 2}]}, "minCapacity: 2 — at most maxCapacity (1)"),
        (
            {"autoscaling": {"minTasks": 1}, "scheduledScaling": [OFF]},
            "scheduledScaling[0].minCapacity: 0 — an integer from 1 to 1000, as autoscaling.minTasks allows here",
        ),
        (
            {"scheduledScaling": [{**ON, "timezone": "Mars/Olympus"}]},
            "time zone 'Mars/Olympus' is not an IANA time zone name such as Europe/London or UTC",
        ),
        ({"scheduledScaling": [{**ON, "schedule": "rate(1 hour)"}]}, "'rate(1 hour)' is not a cron schedule"),
        ({"scheduledScaling": [{**ON, "minCapacity": -1}]}, "must be an integer from 0 to 1000"),
        ({"scheduledScaling": [{**ON, "min": 1}]}, "Extra inputs are not permitted"),
    ],
)
def test_bad_cats_actions_are_refused_in_config_wording(raw, message):
    assert message in _error(CatsSettings, raw)


def test_a_pipeline_action_must_keep_a_maximum_its_policies_allow():
    assert "scheduledScaling[0].maxCapacity: 0 — an integer from 1 to 1000, as maxTasks allows here" in _error(
        BatchPipelineSettings, {"scheduledScaling": [OFF]}
    )

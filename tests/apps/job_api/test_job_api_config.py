"""The job API refuses to start without every setting, naming each one that is missing or wrong."""

from __future__ import annotations

import subprocess
import sys

import pytest
from job_api.config import ConfigError, settings_from_env

from tests.apps.conftest import APPS_DIR, subprocess_env

GOOD = {
    "API_TOKEN": "t0ken",
    "JOB_SCHEDULE_GROUP": "jobs",
    "JOB_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:jobs",
    "JOB_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/scheduler",
    "JOB_TASK_FAMILIES": " report, thumbnails ,",
}


def test_settings_from_the_environment():
    settings = settings_from_env(GOOD)
    assert settings.task_families == frozenset({"report", "thumbnails"})
    assert settings.schedule_group == "jobs"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"API_TOKEN": "  "}, "API_TOKEN is not set: the bearer token clients send"),
        ({"API_TOKEN": "two words"}, "API_TOKEN must be visible ASCII characters without spaces"),
        ({"JOB_TASK_FAMILIES": ","}, "JOB_TASK_FAMILIES is not set: comma-separated task definition families"),
        ({"JOB_TASK_FAMILIES": "report:3,a b"}, "JOB_TASK_FAMILIES: a b, report:3 not task definition families"),
        ({"JOB_SCHEDULE_GROUP": ""}, "JOB_SCHEDULE_GROUP is not set"),
    ],
)
def test_a_missing_or_wrong_setting_is_named(change, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        settings_from_env({**GOOD, **change})


def test_the_development_server_refuses_to_start_with_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "job_api"],
        cwd=APPS_DIR,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("job_api: API_TOKEN is not set")
    assert "Traceback" not in result.stderr

"""Environment parsing: defaults, every problem reported at once, exit code 2 from the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from batch_worker import processors
from batch_worker.config import Config, ConfigError

REQUIRED = {
    "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
    "OUTPUT_BUCKET": "out",
    "VISIBILITY_TIMEOUT": "120",
}


def test_defaults() -> None:
    config = Config.from_env(REQUIRED)

    assert config.processor == "jsonl"
    assert config.visibility_timeout == 120
    assert config.heartbeat_interval == 40
    assert config.wait_time_seconds == 20
    assert config.shutdown_grace_seconds == 25
    assert config.scale_in_protection is False
    assert config.input_suffixes == () and config.input_prefixes == ()
    assert config.log_level == "INFO"


def test_the_visibility_timeout_is_the_queues_and_has_no_default_of_its_own() -> None:
    without = {key: value for key, value in REQUIRED.items() if key != "VISIBILITY_TIMEOUT"}
    with pytest.raises(ConfigError) as caught:
        Config.from_env({**without, "HEARTBEAT_INTERVAL": "10"})

    assert caught.value.problems == [
        "VISIBILITY_TIMEOUT: missing — the queue's visibility timeout in seconds, 1 to 43200"
    ]


def test_heartbeat_interval_follows_visibility_timeout() -> None:
    assert Config.from_env({**REQUIRED, "VISIBILITY_TIMEOUT": "6"}).heartbeat_interval == 2


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_env(
            {
                "VISIBILITY_TIMEOUT": "soon",
                "WAIT_TIME_SECONDS": "21",
                "PROCESSOR": "no-colon",
                "SCALE_IN_PROTECTION": "maybe",
                "LOG_LEVEL": "chatty",
            }
        )

    named = [problem.split(":", 1)[0] for problem in caught.value.problems]
    assert named == [
        "QUEUE_URL",
        "OUTPUT_BUCKET",
        "PROCESSOR",
        "VISIBILITY_TIMEOUT",
        "WAIT_TIME_SECONDS",
        "SCALE_IN_PROTECTION",
        "LOG_LEVEL",
    ]
    assert "'soon' — an integer from 1 to 43200" in str(caught.value)


def test_heartbeat_must_beat_before_the_timeout_runs_out() -> None:
    with pytest.raises(ConfigError, match="HEARTBEAT_INTERVAL: '10'"):
        Config.from_env({**REQUIRED, "VISIBILITY_TIMEOUT": "10", "HEARTBEAT_INTERVAL": "10"})


def test_scale_in_protection_defaults_on_inside_ecs() -> None:
    inside = Config.from_env({**REQUIRED, "ECS_AGENT_URI": "http://169.254.170.2/api/abc/"})
    opted_out = Config.from_env(
        {**REQUIRED, "ECS_AGENT_URI": "http://169.254.170.2/api/abc", "SCALE_IN_PROTECTION": "false"}
    )

    assert inside.scale_in_protection is True
    assert inside.ecs_agent_uri == "http://169.254.170.2/api/abc"
    assert opted_out.scale_in_protection is False


def test_scale_in_protection_needs_the_endpoint() -> None:
    with pytest.raises(ConfigError, match="SCALE_IN_PROTECTION: true — needs ECS_AGENT_URI"):
        Config.from_env({**REQUIRED, "SCALE_IN_PROTECTION": "true"})


def test_suffixes_ignore_case_and_prefixes_match_exactly() -> None:
    config = Config.from_env({**REQUIRED, "INPUT_SUFFIXES": ".JPG, .jpeg,,", "INPUT_PREFIXES": "Uploads/"})

    assert config.input_suffixes == (".jpg", ".jpeg")
    assert config.input_prefixes == ("Uploads/",)
    assert config.accepts("Uploads/cat.JPG")
    assert config.accepts("Uploads/a/b.jpeg")
    assert not config.accepts("uploads/cat.JPG")
    assert not config.accepts("Uploads/cat.png")
    assert not config.accepts("other/cat.jpg")


def test_unknown_processor_module_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="PROCESSOR: 'no_such_module:process' — cannot import"):
        processors.load("no_such_module:process")
    with pytest.raises(ConfigError, match="has no function nothing_here"):
        processors.load("json:nothing_here")


def test_cli_exits_2_with_one_line_naming_each_problem(child_env) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "batch_worker"],
        env=child_env(VISIBILITY_TIMEOUT="0"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    problems = json.loads(lines[0])["problems"]
    assert [problem.split(":", 1)[0] for problem in problems] == [
        "QUEUE_URL",
        "OUTPUT_BUCKET",
        "VISIBILITY_TIMEOUT",
    ]


@pytest.mark.parametrize(("visibility", "call_timeout"), [("4", 1.0), ("10", 2.5), ("120", 5.0)])
def test_a_stalled_beat_leaves_time_for_another_before_the_lease_ends(visibility: str, call_timeout: float) -> None:
    config = Config.from_env({**REQUIRED, "VISIBILITY_TIMEOUT": visibility})
    beats = config.heartbeat_sdk_config()
    assert (beats.connect_timeout, beats.read_timeout) == (call_timeout, call_timeout)
    assert beats.retries == {"mode": "standard", "total_max_attempts": 1}
    assert config.sdk_config().retries["mode"] == "adaptive"

"""Static checks of the cats image definition (no Docker engine needed)."""

from __future__ import annotations

import importlib
import json
import re
import shlex
from importlib.metadata import version
from pathlib import Path

import cats
import pytest

APP_DIR = Path(cats.__file__).parent
PINNED_PYTHON = re.compile(r"^python:\d+\.\d+\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?$")


@pytest.fixture
def instructions(read_dockerfile):
    return read_dockerfile(APP_DIR / "Dockerfile")


def test_base_image_is_a_pinned_slim_python(instructions):
    bases = [args.split()[0] for instruction, args in instructions if instruction == "FROM"]
    assert bases, "no FROM"
    for base in bases:
        assert PINNED_PYTHON.match(base), base
        assert not base.endswith(":latest")


def test_runs_as_a_non_root_user(instructions):
    users = [args for instruction, args in instructions if instruction == "USER"]
    assert users, "the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    # USER must come after every RUN, or later steps would be the ones running as the user.
    order = [instruction for instruction, _ in instructions]
    assert max(i for i, name in enumerate(order) if name == "RUN") < order.index("USER")


def test_layout_and_pip_cache(instructions):
    assert ("WORKDIR", "/app") in instructions
    assert ("COPY", ". /app/cats/") in instructions
    for instruction, args in instructions:
        if instruction == "RUN" and "pip install" in args:
            assert "--no-cache-dir" in args


def test_command_serves_the_wsgi_app_with_the_packaged_gunicorn_settings(instructions):
    commands = [args for instruction, args in instructions if instruction == "CMD"]
    assert len(commands) == 1
    argv = json.loads(commands[0])  # exec form, so gunicorn is PID 1 and receives ECS's SIGTERM
    assert argv[0] == "gunicorn"
    config = argv[argv.index("--config") + 1]
    assert config == "python:cats.gunicorn_conf"
    module, _, attribute = argv[-1].partition(":")
    assert (module, attribute) == ("cats.wsgi", "app")
    assert (APP_DIR / "wsgi.py").is_file()


def test_gunicorn_settings_listen_on_port_from_env(monkeypatch):
    # The settings refuse to load without a token (tested in test_cats_api.py).
    monkeypatch.setenv("API_TOKEN", "t")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    settings = importlib.reload(importlib.import_module("cats.gunicorn_conf"))
    assert settings.bind == ["0.0.0.0:9123"]
    assert settings.workers == 3
    # Longer than the ALB's 60 s idle timeout, so the ALB closes idle connections first.
    assert settings.keepalive > 60

    monkeypatch.delenv("PORT")
    assert importlib.reload(settings).bind == ["0.0.0.0:8080"]


def test_exposed_port_matches_the_default_port(instructions):
    env = " ".join(args for instruction, args in instructions if instruction == "ENV")
    assert "PORT=8080" in shlex.split(env)
    assert ("EXPOSE", "8080") in instructions


def test_requirements_pin_the_versions_the_tests_ran_with():
    pins = {}
    for line in (APP_DIR / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            assert pinned, f"{line!r} is not pinned with =="
            pins[name] = pinned
    assert {"Flask", "gunicorn", "boto3"} <= set(pins)
    for name, pinned in pins.items():
        assert version(name) == pinned, name

"""Static checks of what is particular to the cats image (no Docker engine needed); the rules every app's
image follows are in tests/apps/test_dockerfiles.py."""

from __future__ import annotations

import importlib
import json
import re
import shlex
from pathlib import Path

import cats
import pytest

APP_DIR = Path(cats.__file__).parent
PIP_INSTALL = re.compile(r"\bpip\b.*\binstall\b")


@pytest.fixture
def instructions(read_dockerfile):
    return read_dockerfile(APP_DIR / "Dockerfile")


def test_layout_and_pip_cache(instructions):
    assert ("WORKDIR", "/app") in instructions
    assert ("COPY", ". /app/cats/") in instructions
    installs = [args for instruction, args in instructions if instruction == "RUN" and PIP_INSTALL.search(args)]
    assert installs
    for args in installs:
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

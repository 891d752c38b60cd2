"""What is particular to the job API's image (no Docker engine needed): the library modules it copies are
all the app needs, none of them pulls in Pulumi, and the ignore file lets exactly those in. The rules every
app's image follows are in tests/apps/test_dockerfiles.py."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.apps.test_dockerfiles import _ignored, build_context

APP_DIR = Path(__file__).resolve().parents[3] / "apps" / "job_api"
ROOT = build_context(APP_DIR)
LIBRARY_TARGET = "/app/ecs_workloads/"


@pytest.fixture
def instructions(read_dockerfile):
    return read_dockerfile(APP_DIR / "Dockerfile")


def library_files(instructions) -> list[str]:
    [sources] = [
        shlex.split(args)[:-1]
        for instruction, args in instructions
        if instruction == "COPY" and args.endswith(" " + LIBRARY_TARGET)
    ]
    return sources


def test_the_app_imports_from_exactly_the_copied_library_files(instructions, tmp_path):
    """The image's /app, laid out from the Dockerfile's COPY lines, imports the app with no Pulumi and no
    library module from anywhere else."""
    library = tmp_path / "ecs_workloads"
    library.mkdir()
    for source in library_files(instructions):
        (library / Path(source).name).write_bytes((ROOT / source).read_bytes())
    (tmp_path / "job_api").symlink_to(APP_DIR)
    probe = (
        "import json, sys; import job_api.app\n"
        "print(json.dumps({name: getattr(module, '__file__', None) for name, module in sys.modules.items()}))"
    )
    # -S: no site hooks, so the project's editable install cannot supply ecs_workloads; the venv's packages
    # (Flask, pydantic, boto3) are added by hand, as the image's venv holds them.
    site_packages = sysconfig.get_paths()["purelib"]
    code = f"import sys; sys.path[:0] = [{str(tmp_path)!r}, {site_packages!r}]\n" + probe
    result = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout)
    assert not [name for name in modules if name == "pulumi" or name.startswith("pulumi_")]
    library_modules = {name: path for name, path in modules.items() if name.startswith("ecs_workloads")}
    assert library_modules and all(path.startswith(str(library)) for path in library_modules.values())
    copied = {Path(source).stem for source in library_files(instructions)} - {"__init__"}
    assert {name.removeprefix("ecs_workloads.") for name in library_modules} - {"ecs_workloads"} == copied


def test_the_ignore_file_lets_in_the_copied_files_and_keeps_out_the_rest(instructions):
    patterns = [
        line.strip()
        for line in (APP_DIR / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for source in [*library_files(instructions), "apps/job_api/requirements.lock", "apps/job_api/app.py"]:
        assert _ignored(source, patterns) is None, source
    for outside in ("components/scheduled_ecs_task/args.py", "stack/jobs.py", "venv/bin/python", "apps/cats/app.py"):
        assert _ignored(outside, patterns) is not None, outside


def test_layout_and_command(instructions):
    assert ("WORKDIR", "/app") in instructions
    assert ("COPY", "apps/job_api /app/job_api/") in instructions
    [command] = [args for instruction, args in instructions if instruction == "CMD"]
    assert json.loads(command) == ["gunicorn", "--config", "python:job_api.gunicorn_conf", "job_api.wsgi:app"]

"""The catsndogs flow with real processes on loopback: two cats API processes (gunicorn, pictures in
moto_server S3) and `python -m image_assessor` pointed at one of them through ALB_URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import image_assessor
import pytest
import requests

APPS_DIR = Path(image_assessor.__file__).resolve().parents[1]
ALL = [f"{n}.jpg" for n in range(1, 11)]
TOKEN = "end-to-end-token"
SAFE_ENV_KEYS = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")


def assessor(**env: str) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if key in SAFE_ENV_KEYS}
    return subprocess.run(
        [sys.executable, "-m", "image_assessor"],
        cwd=APPS_DIR,
        env={**base, "PYTHONPATH": str(APPS_DIR), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def listed(url: str) -> list[str]:
    response = requests.get(url + "/cats/api/list-pictures/", timeout=5)
    assert response.status_code == 200
    return list(response.json())


@pytest.fixture
def two_cats_tasks(bucket, s3_endpoint, cats_process) -> tuple[str, str]:
    """Two cats API processes sharing one bucket, like two tasks behind the ALB."""
    env = {"BUCKET_NAME": bucket, "AWS_ENDPOINT_URL": s3_endpoint, "API_TOKEN": TOKEN}
    return cats_process(**env), cats_process(**env)


def test_assessor_removes_pictures_for_every_task_and_reset_restores_them(two_cats_tasks, bucket):
    task_a, task_b = two_cats_tasks
    assert listed(task_a) == ALL

    run = assessor(ALB_URL=task_a, API_TOKEN=TOKEN, DELETE_COUNT="4")

    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    removed = sorted(line["picture"] for line in lines if line["message"] == "picture removed")
    assert len(removed) == 4
    # The other task sees the same pictures: the state lives in S3, not in each container.
    assert sorted(set(ALL) - set(listed(task_b))) == removed
    objects = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="pictures/")["Contents"]
    assert len(objects) == 6

    reset = assessor(ALB_URL=task_b, API_TOKEN=TOKEN, RESETPICTURES="1")

    assert reset.returncode == 0, reset.stderr
    assert listed(task_a) == ALL
    assert listed(task_b) == ALL
    assert json.loads(reset.stdout.splitlines()[-1])["remaining"] == 10


def test_assessor_without_the_token_changes_nothing(two_cats_tasks):
    task_a, _ = two_cats_tasks
    run = assessor(ALB_URL=task_a, DELETE_COUNT="2")
    assert run.returncode == 1
    assert "HTTP 401" in run.stderr
    assert listed(task_a) == ALL


def test_unreachable_api_exits_non_zero_with_one_line_and_no_traceback(closed_port):
    run = assessor(ALB_URL=f"http://127.0.0.1:{closed_port}", MAX_ATTEMPTS="2")

    assert run.returncode == 1
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1
    message = json.loads(lines[0])["message"]
    assert f"unreachable at http://127.0.0.1:{closed_port}/" in message
    assert "after 2 attempt(s)" in message


def test_missing_alb_url_exits_2_with_one_line():
    run = assessor()
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert len(run.stderr.splitlines()) == 1
    assert "ALB_URL is required" in run.stderr


@pytest.mark.parametrize(
    ("alb_url", "shown"),
    [
        ("http://169.254.169.254/latest/meta-data/", "'http://169.254.169.254/latest/meta-data/'"),
        ("https://admin:hunter2@alb.example.com", "'https://***@alb.example.com'"),
    ],
)
def test_a_refused_alb_url_exits_2_with_one_line_and_no_traceback(alb_url, shown):
    run = assessor(ALB_URL=alb_url)

    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert "hunter2" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1
    assert f"ALB_URL={shown}" in json.loads(lines[0])["message"]

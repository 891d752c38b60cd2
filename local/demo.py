"""`python -m local --demo`: the catsndogs Lab 4 scenario and a batch upload, checked end to end.

1. The cats API lists all ten pictures, and refuses a delete without its token.
2. The ImageAssessor runs on its schedule (twice) and pictures disappear from the API.
3. The schedule is disabled: its next occurrences start nothing.
4. Two ImageAssessor tasks run on demand with RESETPICTURES=1: all ten pictures are back.
5. A `.jsonl` file uploaded to the jsonl pipeline comes out with `review_score` on every line (and
   its bad line in the errors report); a `.JPG` uploaded to the images pipeline comes out as a
   1024×768 `resized/` copy and a 192×192 `thumbs/` square.
6. With the picture scorer on (`pictureScorer.enabled`), the cats API scores a picture through it; with
   the scorer stopped, the API still answers, the picture unscored.
7. The ECS Scheduler's walk-through against the job API (`local.job_walkthrough`): jobs created over
   HTTP, a `?` drawn once and kept, a sleeper task per five-minute tick, an override in the long-sleep
   task's environment, 3 consumer tasks for 250 queued messages and 10 for 1001, and a suspended job idle.

Each step prints `check passed: …`; the first failure raises `CheckFailed` with what was seen.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import Any

import requests
from PIL import Image

from .job_walkthrough import Walkthrough
from .processes import APPS_DIR
from .schedule import rate_seconds
from .system import ASSESSOR, LocalSystem

PICTURES = [f"{n}.jpg" for n in range(1, 11)]
OUTPUT_TIMEOUT_SECONDS = 90.0
_POLL_SECONDS = 0.2
_DISABLED_WAIT_CAP_SECONDS = 30.0


class CheckFailed(Exception):
    pass


def run_demo(system: LocalSystem) -> None:
    say = system.console.say
    _check(say, "cats API lists 10 pictures", _listing(system) == PICTURES, f"listed {_listing(system)}")
    refused = requests.post(f"{system.cats_url}/cats/api/delete-pictures/1", timeout=10)
    _check(
        say,
        "cats API refuses a delete without the token from Secrets Manager (401)",
        refused.status_code == 401 and _listing(system) == PICTURES,
        f"answered {refused.status_code}; the API lists {_listing(system)}",
    )

    system.start_schedule()
    ticker = system.ticker
    assert ticker is not None
    interval = rate_seconds(ticker.expression)
    real_interval = interval / system.clock.speed if interval else None
    bound = 3 * real_interval + 60 if real_interval else 600.0
    _wait(lambda: len(system.assessor_runs) >= 2, bound, "two scheduled ImageAssessor runs")
    ticker.disable()
    say(ASSESSOR, "schedule disabled (State DISABLED in moto, as `ecs-workloads pause` sets it)")
    scheduled = list(system.assessor_runs)
    removed = {picture for run in scheduled for picture in run.removed}
    remaining = _listing(system)
    _check(
        say,
        f"{len(scheduled)} scheduled ImageAssessor runs removed {len(removed)} pictures",
        all(run.exit_code == 0 for run in scheduled)
        and removed
        and remaining == [p for p in PICTURES if p not in removed],
        f"runs {scheduled}; the API lists {remaining}",
    )

    runs_before, skipped_before = ticker.runs, system.skipped_runs
    cap = min(2 * real_interval + 1, _DISABLED_WAIT_CAP_SECONDS) if real_interval else _DISABLED_WAIT_CAP_SECONDS
    _wait(
        lambda: system.skipped_runs >= skipped_before + 2, cap, "two occurrences of the disabled schedule", fail=False
    )
    skipped = system.skipped_runs - skipped_before
    _check(
        say,
        f"disabled schedule started no run ({skipped} occurrences passed)",
        ticker.runs == runs_before and len(system.assessor_runs) == len(scheduled),
        f"runs went from {runs_before} to {ticker.runs}",
    )

    resets = system.run_assessor(2, started_by="local-demo", overrides={"RESETPICTURES": "1"})
    _check(
        say,
        "two RESETPICTURES=1 runs restored all 10 pictures (verified through the API)",
        all(run.exit_code == 0 and run.mode == "reset" for run in resets) and _listing(system) == PICTURES,
        f"runs {resets}; the API lists {_listing(system)}",
    )

    _jsonl_upload(system)
    _image_upload(system)
    if system.scorer is not None:
        _scoring(system)
    _job_walkthrough(system)
    say("demo", "all checks passed")


def _job_walkthrough(system: LocalSystem) -> None:
    """The ECS Scheduler's walk-through against the job API, ticks at moments its schedules choose."""
    assert system.job_api is not None and system.job_ticker is not None and system.agent is not None
    assert system.aws is not None

    def check(label: str, ok: bool, detail: str) -> None:
        _check(system.console.say, label, ok, detail)

    Walkthrough(system.job_api, system.job_ticker, system.agent, system.aws, check).run(system.clock.now())


def _score(system: LocalSystem, number: int) -> dict[str, Any]:
    response = requests.get(f"{system.cats_url}/cats/api/score-picture/{number}", timeout=10)
    response.raise_for_status()
    return response.json()


def _scoring(system: LocalSystem) -> None:
    """The cats API calls the scorer at PICTURE_SCORER_URL, and degrades when it is gone."""
    assert system.scorer is not None
    scored = _score(system, 1)
    _check(
        system.console.say,
        f"cats API scored 1.jpg through the picture scorer ({scored.get('width')}×{scored.get('height')}, "
        f"score {scored.get('score')})",
        isinstance(scored.get("score"), float) and scored.get("width", 0) > 0,
        f"answered {scored}",
    )
    system.scorer.stop()
    system.console.say("picture-scorer", "stopped")
    unscored = _score(system, 1)
    _check(
        system.console.say,
        "with the scorer stopped, cats API still answers: 1.jpg unscored",
        unscored.get("score") is None and unscored.get("unavailable"),
        f"answered {unscored}",
    )


def _check(say: Callable[[str, str], None], label: str, ok: Any, detail: str) -> None:
    if not ok:
        raise CheckFailed(f"{label}: {detail}")
    say("demo", f"check passed: {label}")


def _wait(condition: Callable[[], bool], timeout: float, what: str, *, fail: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(_POLL_SECONDS)
    if fail and not condition():
        raise CheckFailed(f"{what}: not seen within {timeout:g} s")


def _listing(system: LocalSystem) -> list[str]:
    response = requests.get(f"{system.cats_url}/cats/api/list-pictures/", timeout=10)
    response.raise_for_status()
    return list(response.json())


def _output(system: LocalSystem, bucket: str, key: str) -> bytes:
    assert system.aws is not None
    s3 = system.aws.client("s3")
    deadline = time.monotonic() + OUTPUT_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            time.sleep(_POLL_SECONDS)
    raise CheckFailed(f"s3://{bucket}/{key} did not appear within {OUTPUT_TIMEOUT_SECONDS:g} s")


def _jsonl_upload(system: LocalSystem) -> None:
    assert system.aws is not None
    pipeline = system.pipelines["jsonl"].resources
    records = [
        {"business_id": "pizza-1", "name": "Pizza Place", "stars": 4.5, "review_count": 120},
        {"business_id": "yoga-2", "name": "Yoga Loft", "stars": 5, "review_count": 7},
        {"business_id": "bar-3", "name": "Corner Bar", "stars": 3.5, "review_count": 310},
    ]
    body = "".join(json.dumps(record) + "\n" for record in records) + '{"business_id": "broken", "stars": "n/a"}\n'
    key = "reviews/demo.jsonl"
    system.aws.client("s3").put_object(Bucket=pipeline.input_bucket, Key=key, Body=body.encode())
    system.console.say("demo", f"uploaded s3://{pipeline.input_bucket}/{key} ({len(records)} records, 1 bad line)")
    lines = [json.loads(line) for line in _output(system, pipeline.output_bucket, key).decode().splitlines()]
    expected = [{**record, "review_score": float(record["stars"]) * record["review_count"]} for record in records]
    errors = _output(system, pipeline.output_bucket, f"errors/{key}.errors.jsonl").decode().splitlines()
    _check(
        system.console.say,
        f"jsonl pipeline wrote {len(lines)} lines with review_score and 1 line to the errors report",
        lines == expected and len(errors) == 1 and json.loads(errors[0])["line"] == 4,
        f"output {lines}; errors {errors}",
    )


def _image_upload(system: LocalSystem) -> None:
    assert system.aws is not None
    pipeline = system.pipelines["images"].resources
    with Image.open(APPS_DIR / "cats" / "pictures" / "1.jpg") as cat:
        large = cat.convert("RGB").resize((1600, 1200), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    large.save(buffer, format="JPEG", quality=90)
    key = "photos/Cat.JPG"
    system.aws.client("s3").put_object(
        Bucket=pipeline.input_bucket, Key=key, Body=buffer.getvalue(), ContentType="image/jpeg"
    )
    system.console.say("demo", f"uploaded s3://{pipeline.input_bucket}/{key} (1600×1200 JPEG, upper-case suffix)")
    sizes = {}
    for prefix in ("resized", "thumbs"):
        with Image.open(io.BytesIO(_output(system, pipeline.output_bucket, f"{prefix}/{key}"))) as image:
            sizes[prefix] = (image.format, image.size)
    _check(
        system.console.say,
        "images pipeline wrote resized/ 1024x768 and thumbs/ 192x192 JPEGs",
        sizes == {"resized": ("JPEG", (1024, 768)), "thumbs": ("JPEG", (192, 192))},
        f"got {sizes}",
    )

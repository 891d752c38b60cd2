"""The picture scorer over real HTTP on 127.0.0.1, and the cats API calling it as over Service Connect."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from pathlib import Path

import cats
import pytest
import requests
from cats.scorer import PictureScorer, scorer_from_env
from cats.storage import DirStore
from picture_scorer.app import MAX_PICTURE_BYTES, REFERENCE_PIXELS, create_app
from picture_scorer.jpeg import NotAJpeg, dimensions
from PIL import Image

from tests.apps.conftest import APPS_DIR, free_port, stop_process, subprocess_env, wait_until_answering

PICTURES_DIR = Path(cats.__file__).parent / "pictures"
TOKEN = "s3cret-token"


def jpeg(width: int, height: int, *, progressive: bool = False) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buffer, "JPEG", progressive=progressive)
    return buffer.getvalue()


@pytest.mark.parametrize("progressive", [False, True])
def test_dimensions_come_from_the_frame_header(progressive):
    assert dimensions(jpeg(321, 123, progressive=progressive)) == (321, 123)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a....", "not a JPEG picture (no start-of-image marker)"),
        (b"\xff\xd8\xff\xd9", "JPEG picture without a frame header"),
        (b"\xff\xd8\x00\x00\x00\x00", "corrupt JPEG: no marker at byte 2"),
    ],
)
def test_anything_else_is_not_a_jpeg(data, message):
    with pytest.raises(NotAJpeg) as caught:
        dimensions(data)
    assert str(caught.value) == message


def test_score_is_the_share_of_a_full_hd_picture(serve):
    base = serve(create_app()).url
    answer = requests.post(f"{base}/score", data=jpeg(960, 540), timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"width": 960, "height": 540, "score": round(960 * 540 / REFERENCE_PIXELS, 3)}
    large = requests.post(f"{base}/score", data=jpeg(2400, 1600), timeout=5).json()
    assert large["score"] == 1.0


def test_bad_and_oversized_bodies_are_refused(serve):
    base = serve(create_app()).url
    bad = requests.post(f"{base}/score", data=b"not a picture", timeout=5)
    assert bad.status_code == 422
    assert bad.json()["message"] == "not a JPEG picture (no start-of-image marker)"
    huge = requests.post(f"{base}/score", data=b"\xff\xd8" + b"\0" * MAX_PICTURE_BYTES, timeout=10)
    assert huge.status_code == 413
    assert requests.get(f"{base}/health", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{base}/score", timeout=5).status_code == 405


def test_the_container_command_serves_it_under_gunicorn(tmp_path):
    port = free_port()
    log = tmp_path / "scorer.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "--config", "python:picture_scorer.gunicorn_conf",
                "--bind", f"127.0.0.1:{port}", "picture_scorer.wsgi:app",
            ],
            cwd=APPS_DIR, env=subprocess_env(WEB_CONCURRENCY="1"), stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/health", process, log)
        picture = (PICTURES_DIR / "1.jpg").read_bytes()
        answer = requests.post(f"http://127.0.0.1:{port}/score", data=picture, timeout=5).json()
        assert (answer["width"], answer["height"]) == Image.open(io.BytesIO(picture)).size
    finally:
        stop_process(process)


def _cats(serve, tmp_path, scorer: PictureScorer) -> str:
    return serve(cats.create_app(DirStore(tmp_path / "pictures"), TOKEN, scorer=scorer)).url


def test_cats_scores_a_picture_through_the_scorer(serve, tmp_path):
    scorer_url = serve(create_app()).url
    base = _cats(serve, tmp_path, scorer_from_env({"PICTURE_SCORER_URL": scorer_url}))
    answer = requests.get(f"{base}/cats/api/score-picture/3", timeout=5)
    assert answer.status_code == 200
    width, height = Image.open(PICTURES_DIR / "3.jpg").size
    assert answer.json() == {
        "picture": "3.jpg",
        "width": width,
        "height": height,
        "score": round(min(1.0, width * height / REFERENCE_PIXELS), 3),
    }
    # A deleted picture has nothing to score.
    requests.post(f"{base}/cats/api/delete-pictures/3", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert requests.get(f"{base}/cats/api/score-picture/3", timeout=5).status_code == 404


def test_cats_degrades_when_the_scorer_is_down(serve, tmp_path, closed_port):
    base = _cats(serve, tmp_path, PictureScorer(f"http://127.0.0.1:{closed_port}"))
    answer = requests.get(f"{base}/cats/api/score-picture/1", timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"picture": "1.jpg", "score": None, "unavailable": "the picture scorer did not answer"}
    assert requests.get(f"{base}/cats/api/list-pictures/", timeout=5).status_code == 200


def test_cats_gives_up_on_a_scorer_that_never_answers(serve, tmp_path):
    # Accepts connections and never replies: only the client's timeout ends the call.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        scorer = PictureScorer(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.2)
        assert scorer.score(jpeg(10, 10)).unavailable == "the picture scorer did not answer"
    finally:
        silent.close()


def test_a_scorer_answer_without_a_score_counts_as_none(serve):
    from flask import Flask, jsonify

    odd = Flask("odd")
    odd.post("/score")(lambda: jsonify(result="fine"))
    scored = PictureScorer(serve(odd).url).score(jpeg(10, 10))
    assert scored.score is None and scored.unavailable == "the picture scorer did not answer"


def test_without_a_scorer_url_cats_reports_pictures_unscored(serve, tmp_path):
    base = _cats(serve, tmp_path, scorer_from_env({}))
    assert requests.get(f"{base}/cats/api/score-picture/2", timeout=5).json() == {
        "picture": "2.jpg",
        "score": None,
        "unavailable": "no picture scorer is configured",
    }

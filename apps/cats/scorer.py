"""The cats API's client of the picture scorer, reached over ECS Service Connect (`PICTURE_SCORER_URL`).

Scoring is an extra: when the scorer is not configured, slow, down or answers nonsense, the picture is
reported unscored and the API keeps serving. The timeout is short because a caller waits on it.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("cats")

URL_VARIABLE = "PICTURE_SCORER_URL"
TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Scored:
    """The scorer's answer, or why there is none (`score` None and `unavailable` saying why)."""

    score: dict[str, Any] | None
    unavailable: str | None = None


class PictureScorer:
    """Calls `POST <url>/score`; `url` None means no scorer is deployed."""

    def __init__(self, url: str | None, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/") if url else None
        self.timeout = timeout

    def score(self, picture: bytes) -> Scored:
        if self.url is None:
            return Scored(None, "no picture scorer is configured")
        request = urllib.request.Request(
            f"{self.url}/score", data=picture, method="POST", headers={"Content-Type": "image/jpeg"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read())
        except (OSError, ValueError) as problem:
            # URLError, HTTPError and timeouts are OSErrors; a body that is not JSON is a ValueError.
            log.warning("picture scorer unavailable", extra={"reason": str(problem)})
            return Scored(None, "the picture scorer did not answer")
        if not isinstance(answer, dict) or not isinstance(answer.get("score"), int | float):
            log.warning("picture scorer answered without a score", extra={"answer": str(answer)[:200]})
            return Scored(None, "the picture scorer did not answer")
        return Scored(answer)


def scorer_from_env(environ: Mapping[str, str]) -> PictureScorer:
    return PictureScorer(environ.get(URL_VARIABLE, "").strip() or None)

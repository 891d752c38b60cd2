"""What ECS says about the task the worker runs in.

Every Fargate task (platform 1.4 and later) gets ECS_CONTAINER_METADATA_URI_V4; `GET ${uri}/task`
answers with the task's `Limits` (`CPU` in vCPUs, `Memory` in MiB). The memory bounds what a single
input may take (the thumbnails' pixel cap). Outside ECS, or if the endpoint fails, it is unknown.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping

from .jsonlog import BoundLogger

_TIMEOUT_SECONDS = 2


def task_memory_mib(env: Mapping[str, str], log: BoundLogger) -> int | None:
    uri = env.get("ECS_CONTAINER_METADATA_URI_V4", "").strip().rstrip("/")
    if not uri:
        return None
    try:
        with urllib.request.urlopen(f"{uri}/task", timeout=_TIMEOUT_SECONDS) as response:
            memory = json.loads(response.read())["Limits"]["Memory"]
    except Exception as exc:  # any failure just leaves the memory unknown
        log.warning("task memory unknown", extra={"error": f"{type(exc).__name__}: {exc}"})
        return None
    if type(memory) is not int or memory <= 0:
        log.warning("task memory unknown", extra={"error": f"Limits.Memory is {memory!r}"})
        return None
    return memory

"""Container entry point: `python -m batch_worker`.

Exit codes: 0 after a clean stop (SIGTERM / SIGINT), 2 when the environment is invalid.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys

import boto3
from botocore.exceptions import NoRegionError

from . import jsonlog, processors
from .config import Config, ConfigError
from .jsonlog import bind
from .task_metadata import task_memory_mib
from .worker import Worker


def main() -> int:
    try:
        config = Config.from_env(os.environ)
        processor = processors.load(config.processor)
    except ConfigError as exc:
        return _invalid(exc.problems)

    jsonlog.configure(config.log_level)
    try:
        sqs = boto3.client("sqs", config=config.sdk_config())
        s3 = boto3.client("s3", config=config.sdk_config())
        heartbeat_sqs = boto3.client("sqs", config=config.heartbeat_sdk_config())
    except NoRegionError:
        return _invalid(["AWS_REGION: missing — the region of the queue and buckets (ECS sets it in a task)"])

    memory_mib = task_memory_mib(os.environ, bind(logging.getLogger(__name__)))
    worker = Worker(config, sqs=sqs, s3=s3, processor=processor, heartbeat_sqs=heartbeat_sqs, memory_mib=memory_mib)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    worker.run()
    return 0


def _invalid(problems: list[str]) -> int:
    print(
        json.dumps({"level": "error", "msg": "invalid configuration", "problems": problems}, ensure_ascii=False),
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())

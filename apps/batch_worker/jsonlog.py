"""One JSON object per log line on stdout, so CloudWatch Logs Insights can query every field."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any, TextIO

_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Chatty at INFO and below; their warnings and errors still come through.
_QUIET_LIBRARIES = ("boto3", "botocore", "s3transfer", "urllib3", "PIL")


class JsonFormatter(logging.Formatter):
    """Formats a record as `{"ts", "level", "msg", "logger", <extra fields>, "exc"}`."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "level": record.levelname.lower(),
            "msg": record.getMessage(),
            "logger": record.name,
        }
        for name, value in vars(record).items():
            if name not in _RECORD_FIELDS:
                doc[name] = value
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, ensure_ascii=False)


def configure(level: str, stream: TextIO = sys.stdout) -> None:
    """Send every log record to `stream` as JSON lines at `level`."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


class BoundLogger(logging.LoggerAdapter):
    """Adds fixed fields (key, message_id, ...) to every record while keeping per-call `extra`."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        return msg, kwargs

    def bind(self, **fields: Any) -> BoundLogger:
        return BoundLogger(self.logger, {**(self.extra or {}), **fields})


def bind(logger: logging.Logger, **fields: Any) -> BoundLogger:
    return BoundLogger(logger, fields)

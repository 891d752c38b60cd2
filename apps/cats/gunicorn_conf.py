"""Gunicorn settings for the container: `gunicorn -c python:cats.gunicorn_conf cats.wsgi:app`."""

import os
import sys

from cats.app import access_from_env
from cats.storage import ConfigError

# Checked here, in the master before any worker forks, so a missing API_TOKEN stops gunicorn with one
# line on stderr instead of a traceback per worker (gunicorn lets SystemExit from its config through).
try:
    access_from_env(os.environ)
except ConfigError as _problem:
    sys.exit(f"cats: {_problem}")

bind = [f"0.0.0.0:{os.environ.get('PORT', '8080')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let one worker keep serving while another request waits on S3.
worker_class = "gthread"
threads = 4
# The ALB reuses idle connections for up to 60 s; closing them first makes it answer 502.
keepalive = 65
timeout = 30
# ECS waits 30 s (stopTimeout) between SIGTERM and SIGKILL; finish in-flight requests before that.
graceful_timeout = 25
# Worker heartbeats on an overlay /tmp can stall; memory-backed /dev/shm does not.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# Nobody runs gunicornc inside a task, and the non-root user has no home for the socket.
control_socket_disable = True
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "cats.logs.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        # The app logs each request itself, as JSON with fields; gunicorn's line would repeat it.
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}

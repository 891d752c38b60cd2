"""Gunicorn settings for the container: `gunicorn -c python:job_api.gunicorn_conf job_api.wsgi:app`."""

import os
import sys

from job_api.config import ConfigError, settings_from_env

# Checked in the master before any worker forks: a missing setting stops gunicorn with one line on stderr
# instead of a traceback per worker (gunicorn lets SystemExit from its config through).
try:
    settings_from_env(os.environ)
except ConfigError as _problem:
    sys.exit(f"job_api: {_problem}")

bind = [f"0.0.0.0:{os.environ.get('PORT', '8080')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 4
# The ALB reuses idle connections for up to 60 s; closing them first makes it answer 502.
keepalive = 65
timeout = 30
# ECS waits 30 s (stopTimeout) between SIGTERM and SIGKILL; finish in-flight requests before that.
graceful_timeout = 25
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
control_socket_disable = True

"""Gunicorn settings for the container: `gunicorn -c python:picture_scorer.gunicorn_conf picture_scorer.wsgi:app`."""

import os

# Service Connect's proxy in the same task forwards to this port; clients never reach it directly.
bind = [f"0.0.0.0:{os.environ.get('PORT', '8080')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 4
timeout = 30
# ECS waits 30 s (stopTimeout) between SIGTERM and SIGKILL; finish in-flight requests before that.
graceful_timeout = 25
# Worker heartbeats on an overlay /tmp can stall; memory-backed /dev/shm does not.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# The non-root user has no home for gunicorn's control socket.
control_socket_disable = True

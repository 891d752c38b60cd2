"""WSGI entry point for gunicorn: `gunicorn -c python:cats.gunicorn_conf cats.wsgi:app`."""

from .app import app_from_env
from .logs import configure_logging

configure_logging()
app = app_from_env()

"""WSGI entry point for gunicorn: `gunicorn -c python:job_api.gunicorn_conf job_api.wsgi:app`."""

from .app import app_from_env

app = app_from_env()

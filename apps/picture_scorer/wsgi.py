"""WSGI entry point for gunicorn: `gunicorn -c python:picture_scorer.gunicorn_conf picture_scorer.wsgi:app`."""

import logging

from .app import create_app

logging.basicConfig(level=logging.INFO, format='{"level": "%(levelname)s", "message": "%(message)s"}')
app = create_app()

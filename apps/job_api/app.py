"""The job API over HTTP: `/jobs` and `/jobs/<id>`, the OpenAPI document at `/spec`, docs at `/docs`."""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import os
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import swagger_ui_bundle
from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask, Response, jsonify, request, send_from_directory, url_for
from werkzeug.exceptions import HTTPException

from ecs_workloads.job_fields import next_run

from .config import Settings, settings_from_env
from .model import InvalidJob, JobFields, Problem, parse_job
from .openapi import PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, openapi_document
from .runs import LastRun, RunHistory, StepFunctionsRunHistory
from .schedules import JobExists, JobNotFound, JobTooLarge, RunTarget, ScheduleStore

log = logging.getLogger("job_api")

_API_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# The docs page runs Swagger UI's script and this app's initializer, both served from here; Swagger UI
# sets styles from script and shows its logo as a data: URL.
_DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_SWAGGER_FILES = ("swagger-ui.css", "swagger-ui-bundle.js")
_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ECS job API</title>
<link rel="stylesheet" href="{css}"></head>
<body><div id="docs"></div><script src="{bundle}"></script><script src="{init}"></script></body></html>
"""
_SECURE_RANDOM = random.SystemRandom()


def _error(status: int, error: str, message: str, problems: list[Problem] | None = None) -> Response:
    body: dict[str, Any] = {"error": error, "message": message}
    if problems is not None:
        body["problems"] = [{"field": p.field, "value": p.value, "allowed": p.allowed} for p in problems]
    response = jsonify(body)
    response.status_code = status
    return response


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _page_token(job_id: str) -> str:
    return base64.urlsafe_b64encode(job_id.encode()).decode().rstrip("=")


def _after(token: str) -> str:
    try:
        return base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidJob([Problem("nextToken", token, "a nextToken from an earlier page")]) from None


def _limit(text: str | None) -> int:
    if text is None:
        return PAGE_LIMIT_DEFAULT
    if text.isascii() and text.isdigit() and 1 <= int(text) <= PAGE_LIMIT_MAX:
        return int(text)
    raise InvalidJob([Problem("limit", text, f"an integer from 1 to {PAGE_LIMIT_MAX}")])


def create_app(
    settings: Settings,
    store: ScheduleStore,
    history: RunHistory,
    *,
    randint: Callable[[int, int], int] = _SECURE_RANDOM.randint,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Flask:
    """The app over `store` (the jobs) and `history` (their runs). `randint` draws the `?` times."""
    app = Flask(__name__)
    app.json.sort_keys = False
    token = settings.api_token.encode()
    static = Path(__file__).parent / "static"

    def view(document: Mapping[str, Any], last: LastRun | None) -> dict[str, Any]:
        job = JobFields.model_validate(document)
        upcoming = (
            None
            if job.suspended
            else next_run(job.schedule, job.timezone, job.schedule_start, job.schedule_end, clock())
        )
        return {
            **document,
            "lastRun": _iso(last.started.astimezone(UTC)) if last else None,
            "lastRunTasks": last.tasks if last else None,
            "lastRunStatus": last.status if last else None,
            "lastRunTaskResults": last.task_results if last else None,
            "estimatedNextRun": _iso(upcoming),
        }

    def one(job_id: str) -> dict[str, Any]:
        return view(store.get(job_id), history.last_runs([job_id]).get(job_id))

    def parse(stored: dict[str, Any] | None = None) -> JobFields:
        return parse_job(request.get_json(silent=True), families=settings.task_families, randint=randint, stored=stored)

    @app.before_request
    def authenticate() -> Response | None:
        if not request.path.startswith("/jobs"):
            return None
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token):
            return None
        response = _error(401, "unauthorized", "send Authorization: Bearer <token>")
        response.headers["WWW-Authenticate"] = 'Bearer realm="jobs"'
        return response

    @app.after_request
    def headers(response: Response) -> Response:
        for name, value in _API_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/spec")
    def spec():
        return openapi_document()

    @app.get("/docs")
    def docs():
        page = _DOCS_PAGE.format(
            css=url_for("swagger", name=_SWAGGER_FILES[0]),
            bundle=url_for("swagger", name=_SWAGGER_FILES[1]),
            init=url_for("docs_script"),
        )
        return Response(page, mimetype="text/html", headers={"Content-Security-Policy": _DOCS_POLICY})

    @app.get("/docs/docs.js")
    def docs_script():
        return send_from_directory(static, "docs.js")

    @app.get("/docs/swagger/<name>")
    def swagger(name: str):
        if name not in _SWAGGER_FILES:
            return _error(404, "not_found", "no such file")
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, name)

    @app.get("/jobs")
    def list_jobs():
        limit = _limit(request.args.get("limit"))
        token_text = request.args.get("nextToken")
        after = _after(token_text) if token_text is not None else None
        ids = [job_id for job_id in store.ids() if after is None or job_id > after]
        page, more = ids[:limit], len(ids) > limit
        documents = {}
        for job_id in page:
            try:
                documents[job_id] = store.get(job_id)
            except JobNotFound:
                continue  # removed since the listing
        runs = history.last_runs(list(documents))
        return {
            "jobs": [view(document, runs.get(job_id)) for job_id, document in documents.items()],
            "nextToken": _page_token(page[-1]) if more else None,
        }

    @app.post("/jobs")
    def create_job():
        job = parse()
        store.create(job)
        log.info("created job %s", job.id)
        return one(job.id), 201, {"Location": url_for("get_job", job_id=job.id)}

    @app.get("/jobs/<job_id>")
    def get_job(job_id: str):
        return one(job_id)

    @app.put("/jobs/<job_id>")
    def replace_job(job_id: str):
        job = parse(stored=store.get(job_id))
        if job.id != job_id:
            raise InvalidJob([Problem("id", job.id, f"the id in the path, {job_id}; a job cannot be renamed")])
        store.replace(job)
        log.info("changed job %s", job_id)
        return one(job_id)

    @app.delete("/jobs/<job_id>")
    def delete_job(job_id: str):
        store.delete(job_id)
        log.info("removed job %s", job_id)
        return "", 204

    @app.errorhandler(InvalidJob)
    def invalid(error: InvalidJob):
        return _error(400, "invalid", str(error), error.problems)

    @app.errorhandler(JobTooLarge)
    def too_large(error: JobTooLarge):
        return _error(400, "invalid", str(error), [Problem("(body)", None, str(error))])

    @app.errorhandler(JobNotFound)
    def not_found(error: JobNotFound):
        return _error(404, "not_found", f"no job {error}")

    @app.errorhandler(JobExists)
    def exists(error: JobExists):
        return _error(409, "conflict", f"job {error} exists; PUT /jobs/{error} changes it")

    @app.errorhandler(ClientError)
    @app.errorhandler(BotoCoreError)
    def aws_error(error: Exception):
        log.exception("AWS call failed")
        return _error(503, "unavailable", "the job store cannot be reached; try again")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _error(error.code or 500, error.name.lower().replace(" ", "_"), error.description or error.name)

    return app


def app_from_env(environ: Mapping[str, str] = os.environ) -> Flask:
    """The app for the settings in `environ`, over the AWS clients of the standard boto3 settings."""
    settings = settings_from_env(environ)
    target = RunTarget(settings.state_machine_arn, settings.scheduler_role_arn)
    store = ScheduleStore(boto3.client("scheduler"), settings.schedule_group, target)
    history = StepFunctionsRunHistory(boto3.client("stepfunctions"), settings.state_machine_arn)
    return create_app(settings, store, history)

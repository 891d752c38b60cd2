"""The OpenAPI document of the API, built from the job model so that the two cannot differ."""

from __future__ import annotations

from typing import Any

from .model import JOB_ID_MAX_LENGTH, JobFields
from .runs import execution_statuses

PAGE_LIMIT_DEFAULT = 20
PAGE_LIMIT_MAX = 100
_SCHEMAS = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _SCHEMAS.format(model=name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: str) -> dict[str, Any]:
    meanings = {
        "400": "A field breaks a rule: each problem names the field, the value and what is allowed.",
        "401": "No `Authorization: Bearer <token>`, or the wrong token.",
        "404": "No job has this id.",
        "409": "A job with this id exists.",
    }
    return {status: _json(_ref("Error"), meanings[status]) for status in statuses}


def _schemas() -> dict[str, Any]:
    fields = JobFields.model_json_schema(by_alias=True, ref_template=_SCHEMAS, mode="validation")
    schemas: dict[str, Any] = fields.pop("$defs", {})
    new_job = {**fields, "title": "NewJob", "required": [name for name in fields["required"] if name != "id"]}
    job = {
        **fields,
        "title": "Job",
        "properties": {
            **fields["properties"],
            "lastRun": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When the last run started (server-managed).",
            },
            "lastRunTasks": {
                "type": ["integer", "null"],
                "description": "Tasks the last run started; null while it runs or when it failed (server-managed).",
            },
            "lastRunStatus": {
                "type": ["string", "null"],
                "enum": [*execution_statuses(), None],
                "description": "The last run's Step Functions execution status (server-managed).",
            },
            "lastRunTaskResults": {
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "properties": {
                        "taskArn": {"type": ["string", "null"]},
                        "exitCodes": {"type": ["array", "null"], "items": {"type": ["integer", "null"]}},
                        "attempts": {"type": ["integer", "null"]},
                    },
                },
                "description": "Each task of the last run with its exit codes and attempts; null unless the run "
                "succeeded (server-managed).",
            },
            "estimatedNextRun": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "The next run in the job's time zone; null when suspended, finished, or a rate "
                "(server-managed).",
            },
        },
    }
    problem = {
        "type": "object",
        "properties": {"field": {"type": "string"}, "value": {}, "allowed": {"type": "string"}},
        "required": ["field", "value", "allowed"],
    }
    error = {
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "problems": {"type": "array", "items": _ref("Problem")},
        },
        "required": ["error", "message"],
    }
    page = {
        "type": "object",
        "properties": {
            "jobs": {"type": "array", "items": _ref("Job")},
            "nextToken": {"type": ["string", "null"], "description": "Pass as nextToken for the next page."},
        },
        "required": ["jobs", "nextToken"],
    }
    return {**schemas, "NewJob": new_job, "Job": job, "Problem": problem, "Error": error, "JobPage": page}


def openapi_document() -> dict[str, Any]:
    job_id = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "maxLength": JOB_ID_MAX_LENGTH},
    }
    with_id = {"parameters": [job_id]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ECS job API",
            "version": "1",
            "description": "Create, change, suspend and remove scheduled ECS jobs. Every call under /jobs needs "
            "`Authorization: Bearer <token>`.",
        },
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/jobs": {
                "get": {
                    "summary": "Jobs in id order, one page at a time",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": PAGE_LIMIT_MAX,
                                "default": PAGE_LIMIT_DEFAULT,
                            },
                        },
                        {"name": "nextToken", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {"200": _json(_ref("JobPage"), "One page of jobs."), **_errors("400", "401")},
                },
                "post": {
                    "summary": "Create a job",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewJob")}}},
                    "responses": {"201": _json(_ref("Job"), "The job created."), **_errors("400", "401", "409")},
                },
            },
            "/jobs/{id}": {
                **with_id,
                "get": {
                    "summary": "One job",
                    "responses": {"200": _json(_ref("Job"), "The job."), **_errors("401", "404")},
                },
                "put": {
                    "summary": "Change a job: the fields given replace the stored ones",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                    "responses": {"200": _json(_ref("Job"), "The job."), **_errors("400", "401", "404")},
                },
                "delete": {
                    "summary": "Remove a job",
                    "responses": {"204": {"description": "Removed."}, **_errors("401", "404")},
                },
            },
            "/spec": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1"}},
                }
            },
        },
    }

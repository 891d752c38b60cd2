"""An OpenTelemetry collector beside a service's app: `ecs-workloads:cats.telemetry`.

With `collector: true` every task of the service runs the AWS Distro for OpenTelemetry (ADOT) collector as a
sidecar. The app's OpenTelemetry SDK reads the standard `OTEL_EXPORTER_OTLP_*` variables the stack sets and
sends OTLP to the collector on localhost; the collector batches it and exports it to `exporterEndpoint`.
Without an endpoint nothing leaves the task: the collector receives, counts what it gets in its own log
(the debug exporter at basic verbosity) and drops it, so turning the collector on sends no data anywhere.

The collector's configuration is written here and handed over inline in `AOT_CONFIG_CONTENT`, which ADOT
reads in preference to its image's file (aws-otel-collector pkg/config/config_factory.go); JSON is YAML, so
the configuration is the JSON text of a mapping.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationInfo, field_validator

from ecs_workloads.arguments import Check, Flag
from ecs_workloads.fargate_workload import SIDECAR_ARGS, containers_fit_together
from ecs_workloads.validation import ArgumentProblems

from .component_rules import config_wording
from .section import Section

COLLECTOR_NAME = "otel-collector"
# ADOT v0.49.0 (2026-07-10, collector core and contrib v0.156.0), pinned by the digest of its multi-arch
# image index (amd64 and arm64) on ECR Public: a re-pushed tag cannot change what runs.
COLLECTOR_IMAGE = (
    "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
    "@sha256:d2bdfff2c377c3d71d78bd5d9ce9862fd535b12134a5739d87a07801297cf9fd"
)
# The image's own non-root user, `aoc` (uid and gid 4317 in its Dockerfile); named so ECS and the
# ecs-non-root-user rule see it.
COLLECTOR_USER = "4317:4317"
# OTLP's registered ports (gRPC 4317, HTTP 4318) and the health_check extension's 13133, which the
# image's /healthcheck binary asks for at 127.0.0.1 (aws-otel-collector cmd/healthcheck). Bound to the
# loopback address: in awsvpc mode a task's containers share one network namespace, so the app reaches
# them on localhost and nothing outside the task can.
OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
HEALTH_CHECK_PORT = 13133
LOOPBACK = "127.0.0.1"
# The variables the OpenTelemetry SDKs read (OpenTelemetry specification, "OTLP Exporter Configuration").
APP_ENVIRONMENT_NAMES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME")
CONFIG_VARIABLE = "AOT_CONFIG_CONTENT"
# ECS runs the check every 5 s (HealthCheck.interval, 5 at the least), so the app, which waits for HEALTHY,
# starts a few seconds after the collector does.
HEALTH_CHECK_INTERVAL = 5


def _is_exporter_endpoint(value: Any) -> bool:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        return False
    # No user:password: the URL is stored in the task definition in plain text.
    return parts.scheme == "https" and bool(parts.hostname) and not (parts.username or parts.query or parts.fragment)


EXPORTER_ENDPOINT = Check(
    test=_is_exporter_endpoint,
    says="an https:// URL of an OTLP/HTTP receiver such as https://otlp.example.com:4318, "
    "without user:password, query or fragment",
    otherwise="none: receive, count in the collector's log, drop",
)


class TelemetrySettings(Section):
    """`cats.telemetry` — an OpenTelemetry collector (ADOT) beside the app, exporting nowhere unless told."""

    collector: bool = Flag(default=False).setting(description="Run the collector beside the app in every task.")
    exporter_endpoint: str | None = EXPORTER_ENDPOINT.setting(
        None, description="OTLP/HTTP endpoint the collector exports traces, metrics and logs to (TLS)."
    )
    cpu: int = SIDECAR_ARGS["cpu"].setting(
        128, description="CPU units reserved for the collector out of the task's cpu."
    )
    memory: int = SIDECAR_ARGS["memory"].setting(
        256, description="The collector's hard memory limit in MiB, out of the task's memory."
    )

    @field_validator("exporter_endpoint")
    @classmethod
    def _only_with_collector(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not info.data.get("collector"):
            raise ValueError("only with collector: true (the collector is what exports)")
        return value


def collector_config(exporter_endpoint: str | None) -> dict[str, Any]:
    """The collector's configuration: OTLP in on loopback, memory limited and batched, out to the endpoint
    or, without one, to the debug exporter only."""
    if exporter_endpoint is None:
        exporters: dict[str, Any] = {"debug": {"verbosity": "basic"}}
    else:
        # otlphttp adds /v1/traces, /v1/metrics and /v1/logs to the endpoint; TLS comes with https.
        exporters = {"otlphttp": {"endpoint": exporter_endpoint}}
    pipeline = {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"], "exporters": list(exporters)}
    return {
        "extensions": {"health_check": {"endpoint": f"{LOOPBACK}:{HEALTH_CHECK_PORT}"}},
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"{LOOPBACK}:{OTLP_GRPC_PORT}"},
                    "http": {"endpoint": f"{LOOPBACK}:{OTLP_HTTP_PORT}"},
                }
            }
        },
        "processors": {
            # Shares of the container's own memory limit (the cgroup's), so they follow `memory`; the limiter
            # refuses data before the kernel would kill the collector.
            "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 25},
            "batch": {},
        },
        "exporters": exporters,
        "service": {
            "extensions": ["health_check"],
            "pipelines": {signal: dict(pipeline) for signal in ("traces", "metrics", "logs")},
        },
    }


def collector_sidecar(telemetry: TelemetrySettings) -> dict[str, Any]:
    """The collector as a `SidecarContainer`: essential (a task without it would lose its telemetry
    silently), unprivileged, read-only, with the image's health check."""
    return {
        "name": COLLECTOR_NAME,
        "image": COLLECTOR_IMAGE,
        "environment": {CONFIG_VARIABLE: json.dumps(collector_config(telemetry.exporter_endpoint), sort_keys=True)},
        "cpu": telemetry.cpu,
        "memory": telemetry.memory,
        "user": COLLECTOR_USER,
        "readonly_root_filesystem": True,
        "health_check": {"command": ["CMD", "/healthcheck"], "interval": HEALTH_CHECK_INTERVAL},
    }


def app_environment(service_name: str) -> dict[str, str]:
    """What the app's OpenTelemetry SDK needs to send to the collector: OTLP over gRPC on localhost."""
    return dict(zip(APP_ENVIRONMENT_NAMES, (f"http://localhost:{OTLP_GRPC_PORT}", "grpc", service_name), strict=True))


def with_collector(workload: dict[str, Any], telemetry: TelemetrySettings, service_name: str) -> dict[str, Any]:
    """`workload` (FargateWorkloadArgs) with the collector as its last sidecar, the app's OTLP environment,
    and the app waiting until the collector is HEALTHY: no span of a starting task is lost, a collector that
    cannot start fails the deployment (which the circuit breaker rolls back), and at stop ECS stops the app
    first, so the collector flushes what the app sent last."""
    if not telemetry.collector:
        return workload
    return {
        **workload,
        "environment": {**workload.get("environment", {}), **app_environment(service_name)},
        "depends_on": [*workload.get("depends_on", []), {"container": COLLECTOR_NAME, "condition": "HEALTHY"}],
        "sidecars": [*workload.get("sidecars", []), collector_sidecar(telemetry)],
    }


def collector_problems(workload: dict[str, Any], telemetry: TelemetrySettings, workload_key: str) -> list[str]:
    """Why the collector cannot join `workload` (the settings' FargateWorkloadArgs), in config keys."""
    if not telemetry.collector:
        return []
    problems = []
    mode = workload.get("network_mode", "awsvpc")
    if mode != "awsvpc":
        problems.append(
            f"{workload_key}.networkMode: {mode!r} — awsvpc with the collector: the app reaches it on localhost, "
            "which a task's containers share only in awsvpc mode"
        )
    for index, sidecar in enumerate(workload.get("sidecars", [])):
        if sidecar["name"] == COLLECTOR_NAME:
            problems.append(
                f"{workload_key}.sidecars[{index}].name: {COLLECTOR_NAME!r} — a name of its own; the collector has it"
            )
    for key in ("environment", "secrets"):
        for name in sorted(set(APP_ENVIRONMENT_NAMES) & set(workload.get(key, {}))):
            problems.append(f"{workload_key}.{key}.{name}: set by the stack for the collector — remove it")
    if not problems:
        fit = ArgumentProblems("FargateWorkloadArgs")
        containers_fit_together(with_collector(workload, telemetry, ""), fit, f"{workload_key}.")
        problems += [f"with the collector: {config_wording(line)}" for line in fit.lines()]
    return problems

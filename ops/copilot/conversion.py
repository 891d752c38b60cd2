"""A Copilot application directory to one stack file and its report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .manifests import JOB, WEB, read_application
from .mappers import DEFAULT_REGION, Mapped, assign_rule_priorities, map_environment, map_workload
from .report import Finding, findings
from .rules import TARGET_KEY, Outcome
from .stack_writer import render_stack_file


@dataclass(frozen=True)
class Conversion:
    stack: str
    config: dict[str, Any]
    findings: list[Finding]
    text: str
    """The stack file."""


def convert(directory: Path, env: str | None, stack: str | None, region: str | None = None) -> Conversion:
    application = read_application(directory, env)
    chosen = env if env is not None else (application.environment.name if application.environment else None)
    region = region or DEFAULT_REGION
    stack = stack or chosen or "copilot"
    mapped = [map_workload(manifest, region) for manifest in application.workloads]
    assign_rule_priorities([item for item in mapped if item.manifest.type == WEB])
    rows: list[Finding] = []
    config: dict[str, Any] = {
        "aws:region": region,
        "aws:defaultTags": {"tags": {"project": "ecs-workloads", "stack": stack, "environment": chosen or stack}},
        "ecs-workloads:referenceSystem": False,
    }
    if application.environment is not None:
        network, balancer, insights, outcomes = map_environment(application.environment)
        rows.extend(findings(application.environment, outcomes, chosen))
        if network:
            config["ecs-workloads:network"] = network
        if insights is not None:
            config["ecs-workloads:cluster"] = {"containerInsights": insights}
    else:
        balancer = {}
    retention = [item.log_retention for item in mapped if item.log_retention is not None]
    if retention:
        config["ecs-workloads:logs"] = {"retentionDays": max(retention)}
    if any(item.manifest.type == WEB for item in mapped):
        config["ecs-workloads:loadBalancer"] = {"allowedCidrs": ["0.0.0.0/0"], **balancer}
    topics = _topics(mapped)
    if topics:
        config["ecs-workloads:topics"] = topics
    sources: dict[str, dict[str, str]] = {}
    for item in mapped:
        key = TARGET_KEY[item.manifest.type]
        sources.setdefault(key, {})[item.manifest.name] = item.manifest.file
        if item.manifest.type == JOB:
            config.setdefault(key, []).append(item.entry)
        else:
            config.setdefault(key, {})[item.manifest.name] = item.entry
        rows.extend(findings(item.manifest, item.outcomes, chosen))
    header = [
        f"Imported from the Copilot application in {directory.name}/copilot"
        + (f", environment {chosen}" if chosen else "")
        + " by `ecs-workloads import copilot`.",
        "Fields the import approximated or could not map are listed in its report; docs/copilot-migration.md says",
        "what to do about them.",
    ]
    return Conversion(stack, config, rows, render_stack_file(config, header, sources))


def _topics(mapped: list[Mapped]) -> list[dict[str, Any]]:
    """Every published topic with its publishers; a topic subscribed to but published by no imported workload
    is created too (without publishers), so the subscription has its topic."""
    publishers: dict[str, list[str]] = {}
    for item in mapped:
        for name in item.topics:
            publishers.setdefault(name, []).append(item.manifest.name)
    for item in mapped:
        for name, path in item.subscribed.items():
            if name not in publishers:
                item.outcomes.set(
                    path,
                    Outcome.APPROXIMATED,
                    "ecs-workloads:topics",
                    f"no imported workload publishes {name}: the topic is created without publishers; give the "
                    "publisher sns:Publish on it, or subscribe to the existing topic by topicArn",
                )
    for item in mapped:
        for name in item.subscribed:
            publishers.setdefault(name, [])
    return [{"name": name, "publishers": sorted(set(names))} for name, names in sorted(publishers.items())]

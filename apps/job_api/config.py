"""The app's settings, read from the environment; every one is required, so nothing starts open."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .model import TASK_DEFINITION

# Visible ASCII without spaces: what a client can send after `Bearer ` in one header value.
_TOKEN = re.compile(r"^[!-~]+$")
VARIABLES = {
    "API_TOKEN": "the bearer token clients send (an ECS secret from Secrets Manager, never plain environment)",
    "JOB_SCHEDULE_GROUP": "the EventBridge Scheduler schedule group that holds the jobs",
    "JOB_STATE_MACHINE_ARN": "the Step Functions state machine each job's schedule starts",
    "JOB_SCHEDULER_ROLE_ARN": "the role EventBridge Scheduler assumes to start it",
    "JOB_TASK_FAMILIES": "comma-separated task definition families jobs may run",
}


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    api_token: str
    schedule_group: str
    state_machine_arn: str
    scheduler_role_arn: str
    task_families: frozenset[str]


def settings_from_env(environ: Mapping[str, str]) -> Settings:
    """The settings, or ConfigError naming every variable that is missing or wrong."""
    values = {name: environ.get(name, "").strip() for name in VARIABLES}
    # A list of nothing but commas allows no family: as good as unset.
    values["JOB_TASK_FAMILIES"] = values["JOB_TASK_FAMILIES"].strip(", ")
    problems = [f"{name} is not set: {meaning}" for name, meaning in VARIABLES.items() if not values[name]]
    token = values["API_TOKEN"]
    if token and not _TOKEN.match(token):
        problems.append("API_TOKEN must be visible ASCII characters without spaces")
    families = frozenset(part.strip() for part in values["JOB_TASK_FAMILIES"].split(",") if part.strip())
    bad = sorted(name for name in families if not TASK_DEFINITION.match(name) or ":" in name)
    if bad:
        problems.append(f"JOB_TASK_FAMILIES: {', '.join(bad)} not task definition families (letters, digits, - and _)")
    if problems:
        raise ConfigError("; ".join(problems))
    return Settings(
        api_token=token,
        schedule_group=values["JOB_SCHEDULE_GROUP"],
        state_machine_arn=values["JOB_STATE_MACHINE_ARN"],
        scheduler_role_arn=values["JOB_SCHEDULER_ROLE_ARN"],
        task_families=families,
    )

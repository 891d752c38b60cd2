"""`scheduledScaling`, the list of scheduled actions every service section of the stack file takes."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from ecs_workloads.schedule_expression import normalize_cron_expression, validate_timezone
from ecs_workloads.scheduled_scaling import SCHEDULED_SCALING_ACTION_ARGS

from .component_rules import raise_component_problems
from .section import Section

_ACTION = SCHEDULED_SCALING_ACTION_ARGS


class ScheduledScalingSettings(Section):
    """One scheduled action: from each run of `schedule` in `timezone` on, the service's min and max tasks."""

    name: str = _ACTION["name"].setting(description="Name, unique among the service's actions.")
    # `_schedule` and `_timezone` check these, so that the schedule module's own message reaches the config error.
    schedule: str = Field(description="cron(6 fields), a 5-field Unix cron or @daily-style shorthand.")
    timezone: str = Field(_ACTION["timezone"].default, description="IANA time zone of the times, e.g. Europe/London.")
    min_capacity: int = _ACTION["min_capacity"].setting(description="Fewest tasks from each run on.")
    max_capacity: int = _ACTION["max_capacity"].setting(description="Most tasks from each run on.")

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        return normalize_cron_expression(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return validate_timezone(value)

    @model_validator(mode="after")
    def _component_rules(self) -> ScheduledScalingSettings:
        raise_component_problems(_ACTION, self.args())
        return self

    def args(self) -> dict[str, Any]:
        """The `ScheduledScalingActionArgs` of this action."""
        return self.model_dump()

"""`deployment`, how a service section of the stack file rolls out a new revision: the component's
`deployment_strategy` (`ecs_workloads.deployment_strategy`), every key declared there once."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from ecs_workloads.deployment_strategy import DEPLOYMENT_STRATEGY_ARGS, LIFECYCLE_HOOK_ARGS, LIFECYCLE_STAGES

from .component_rules import raise_component_problems
from .section import Section

_STRATEGY = DEPLOYMENT_STRATEGY_ARGS
_HOOK = LIFECYCLE_HOOK_ARGS


class LifecycleHookSettings(Section):
    """A Lambda function ECS invokes at the given deployment stages; its answer continues or rolls back."""

    function_arn: str = Field(description="ARN of the Lambda function (optionally :alias or :version).")
    stages: list[str] = Field(description="Stages to invoke it at: " + ", ".join(LIFECYCLE_STAGES) + ".")

    @model_validator(mode="after")
    def _component_rules(self) -> LifecycleHookSettings:
        raise_component_problems(_HOOK, self.args())
        return self

    def args(self) -> dict[str, Any]:
        """The `LifecycleHookArgs` of this hook."""
        return {"function_arn": self.function_arn, "stages": list(self.stages)}


class DeploymentSettings(Section):
    """How a new revision replaces the running one; the canary and linear keys apply to their strategy."""

    strategy: str = _STRATEGY["strategy"].setting(
        description="rolling, or shift traffic between the two revisions: blue_green, canary or linear."
    )
    bake_time_minutes: int = _STRATEGY["bake_time_minutes"].setting(
        description="Minutes both revisions run after all traffic has shifted (not with rolling)."
    )
    canary_percent: float = _STRATEGY["canary_percent"].setting(
        description="Share of traffic the new revision gets first (canary)."
    )
    canary_bake_minutes: int = _STRATEGY["canary_bake_minutes"].setting(
        description="Minutes before the rest of the traffic shifts (canary)."
    )
    linear_step_percent: float = _STRATEGY["linear_step_percent"].setting(
        description="Share of traffic shifted at each step (linear)."
    )
    linear_step_bake_minutes: int = _STRATEGY["linear_step_bake_minutes"].setting(
        description="Minutes between steps (linear)."
    )
    lifecycle_hooks: list[LifecycleHookSettings] = Field(
        [],
        description="Lambda functions ECS invokes at deployment stages, with a role that may invoke exactly "
        "them (not with rolling); default none.",
    )
    rollback_on_alarm: bool = _STRATEGY["rollback_on_alarm"].setting(
        description="Roll back a deployment when one of the service's alarms fires during it."
    )

    @model_validator(mode="after")
    def _component_rules(self) -> DeploymentSettings:
        raise_component_problems(_STRATEGY, self.args())
        return self

    def args(self) -> dict[str, Any]:
        """The component's `deployment_strategy`: the keys the stack file sets (the rest are its defaults)."""
        args = {key: getattr(self, key) for key in _STRATEGY.names if key in self.model_fields_set}
        if "lifecycle_hooks" in args:
            args["lifecycle_hooks"] = [hook.args() for hook in self.lifecycle_hooks]
        return args

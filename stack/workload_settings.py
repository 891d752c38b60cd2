"""Config of one containerised workload: what image runs and how big it is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

from pydantic import Field, field_validator, model_validator

from ecs_workloads.capacity import CAPACITY_WEIGHTS, CapacityWeights, capacity_strategy
from ecs_workloads.fargate_workload import FARGATE_WORKLOAD_ARGS, FargateWorkloadArgs, environment_entries
from ecs_workloads.validation import ArgumentProblems
from ecs_workloads.workload_shape import EMBEDDED_WORKLOAD_ARGS

from .component_rules import raise_component_problems
from .section import Section

APPS_DIR = Path(__file__).resolve().parent.parent / "apps"
APPS_USER = "10001:10001"
_APP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class CapacitySettings(Section):
    """Weights between on-demand Fargate and Fargate Spot."""

    fargate: int = CAPACITY_WEIGHTS["fargate"].setting(description="Weight of on-demand FARGATE.")
    fargate_spot: int = CAPACITY_WEIGHTS["fargate_spot"].setting(description="Weight of FARGATE_SPOT.")
    base: int = CAPACITY_WEIGHTS["base"].setting(description="Tasks always on on-demand FARGATE.")

    @model_validator(mode="after")
    def _component_rules(self) -> CapacitySettings:
        raise_component_problems(CAPACITY_WEIGHTS, dict(self.weights()))
        return self

    def weights(self) -> CapacityWeights:
        return {"fargate": self.fargate, "fargate_spot": self.fargate_spot, "base": self.base}

    def strategy_output(self) -> list[dict[str, Any]]:
        """The strategy as ECS RunTask spells it, for operators running a job by hand."""
        return [
            {"capacityProvider": entry["capacity_provider"], "weight": entry["weight"], "base": entry["base"]}
            for entry in capacity_strategy(self.weights())
        ]


class WorkloadSettings(Section):
    """The container of a workload. `image` wins over `app`; with neither, the section's own app is built."""

    image: str | None = Field(None, description="Image URI to run. Default: build `app` from apps/<app>/Dockerfile.")
    app: str | None = Field(None, description="Directory under apps/ to build when no image is given.")
    # CPU and memory are one Fargate size: `_component_rules` checks them as a pair with the component's
    # specs and rule, and reports a bad size at the workload, naming the field.
    cpu: int = Field(
        FARGATE_WORKLOAD_ARGS["cpu"].default,
        description="CPU units.",
        json_schema_extra={"allowed": FARGATE_WORKLOAD_ARGS["cpu"].allowed()},
    )
    memory: int = Field(
        FARGATE_WORKLOAD_ARGS["memory"].default,
        description="Memory in MiB, valid for the CPU on Fargate.",
        json_schema_extra={"allowed": FARGATE_WORKLOAD_ARGS["memory"].allowed()},
    )
    cpu_architecture: str = FARGATE_WORKLOAD_ARGS["cpu_architecture"].setting(description="CPU architecture.")
    environment: dict[str, str] = FARGATE_WORKLOAD_ARGS["environment"].setting(
        description="Plain environment variables."
    )
    secrets: dict[str, str] = FARGATE_WORKLOAD_ARGS["secrets"].setting(
        description="Environment from SSM parameter / Secrets Manager ARNs."
    )
    capacity: CapacitySettings | None = Field(None, description="Capacity weights. Default: the cluster's default.")
    user: str | None = FARGATE_WORKLOAD_ARGS["user"].setting(
        None, description="uid[:gid] the container runs as. Default: 10001:10001 for apps/ builds, else the image's."
    )

    @field_validator("app")
    @classmethod
    def _app(cls, value: str | None) -> str | None:
        if value is None:
            return value
        available = sorted(p.name for p in APPS_DIR.iterdir() if (p / "Dockerfile").exists())
        if not _APP_NAME.match(value) or value not in available:
            raise ValueError(f"must be one of the apps with a Dockerfile: {', '.join(available)}")
        return value

    @model_validator(mode="after")
    def _component_rules(self) -> WorkloadSettings:
        # Every stack workload is a shape's; without image or app the stack builds its own default app.
        args = {**self.container(self.app or ""), **self.sizing()}
        # Variable names are written in the stack file as they are, so their lines keep them as they are
        # instead of taking the camelCase wording of config keys.
        problems = ArgumentProblems("WorkloadSettings")
        environment_entries(args, problems, "")
        if problems:
            raise ValueError("; ".join(problems.lines()))
        raise_component_problems(EMBEDDED_WORKLOAD_ARGS, args)
        return self

    def container(self, default_app: str) -> dict[str, Any]:
        """The image-related `FargateWorkloadArgs`: an image URI, or a build of the app's directory."""
        user = {"user": self.user} if self.user else {}
        if self.image:
            return {"image": self.image, **user}
        # Every image under apps/ runs as this non-root user; naming it lets ECS and scanners see it.
        return {"build_context": str(APPS_DIR / (self.app or default_app)), "user": self.user or APPS_USER}

    def workload_args(self, default_app: str, log_retention_days: int) -> FargateWorkloadArgs:
        """The `FargateWorkloadArgs` these settings decide. Built from validated config whose keys are declared
        fields (the component checks them again): the one place config enters the typed arguments."""
        args = {**self.container(default_app), **self.sizing(), "log_retention_days": log_retention_days}
        return cast(FargateWorkloadArgs, args)

    def sizing(self) -> dict[str, Any]:
        return {
            "cpu": self.cpu,
            "memory": self.memory,
            "cpu_architecture": self.cpu_architecture,
            "environment": dict(self.environment),
            "secrets": dict(self.secrets),
        }

"""Config of one containerised workload: what image runs and how big it is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ecs_workloads.capacity import capacity_strategy
from ecs_workloads.fargate_sizes import fargate_size_problem
from ecs_workloads.fargate_workload import container_environment_problems

from .section import Section

APPS_DIR = Path(__file__).resolve().parent.parent / "apps"
APPS_USER = "10001:10001"
_APP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class CapacitySettings(Section):
    """Weights between on-demand Fargate and Fargate Spot."""

    fargate: int = Field(1, ge=0, le=1000, description="Weight of on-demand FARGATE.")
    fargate_spot: int = Field(0, ge=0, le=1000, description="Weight of FARGATE_SPOT.")
    base: int = Field(0, ge=0, le=1000, description="Tasks always on on-demand FARGATE.")

    @model_validator(mode="after")
    def _some_weight(self) -> CapacitySettings:
        if self.fargate == 0 and self.fargate_spot == 0:
            raise ValueError("at least one of fargate and fargateSpot must be above 0")
        if self.base and not self.fargate:
            raise ValueError("base tasks run on FARGATE, so fargate must be above 0")
        return self

    def weights(self) -> dict[str, int]:
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
    cpu: int = Field(256, description="CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384.")
    memory: int = Field(512, description="Memory in MiB, valid for the CPU on Fargate.")
    cpu_architecture: Literal["X86_64", "ARM64"] = Field("X86_64", description="CPU architecture.")
    environment: dict[str, str] = Field(default_factory=dict, description="Plain environment variables.")
    secrets: dict[str, str] = Field(
        default_factory=dict, description="Environment from SSM parameter / Secrets Manager ARNs."
    )
    capacity: CapacitySettings | None = Field(None, description="Capacity weights. Default: the cluster's default.")
    user: str | None = Field(
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

    @field_validator("user")
    @classmethod
    def _user(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$", value):
            raise ValueError("must be uid[:gid] or a user name, such as 10001:10001")
        if value is not None and value.split(":")[0] in ("0", "root"):
            raise ValueError("must not be root; containers run as a non-root user")
        return value

    @model_validator(mode="after")
    def _environment(self) -> WorkloadSettings:
        problems = container_environment_problems(self.environment, self.secrets)
        if problems:
            raise ValueError("; ".join(f"{field}: {value!r} — {allowed}" for field, value, allowed in problems))
        return self

    @model_validator(mode="after")
    def _size(self) -> WorkloadSettings:
        problem = fargate_size_problem(self.cpu, self.memory)
        if problem:
            raise ValueError(f"cpu {self.cpu} / memory {self.memory}: {problem}")
        return self

    def container(self, default_app: str) -> dict[str, Any]:
        """The image-related `FargateWorkloadArgs`: an image URI, or a build of the app's directory."""
        user = {"user": self.user} if self.user else {}
        if self.image:
            return {"image": self.image, **user}
        # Every image under apps/ runs as this non-root user; naming it lets ECS and scanners see it.
        return {"build_context": str(APPS_DIR / (self.app or default_app)), "user": self.user or APPS_USER}

    def sizing(self) -> dict[str, Any]:
        return {
            "cpu": self.cpu,
            "memory": self.memory,
            "cpu_architecture": self.cpu_architecture,
            "environment": dict(self.environment),
            "secrets": dict(self.secrets),
        }

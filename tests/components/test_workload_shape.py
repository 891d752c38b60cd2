"""The one declaration of a shape's `workload`: FargateWorkload's own, with what the shape sets refused."""

from __future__ import annotations

import pulumi
import pytest

from ecs_workloads.alb_web_service import ALB_WEB_SERVICE_ARGS
from ecs_workloads.arguments import Nested
from ecs_workloads.fargate_workload import FARGATE_WORKLOAD_ARGS
from ecs_workloads.queue_backed_batch_service import QUEUE_BACKED_BATCH_SERVICE_ARGS
from ecs_workloads.scheduled_ecs_task import SCHEDULED_ECS_TASK_ARGS, ScheduledEcsTask
from ecs_workloads.validation import ArgumentProblems
from ecs_workloads.workload_shape import EMBEDDED_WORKLOAD, EMBEDDED_WORKLOAD_ARGS
from harness.program import run_callable
from harness.recording import Recording

SHAPES = (ALB_WEB_SERVICE_ARGS, QUEUE_BACKED_BATCH_SERVICE_ARGS, SCHEDULED_ECS_TASK_ARGS)


def _problems(workload) -> list[str]:
    problems = ArgumentProblems("Shape")
    EMBEDDED_WORKLOAD_ARGS.check(workload, problems, "workload.")
    return problems.lines()


@pytest.mark.parametrize("shape", SHAPES, ids=lambda arguments: arguments.typed_dict.__name__)
def test_every_shape_takes_its_workload_through_the_one_embedded_declaration(shape):
    assert shape["workload"] is EMBEDDED_WORKLOAD


def test_the_embedded_declaration_keeps_every_other_fact_of_the_workload():
    refused = {"vpc_id", "subnet_ids", "protect_data"}
    assert set(EMBEDDED_WORKLOAD_ARGS.specs) == set(FARGATE_WORKLOAD_ARGS.specs)
    for name, spec in FARGATE_WORKLOAD_ARGS.specs.items():
        if name not in refused:
            assert EMBEDDED_WORKLOAD_ARGS[name] is spec, name
    assert EMBEDDED_WORKLOAD_ARGS.rules == FARGATE_WORKLOAD_ARGS.rules
    assert "vpc_id" in FARGATE_WORKLOAD_ARGS.required and "vpc_id" not in EMBEDDED_WORKLOAD_ARGS.required
    assert refused.isdisjoint(EMBEDDED_WORKLOAD_ARGS.names)


def test_a_workload_without_vpc_id_is_complete():
    assert _problems({"image": "public.ecr.aws/org/app:1"}) == []


def test_what_the_shape_sets_is_refused_even_as_an_output():
    holder: dict[str, list[str]] = {}

    def program() -> None:
        holder["lines"] = _problems(
            {"image": "public.ecr.aws/org/app:1", "vpc_id": pulumi.Output.from_input("vpc-1"), "protect_data": True}
        )

    run_callable(program)
    assert [line.split(": ", 1)[0] for line in holder["lines"]] == ["workload.vpc_id", "workload.protect_data"]
    assert holder["lines"][0].endswith(" — comes from placement.vpc_id; remove it")
    assert holder["lines"][1] == (
        "workload.protect_data: True — set protect_data on the component itself; remove it here"
    )


def test_the_workload_rules_still_run():
    [line] = _problems({"image": "public.ecr.aws/org/app:1", "cpu": 256, "memory": 4096})
    assert line.startswith("workload.memory: 4096 — ")


def test_a_workload_that_is_not_a_mapping_is_told_the_keys_it_may_have():
    recording = Recording()
    placement = {"vpc_id": "vpc-1", "subnet_ids": ["subnet-1"], "assign_public_ip": True}
    args = {"cluster_arn": "arn", "cluster_name": "c", "placement": placement, "workload": "x", "schedule": "@daily"}
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: ScheduledEcsTask("job", args), recording=recording)
    keys = ", ".join(EMBEDDED_WORKLOAD_ARGS.names)
    assert f"\n  workload: 'x' — a mapping with keys from: {keys}" in str(caught.value)
    assert "vpc_id" not in keys and recording.registrations == []


@pytest.mark.parametrize("shape", SHAPES, ids=lambda arguments: arguments.typed_dict.__name__)
def test_placement_is_checked_field_by_field(shape):
    placement = shape["placement"]
    assert isinstance(placement, Nested) and placement.arguments is not None
    problems = ArgumentProblems("Shape")
    shape.check({"placement": {"vpc_id": "", "subnet_ids": ["subnet-1"]}}, problems)
    assert "placement.vpc_id: '' — a VPC id (a non-empty string or an Output)" in problems.lines()
    assert "placement.assign_public_ip: None — required" in problems.lines()

"""The floor of the evaluation bench registers what one real job registers (no timing is asserted)."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.evaluation_floor import FloorMocks, job_template, run_floor
from bench.evaluation_scale import JOB_NAME, PROJECT_DIR, jobs_config
from harness.program import run_program
from stack.jobs import job_resource_name


class CountingMocks(FloorMocks):
    def __init__(self) -> None:
        self.types: Counter[str] = Counter()

    def new_resource(self, args):
        self.types[args.typ] += 1
        return super().new_resource(args)


@pytest.fixture(scope="module")
def recorded():
    recording = run_program("dev", config=jobs_config(1), project_dir=PROJECT_DIR)
    name = JOB_NAME.format(index=0)
    job = recording.one("ecs-workloads:index:ScheduledEcsTask", job_resource_name(name))
    return recording, job, job_template(recording, job.urn, name)


def test_one_floor_job_registers_the_recorded_jobs_types_and_what_it_uses_once(recorded):
    recording, job, template = recorded
    own = [job, *recording.descendants(job)]
    own_urns = {r.urn for r in own}
    used = {d for r in own for d in r.dependencies if d not in own_urns}
    mocks = CountingMocks()

    run_floor(template, 1, mocks)

    expected = Counter(r.type for r in own) + Counter(recording.by_urn(urn).type for urn in used)
    assert mocks.types == expected


def test_the_floor_wires_outputs_into_inputs_as_the_job_does(recorded):
    _recording, job, template = recorded
    entries = template["entries"]
    position = {entry["name"]: index for index, entry in enumerate(entries)}
    task_definition = entries[position[f"{job.name}-workload-task"]]
    schedule = entries[position[f"{job.name}-schedule"]]

    assert task_definition["parent"] == position[f"{job.name}-workload"]
    assert entries[position[f"{job.name}-workload"]]["parent"] == position[job.name]
    assert task_definition["inputs"]["taskRoleArn"] == {"$ref": [position[f"{job.name}-workload-task-role"], "arn"]}
    target = schedule["inputs"]["target"]
    assert target["ecsParameters"]["taskDefinitionArn"] == {"$ref": [position[f"{job.name}-workload-task"], "arn"]}
    assert target["roleArn"] == {"$ref": [position[f"{job.name}-scheduler-role"], "arn"]}
    # No output of the role policy is an input of the schedule: it stays an explicit depends_on.
    assert position[f"{job.name}-scheduler-policy"] in schedule["depends_on"]

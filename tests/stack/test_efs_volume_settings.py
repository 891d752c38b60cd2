"""EFS volumes as a stack file gives them: `workload.efsVolumes` reaches the task definition and creates a
share with a mount target in each workload subnet of the stack, and the component's messages come back in
config wording."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from stack.workload_settings import WorkloadSettings
from tests.stack.test_jobs import _run

IMAGE = "public.ecr.aws/docker/library/busybox:1.36"
REPORTS = {"name": "reports", "path": "/reports", "readOnly": False, "create": {"expectedGib": 5}}
EXISTING = {
    "name": "reference",
    "path": "/reference",
    "fileSystemId": "fs-0123abcd",
    "accessPointId": "fsap-0123abcd4567ef890",
    "securityGroupId": "sg-0123abcd",
}


def _job(workload: dict[str, Any]) -> dict[str, Any]:
    return {"jobs": [{"name": "report", "schedule": "@daily", "workload": workload}]}


def test_a_jobs_volumes_reach_its_task_definition_and_its_share_gets_a_mount_target_per_workload_subnet():
    workload = {"image": IMAGE, "user": "65534:65534", "efsVolumes": [REPORTS, EXISTING]}
    recording = _run(_job(workload), {"network": {"natStrategy": "single", "availabilityZones": 3}})
    task = recording.one("aws:ecs/taskDefinition:TaskDefinition", "job-report-workload-task").inputs
    assert [v["name"] for v in task["volumes"]] == ["scratch", "reports", "reference"]
    app = json.loads(task["containerDefinitions"])[0]
    assert app["mountPoints"][1:] == [
        {"sourceVolume": "reports", "containerPath": "/reports", "readOnly": False},
        {"sourceVolume": "reference", "containerPath": "/reference", "readOnly": True},
    ]
    vpc = recording.one("awsx:ec2:Vpc").outputs
    mounts = recording.of_type("aws:efs/mountTarget:MountTarget")
    assert sorted(m.inputs["subnetId"] for m in mounts) == sorted(vpc["privateSubnetIds"])
    access_point = recording.one("aws:efs/accessPoint:AccessPoint").inputs
    assert access_point["posixUser"] == {"uid": 65534, "gid": 65534}


def test_an_app_build_runs_as_the_apps_user_so_it_may_create_a_share():
    args = WorkloadSettings.model_validate({"app": "image_assessor", "efsVolumes": [REPORTS]}).workload_args(
        "image_assessor", 30, False
    )
    assert args["efs_volumes"] == [
        {
            "name": "reports",
            "path": "/reports",
            "read_only": False,
            "create": {
                "root_directory": "/share",
                "permissions": "750",
                "expected_gib": 5,
            },
        }
    ]


def test_without_volumes_the_workload_arguments_are_as_before():
    args = WorkloadSettings.model_validate({"image": IMAGE}).workload_args("cats", 30, False)
    assert "efs_volumes" not in args


@pytest.mark.parametrize(
    ("workload", "message"),
    [
        (
            {"image": IMAGE, "efsVolumes": [REPORTS]},
            "user: None — uid:gid such as 10001:10001 with efsVolumes[0].create: the access point's POSIX user is "
            "the container's",
        ),
        (
            {"image": IMAGE, "user": "1:1", "efsVolumes": [REPORTS, {**EXISTING, "path": "/reports"}]},
            "efsVolumes[1].path: '/reports' — a path of its own; efsVolumes[0] mounts there",
        ),
        (
            {"image": IMAGE, "efsVolumes": [{**EXISTING, "fileSystemId": "fs-XYZ"}]},
            "efsVolumes.0.fileSystemId\n  Value error, must be a file system id such as fs-0123abcd",
        ),
        (
            {"image": IMAGE, "efsVolumes": [{**EXISTING, "readonly": True}]},
            "readonly\n  Extra inputs are not permitted",
        ),
    ],
)
def test_efs_volume_problems_name_the_config_key(workload, message):
    with pytest.raises(ValidationError) as caught:
        WorkloadSettings.model_validate(workload)
    assert message in str(caught.value)

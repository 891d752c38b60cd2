"""EFS volumes of a `FargateWorkload` and the `EfsFileSystem` it creates: the recorded task definition volumes
and mount points, the task role's statements, the NFS rules, the file system's own resources, the shapes and
EC2 capacity, and every validation error with its exact message."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from ecs_workloads import AlbWebService, EfsFileSystem, FargateWorkload, QueueBackedBatchService, ScheduledEcsTask
from harness.program import run_callable
from harness.recording import Recording
from tests.components.component_checks import registered_output_names, untagged
from tests.components.test_ec2_workloads import CLUSTER, PRIVATE, PROVIDERS, _batch, _web

SUBNETS = ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"]
BASE = {
    "vpc_id": "vpc-0abc1234",
    "subnet_ids": SUBNETS,
    "image": "public.ecr.aws/docker/library/busybox:1.36",
    "user": "10001:10002",
}
EXISTING = {
    "name": "reference",
    "path": "/reference",
    "file_system_id": "fs-0123abcd",
    "access_point_id": "fsap-0123abcd4567ef890",
    "security_group_id": "sg-0123abcd",
}
CREATED = {"name": "reports", "path": "/reports", "read_only": False, "create": {"root_directory": "/reports"}}
ARN = "arn:aws:elasticfilesystem:us-east-1:123456789012"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"


def _record(*volumes: dict[str, Any], **args: Any) -> Recording:
    return run_callable(lambda: FargateWorkload("job", {**BASE, **args, "efs_volumes": list(volumes)}))


def _containers(recording: Recording) -> list[dict[str, Any]]:
    return json.loads(recording.one(TASK).inputs["containerDefinitions"])


def _statements(recording: Recording) -> list[dict[str, Any]]:
    return json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", "job-task-efs").inputs["policy"])["Statement"]


def test_an_existing_file_system_is_mounted_through_its_access_point_with_tls_and_iam():
    recording = _record(EXISTING)
    volumes = recording.one(TASK).inputs["volumes"]
    assert volumes[1:] == [
        {
            "name": "reference",
            "efsVolumeConfiguration": {
                "fileSystemId": "fs-0123abcd",
                "transitEncryption": "ENABLED",
                "authorizationConfig": {"accessPointId": "fsap-0123abcd4567ef890", "iam": "ENABLED"},
            },
        }
    ]
    assert _containers(recording)[0]["mountPoints"][1:] == [
        {"sourceVolume": "reference", "containerPath": "/reference", "readOnly": True}
    ]


def test_a_read_only_volume_may_mount_only_its_access_point_of_its_file_system():
    assert _statements(_record(EXISTING)) == [
        {
            "Sid": "MountEfsVolume0",
            "Effect": "Allow",
            "Action": ["elasticfilesystem:ClientMount"],
            "Resource": f"{ARN}:file-system/fs-0123abcd",
            "Condition": {
                "StringEquals": {"elasticfilesystem:AccessPointArn": f"{ARN}:access-point/fsap-0123abcd4567ef890"}
            },
        }
    ]


def test_without_an_access_point_the_root_directory_is_mounted_and_the_statement_has_no_condition():
    volume = {**EXISTING, "access_point_id": None, "root_directory": "/team/reports", "read_only": False}
    del volume["access_point_id"]
    recording = _record(volume)
    configuration = recording.one(TASK).inputs["volumes"][1]["efsVolumeConfiguration"]
    assert configuration == {
        "fileSystemId": "fs-0123abcd",
        "rootDirectory": "/team/reports",
        "transitEncryption": "ENABLED",
        "authorizationConfig": {"iam": "ENABLED"},
    }
    assert _statements(recording) == [
        {
            "Sid": "MountEfsVolume0",
            "Effect": "Allow",
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            "Resource": f"{ARN}:file-system/fs-0123abcd",
        }
    ]


def test_an_existing_file_systems_group_admits_the_workload_on_nfs_only():
    recording = _record(EXISTING)
    rule = recording.one(INGRESS, "job-reference-nfs").inputs
    tasks_group = recording.one("aws:ec2/securityGroup:SecurityGroup", "job-sg").outputs["id"]
    assert {k: v for k, v in rule.items() if k not in ("description", "tags")} == {
        "securityGroupId": "sg-0123abcd",
        "referencedSecurityGroupId": tasks_group,
        "ipProtocol": "tcp",
        "fromPort": 2049,
        "toPort": 2049,
    }


def test_a_created_share_is_encrypted_backed_up_tiered_and_tls_only_with_a_mount_target_per_subnet():
    recording = _record(CREATED)
    file_system = recording.one(FILE_SYSTEM)
    assert file_system.parent == recording.one("ecs-workloads:index:EfsFileSystem", "job-reports").urn
    inputs = file_system.inputs
    assert inputs["encrypted"] is True and "kmsKeyId" not in inputs
    assert (inputs["performanceMode"], inputs["throughputMode"]) == ("generalPurpose", "elastic")
    assert inputs["lifecyclePolicies"] == [
        {"transitionToIa": "AFTER_30_DAYS"},
        {"transitionToPrimaryStorageClass": "AFTER_1_ACCESS"},
    ]
    assert (file_system.protect, file_system.retain_on_delete) == (False, False)
    file_system_id = file_system.outputs["id"]
    assert recording.one("aws:efs/backupPolicy:BackupPolicy").inputs["backupPolicy"] == {"status": "ENABLED"}
    policy = json.loads(recording.one("aws:efs/fileSystemPolicy:FileSystemPolicy").inputs["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "DenyUnencryptedTransport",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": file_system.outputs["arn"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    share_group = recording.one("aws:ec2/securityGroup:SecurityGroup", "job-reports-sg").outputs["id"]
    mounts = recording.of_type("aws:efs/mountTarget:MountTarget")
    assert sorted(m.inputs["subnetId"] for m in mounts) == SUBNETS
    assert all(
        m.inputs["fileSystemId"] == file_system_id and m.inputs["securityGroups"] == [share_group] for m in mounts
    )
    # The share's group has one rule, NFS from the tasks' group, and no egress.
    tasks_group = recording.one("aws:ec2/securityGroup:SecurityGroup", "job-sg").outputs["id"]
    rules = [r.inputs for r in recording.of_type(INGRESS) if r.inputs["securityGroupId"] == share_group]
    assert [(r["referencedSecurityGroupId"], r["ipProtocol"], r["fromPort"], r["toPort"]) for r in rules] == [
        (tasks_group, "tcp", 2049, 2049)
    ]
    egress = recording.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert all(rule.inputs["securityGroupId"] != share_group for rule in egress)
    # The task definition waits for the mount targets.
    assert {m.urn for m in mounts} <= set(recording.one(TASK).dependencies)


def test_a_created_share_has_an_access_point_for_the_containers_user_and_the_task_role_is_pinned_to_it():
    recording = _record(CREATED)
    access_point = recording.one("aws:efs/accessPoint:AccessPoint")
    assert access_point.inputs["posixUser"] == {"uid": 10001, "gid": 10002}
    assert access_point.inputs["rootDirectory"] == {
        "path": "/reports",
        "creationInfo": {"ownerUid": 10001, "ownerGid": 10002, "permissions": "750"},
    }
    file_system = recording.one(FILE_SYSTEM).outputs
    volume = recording.one(TASK).inputs["volumes"][1]
    assert volume == {
        "name": "reports",
        "efsVolumeConfiguration": {
            "fileSystemId": file_system["id"],
            "transitEncryption": "ENABLED",
            "authorizationConfig": {"accessPointId": access_point.outputs["id"], "iam": "ENABLED"},
        },
    }
    assert _statements(recording) == [
        {
            "Sid": "MountEfsVolume0",
            "Effect": "Allow",
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            "Resource": file_system["arn"],
            "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": access_point.outputs["arn"]}},
        }
    ]


def test_no_statement_grants_root_access_and_each_volume_has_its_own():
    statements = _statements(_record(CREATED, EXISTING))
    assert [s["Sid"] for s in statements] == ["MountEfsVolume0", "MountEfsVolume1"]
    assert all(action != "elasticfilesystem:ClientRootAccess" for s in statements for action in s["Action"])


def test_a_created_share_is_protected_and_retained_when_the_workload_protects_data_and_uses_the_key_given():
    key = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab"
    recording = _record({**CREATED, "create": {"kms_key_arn": key}}, protect_data=True)
    file_system = recording.one(FILE_SYSTEM)
    assert (file_system.protect, file_system.retain_on_delete) == (True, True)
    assert file_system.inputs["kmsKeyId"] == key


def test_sidecars_that_name_a_volume_mount_it_too():
    sidecar = {"name": "uploader", "image": "public.ecr.aws/example/uploader:1"}
    recording = _record({**CREATED, "sidecars": ["uploader"]}, sidecars=[sidecar, {**sidecar, "name": "other"}])
    app, uploader, other = _containers(recording)
    point = {"sourceVolume": "reports", "containerPath": "/reports", "readOnly": False}
    assert point in app["mountPoints"] and point in uploader["mountPoints"]
    assert point not in other["mountPoints"]


def test_without_volumes_nothing_of_efs_is_made():
    recording = run_callable(lambda: FargateWorkload("job", BASE))
    assert [r for r in recording.registrations if "efs" in r.type] == []
    assert recording.one(TASK).inputs["volumes"] == [{"name": "scratch"}]


def test_the_file_system_component_tags_its_resources_and_registers_its_outputs():
    recording = _record(CREATED, tags={"team": "reports"})
    component = "ecs-workloads:index:EfsFileSystem"
    assert untagged(recording, component, {"team": "reports"}) == []
    assert registered_output_names(recording, component) == {
        "file_system_id",
        "file_system_arn",
        "access_point_id",
        "access_point_arn",
        "security_group_id",
        "expected_gib",
    }


def _job(**extra: Any) -> dict[str, Any]:
    workload = {"image": BASE["image"], "user": BASE["user"], "efs_volumes": [CREATED]}
    return {**CLUSTER, "schedule": "rate(1 day)", "placement": PRIVATE, "workload": workload, **extra}


def test_a_shape_gives_a_created_share_its_placements_subnets():
    recording = run_callable(lambda: ScheduledEcsTask("nightly", _job()))
    mounts = recording.of_type("aws:efs/mountTarget:MountTarget")
    assert sorted(m.inputs["subnetId"] for m in mounts) == PRIVATE["subnet_ids"]
    assert recording.one(TASK).inputs["volumes"][-1]["efsVolumeConfiguration"]["transitEncryption"] == "ENABLED"


def test_ec2_capacity_in_awsvpc_mode_mounts_like_fargate():
    args = _job(capacity_providers=PROVIDERS, capacity={"providers": [{"name": "pipeline"}]})
    recording = run_callable(lambda: ScheduledEcsTask("nightly", args))
    task = recording.one(TASK).inputs
    assert (task["requiresCompatibilities"], task["networkMode"]) == (["EC2"], "awsvpc")
    assert task["volumes"][-1]["efsVolumeConfiguration"]["authorizationConfig"]["iam"] == "ENABLED"


@pytest.mark.parametrize(
    ("shape", "args"),
    [
        (AlbWebService, lambda workload: _web(workload)),
        (QueueBackedBatchService, lambda workload: _batch(workload)),
    ],
    ids=["web", "batch"],
)
def test_every_shape_on_ec2_capacity_mounts_a_created_share_in_its_placements_subnets(shape, args):
    recording = run_callable(lambda: shape("svc", args({"user": BASE["user"], "efs_volumes": [CREATED]})))
    mounts = recording.of_type("aws:efs/mountTarget:MountTarget")
    assert sorted(m.inputs["subnetId"] for m in mounts) == PRIVATE["subnet_ids"]
    task = recording.one(TASK).inputs
    assert task["requiresCompatibilities"] == ["EC2"]
    assert task["volumes"][-1]["efsVolumeConfiguration"]["authorizationConfig"]["iam"] == "ENABLED"
    assert len(recording.of_type("aws:efs/accessPoint:AccessPoint")) == 1


def test_a_shape_whose_subnets_are_one_output_cannot_count_the_mount_targets():
    def program() -> None:
        args = _job()
        args["placement"] = {**PRIVATE, "subnet_ids": pulumi.Output.from_input(PRIVATE["subnet_ids"])}
        with pytest.raises(ValueError) as caught:
            ScheduledEcsTask("nightly", args)
        assert "placement.subnet_ids: <pulumi.output.Output" in str(caught.value)
        assert "— a list of the tasks' subnet ids with efs_volumes[0].create: a mount target goes in each" in str(
            caught.value
        )

    run_callable(program)


def test_a_shape_refuses_subnet_ids_in_its_workload():
    args = _job()
    args["workload"] = {**args["workload"], "subnet_ids": SUBNETS}
    with pytest.raises(ValueError) as caught:
        ScheduledEcsTask("nightly", args)
    assert (
        "workload.subnet_ids: ['subnet-0aaa1111', 'subnet-0bbb2222', 'subnet-0ccc3333'] — "
        "comes from placement.subnet_ids; remove it" in str(caught.value)
    )


def _problems(*volumes: Any, **args: Any) -> list[str]:
    with pytest.raises(ValueError) as caught:
        FargateWorkload("job", {**BASE, **args, "efs_volumes": list(volumes)})
    return [line.strip() for line in str(caught.value).splitlines()[1:]]


@pytest.mark.parametrize(
    ("volumes", "args", "expected"),
    [
        (
            [CREATED, {**EXISTING, "name": "reports"}],
            {},
            ["efs_volumes[1].name: 'reports' — a name of its own; efs_volumes[0] has it"],
        ),
        (
            [CREATED, {**EXISTING, "path": "/reports/"}],
            {},
            ["efs_volumes[1].path: '/reports/' — a path of its own; efs_volumes[0] mounts there"],
        ),
        (
            [{**EXISTING, "name": "scratch-data"}],
            {},
            ["efs_volumes[0].name: 'scratch-data' — a name not starting with scratch (the scratch volumes')"],
        ),
        (
            [{**EXISTING, "path": "reference"}],
            {},
            [
                "efs_volumes[0].path: 'reference' — an absolute path other than / and /tmp "
                "(the containers' scratch volume)"
            ],
        ),
        (
            [{**EXISTING, "path": "/tmp/cache"}],
            {},
            [
                "efs_volumes[0].path: '/tmp/cache' — an absolute path other than / and /tmp "
                "(the containers' scratch volume)"
            ],
        ),
        (
            [{**EXISTING, "file_system_id": "fs-12"}],
            {},
            ["efs_volumes[0].file_system_id: 'fs-12' — a file system id such as fs-0123abcd"],
        ),
        (
            [{**EXISTING, "access_point_id": "ap-0123abcd"}],
            {},
            ["efs_volumes[0].access_point_id: 'ap-0123abcd' — an access point id such as fsap-0123abcd4567ef890"],
        ),
        (
            [{**CREATED, "file_system_id": "fs-0123abcd"}],
            {},
            [
                "efs_volumes[0]: 'reports' — give exactly one of file_system_id (an existing file system) and "
                "create (a new one)"
            ],
        ),
        (
            [{"name": "data", "path": "/data"}],
            {},
            [
                "efs_volumes[0]: 'data' — give exactly one of file_system_id (an existing file system) and "
                "create (a new one)"
            ],
        ),
        (
            [{k: v for k, v in EXISTING.items() if k != "security_group_id"}],
            {},
            [
                "efs_volumes[0].security_group_id: None — required with file_system_id: the mount targets' "
                "security group, which admits the workload on NFS"
            ],
        ),
        (
            [{**CREATED, "access_point_id": "fsap-0123abcd4567ef890"}],
            {},
            [
                "efs_volumes[0].access_point_id: 'fsap-0123abcd4567ef890' — only with file_system_id; "
                "create makes its own"
            ],
        ),
        (
            [{**EXISTING, "root_directory": "/team"}],
            {},
            [
                "efs_volumes[0].root_directory: '/team' — omit it with access_point_id: "
                "the access point sets the root directory"
            ],
        ),
        (
            [{**EXISTING, "sidecars": ["otel"]}],
            {},
            ["efs_volumes[0].sidecars: 'otel' — one of the sidecars: none"],
        ),
        (
            [CREATED],
            {"user": "app"},
            [
                "user: 'app' — uid:gid such as 10001:10001 with efs_volumes[0].create: the access point's POSIX "
                "user is the container's"
            ],
        ),
        (
            [CREATED],
            {"subnet_ids": None},
            [
                "subnet_ids: None — a list of the tasks' subnet ids with efs_volumes[0].create: a mount target "
                "goes in each"
            ],
        ),
        (
            [EXISTING],
            {"compatibility": "EC2", "network_mode": "bridge"},
            [
                "efs_volumes: ['reference'] — network_mode awsvpc: EFS admits the workload's security group, "
                "which bridge-mode tasks do not have"
            ],
        ),
        (
            [{**CREATED, "create": {"root_directory": "/a/.b"}}],
            {},
            [
                "efs_volumes[0].create.root_directory: '/a/.b' — an absolute path (at most four components, none "
                "starting with a dot) of up to 100 characters"
            ],
        ),
        (
            [{**CREATED, "create": {"permissions": "rw"}}],
            {},
            ["efs_volumes[0].create.permissions: 'rw' — three or four octal digits"],
        ),
        (
            [{**CREATED, "name": "r" * 241}],
            {},
            [
                "efs_volumes[0].name: '" + "r" * 241 + "' — at most 240 characters here: the longest resource name "
                "job-<volume>-sg plus the 8-character autoname suffix must fit the 255 characters a security group "
                "name allows"
            ],
        ),
    ],
)
def test_each_efs_volume_problem_has_its_exact_message(volumes, args, expected):
    if args.get("subnet_ids", ...) is None:
        args = {k: v for k, v in args.items() if k != "subnet_ids"}
        base_without_subnets = {k: v for k, v in BASE.items() if k != "subnet_ids"}
        with pytest.raises(ValueError) as caught:
            FargateWorkload("job", {**base_without_subnets, **args, "efs_volumes": volumes})
        problems = [line.strip() for line in str(caught.value).splitlines()[1:]]
    else:
        problems = _problems(*volumes, **args)
    assert problems == expected


def test_the_file_system_component_refuses_a_root_user():
    with pytest.raises(ValueError) as caught:
        EfsFileSystem(
            "share",
            {
                "vpc_id": "vpc-0abc1234",
                "subnet_ids": SUBNETS,
                "client_security_group_ids": ["sg-0123abcd"],
                "uid": 0,
                "gid": 0,
            },
        )
    assert str(caught.value).splitlines()[1:] == [
        "  uid: 0 — a non-root POSIX user id, 1 to 4294967295",
        "  gid: 0 — a non-root POSIX group id, 1 to 4294967295",
    ]

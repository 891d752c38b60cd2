"""EFS volumes of a `FargateWorkload`: what a volume takes, the rules that tie it to the task, and what it
becomes (a task definition volume, mount points, NFS ingress, and the task role's `elasticfilesystem:Client*`).

Every mount uses TLS and IAM authorization: the task role is the client's identity, so the file system or
access point a workload may mount, and whether it may write, is an IAM statement on that resource alone.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import functools
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments, Check, Flag, Items, Nested, NestedList, Text
from ..efs_file_system import (
    EFS_FILE_SYSTEM_ARGS,
    EFS_FILE_SYSTEM_NAMES,
    ROOT_DIRECTORY_PATH,
    EfsFileSystem,
    nfs_ingress,
)
from ..options import child
from ..validation import ArgumentProblems

# efs service model: FileSystemId `fs-[0-9a-f]{8,40}`, AccessPointId `fsap-[0-9a-f]{8,40}`; ec2 SecurityGroup
# `sg-[0-9a-f]{8,40}` (the ARN forms the EFS API also takes are not needed: the ARN is built from the id).
FILE_SYSTEM_ID = re.compile(r"^fs-[0-9a-f]{8,40}$")
ACCESS_POINT_ID = re.compile(r"^fsap-[0-9a-f]{8,40}$")
SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,40}$")
# Volume.name (ECS API reference): up to 255 letters, digits, underscores and hyphens.
_VOLUME_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# The containers' own scratch volumes (`container.scratch_volume`) are named so.
_SCRATCH_PREFIX = "scratch"
_SCRATCH_PATH = "/tmp"


class EfsShare(TypedDict, total=False):
    """A file system the workload creates for a volume (an `EfsFileSystem`)."""

    root_directory: str
    """Directory the volume's access point exposes, created owned by the container's user."""
    permissions: str
    """Octal mode of that directory when EFS creates it."""
    kms_key_arn: pulumi.Input[str]
    """KMS key that encrypts the data at rest."""
    expected_gib: int
    """Data it is expected to hold, in GiB, for the cost estimate."""


EFS_SHARE_ARGS = Arguments(
    EfsShare,
    {key: EFS_FILE_SYSTEM_ARGS[key] for key in ("root_directory", "permissions", "kms_key_arn", "expected_gib")},
)


class EfsVolume(TypedDict, total=False):
    """An EFS file system mounted into the main container (and the sidecars named), over TLS with the task
    role as its IAM identity. Give `file_system_id` for an existing one or `create` for a new one."""

    name: Required[str]
    """Volume name in the task definition, unique in the task."""
    path: Required[str]
    """Absolute path in the container, unique in the task."""
    read_only: bool
    """Mount it read-only; the task role then gets no `elasticfilesystem:ClientWrite`."""
    file_system_id: str
    """An existing file system (`fs-...`) to mount."""
    access_point_id: str
    """With `file_system_id`: an access point (`fsap-...`) of it to mount through."""
    security_group_id: str
    """With `file_system_id`: the security group of its mount targets, which gets NFS ingress from the
    workload's security group."""
    root_directory: str
    """With `file_system_id` and no access point: the directory of the file system to mount."""
    create: EfsShare
    """Create an encrypted file system for this volume, with a mount target in each workload subnet and
    an access point whose POSIX user is the container's `user` (`uid:gid`)."""
    sidecars: list[str]
    """Sidecars that mount it too, at the same path and with the same access."""


def _is_mount_path(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value.startswith("/")
        and value.rstrip("/") != ""
        and value.rstrip("/") != _SCRATCH_PATH
        and not value.startswith(f"{_SCRATCH_PATH}/")
    )


EFS_VOLUME_ARGS = Arguments(
    EfsVolume,
    {
        "name": Text(pattern=_VOLUME_NAME, shape="letters, digits, - and _", max_length=255),
        "path": Check(
            test=_is_mount_path,
            says=f"an absolute path other than / and {_SCRATCH_PATH} (the containers' scratch volume)",
        ),
        # Read-only unless asked: a task that only reads gets no write permission.
        "read_only": Flag(default=True),
        "file_system_id": Text(pattern=FILE_SYSTEM_ID, shape="a file system id such as fs-0123abcd", otherwise="none"),
        "access_point_id": Text(
            pattern=ACCESS_POINT_ID, shape="an access point id such as fsap-0123abcd4567ef890", otherwise="none"
        ),
        "security_group_id": Text(
            pattern=SECURITY_GROUP_ID, shape="a security group id such as sg-0123abcd", otherwise="none"
        ),
        "root_directory": replace(ROOT_DIRECTORY_PATH, otherwise="/ (the file system's root)"),
        "create": Nested(arguments=EFS_SHARE_ARGS, otherwise="none"),
        "sidecars": Items(item=Text(shape="a sidecar name"), unique=True, otherwise="none"),
    },
)

EFS_VOLUMES = NestedList(arguments=EFS_VOLUME_ARGS, default=[])
"""The spec of the workload's `efs_volumes` argument."""

_NUMERIC_USER = re.compile(r"^(\d+):(\d+)$")


def _volume_source(volume: Mapping[str, Any], problems: ArgumentProblems, where: str) -> None:
    existing = "file_system_id" in volume
    if existing == ("create" in volume):
        problems.add(
            where.removesuffix("."),
            volume["name"],
            "give exactly one of file_system_id (an existing file system) and create (a new one)",
        )
        return
    if existing and "security_group_id" not in volume:
        problems.add(
            f"{where}security_group_id",
            None,
            "required with file_system_id: the mount targets' security group, which admits the workload on NFS",
        )
    if not existing:
        for key in ("access_point_id", "security_group_id", "root_directory"):
            if key in volume:
                problems.add(f"{where}{key}", volume[key], "only with file_system_id; create makes its own")
    if "access_point_id" in volume and "root_directory" in volume:
        problems.add(
            f"{where}root_directory",
            volume["root_directory"],
            "omit it with access_point_id: the access point sets the root directory",
        )


def efs_volumes_fit(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    """The workload's EFS volumes make one task: unique names and paths, one source each, sidecars that
    exist, a numeric user for created shares' access points, and tasks with their own network interface
    (the security group that EFS admits)."""
    volumes: list[Mapping[str, Any]] = args.get("efs_volumes") or []
    if not volumes:
        return
    sidecars = {sidecar["name"] for sidecar in args.get("sidecars") or []}
    names: dict[str, int] = {}
    paths: dict[str, int] = {}
    for index, volume in enumerate(volumes):
        where = f"{prefix}efs_volumes[{index}]."
        name, path = volume["name"], volume["path"].rstrip("/")
        if name.startswith(_SCRATCH_PREFIX):
            problems.add(f"{where}name", name, f"a name not starting with {_SCRATCH_PREFIX} (the scratch volumes')")
        elif name in names:
            problems.add(f"{where}name", name, f"a name of its own; efs_volumes[{names[name]}] has it")
        names.setdefault(name, index)
        if path in paths:
            problems.add(f"{where}path", volume["path"], f"a path of its own; efs_volumes[{paths[path]}] mounts there")
        paths.setdefault(path, index)
        _volume_source(volume, problems, where)
        for sidecar in volume.get("sidecars", []):
            if sidecar not in sidecars:
                problems.add(
                    f"{where}sidecars", sidecar, f"one of the sidecars: {', '.join(sorted(sidecars)) or 'none'}"
                )
    if args.get("network_mode") == "bridge":
        problems.add(
            f"{prefix}efs_volumes",
            [volume["name"] for volume in volumes],
            "network_mode awsvpc: EFS admits the workload's security group, which bridge-mode tasks do not have",
        )
    created = _created(args)
    if created and not _NUMERIC_USER.match(str(args.get("user", ""))):
        problems.add(
            f"{prefix}user",
            args.get("user"),
            f"uid:gid such as 10001:10001 with efs_volumes[{created[0]}].create: "
            "the access point's POSIX user is the container's",
        )


def _created(args: Mapping[str, Any]) -> list[int]:
    volumes = args.get("efs_volumes")
    return (
        [i for i, v in enumerate(volumes) if isinstance(v, dict) and "create" in v] if isinstance(volumes, list) else []
    )


def subnets_for_mount_targets(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str = "") -> None:
    """A created share needs the tasks' subnets as a list, a mount target in each. Not a declaration rule:
    a shape gives the workload its placement's subnets itself."""
    created = _created(args)
    if created and not isinstance(args.get("subnet_ids"), list):
        problems.add(
            f"{prefix}subnet_ids",
            args.get("subnet_ids"),
            f"a list of the tasks' subnet ids with efs_volumes[{created[0]}].create: a mount target goes in each",
        )


def volume_names_fit(name: str, args: Mapping[str, Any], problems: ArgumentProblems) -> None:
    """A created share is the `EfsFileSystem` `<workload>-<volume>`, whose children must fit their limits."""
    # Only volumes that are mappings with `create`: a malformed list is the declaration's to report.
    for index in _created(args):
        volume = args["efs_volumes"][index]
        if isinstance(volume.get("name"), str):
            share = f"{name}-{volume['name']}"
            if len(share) > EFS_FILE_SYSTEM_NAMES.max_length:
                problems.add(
                    f"efs_volumes[{index}].name",
                    volume["name"],
                    f"at most {EFS_FILE_SYSTEM_NAMES.max_length - len(name) - 1} characters here: "
                    + EFS_FILE_SYSTEM_NAMES.reason(share.removesuffix(volume["name"]) + "<volume>"),
                )


class EfsMounts:
    """The EFS volumes of one workload as resources: shares created, NFS ingress into existing file
    systems' groups, and what the task definition and the task role get."""

    def __init__(
        self,
        parent: pulumi.Resource,
        name: str,
        args: Mapping[str, Any],
        security_group_id: pulumi.Input[str],
        protect_data: bool,
    ) -> None:
        self._volumes: list[Mapping[str, Any]] = args.get("efs_volumes") or []
        self.task_volumes: list[aws.ecs.TaskDefinitionVolumeArgs] = []
        self.mount_targets: list[pulumi.Resource] = []
        self._statements: list[pulumi.Output[dict[str, Any]]] = []
        if not self._volumes:
            return
        user = _NUMERIC_USER.match(str(args.get("user", "")))
        arn_prefix = pulumi.Output.all(
            aws.get_partition_output().partition,
            aws.get_region_output().region,
            aws.get_caller_identity_output().account_id,
        ).apply(lambda parts: f"arn:{parts[0]}:elasticfilesystem:{parts[1]}:{parts[2]}")
        for index, volume in enumerate(self._volumes):
            if "create" in volume:
                assert user is not None  # `efs_volumes_fit` requires a uid:gid user with create
                share = EfsFileSystem(
                    f"{name}-{volume['name']}",
                    {
                        **volume["create"],
                        "vpc_id": args["vpc_id"],
                        "subnet_ids": args["subnet_ids"],
                        "client_security_group_ids": [security_group_id],
                        "uid": int(user[1]),
                        "gid": int(user[2]),
                        "protect_data": protect_data,
                    },
                    child(parent),
                )
                self.mount_targets += share.mount_targets
                file_system_id: pulumi.Input[str] = share.file_system_id
                file_system_arn: pulumi.Input[str] = share.file_system_arn
                access_point_id: pulumi.Input[str] | None = share.access_point_id
                access_point_arn: pulumi.Input[str] | None = share.access_point_arn
            else:
                nfs_ingress(
                    parent,
                    f"{name}-{volume['name']}-nfs",
                    volume["security_group_id"],
                    security_group_id,
                    f"NFS from the tasks of {name}",
                )
                file_system_id = volume["file_system_id"]
                file_system_arn = arn_prefix.apply(functools.partial(_arn, f"file-system/{file_system_id}"))
                access_point_id = volume.get("access_point_id")
                access_point_arn = (
                    arn_prefix.apply(functools.partial(_arn, f"access-point/{access_point_id}"))
                    if access_point_id
                    else None
                )
            self.task_volumes.append(_task_volume(volume, file_system_id, access_point_id))
            self._statements.append(_client_statement(index, volume, file_system_arn, access_point_arn))

    def statements(self) -> pulumi.Output[list[dict[str, Any]]] | None:
        """The task role's EFS statements, one per volume; None without volumes."""
        return pulumi.Output.all(*self._statements).apply(list) if self._statements else None

    def mount(self, containers: list[dict[str, Any]]) -> None:
        """Adds each volume's mount point to the main container (the first) and the sidecars it names."""
        for volume in self._volumes:
            point = {
                "sourceVolume": volume["name"],
                "containerPath": volume["path"],
                "readOnly": EFS_VOLUME_ARGS.value(volume, "read_only"),
            }
            for index, container in enumerate(containers):
                if index == 0 or container["name"] in volume.get("sidecars", []):
                    container.setdefault("mountPoints", []).append(dict(point))


def _arn(resource: str, prefix: str) -> str:
    """An EFS ARN (`arn:<partition>:elasticfilesystem:<region>:<account>:<resource>`) from its prefix."""
    return f"{prefix}:{resource}"


def _task_volume(
    volume: Mapping[str, Any], file_system_id: pulumi.Input[str], access_point_id: pulumi.Input[str] | None
) -> aws.ecs.TaskDefinitionVolumeArgs:
    # EFSVolumeConfiguration (ECS API reference): IAM authorization and access points need transit
    # encryption; with an access point the root directory must be omitted (the access point's applies).
    return aws.ecs.TaskDefinitionVolumeArgs(
        name=volume["name"],
        efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
            file_system_id=file_system_id,
            root_directory=None if access_point_id is not None else volume.get("root_directory"),
            transit_encryption="ENABLED",
            authorization_config=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                access_point_id=access_point_id, iam="ENABLED"
            ),
        ),
    )


def _client_statement(
    index: int,
    volume: Mapping[str, Any],
    file_system_arn: pulumi.Input[str],
    access_point_arn: pulumi.Input[str] | None,
) -> pulumi.Output[dict[str, Any]]:
    """ClientMount always, ClientWrite only for a read-write volume, never ClientRootAccess. The actions'
    resource type is the file system (Service Authorization Reference, Amazon EFS: `file-system`), so an
    access point is pinned by the `elasticfilesystem:AccessPointArn` condition key."""
    actions = ["elasticfilesystem:ClientMount"]
    if not EFS_VOLUME_ARGS.value(volume, "read_only"):
        actions.append("elasticfilesystem:ClientWrite")

    def statement(arns: list[str | None]) -> dict[str, Any]:
        found: dict[str, Any] = {
            "Sid": f"MountEfsVolume{index}",
            "Effect": "Allow",
            "Action": actions,
            "Resource": arns[0],
        }
        if arns[1] is not None:
            found["Condition"] = {"StringEquals": {"elasticfilesystem:AccessPointArn": arns[1]}}
        return found

    return pulumi.Output.all(file_system_arn, access_point_arn).apply(statement)

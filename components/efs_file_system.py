"""`EfsFileSystem`: an encrypted EFS file system that only TLS clients of named security groups can reach.

One access point is the way in: it pins every client to one POSIX user and a root directory that EFS creates
with that owner, so a container running as a non-root user can write there and nowhere else.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from dataclasses import replace
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, Check, Flag, Integer, Items, Text
from .iam import policy_document
from .name_limits import SECURITY_GROUP, ComponentNames
from .options import child, component_type, stateful, with_former_type
from .outputs import register_declared_outputs
from .tags import TAGS, with_tags
from .validation import ArgumentProblems, is_id

NFS_PORT = 2049
"""The one port EFS mount targets serve (EFS User Guide, "Using VPC security groups": inbound NFS, TCP 2049)."""

# Lifecycle management (PutLifecycleConfiguration, efs service model enums TransitionToIARules and
# TransitionToPrimaryStorageClassRules): files unread for 30 days move to Infrequent Access, and back to
# Standard on their first access, so a file in use never stays on the dearer-to-read class.
TRANSITION_TO_IA = "AFTER_30_DAYS"
TRANSITION_TO_PRIMARY = "AFTER_1_ACCESS"

# CreateAccessPoint RootDirectory.Path (efs service model shape Path): up to 100 characters, at most four
# components, none starting with a dot or holding $#<>;`|&?{}^* or a newline.
ROOT_DIRECTORY = re.compile(r"^(/|(/(?!\.)+[^$#<>;`|&?{}^*/\n]+){1,4})$")
ROOT_DIRECTORY_MAX_LENGTH = 100
ROOT_DIRECTORY_PATH = Text(
    pattern=ROOT_DIRECTORY,
    shape="an absolute path (at most four components, none starting with a dot)",
    max_length=ROOT_DIRECTORY_MAX_LENGTH,
)
"""A directory of a file system, as an access point or a task definition's `rootDirectory` names it."""
# KmsKeyId (efs service model): a key id, key ARN, alias or alias ARN.
KMS_KEY = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias/[a-zA-Z0-9/_-]+|"
    r"(arn:aws[-a-z]*:kms:[a-z0-9-]+:\d{12}:((key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|"
    r"(key/mrk-[0-9a-f]{32})|(alias/[a-zA-Z0-9/_-]+))))$"
)
# Uid and Gid (efs service model): 0 to 4294967295; root (0) is refused as the containers run as non-root.
POSIX_ID_MAX = 4294967295


class EfsFileSystemArgs(TypedDict, total=False):
    """Arguments of `EfsFileSystem`."""

    vpc_id: Required[pulumi.Input[str]]
    """VPC of the file system's security group."""
    subnet_ids: Required[list[pulumi.Input[str]]]
    """Subnets to serve: one mount target in each (one per Availability Zone, as EFS allows)."""
    client_security_group_ids: Required[list[pulumi.Input[str]]]
    """Security groups whose members may reach the mount targets, on NFS (TCP 2049) only."""
    uid: Required[int]
    """POSIX user id every client acts as through the access point, and owner of its root directory."""
    gid: Required[int]
    """POSIX group id every client acts as through the access point, and group of its root directory."""
    root_directory: str
    """Directory of the file system the access point exposes as `/`; EFS creates it on first use."""
    permissions: str
    """Octal mode EFS gives the root directory when it creates it."""
    kms_key_arn: pulumi.Input[str]
    """KMS key that encrypts the data at rest."""
    expected_gib: int
    """Data the file system is expected to hold, in GiB: what the stack's cost estimate charges for."""
    protect_data: bool
    """Protect and retain the file system on delete."""
    tags: dict[str, str]
    """Tags of the file system and its security group and access point."""


def _is_posix_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= POSIX_ID_MAX


EFS_FILE_SYSTEM_ARGS = Arguments(
    EfsFileSystemArgs,
    {
        "vpc_id": Check(test=is_id, says="the VPC id"),
        "subnet_ids": Items(item=Check(test=is_id, says="a subnet id")),
        "client_security_group_ids": Items(item=Check(test=is_id, says="a security group id")),
        "uid": Check(test=_is_posix_id, says=f"a non-root POSIX user id, 1 to {POSIX_ID_MAX}"),
        "gid": Check(test=_is_posix_id, says=f"a non-root POSIX group id, 1 to {POSIX_ID_MAX}"),
        "root_directory": replace(ROOT_DIRECTORY_PATH, default="/share"),
        # CreationInfo.Permissions (efs service model): three or four octal digits. Owner and group only.
        "permissions": Text(pattern=re.compile(r"^[0-7]{3,4}$"), shape="three or four octal digits", default="750"),
        "kms_key_arn": Check(
            test=lambda value: not isinstance(value, str) or bool(KMS_KEY.match(value)),
            says="a KMS key id, key ARN, alias or alias ARN",
            otherwise="the AWS managed key aws/elasticfilesystem",
        ),
        # EFS has no size to provision; a petabyte bounds a typo in the estimate's figure.
        "expected_gib": Integer(low=1, high=1024 * 1024, default=1),
        "protect_data": Flag(default=False),
        "tags": TAGS,
    },
)

# Only the security group is autonamed; the file system, access point and mount targets have no names.
EFS_FILE_SYSTEM_NAMES = ComponentNames.of([("-sg", SECURITY_GROUP)])


class EfsFileSystem(pulumi.ComponentResource):
    """An encrypted file system (elastic throughput, daily backups, Infrequent Access after 30 days) with a
    mount target in each subnet, a TLS-only file system policy and one access point."""

    file_system_id: pulumi.Output[str]
    """The file system's id (`fs-...`)."""
    file_system_arn: pulumi.Output[str]
    """The file system's ARN: what IAM grants `elasticfilesystem:Client*` on."""
    access_point_id: pulumi.Output[str]
    """The access point's id (`fsap-...`), which clients mount through."""
    access_point_arn: pulumi.Output[str]
    """The access point's ARN, for the `elasticfilesystem:AccessPointArn` condition."""
    security_group_id: pulumi.Output[str]
    """Security group of the mount targets."""
    expected_gib: int
    """Data the file system is expected to hold, in GiB."""

    def __init__(self, name: str, args: EfsFileSystemArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = ArgumentProblems("EfsFileSystem")
        EFS_FILE_SYSTEM_NAMES.check(name, problems)
        EFS_FILE_SYSTEM_ARGS.check(args, problems)
        problems.raise_if_any()
        super().__init__(
            component_type("EfsFileSystem"),
            name,
            None,
            with_former_type("EfsFileSystem", with_tags(args.get("tags"), opts)),
        )
        value = EFS_FILE_SYSTEM_ARGS.value
        protect = value(args, "protect_data")
        self.expected_gib = value(args, "expected_gib")

        file_system = aws.efs.FileSystem(
            f"{name}-fs",
            # Without a key EFS uses the AWS managed key aws/elasticfilesystem (EFS User Guide, "Encrypting
            # data at rest"); encryption can only be chosen at creation.
            encrypted=True,
            kms_key_id=args.get("kms_key_arn"),
            performance_mode="generalPurpose",
            # Elastic throughput scales with demand and charges per use; no burst credits to run out.
            throughput_mode="elastic",
            lifecycle_policies=[
                aws.efs.FileSystemLifecyclePolicyArgs(transition_to_ia=TRANSITION_TO_IA),
                aws.efs.FileSystemLifecyclePolicyArgs(transition_to_primary_storage_class=TRANSITION_TO_PRIMARY),
            ],
            opts=stateful(self, protect),
        )
        aws.efs.BackupPolicy(
            f"{name}-backup",
            file_system_id=file_system.id,
            # PutBackupPolicy BackupPolicy.Status: ENABLED makes AWS Backup take daily backups.
            backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="ENABLED"),
            opts=child(self),
        )
        aws.efs.FileSystemPolicy(
            f"{name}-policy",
            file_system_id=file_system.id,
            policy=policy_document(
                [
                    {
                        "Sid": "DenyUnencryptedTransport",
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "*",
                        "Resource": file_system.arn,
                        # EFS User Guide, "Encrypting data in transit": aws:SecureTransport false is a
                        # client that mounted without TLS.
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ]
            ),
            opts=child(self),
        )

        # No egress rule: the provider removes the default allow-all egress, and mount targets answer only.
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"Mount targets of {name}; NFS from the client groups only",
            vpc_id=args["vpc_id"],
            opts=child(self),
        )
        for index, client in enumerate(args["client_security_group_ids"]):
            nfs_ingress(self, f"{name}-nfs-{index}", group.id, client, f"NFS from the clients of {name}")
        self._mount_targets = [
            aws.efs.MountTarget(
                f"{name}-mount-{index}",
                file_system_id=file_system.id,
                subnet_id=subnet,
                security_groups=[group.id],
                opts=child(self),
            )
            for index, subnet in enumerate(args["subnet_ids"])
        ]

        uid, gid = args["uid"], args["gid"]
        access_point = aws.efs.AccessPoint(
            f"{name}-ap",
            file_system_id=file_system.id,
            posix_user=aws.efs.AccessPointPosixUserArgs(uid=uid, gid=gid),
            root_directory=aws.efs.AccessPointRootDirectoryArgs(
                path=value(args, "root_directory"),
                creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                    owner_uid=uid, owner_gid=gid, permissions=value(args, "permissions")
                ),
            ),
            opts=child(self),
        )
        self.file_system_id = file_system.id
        self.file_system_arn = file_system.arn
        self.access_point_id = access_point.id
        self.access_point_arn = access_point.arn
        self.security_group_id = group.id
        register_declared_outputs(self)

    @property
    def mount_targets(self) -> list[aws.efs.MountTarget]:
        """The mount targets, one per subnet: what a task that mounts the file system waits for."""
        return self._mount_targets


def nfs_ingress(
    parent: pulumi.Resource,
    name: str,
    file_system_group_id: pulumi.Input[str],
    client_group_id: pulumi.Input[str],
    description: str,
) -> aws.vpc.SecurityGroupIngressRule:
    """NFS (TCP 2049) into a file system's group from one client group, and nothing else."""
    return aws.vpc.SecurityGroupIngressRule(
        name,
        security_group_id=file_system_group_id,
        referenced_security_group_id=client_group_id,
        ip_protocol="tcp",
        from_port=NFS_PORT,
        to_port=NFS_PORT,
        description=description,
        opts=child(parent),
    )

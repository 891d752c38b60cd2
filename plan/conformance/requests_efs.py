"""The requests of the EFS resources (see `requests`): a file system with its lifecycle, backup and file
system policies, its mount targets and access points. Tags are left out, as in the other translators."""

from __future__ import annotations

from harness.recording import Registration

from .requests import Request, _name, _one, _pick, pascal

# The efs service model spells these members with a capital IA and Gid/Uid as they are; pascal() would
# write TransitionToIa.
_EFS = {"transitionToIa": "TransitionToIA"}


def file_system(reg: Registration) -> list[Request]:
    i = reg.inputs
    token = str(reg.outputs.get("creationToken") or _name(reg))
    params = {"CreationToken": token, **pascal(_pick(i, "tags", "lifecyclePolicies", "creationToken"))}
    requests = _one(reg, "efs", "CreateFileSystem", params)
    if i.get("lifecyclePolicies"):
        # The provider sends lifecycle_policy in a PutLifecycleConfiguration after the file system exists.
        lifecycle = {"FileSystemId": reg.outputs.get("id"), "LifecyclePolicies": pascal(i["lifecyclePolicies"], _EFS)}
        requests += _one(reg, "efs", "PutLifecycleConfiguration", lifecycle)
    return requests


def mount_target(reg: Registration) -> list[Request]:
    return _one(reg, "efs", "CreateMountTarget", pascal(_pick(reg.inputs, "tags")))


def access_point(reg: Registration) -> list[Request]:
    params = {"ClientToken": _name(reg), **pascal(_pick(reg.inputs, "tags"))}
    return _one(reg, "efs", "CreateAccessPoint", params)


def file_system_policy(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"FileSystemId": i["fileSystemId"], "Policy": i["policy"]}
    return _one(reg, "efs", "PutFileSystemPolicy", params, ("Policy", "resource-policy", i["policy"]))


def backup_policy(reg: Registration) -> list[Request]:
    return _one(reg, "efs", "PutBackupPolicy", pascal(_pick(reg.inputs, "tags")))

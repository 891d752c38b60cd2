"""EFS: file systems are encrypted at rest, and tasks mount them encrypted in transit with IAM authorization."""

from __future__ import annotations

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import FILE_SYSTEM, TASK_DEFINITION
from .values import as_list, get


# Security Hub EFS.1. Encryption at rest is chosen when the file system is created and cannot change later.
@rule(
    "efs-encrypted-at-rest",
    "EFS file systems are encrypted at rest.",
    enforcement=MANDATORY,
    resource_types=FILE_SYSTEM,
    control="Security Hub EFS.1",
)
def check_file_system_encrypted(file_system: ResourceView, context: StackContext) -> list[str]:
    return [] if file_system.props.get("encrypted") is True else ["encrypted is not true"]


# No Security Hub control covers task definition volumes; the ECS Developer Guide ("Amazon EFS volumes")
# recommends transit encryption and IAM authorization, which is what makes the task role the client.
@rule(
    "ecs-efs-volume-tls-and-iam",
    "Task definition EFS volumes use transit encryption and IAM authorization.",
    enforcement=MANDATORY,
    resource_types=TASK_DEFINITION,
    control="ECS Developer Guide, Amazon EFS volumes",
)
def check_efs_volumes(task_definition: ResourceView, context: StackContext) -> list[str]:
    problems = []
    for volume in as_list(task_definition.props.get("volumes")):
        efs = get(volume, "efsVolumeConfiguration")
        if not efs:
            continue
        name = get(volume, "name") or "?"
        if get(efs, "transitEncryption") != "ENABLED":
            problems.append(f"volume {name}: transitEncryption is not ENABLED")
        if get(efs, "authorizationConfig", "iam") != "ENABLED":
            problems.append(f"volume {name}: authorizationConfig.iam is not ENABLED")
    return problems

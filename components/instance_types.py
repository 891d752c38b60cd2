"""What the library knows of EC2 instance types: architecture from the name, size and GPUs from a table.

The architecture follows from the name for every type (Amazon EC2 User Guide, "Amazon EC2 instance type
naming conventions": a `g` after the generation number marks an AWS Graviton processor, i.e. arm64, as
in m7g, c6gn, t4g, g5g; the first-generation Graviton family is `a1`). Sizes and GPU counts come from the
table below (Amazon EC2 User Guide, "Amazon EC2 instance type specifications"); a type outside it is
accepted, and the checks that need its size ("a task larger than every instance type") skip it.

The ECS-optimized Amazon Linux 2023 AMIs are published as public SSM parameters, one per variant (Amazon
ECS Developer Guide, "Retrieving Amazon ECS-optimized Linux AMI metadata"): the x86_64 AMI, the arm64 AMI
and the GPU AMI (x86_64 with the NVIDIA driver and container toolkit).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# `family.size`, e.g. m7g.large, g4dn.xlarge, u-6tb1.metal (EC2 instance type naming conventions).
INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9-]+$")
_GRAVITON = re.compile(r"^(a1|[a-z]+\d+g[a-z]*)\.")
# Accelerated-computing families with NVIDIA GPUs (p: training, g: graphics and inference; gr6 too).
_GPU_FAMILY = re.compile(r"^(p\d|g\d|gr\d)")

AMI_PARAMETERS: dict[tuple[str, bool], str] = {
    ("X86_64", False): "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    ("ARM64", False): "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
    ("X86_64", True): "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id",
}
"""(architecture, has GPUs) -> the SSM parameter holding the recommended ECS-optimized AL2023 AMI id."""


class InstanceType(NamedTuple):
    vcpus: int
    memory_mib: int
    gpus: int = 0

    @property
    def cpu_units(self) -> int:
        """ECS registers 1,024 CPU units per vCPU."""
        return self.vcpus * 1024


def _gib(vcpus: int, gib: float, gpus: int = 0) -> InstanceType:
    return InstanceType(vcpus, int(gib * 1024), gpus)


INSTANCE_TYPES: dict[str, InstanceType] = {
    "t2.micro": _gib(1, 1),
    "t2.small": _gib(1, 2),
    "t3.micro": _gib(2, 1),
    "t3.small": _gib(2, 2),
    "t3.medium": _gib(2, 4),
    "t3.large": _gib(2, 8),
    "t4g.small": _gib(2, 2),
    "t4g.medium": _gib(2, 4),
    "t4g.large": _gib(2, 8),
    "c5.large": _gib(2, 4),
    "c5.xlarge": _gib(4, 8),
    "c6i.large": _gib(2, 4),
    "c6i.xlarge": _gib(4, 8),
    "c7g.large": _gib(2, 4),
    "c7g.xlarge": _gib(4, 8),
    "m5.large": _gib(2, 8),
    "m5.xlarge": _gib(4, 16),
    "m6i.large": _gib(2, 8),
    "m6i.xlarge": _gib(4, 16),
    "m6i.2xlarge": _gib(8, 32),
    "m7i.large": _gib(2, 8),
    "m7g.large": _gib(2, 8),
    "m7g.xlarge": _gib(4, 16),
    "r6i.large": _gib(2, 16),
    "g4dn.xlarge": _gib(4, 16, gpus=1),
    "g4dn.2xlarge": _gib(8, 32, gpus=1),
    "g5.xlarge": _gib(4, 16, gpus=1),
    "g5.2xlarge": _gib(8, 32, gpus=1),
    "g6.xlarge": _gib(4, 16, gpus=1),
    "p3.2xlarge": _gib(8, 61, gpus=1),
}


def architecture(instance_type: str) -> str:
    """X86_64 or ARM64, as ECS's RuntimePlatform.cpuArchitecture spells them."""
    return "ARM64" if _GRAVITON.match(instance_type) else "X86_64"


def has_gpus(instance_type: str) -> bool:
    known = INSTANCE_TYPES.get(instance_type)
    return known.gpus > 0 if known is not None else bool(_GPU_FAMILY.match(instance_type))


def ami_parameter(instance_types: list[str]) -> str:
    """The AMI parameter for a group of instance types that share architecture and GPU presence."""
    return AMI_PARAMETERS[(architecture(instance_types[0]), has_gpus(instance_types[0]))]

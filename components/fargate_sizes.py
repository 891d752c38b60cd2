"""The Fargate CPU/memory table, so a bad pair fails before deploy instead of at RegisterTaskDefinition.

Source: Amazon ECS Developer Guide, "Task CPU and memory" (Fargate), values in CPU units and MiB.
"""

from __future__ import annotations

from .validation import is_int_of


def _span(low_gib: int, high_gib: int, step_gib: int) -> tuple[int, ...]:
    return tuple(gib * 1024 for gib in range(low_gib, high_gib + 1, step_gib))


FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _span(1, 4, 1),
    1024: _span(2, 8, 1),
    2048: _span(4, 16, 1),
    4096: _span(8, 30, 1),
    8192: _span(16, 60, 4),
    16384: _span(32, 120, 8),
}
FARGATE_MEMORY_RANGE = (
    min(min(sizes) for sizes in FARGATE_MEMORY_BY_CPU.values()),
    max(max(sizes) for sizes in FARGATE_MEMORY_BY_CPU.values()),
)
"""The smallest and largest memory (MiB) of any Fargate size."""


def fargate_memory_problem(cpu: int, memory: object) -> str | None:
    """Why `memory` is not a Fargate size with `cpu` (one of the table's CPU values), or None when it is."""
    allowed = FARGATE_MEMORY_BY_CPU[cpu]
    if not is_int_of(memory, allowed):
        return f"with cpu {cpu} memory must be one of {', '.join(map(str, allowed))} (MiB)"
    return None

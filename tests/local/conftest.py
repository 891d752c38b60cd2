"""Fixtures of the local-mode tests: child processes that are always stopped, and moto_server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local.aws import Aws, start_moto
from local.control_plane import ControlPlane
from local.processes import Processes


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Starts children in their own process groups; every group is stopped at teardown."""
    with Processes(tmp_path / "logs") as started:
        yield started


@pytest.fixture
def aws(processes: Processes) -> Aws:
    """A moto_server process on a free 127.0.0.1 port, and clients that can only reach it."""
    return start_moto(processes)


@pytest.fixture
def control(aws: Aws) -> ControlPlane:
    """The local cluster, subnet and security group in moto."""
    plane = ControlPlane(aws, "test")
    plane.create()
    return plane

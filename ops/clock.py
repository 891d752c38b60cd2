"""The time source and the pause of the commands that wait, in one object a test can replace.

A test passes a clock whose `sleep` moves its `monotonic` on, so a wait of an hour runs at once and
always polls the same number of times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

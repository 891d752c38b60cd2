"""The task count of one run: at least taskCount, ceil(depth / messagesPerTask), at most maxCount and 50."""

from __future__ import annotations

import pytest

from ecs_workloads.job_trigger import TASK_LIMIT, tasks_to_start


@pytest.mark.parametrize(
    ("messages", "max_count", "expected"),
    [
        (0, 50, 0),
        (1, 50, 1),
        (100, 50, 1),
        (101, 50, 2),
        (5000, 50, 50),
        (5000, 10, 10),
        (101, 1, 1),
    ],
)
def test_queue_backlog_with_max_count(messages, max_count, expected):
    assert tasks_to_start(task_count=0, max_count=max_count, queue_depth=messages, messages_per_task=100) == expected


def test_task_count_is_the_floor_even_for_an_empty_queue():
    assert tasks_to_start(task_count=3, max_count=10, queue_depth=0, messages_per_task=100) == 3
    assert tasks_to_start(task_count=3, max_count=10, queue_depth=1000, messages_per_task=100) == 10


def test_without_a_trigger_the_task_count_runs():
    assert tasks_to_start(task_count=4, max_count=50) == 4
    assert tasks_to_start(task_count=4, max_count=2) == 2


def test_the_hard_limit_holds_whatever_max_count_says():
    assert TASK_LIMIT == 50
    assert tasks_to_start(task_count=0, max_count=500, queue_depth=10**6) == TASK_LIMIT


@pytest.mark.parametrize(
    "args",
    [
        {"task_count": -1, "max_count": 1},
        {"task_count": 0, "max_count": 0},
        {"task_count": 0, "max_count": 1, "messages_per_task": 0},
        {"task_count": 0, "max_count": 1, "queue_depth": -1},
    ],
)
def test_impossible_arguments_are_refused(args):
    with pytest.raises(ValueError, match="must be 0 or more"):
        tasks_to_start(**args)

"""Scheduled scaling on every service shape: the recorded actions, and each validation error's exact message."""

from __future__ import annotations

import pytest

from ecs_workloads.alb_web_service import AlbWebService
from ecs_workloads.queue_backed_batch_service import QueueBackedBatchService
from ecs_workloads.schedule_expression import cron_occurrences, normalize_cron_expression
from harness.program import run_callable

WEB = {
    "cluster_name": "ecs-cluster",
    "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/ecs-cluster",
    "placement": {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0aaa1111"], "assign_public_ip": True},
    "load_balancer_subnet_ids": ["subnet-0ccc3333", "subnet-0ddd4444"],
    "workload": {"image": "public.ecr.aws/docker/library/nginx:1.27", "port": 8080},
}
BATCH = {
    "cluster_name": "workers",
    "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/workers",
    "placement": {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0abc1234"], "assign_public_ip": True},
    "workload": {"image": "public.ecr.aws/example/batch-worker:1.0"},
}
ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"
TARGET = "aws:appautoscaling/target:Target"
SERVICE = "aws:ecs/service:Service"
OFF = {
    "name": "evening-off",
    "schedule": "cron(0 20 ? * MON-FRI *)",
    "timezone": "Europe/London",
    "min_capacity": 0,
    "max_capacity": 0,
}
ON = {
    "name": "morning-on",
    "schedule": "0 7 * * 1-5",
    "timezone": "Europe/London",
    "min_capacity": 1,
    "max_capacity": 1,
}


def _run(component, name, args):
    return run_callable(lambda: component(name, args))


def _rejected(component, args) -> list[str]:
    """The problem lines of the component's error; nothing may have been registered."""
    caught = {}

    def program():
        try:
            component("svc", args)
        except ValueError as error:
            caught["error"] = str(error)

    recording = run_callable(program)
    assert recording.registrations == []
    return [line.strip() for line in caught["error"].splitlines()[1:]]


def test_a_fixed_count_web_service_gets_a_target_at_its_count_and_the_actions_in_order():
    recording = _run(AlbWebService, "web", {**WEB, "deployment": {"desired_count": 1}, "scheduled_scaling": [OFF, ON]})
    service = recording.one(SERVICE)
    # The schedule owns the count, so a later `pulumi up` must not put the initial one back.
    assert service.ignore_changes == ("desiredCount",)
    target = recording.one(TARGET)
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (1, 1)
    assert target.ignore_changes == ("minCapacity", "maxCapacity")
    off, on = recording.one(ACTION, "web-schedule-evening-off"), recording.one(ACTION, "web-schedule-morning-on")
    assert off.inputs == {
        "name": "evening-off",
        "serviceNamespace": "ecs",
        "scalableDimension": "ecs:service:DesiredCount",
        "resourceId": f"service/ecs-cluster/{service.outputs['name']}",
        "schedule": "cron(0 20 ? * MON-FRI *)",
        "timezone": "Europe/London",
        "scalableTargetAction": {"minCapacity": 0, "maxCapacity": 0},
    }
    # The Unix cron is handed to AWS in its six-field form.
    assert on.inputs["schedule"] == "cron(0 7 ? * MON-FRI *)"
    assert on.inputs["scalableTargetAction"] == {"minCapacity": 1, "maxCapacity": 1}
    # One change to the target at a time: each action waits for the one before, the first for the target.
    assert target.urn in off.dependencies
    assert off.urn in on.dependencies


def test_an_autoscaled_web_service_schedules_within_its_task_counts_and_defaults_to_utc():
    peak = {"name": "peak", "schedule": "@daily", "min_capacity": 4, "max_capacity": 10}
    recording = _run(
        AlbWebService,
        "web",
        {
            **WEB,
            "autoscaling": {"min_tasks": 2, "max_tasks": 6, "cpu_target_percent": 60},
            "scheduled_scaling": [peak],
        },
    )
    target = recording.one(TARGET)
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (2, 6)
    action = recording.one(ACTION).inputs
    assert (action["schedule"], action["timezone"]) == ("cron(0 0 * * ? *)", "UTC")
    assert action["scalableTargetAction"] == {"minCapacity": 4, "maxCapacity": 10}


def test_services_without_a_schedule_keep_their_target_as_it_was():
    recording = _run(
        AlbWebService, "web", {**WEB, "autoscaling": {"min_tasks": 2, "max_tasks": 6, "cpu_target_percent": 60}}
    )
    assert recording.one(TARGET).ignore_changes == ()
    assert recording.of_type(ACTION) == []
    fixed = _run(AlbWebService, "web", WEB)
    assert fixed.of_type(TARGET) == []
    assert fixed.one(SERVICE).ignore_changes == ()


def test_a_batch_service_schedules_its_workers_on_its_own_target():
    office = {"name": "office", "schedule": "cron(0 8 ? * MON-FRI *)", "timezone": "America/New_York"}
    recording = _run(
        QueueBackedBatchService,
        "pipe",
        {**BATCH, "scheduled_scaling": [{**office, "min_capacity": 1, "max_capacity": 4}]},
    )
    target = recording.one(TARGET)
    assert target.ignore_changes == ("minCapacity", "maxCapacity")
    action = recording.one(ACTION, "pipe-schedule-office")
    assert action.inputs["resourceId"] == target.inputs["resourceId"]
    assert (action.inputs["schedule"], action.inputs["timezone"]) == ("cron(0 8 ? * MON-FRI *)", "America/New_York")
    assert action.inputs["scalableTargetAction"] == {"minCapacity": 1, "maxCapacity": 4}


def test_action_names_must_be_unique():
    assert _rejected(AlbWebService, {**WEB, "scheduled_scaling": [OFF, {**ON, "name": "evening-off"}]}) == [
        "scheduled_scaling[1].name: 'evening-off' — unique among the service's scheduled actions "
        "(scheduled_scaling[0] has it)"
    ]


def test_min_must_not_exceed_max():
    assert _rejected(AlbWebService, {**WEB, "scheduled_scaling": [{**ON, "min_capacity": 3, "max_capacity": 2}]}) == [
        "scheduled_scaling[0].min_capacity: 3 — at most max_capacity (2)"
    ]


def test_an_autoscaled_web_service_may_not_schedule_zero_tasks():
    autoscaling = {"min_tasks": 1, "max_tasks": 2, "cpu_target_percent": 60}
    assert _rejected(AlbWebService, {**WEB, "autoscaling": autoscaling, "scheduled_scaling": [OFF]}) == [
        "scheduled_scaling[0].min_capacity: 0 — an integer from 1 to 1000, as autoscaling.min_tasks allows here",
        "scheduled_scaling[0].max_capacity: 0 — an integer from 1 to 1000, as autoscaling.max_tasks allows here",
    ]


def test_a_batch_service_may_not_schedule_a_maximum_of_zero():
    assert _rejected(QueueBackedBatchService, {**BATCH, "scheduled_scaling": [OFF]}) == [
        "scheduled_scaling[0].max_capacity: 0 — an integer from 1 to 1000, as max_tasks allows here"
    ]


def test_counts_beyond_what_ecs_runs_are_refused():
    assert _rejected(AlbWebService, {**WEB, "scheduled_scaling": [{**ON, "max_capacity": 1001}]}) == [
        "scheduled_scaling[0].max_capacity: 1001 — an integer from 0 to 1000"
    ]


def test_the_time_zone_must_be_an_iana_name():
    assert _rejected(AlbWebService, {**WEB, "scheduled_scaling": [{**ON, "timezone": "europe/london"}]}) == [
        "scheduled_scaling[0].timezone: 'europe/london' — time zone 'europe/london' is not an IANA time zone name "
        "such as Europe/London or UTC; did you mean 'Europe/London'?"
    ]


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        (
            "rate(5 minutes)",
            "'rate(5 minutes)' is not a cron schedule; use cron(<6 fields>), a 5-field Unix cron or @daily-style "
            "shorthand, e.g. cron(0 20 ? * MON-FRI *)",
        ),
        ("cron(0 25 ? * MON-FRI *)", "cron hour field '25': must be 0-23"),
        (
            "cron(0 7 * * MON-FRI *)",
            "cron day-of-month '*' and day-of-week 'MON-FRI': one must be '?', e.g. cron(0 7 * * ? *)",
        ),
    ],
)
def test_the_schedule_must_be_a_valid_cron(schedule, problem):
    assert _rejected(AlbWebService, {**WEB, "scheduled_scaling": [{**ON, "schedule": schedule}]}) == [
        f"scheduled_scaling[0].schedule: {schedule!r} — {problem}"
    ]


def test_names_aws_refuses_are_refused():
    assert _rejected(AlbWebService, {**WEB, "scheduled_scaling": [{**ON, "name": "night/off"}]}) == [
        "scheduled_scaling[0].name: 'night/off' — letters, digits, '.', '_' or '-', starting with a letter or digit "
        "of up to 256 characters"
    ]


def test_cron_occurrences_follow_the_time_zone_across_daylight_saving():
    from datetime import UTC, datetime

    # London moves to summer time on 28 March 2027: 07:00 local is 07:00 UTC before and 06:00 UTC after.
    runs = cron_occurrences(
        normalize_cron_expression("0 7 * * 1-5"),
        datetime(2027, 3, 26, tzinfo=UTC),
        datetime(2027, 3, 30, tzinfo=UTC),
        "Europe/London",
    )
    assert [run.astimezone(UTC).strftime("%a %H:%M") for run in runs] == ["Fri 07:00", "Mon 06:00"]

from __future__ import annotations

import json

import pytest

from ecs_workloads.operations_dashboard import OperationsDashboard
from ecs_workloads.outputs import declared_outputs
from harness.program import run_callable
from harness.recording import Recording
from tests.components.component_checks import registered_output_names


def _dashboard():
    holder = {}

    def program():
        dashboard = OperationsDashboard(
            "ops",
            {
                "dashboard_name": "shop-dev",
                "schedules": [{"title": "assessor", "schedule_group_name": "assessor-group"}],
                "queues": [
                    {
                        "title": "jsonl",
                        "queue_name": "jsonl-queue",
                        "dlq_name": "jsonl-dlq",
                        "cluster_name": "ecs",
                        "service_name": "jsonl-service",
                    }
                ],
                "web_services": [
                    {
                        "title": "cats",
                        "load_balancer_arn_suffix": "app/cats/1",
                        "target_group_arn_suffix": "targetgroup/t/2",
                    }
                ],
            },
        )
        dashboard.url.apply(lambda url: holder.update(url=url))

    return run_callable(program), holder


def test_widgets_cover_schedule_queue_and_web_metrics():
    recording, holder = _dashboard()
    dashboard = recording.one("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == "shop-dev"
    widgets = json.loads(dashboard.inputs["dashboardBody"])["widgets"]
    metrics = {tuple(m[:2]) + tuple(m[2:]) for w in widgets for m in w["properties"]["metrics"]}
    assert ("AWS/Scheduler", "InvocationAttemptCount", "ScheduleGroup", "assessor-group") in metrics
    assert ("AWS/Scheduler", "TargetErrorCount", "ScheduleGroup", "assessor-group") in metrics
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "jsonl-queue") in metrics
    assert ("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", "jsonl-queue") in metrics
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "jsonl-dlq") in metrics
    assert (
        "ECS/ContainerInsights", "RunningTaskCount", "ClusterName", "ecs", "ServiceName", "jsonl-service",
    ) in metrics  # fmt: skip
    assert ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", "app/cats/1") in metrics
    assert ("AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", "app/cats/1") in metrics
    assert (
        "AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", "targetgroup/t/2", "LoadBalancer", "app/cats/1",
    ) in metrics  # fmt: skip
    assert {w["properties"]["region"] for w in widgets} == {"us-east-1"}
    # One row per workload: no two widgets overlap.
    assert len({(w["x"], w["y"]) for w in widgets}) == len(widgets) == 8
    assert holder["url"].endswith("#dashboards:name=shop-dev")


def test_dashboard_needs_a_name():
    recording = Recording()
    with pytest.raises(ValueError, match="dashboard_name: None — required"):
        run_callable(lambda: OperationsDashboard("ops", {}), recording=recording)
    assert recording.registrations == []


def test_tags_are_accepted_though_no_dashboard_resource_takes_them():
    recording = run_callable(lambda: OperationsDashboard("ops", {"dashboard_name": "shop-dev", "tags": {"team": "x"}}))
    dashboard = recording.one("aws:cloudwatch/dashboard:Dashboard")
    # The AWS provider's Dashboard has no `tags` input: the transformation must leave it alone.
    assert "tags" not in dashboard.inputs


def test_without_workloads_the_dashboard_has_no_widgets():
    recording = run_callable(lambda: OperationsDashboard("ops", {"dashboard_name": "shop-dev"}))
    assert json.loads(recording.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"]) == {"widgets": []}


def test_every_declared_output_is_registered():
    recording = run_callable(lambda: OperationsDashboard("ops", {"dashboard_name": "shop-dev"}))
    registered = registered_output_names(recording, "ecs-workloads:index:OperationsDashboard")
    assert registered == set(declared_outputs(OperationsDashboard)) == {"name", "url"}


def test_bad_names_and_rows_are_each_named_and_register_nothing():
    recording = Recording()
    args = {
        "dashboard_name": "shop dev",
        "schedules": [{"title": "assessor"}],
        "queues": [{"title": "", "queue_name": "q", "dlq_name": "d", "cluster_name": "c", "service_name": "s"}],
        "web_services": "cats",
    }
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: OperationsDashboard("ops", args), recording=recording)
    assert str(caught.value).splitlines()[1:] == [
        "  dashboard_name: 'shop dev' — a name of letters, digits, - and _ of up to 255 characters",
        "  schedules[0].schedule_group_name: None — required",
        "  queues[0].title: '' — a non-empty title",
        "  web_services: 'cats' — a list of at least 0 mappings",
    ]
    assert recording.registrations == []

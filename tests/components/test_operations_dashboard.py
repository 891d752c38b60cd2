from __future__ import annotations

import json

import pytest

from ecs_workloads.operations_dashboard import OperationsDashboard
from harness.program import run_callable
from harness.recording import Recording


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

"""One CloudWatch dashboard with the metrics an operator of the three workload shapes looks at first."""

from __future__ import annotations

from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from .options import child
from .validation import ArgumentProblems

_WIDTH = 8
_HEIGHT = 6
_PERIOD = 60


class ScheduleMetrics(TypedDict):
    """A scheduled task: its Scheduler group (Scheduler publishes metrics per group)."""

    title: str
    schedule_group_name: pulumi.Input[str]


class QueueMetrics(TypedDict):
    """A queue-backed service: its queue, dead-letter queue and the service that drains them."""

    title: str
    queue_name: pulumi.Input[str]
    dlq_name: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]


class WebMetrics(TypedDict):
    """A web service behind an ALB: the load balancer's and target group's ARN suffixes."""

    title: str
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]


class OperationsDashboardArgs(TypedDict, total=False):
    """Arguments of `OperationsDashboard`; each list may be empty."""

    dashboard_name: str
    """Dashboard name, unique in the account and region. Required (CloudWatch does not autoname dashboards)."""
    schedules: list[ScheduleMetrics]
    """Scheduled tasks: invocations, target errors and dead-lettered invocations. Default none."""
    queues: list[QueueMetrics]
    """Queue-backed services: backlog, in flight, DLQ depth and running workers. Default none."""
    web_services: list[WebMetrics]
    """Web services: requests, latency, 5xx and healthy targets. Default none."""


class OperationsDashboard(pulumi.ComponentResource):
    """A dashboard with a row per workload. Outputs: `name`, `url` (the console link)."""

    name: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: OperationsDashboardArgs, opts: pulumi.ResourceOptions | None = None):
        problems = ArgumentProblems("OperationsDashboard")
        problems.unknown_keys("", args, OperationsDashboardArgs)
        dashboard_name = args.get("dashboard_name")
        problems.check(
            isinstance(dashboard_name, str) and 1 <= len(dashboard_name) <= 255,
            "dashboard_name",
            dashboard_name,
            "a name of 1 to 255 characters (required)",
        )
        problems.raise_if_any()
        super().__init__("ecs-workloads:operations_dashboard:OperationsDashboard", name, None, opts)

        region = aws.get_region_output().region
        rows: list[list[dict[str, Any]]] = []
        rows += [_schedule_row(s) for s in args.get("schedules", [])]
        rows += [_queue_row(q) for q in args.get("queues", [])]
        rows += [_web_row(w) for w in args.get("web_services", [])]
        widgets = [
            {**widget, "x": column * _WIDTH, "y": row_index * _HEIGHT, "width": _WIDTH, "height": _HEIGHT}
            for row_index, row in enumerate(rows)
            for column, widget in enumerate(row)
        ]
        body = pulumi.Output.all(region, widgets).apply(
            lambda values: {"widgets": [_with_region(w, values[0]) for w in values[1]]}
        )
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=dashboard_name,
            dashboard_body=pulumi.Output.json_dumps(body),
            opts=child(self),
        )
        self.name = dashboard.dashboard_name
        self.url = pulumi.Output.concat(
            "https://",
            region,
            ".console.aws.amazon.com/cloudwatch/home?region=",
            region,
            "#dashboards:name=",
            dashboard.dashboard_name,
        )
        self.register_outputs({"name": self.name, "url": self.url})


def _graph(title: str, metrics: list[list[Any]], stat: str = "Sum") -> dict[str, Any]:
    return {
        "type": "metric",
        "properties": {"title": title, "view": "timeSeries", "stat": stat, "period": _PERIOD, "metrics": metrics},
    }


def _with_region(widget: dict[str, Any], region: str) -> dict[str, Any]:
    return {**widget, "properties": {**widget["properties"], "region": region}}


def _schedule_row(schedule: ScheduleMetrics) -> list[dict[str, Any]]:
    group = ["ScheduleGroup", schedule["schedule_group_name"]]
    title = schedule["title"]
    return [
        # What Lab 4 step 3 checks: the schedule fires.
        _graph(f"{title}: invocations", [["AWS/Scheduler", "InvocationAttemptCount", *group]]),
        _graph(
            f"{title}: failures",
            [
                ["AWS/Scheduler", "TargetErrorCount", *group],
                ["AWS/Scheduler", "InvocationDroppedCount", *group],
                ["AWS/Scheduler", "InvocationsSentToDeadLetterCount", *group],
            ],
        ),
    ]


def _queue_row(queue: QueueMetrics) -> list[dict[str, Any]]:
    title = queue["title"]
    return [
        _graph(
            f"{title}: backlog",
            [
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue["queue_name"]],
                ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", queue["queue_name"]],
            ],
            stat="Maximum",
        ),
        _graph(
            f"{title}: dead letters",
            [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue["dlq_name"]]],
            stat="Maximum",
        ),
        _graph(
            f"{title}: running workers",
            [
                [
                    "ECS/ContainerInsights",
                    "RunningTaskCount",
                    "ClusterName",
                    queue["cluster_name"],
                    "ServiceName",
                    queue["service_name"],
                ]
            ],
            stat="Maximum",
        ),
    ]


def _web_row(web: WebMetrics) -> list[dict[str, Any]]:
    title = web["title"]
    balancer = ["LoadBalancer", web["load_balancer_arn_suffix"]]
    targets = ["TargetGroup", web["target_group_arn_suffix"], *balancer]
    return [
        _graph(
            f"{title}: requests and 5xx",
            [
                ["AWS/ApplicationELB", "RequestCount", *balancer],
                ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *balancer],
                ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", *balancer],
            ],
        ),
        _graph(
            f"{title}: latency (p90)",
            [["AWS/ApplicationELB", "TargetResponseTime", *balancer]],
            stat="p90",
        ),
        _graph(
            f"{title}: healthy targets",
            [
                ["AWS/ApplicationELB", "HealthyHostCount", *targets],
                ["AWS/ApplicationELB", "UnHealthyHostCount", *targets],
            ],
            stat="Minimum",
        ),
    ]

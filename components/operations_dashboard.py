"""One CloudWatch dashboard with the metrics an operator of the three workload shapes looks at first."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import json
import re
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .arguments import Arguments, Identifier, NestedList, Text
from .json_document import resolved
from .options import child, component_type, with_former_type
from .outputs import register_declared_outputs
from .tags import TAGS, with_tags
from .validation import ArgumentProblems

_WIDTH = 8
_HEIGHT = 6
_PERIOD = 60
_TITLE = Text(shape="a non-empty title")


class ScheduleMetrics(TypedDict):
    """A scheduled task: its Scheduler group (Scheduler publishes metrics per group)."""

    title: str
    """Row title, e.g. the job's name."""
    schedule_group_name: pulumi.Input[str]
    """The job's EventBridge Scheduler schedule group."""


SCHEDULE_METRICS = Arguments(
    ScheduleMetrics, {"title": _TITLE, "schedule_group_name": Identifier(shape="a schedule group name")}
)


class QueueMetrics(TypedDict):
    """A queue-backed service: its queue, dead-letter queue and the service that drains them."""

    title: str
    """Row title, e.g. the pipeline's name."""
    queue_name: pulumi.Input[str]
    """The work queue's name."""
    dlq_name: pulumi.Input[str]
    """The dead-letter queue's name."""
    cluster_name: pulumi.Input[str]
    """The ECS cluster the workers run on."""
    service_name: pulumi.Input[str]
    """The workers' ECS service."""


QUEUE_METRICS = Arguments(
    QueueMetrics,
    {
        "title": _TITLE,
        "queue_name": Identifier(shape="a queue name"),
        "dlq_name": Identifier(shape="a queue name"),
        "cluster_name": Identifier(shape="a cluster name"),
        "service_name": Identifier(shape="a service name"),
    },
)


class WebMetrics(TypedDict):
    """A web service behind an ALB: the load balancer's and target group's ARN suffixes."""

    title: str
    """Row title, e.g. the service's name."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """The load balancer's ARN suffix (`app/<name>/<id>`), its CloudWatch dimension."""
    target_group_arn_suffix: pulumi.Input[str]
    """The target group's ARN suffix (`targetgroup/<name>/<id>`), its CloudWatch dimension."""


WEB_METRICS = Arguments(
    WebMetrics,
    {
        "title": _TITLE,
        "load_balancer_arn_suffix": Identifier(shape="an ARN suffix"),
        "target_group_arn_suffix": Identifier(shape="an ARN suffix"),
    },
)


class OperationsDashboardArgs(TypedDict, total=False):
    """Arguments of `OperationsDashboard`; each list may be empty."""

    dashboard_name: Required[str]
    """Dashboard name, unique in the account and region (CloudWatch does not autoname dashboards)."""
    schedules: list[ScheduleMetrics]
    """Scheduled tasks: invocations, target errors and dead-lettered invocations."""
    queues: list[QueueMetrics]
    """Queue-backed services: backlog, in flight, DLQ depth and running workers."""
    web_services: list[WebMetrics]
    """Web services: requests, latency, 5xx and healthy targets."""
    tags: dict[str, str]
    """Tags of the taggable resources the component creates: none today, CloudWatch dashboards take no tags
    in the AWS provider."""


OPERATIONS_DASHBOARD_ARGS = Arguments(
    OperationsDashboardArgs,
    {
        # PutDashboard: at most 255 characters of A-Z, a-z, 0-9, "-" and "_".
        "dashboard_name": Text(
            pattern=re.compile(r"[A-Za-z0-9_-]+"), shape="a name of letters, digits, - and _", max_length=255
        ),
        "schedules": NestedList(arguments=SCHEDULE_METRICS, default=[]),
        "queues": NestedList(arguments=QUEUE_METRICS, default=[]),
        "web_services": NestedList(arguments=WEB_METRICS, default=[]),
        "tags": TAGS,
    },
)


class OperationsDashboard(pulumi.ComponentResource):
    """A dashboard with a row per workload."""

    name: pulumi.Output[str]
    """The dashboard's name."""
    url: pulumi.Output[str]
    """The dashboard's console link."""

    def __init__(self, name: str, args: OperationsDashboardArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = ArgumentProblems("OperationsDashboard")
        OPERATIONS_DASHBOARD_ARGS.check(args, problems)
        problems.raise_if_any()
        super().__init__(
            component_type("OperationsDashboard"),
            name,
            None,
            with_former_type("OperationsDashboard", with_tags(args.get("tags"), opts)),
        )

        region = aws.get_region_output().region
        rows: list[list[dict[str, Any]]] = []
        rows += [_schedule_row(s) for s in OPERATIONS_DASHBOARD_ARGS.value(args, "schedules")]
        rows += [_queue_row(q) for q in OPERATIONS_DASHBOARD_ARGS.value(args, "queues")]
        rows += [_web_row(w) for w in OPERATIONS_DASHBOARD_ARGS.value(args, "web_services")]
        widgets = [
            {**widget, "x": column * _WIDTH, "y": row_index * _HEIGHT, "width": _WIDTH, "height": _HEIGHT}
            for row_index, row in enumerate(rows)
            for column, widget in enumerate(row)
        ]
        # Widgets grow with the workloads: only their Output leaves (and the region) are awaited.
        body = resolved(
            [region, widgets],
            lambda values: json.dumps({"widgets": [_with_region(w, values[0]) for w in values[1]]}),
        )
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args["dashboard_name"],
            dashboard_body=body,
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
        register_declared_outputs(self)


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

"""The share of a service's requests answered 5xx, as one CloudWatch metric-math alarm: what every service
shape alarms on and rolls a deployment back on (`deployment_strategy.rollout`), whatever counts its requests
(an ALB's target groups, the Service Connect proxy in the tasks).

The counts come per source (a target group, a Service Connect service) as pairs of error and request
metrics, summed over the sources; a minute without errors publishes no error datapoint, so FILL makes it 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .arguments import Number
from .options import child

ERROR_RATE_PERCENT = Number(low=0, high=100, low_open=True, default=5)
"""`error_rate_alarm_percent` of every service shape: alarm above this percentage of requests answered 5xx."""
# One-minute periods, 3 of 5 breaching: a short burst does not roll a deployment back, a lasting one does
# well within the default bake time (`deployment_strategy`).
PERIOD_SECONDS = 60
EVALUATION_PERIODS = 5
DATAPOINTS_TO_ALARM = 3


@dataclass(frozen=True)
class RequestCounts:
    """One source's 5xx and request counts: the metric names and the dimensions that select the source."""

    namespace: str
    errors_metric: str
    requests_metric: str
    dimensions: dict[str, pulumi.Input[str]]


def error_rate_alarm(
    parent: pulumi.Resource,
    name: str,
    *,
    sources: list[RequestCounts],
    threshold: float,
    description: str,
    topic: list[pulumi.Input[str]] | None,
    alarm_name: str | None = None,
) -> aws.cloudwatch.MetricAlarm:
    """`<name>-5xx-rate` over `sources`; one source keeps the query ids `errors` and `requests`, several get
    a numbered pair each. Autonamed unless `alarm_name` is given."""
    ids = [""] if len(sources) == 1 else [str(index) for index in range(len(sources))]

    def query(
        query_id: str, namespace: str, metric_name: str, dimensions: dict[str, pulumi.Input[str]]
    ) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=namespace,
                metric_name=metric_name,
                dimensions=dimensions,
                stat="Sum",
                period=PERIOD_SECONDS,
            ),
        )

    if len(sources) == 1:
        rate = "100 * FILL(errors, 0) / requests"
    else:
        # A source without traffic publishes no request count either; FILL keeps the other sources' rate.
        errors = " + ".join(f"FILL(errors{i}, 0)" for i in ids)
        requests = " + ".join(f"FILL(requests{i}, 0)" for i in ids)
        rate = f"100 * ({errors}) / ({requests})"
    return aws.cloudwatch.MetricAlarm(
        f"{name}-5xx-rate",
        name=alarm_name,
        alarm_description=description,
        metric_queries=[
            *(
                metric
                for i, source in zip(ids, sources, strict=True)
                for metric in (
                    query(f"errors{i}", source.namespace, source.errors_metric, source.dimensions),
                    query(f"requests{i}", source.namespace, source.requests_metric, source.dimensions),
                )
            ),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="rate", expression=rate, label="Target 5xx %", return_data=True
            ),
        ],
        comparison_operator="GreaterThanThreshold",
        threshold=threshold,
        evaluation_periods=EVALUATION_PERIODS,
        datapoints_to_alarm=DATAPOINTS_TO_ALARM,
        treat_missing_data="notBreaching",
        alarm_actions=topic,
        ok_actions=topic,
        opts=child(parent),
    )

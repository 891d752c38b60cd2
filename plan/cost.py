"""Estimated monthly cost of a stack from its recorded plan: `python -m plan.cost dev`.

The estimate is for a stack at rest: services at their desired (or autoscaling minimum) task count,
scheduled tasks at their schedule, and the assumed traffic below. Request-driven charges beyond that
(ALB LCUs under load, S3 requests and storage, EFS throughput and backups, data transfer out, Container
Insights metrics) are not modelled; EFS storage is each created file system's declared `expected_gib`.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.table import Table
from rich.text import Text

from ecs_workloads.ops import terminal
from ecs_workloads.options import component_type
from ecs_workloads.schedule_expression import cron_occurrences, next_occurrence
from harness.program import list_stacks, reports_bad_config, run_program, stack_config
from harness.recording import Recording, Registration

# List prices per region, USD. Sources, as recorded on 2026-11-23 (AWS changes prices; re-check before quoting):
#   NAT gateway:       https://aws.amazon.com/vpc/pricing/
#   ALB:               https://aws.amazon.com/elasticloadbalancing/pricing/
#   Fargate:           https://aws.amazon.com/fargate/pricing/
#   CloudWatch:        https://aws.amazon.com/cloudwatch/pricing/
#   Scheduler:         https://aws.amazon.com/eventbridge/pricing/
#   Step Functions:    https://aws.amazon.com/step-functions/pricing/ (Standard workflows, state transitions)
#   SQS:               https://aws.amazon.com/sqs/pricing/
#   Public IPv4:       https://aws.amazon.com/vpc/pricing/ (Public IPv4 Address tab)
#   KMS:               https://aws.amazon.com/kms/pricing/
#   EC2 instances:     https://aws.amazon.com/ec2/pricing/on-demand/ (Linux, shared tenancy; INSTANCE_PRICES)
#   EBS gp3:           https://aws.amazon.com/ebs/pricing/
#   EFS:               https://aws.amazon.com/efs/pricing/ (Standard storage, Regional)
#   Cloud Map:         https://aws.amazon.com/cloud-map/pricing/ (registered resources; Service Connect registers
#                      each task of a publishing service)
PRICES: dict[str, dict[str, float]] = {
    "us-east-1": {
        "nat_gateway_hour": 0.045,
        "nat_gateway_gb": 0.045,
        "alb_hour": 0.0225,
        "alb_lcu_hour": 0.008,
        "fargate_vcpu_hour_x86_64": 0.04048,
        "fargate_gb_hour_x86_64": 0.004445,
        "fargate_vcpu_hour_arm64": 0.03238,
        "fargate_gb_hour_arm64": 0.00356,
        "alarm_metric_month": 0.10,
        "logs_ingested_gb": 0.50,
        "scheduler_invocations_million": 1.00,
        "sfn_transitions_thousand": 0.025,
        "sqs_requests_million": 0.40,
        "public_ipv4_hour": 0.005,
        "kms_key_month": 1.00,
        "ebs_gp3_gb_month": 0.08,
        "efs_standard_gb_month": 0.30,
        "cloud_map_instance_month": 0.10,
    },
    "eu-west-1": {
        "nat_gateway_hour": 0.048,
        "nat_gateway_gb": 0.048,
        "alb_hour": 0.0252,
        "alb_lcu_hour": 0.008,
        "fargate_vcpu_hour_x86_64": 0.04048,
        "fargate_gb_hour_x86_64": 0.004445,
        "fargate_vcpu_hour_arm64": 0.03238,
        "fargate_gb_hour_arm64": 0.00356,
        "alarm_metric_month": 0.10,
        "logs_ingested_gb": 0.57,
        "scheduler_invocations_million": 1.00,
        "sfn_transitions_thousand": 0.025,
        "sqs_requests_million": 0.40,
        "public_ipv4_hour": 0.005,
        "kms_key_month": 1.00,
        "ebs_gp3_gb_month": 0.088,
        "efs_standard_gb_month": 0.33,
        "cloud_map_instance_month": 0.10,
    },
}

# On-demand Linux prices per instance-hour, USD, recorded 2026-11-23 from the EC2 on-demand pricing page above.
INSTANCE_PRICES: dict[str, dict[str, float]] = {
    "us-east-1": {
        "t2.micro": 0.0116,
        "t2.small": 0.023,
        "t3.micro": 0.0104,
        "t3.small": 0.0208,
        "t3.medium": 0.0416,
        "t3.large": 0.0832,
        "t4g.small": 0.0168,
        "t4g.medium": 0.0336,
        "t4g.large": 0.0672,
        "c5.large": 0.085,
        "c5.xlarge": 0.17,
        "c6i.large": 0.085,
        "c6i.xlarge": 0.17,
        "c7g.large": 0.0725,
        "c7g.xlarge": 0.145,
        "m5.large": 0.096,
        "m5.xlarge": 0.192,
        "m6i.large": 0.096,
        "m6i.xlarge": 0.192,
        "m6i.2xlarge": 0.384,
        "m7i.large": 0.1008,
        "m7g.large": 0.0816,
        "m7g.xlarge": 0.1632,
        "r6i.large": 0.126,
        "g4dn.xlarge": 0.526,
        "g4dn.2xlarge": 0.752,
        "g5.xlarge": 1.006,
        "g5.2xlarge": 1.212,
        "g6.xlarge": 0.8048,
        "p3.2xlarge": 3.06,
    },
    "eu-west-1": {
        "t3.micro": 0.0114,
        "t3.small": 0.0228,
        "c6i.large": 0.096,
        "m6i.large": 0.107,
        "m7g.large": 0.0912,
    },
}
# Spot prices float by pool and hour (https://aws.amazon.com/ec2/spot/pricing/); the estimate assumes this average
# saving against on-demand for general-purpose and compute pools, below the "up to 90%" AWS quotes.
EC2_SPOT_DISCOUNT = 0.65
# What an instance keeps back from tasks: the OS and the ECS agent (about 5-10% of memory on the ECS-optimized AMI).
RESERVED_MEMORY_SHARE = 0.10

# AWS bills a month as 730 hours.
HOURS_PER_MONTH = 730
# Fargate Spot prices float; AWS quotes discounts of up to 70% against on-demand.
SPOT_DISCOUNT = 0.70
# Traffic through the stack's NAT gateways in a quiet month (image pulls, AWS API calls), whatever their number.
ASSUMED_NAT_GB_PER_MONTH = 10.0
# Average Load Balancer Capacity Units of a lightly used ALB.
ASSUMED_ALB_LCU = 1.0
# Wall-clock length of one scheduled run; Fargate bills at least one minute per task.
ASSUMED_RUN_SECONDS = 60
FARGATE_MINIMUM_SECONDS = 60
# Log volume each log group ingests in a month.
ASSUMED_LOG_GB_PER_LOG_GROUP = 1.0
# An idle worker long-polls its queue: one ReceiveMessage per 20 seconds.
SQS_LONG_POLL_SECONDS = 20
# Monthly free tiers (per account, so a stack that shares its account may not get them).
SCHEDULER_FREE_INVOCATIONS = 14_000_000
SFN_FREE_TRANSITIONS = 4_000
# State transitions of a job workflow run that succeeds (components/job_run_workflow/definition.py): ReadJob,
# FamilyAllowed, HasTrigger, CountTasks, AnyTasks, RunTasks, and RunTask, Exited, TaskSucceeded per task.
WORKFLOW_RUN_TRANSITIONS = 6
WORKFLOW_TASK_TRANSITIONS = 3
SQS_FREE_REQUESTS = 1_000_000
# CDK's ec2.Vpc default: up to 3 AZs (2 in an environment-agnostic stack), one NAT gateway per AZ.
CDK_DEFAULT_MAX_AZS = 3
# awsx.ec2.Vpc defaults when the program leaves them out.
AWSX_DEFAULT_AZS = 3
# Counting cron runs over a fixed non-leap year keeps estimates reproducible.
_REFERENCE_YEAR = 2027

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


@dataclass(frozen=True)
class CostLine:
    resource: str
    """`<type> <name>` of the resource the cost belongs to (or the stack, for free tiers)."""
    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float

    @property
    def name(self) -> str:
        """The resource's name, without its type."""
        return self.resource.rpartition(" ")[2]


@dataclass
class CostReport:
    region: str
    lines: list[CostLine] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    def add(self, registration: Registration | str, item: str, quantity: float, unit: str, unit_price: float) -> None:
        if quantity <= 0:
            return
        resource = registration if isinstance(registration, str) else f"{registration.type} {registration.name}"
        self.lines.append(CostLine(resource, item, quantity, unit, unit_price, quantity * unit_price))


@dataclass(frozen=True)
class NatComparison:
    gateways: int
    monthly: float
    cdk_gateways: int
    cdk_monthly: float


def estimate(recording: Recording, region: str) -> CostReport:
    """The stack's estimated monthly cost at rest, line by line."""
    prices = _prices(region)
    report = CostReport(region)
    _nat(recording, prices, report)
    _load_balancers(recording, prices, report)
    _services(recording, prices, report)
    _schedules(recording, prices, report)
    _instances(recording, region, prices, report)
    for alarm in recording.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        report.add(alarm, "alarm metrics", _alarm_metrics(alarm), "metric-months", prices["alarm_metric_month"])
    for log_group in recording.of_type("aws:cloudwatch/logGroup:LogGroup"):
        report.add(log_group, "log ingestion", ASSUMED_LOG_GB_PER_LOG_GROUP, "GB", prices["logs_ingested_gb"])
    _queues(recording, prices, report)
    for key in recording.of_type("aws:kms/key:Key"):
        report.add(key, "customer managed key", 1, "key-months", prices["kms_key_month"])
    _file_systems(recording, prices, report)
    return report


def _file_systems(recording: Recording, prices: dict[str, float], report: CostReport) -> None:
    """Each created EFS file system's expected data (`expected_gib`, which the component declares) at the
    Standard storage price: an upper bound, as files unread for 30 days move to the cheaper IA class."""
    for share in recording.of_type(component_type("EfsFileSystem")):
        expected = recording.registered_output_values.get(share.urn, {}).get("expected_gib", 0)
        report.add(share, "EFS Standard storage", expected, "GB-months", prices["efs_standard_gb_month"])


def nat_comparison(recording: Recording, region: str) -> NatComparison:
    """NAT cost of the stack's VPC against CDK's default layout (a NAT gateway in each of up to 3 AZs)."""
    prices = _prices(region)
    gateways = sum(_nat_gateways(vpc) for vpc in recording.of_type("awsx:ec2:Vpc"))
    gateways += len(recording.of_type("aws:ec2/natGateway:NatGateway"))
    cdk = CDK_DEFAULT_MAX_AZS
    return NatComparison(gateways, _nat_monthly(gateways, prices), cdk, _nat_monthly(cdk, prices))


def money(amount: float) -> str:
    """`$16.43`, `-$0.02`: dollars and cents, as a bill shows them."""
    return f"{'-' if amount < 0 else ''}${abs(amount):,.2f}"


def unit_price(price: float, unit: str) -> str:
    """A list price as AWS quotes it: `$0.0225/h`, `$0.10/metric-month`, `$0.40/million requests`.

    Prices under a tenth of a cent are per-request prices, quoted per million; the rest keep the digits that
    matter (four significant ones, at least cents), never scientific notation.
    """
    sign = "-" if price < 0 else ""
    price = abs(price)
    if 0 < price < 0.001:
        return f"{sign}${price * 1_000_000:,.2f}/million {unit}"
    text = f"{price:.{max(2, _significant_decimals(price, 4))}f}"
    whole, _, cents = text.partition(".")
    # Trailing zeros past the cents say nothing: $0.0050 is $0.005.
    # A price is per one unit: per key-month, not per key-months.
    return f"{sign}${int(whole):,}.{cents[:2] + cents[2:].rstrip('0')}/{unit.removesuffix('s')}"


def _significant_decimals(value: float, digits: int) -> int:
    """Decimals that show `digits` significant digits of `value` (0 when its whole part has that many)."""
    return max(0, digits - 1 - math.floor(math.log10(value))) if value > 0 else 0


def quantity(amount: float, unit: str) -> str:
    """`730 h`, `21,900 invocations`, `0.5 GB`: whole numbers without decimals."""
    return f"{amount:,.0f} {unit}" if float(amount).is_integer() else f"{amount:,.2f} {unit}"


def table(report: CostReport) -> Table:
    """The estimate line by line: the resource's name (its type is in the plan's tree), then the arithmetic."""
    layout = Table(box=None, pad_edge=False, header_style="bold", padding=(0, 1), show_footer=True)
    layout.add_column("resource", footer=f"total ({report.region})", style="bold", no_wrap=True)
    layout.add_column("item", ratio=1)
    layout.add_column("quantity", justify="right", no_wrap=True)
    layout.add_column("unit price", justify="right", no_wrap=True)
    layout.add_column("monthly", justify="right", no_wrap=True, footer=money(report.total), footer_style="bold")
    for line in report.lines:
        layout.add_row(
            line.name,
            line.item,
            quantity(line.quantity, line.unit),
            unit_price(line.unit_price, line.unit),
            Text(money(line.monthly), style="green" if line.monthly < 0 else ""),
        )
    return layout


def render(report: CostReport) -> str:
    return terminal.plain_text(table(report))


# --- pieces of the estimate -------------------------------------------------------------------------


def _prices(region: str) -> dict[str, float]:
    if region not in PRICES:
        raise ValueError(f"no prices for region {region}; known: {', '.join(sorted(PRICES))}")
    return PRICES[region]


def _nat_gateways(vpc: Registration) -> int:
    specs = vpc.inputs.get("subnetSpecs") or [{"type": "Public"}, {"type": "Private"}]
    has_private = any(spec.get("type") == "Private" for spec in specs)
    strategy = (vpc.inputs.get("natGateways") or {}).get("strategy", "OnePerAz" if has_private else "None")
    azs = int(vpc.inputs.get("numberOfAvailabilityZones") or AWSX_DEFAULT_AZS)
    return {"None": 0, "Single": 1, "OnePerAz": azs}[strategy]


def _nat_monthly(gateways: int, prices: dict[str, float]) -> float:
    if not gateways:
        return 0.0
    hourly = gateways * HOURS_PER_MONTH * (prices["nat_gateway_hour"] + prices["public_ipv4_hour"])
    return hourly + ASSUMED_NAT_GB_PER_MONTH * prices["nat_gateway_gb"]


def _nat(recording: Recording, prices: dict[str, float], report: CostReport) -> None:
    for vpc in recording.of_type("awsx:ec2:Vpc"):
        gateways = _nat_gateways(vpc)
        report.add(vpc, "NAT gateway hours", gateways * HOURS_PER_MONTH, "h", prices["nat_gateway_hour"])
        report.add(vpc, "NAT gateway EIPs", gateways * HOURS_PER_MONTH, "IPv4-h", prices["public_ipv4_hour"])
        if gateways:
            report.add(vpc, "NAT data processed", ASSUMED_NAT_GB_PER_MONTH, "GB", prices["nat_gateway_gb"])


def _load_balancers(recording: Recording, prices: dict[str, float], report: CostReport) -> None:
    for lb in recording.of_type("aws:lb/loadBalancer:LoadBalancer") + recording.of_type(
        "aws:alb/loadBalancer:LoadBalancer"
    ):
        if lb.inputs.get("loadBalancerType", "application") != "application":
            continue
        report.add(lb, "ALB hours", HOURS_PER_MONTH, "h", prices["alb_hour"])
        report.add(lb, "ALB capacity units", ASSUMED_ALB_LCU * HOURS_PER_MONTH, "LCU-h", prices["alb_lcu_hour"])
        if not lb.inputs.get("internal", False):
            # An internet-facing ALB holds one public IPv4 address per AZ it spans.
            azs = len(lb.inputs.get("subnets") or lb.inputs.get("subnetMappings") or [])
            report.add(lb, "ALB public IPv4", azs * HOURS_PER_MONTH, "IPv4-h", prices["public_ipv4_hour"])


@dataclass(frozen=True)
class _TaskSize:
    vcpu: float
    gb: float
    architecture: str
    sidecar_vcpu: float = 0.0
    """What the sidecars reserve of the task size: Fargate bills the task, so this is a share of its price,
    shown on the line, not a cost of its own."""
    sidecar_gb: float = 0.0

    def share_text(self) -> str:
        if not (self.sidecar_vcpu or self.sidecar_gb):
            return ""
        return f" (sidecars reserve {self.sidecar_vcpu:g} vCPU/{self.sidecar_gb:g} GB of it)"

    def hourly(self, prices: dict[str, float], spot_share: float) -> float:
        arch = self.architecture.lower()
        on_demand = self.vcpu * prices[f"fargate_vcpu_hour_{arch}"] + self.gb * prices[f"fargate_gb_hour_{arch}"]
        return on_demand * (1 - SPOT_DISCOUNT * spot_share)


def _task_size(recording: Recording, task_definition_arn: Any) -> _TaskSize | None:
    for task in recording.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        if task.outputs.get("arn") == task_definition_arn:
            platform = task.inputs.get("runtimePlatform") or {}
            # The first container is the workload's own; the ones after it are its sidecars.
            sidecars = json.loads(task.inputs.get("containerDefinitions") or "[]")[1:]
            return _TaskSize(
                vcpu=int(task.inputs["cpu"]) / 1024,
                gb=int(task.inputs["memory"]) / 1024,
                architecture=platform.get("cpuArchitecture", "X86_64"),
                sidecar_vcpu=sum(int(c.get("cpu") or 0) for c in sidecars) / 1024,
                sidecar_gb=sum(int(c.get("memory") or 0) for c in sidecars) / 1024,
            )
    return None


def spot_share(strategy: list[dict[str, Any]], tasks: float) -> float:
    """Expected share of `tasks` on FARGATE_SPOT: `base` tasks first, the rest split by weight."""
    if not strategy or tasks <= 0:
        return 0.0
    spot = 0.0
    remaining = tasks
    for entry in strategy:
        base = min(float(entry.get("base") or 0), remaining)
        if entry.get("capacityProvider") == "FARGATE_SPOT":
            spot += base
        remaining -= base
    total_weight = sum(float(entry.get("weight") or 0) for entry in strategy)
    if total_weight and remaining > 0:
        weight = sum(float(e.get("weight") or 0) for e in strategy if e.get("capacityProvider") == "FARGATE_SPOT")
        spot += remaining * weight / total_weight
    return spot / tasks


def _cluster_default_strategy(recording: Recording, cluster_arn: Any) -> list[dict[str, Any]]:
    names = {
        c.outputs.get("name")
        for c in recording.of_type("aws:ecs/cluster:Cluster")
        if c.outputs.get("arn") == cluster_arn
    }
    for providers in recording.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"):
        if providers.inputs.get("clusterName") in names:
            return providers.inputs.get("defaultCapacityProviderStrategies") or []
    return []


def _idle_tasks(recording: Recording, service: Registration) -> float:
    """Desired count, or the autoscaling minimum when a scaling target owns the count."""
    target = _scaling_target(recording, service)
    if target is not None:
        return float(target.inputs.get("minCapacity") or 0)
    return float(service.inputs.get("desiredCount", 1))


def _scaling_target(recording: Recording, service: Registration) -> Registration | None:
    suffix = f"/{service.outputs.get('name')}"
    for target in recording.of_type("aws:appautoscaling/target:Target"):
        if str(target.inputs.get("resourceId", "")).endswith(suffix):
            return target
    return None


@dataclass(frozen=True)
class ScheduledBounds:
    """A scheduled action as the estimate reads it: from each run of `schedule` in `timezone` on, the task
    count's range."""

    schedule: str
    timezone: str
    min_capacity: int
    max_capacity: int


def scheduled_task_hours(
    actions: list[ScheduledBounds], *, desired: float, low: float, high: float, follows_minimum: bool
) -> dict[float, float]:
    """Hours in an average month at each task count, the schedule walked over the reference year in each
    action's time zone (daylight saving included) and divided by twelve (AWS's 730-hour month).

    At each run the range becomes the action's and the count moves into it (ScalableTargetAction: below the
    minimum it scales out to it, above the maximum in to it); a service with scaling policies at rest sits at
    the minimum in force (`follows_minimum`). The year is taken to repeat, so at its start the range is the
    one its last run set; `desired`, `low` and `high` (the registered target) only matter without runs.
    """
    start = datetime(_REFERENCE_YEAR, 1, 1, tzinfo=UTC)
    end = datetime(_REFERENCE_YEAR + 1, 1, 1, tzinfo=UTC)

    def settle(count: float, minimum: float, maximum: float) -> float:
        return minimum if follows_minimum else min(max(count, minimum), maximum)

    runs = sorted(
        (run.astimezone(UTC), order, action)
        for order, action in enumerate(actions)
        for run in cron_occurrences(action.schedule, start, end, action.timezone)
    )
    count = settle(desired, low, high)
    # One pass over the year gives the count its last run leaves, which is where the year starts.
    for _, _, action in runs:
        count = settle(count, action.min_capacity, action.max_capacity)
    hours: dict[float, float] = {}
    since = start
    for when, _, action in runs:
        hours[count] = hours.get(count, 0.0) + (when - since).total_seconds() / 3600
        count, since = settle(count, action.min_capacity, action.max_capacity), when
    hours[count] = hours.get(count, 0.0) + (end - since).total_seconds() / 3600
    return {tasks: total / 12 for tasks, total in sorted(hours.items(), reverse=True) if total > 0}


def _task_hours(recording: Recording, service: Registration) -> dict[float, float]:
    """Hours a month at each task count: all month at the idle count, or as the service's schedule moves it."""
    target = _scaling_target(recording, service)
    resource = target.inputs.get("resourceId") if target is not None else None
    actions = [
        ScheduledBounds(
            schedule=action.inputs["schedule"],
            timezone=action.inputs.get("timezone") or "UTC",
            min_capacity=int(action.inputs["scalableTargetAction"]["minCapacity"]),
            max_capacity=int(action.inputs["scalableTargetAction"]["maxCapacity"]),
        )
        for action in recording.of_type("aws:appautoscaling/scheduledAction:ScheduledAction")
        if resource is not None and action.inputs.get("resourceId") == resource
    ]
    if target is None or not actions:
        return {_idle_tasks(recording, service): float(HOURS_PER_MONTH)}
    policies = any(
        policy.inputs.get("resourceId") == resource for policy in recording.of_type("aws:appautoscaling/policy:Policy")
    )
    return scheduled_task_hours(
        actions,
        desired=float(service.inputs.get("desiredCount", 1)),
        low=float(target.inputs.get("minCapacity") or 0),
        high=float(target.inputs.get("maxCapacity") or 0),
        follows_minimum=policies,
    )


def schedule_text(hours: dict[float, float]) -> str:
    """`1 task × 282.75 h`, `2 tasks × 300 h + 1 task × 430 h`: the task counts a schedule runs, and how long."""
    return " + ".join(
        f"{tasks:g} task{'' if tasks == 1 else 's'} × {quantity(total, 'h')}" for tasks, total in hours.items() if tasks
    )


def _services(recording: Recording, prices: dict[str, float], report: CostReport) -> None:
    for service in recording.of_type("aws:ecs/service:Service"):
        size = _task_size(recording, service.inputs.get("taskDefinition"))
        hours = _task_hours(recording, service)
        task_hours = sum(tasks * total for tasks, total in hours.items())
        tasks = _idle_tasks(recording, service)
        if size is None or task_hours <= 0:
            continue
        # Each task of a service that publishes over Service Connect is a Cloud Map instance for the hours it
        # runs (so a schedule's quiet hours register none); a client registers nothing (its proxy's lookups
        # are not modelled).
        published = (service.inputs.get("serviceConnectConfiguration") or {}).get("services") or []
        if published:
            report.add(
                service,
                "Cloud Map instances",
                task_hours / HOURS_PER_MONTH * len(published),
                "instance-months",
                prices["cloud_map_instance_month"],
            )
        strategy = service.inputs.get("capacityProviderStrategies") or _cluster_default_strategy(
            recording, service.inputs.get("cluster")
        )
        if _on_instances(strategy):
            report.add(service, f"{tasks:g} tasks on EC2 capacity (priced with the instances)", tasks, "tasks", 0.0)
            continue
        share = sum(n * total * spot_share(strategy, n) for n, total in hours.items()) / task_hours
        if len(hours) == 1 and next(iter(hours.values())) == HOURS_PER_MONTH:
            item = f"Fargate {tasks:g}x {size.vcpu:g} vCPU/{size.gb:g} GB, {share:.0%} Spot{size.share_text()}"
        else:
            item = (
                f"Fargate {size.vcpu:g} vCPU/{size.gb:g} GB, {share:.0%} Spot{size.share_text()}, "
                f"scheduled: {schedule_text(hours)}"
            )
        report.add(service, item, task_hours, "task-h", size.hourly(prices, share))
        if (service.inputs.get("networkConfiguration") or {}).get("assignPublicIp"):
            report.add(service, "task public IPv4", task_hours, "IPv4-h", prices["public_ipv4_hour"])


def _on_instances(strategy: list[dict[str, Any]]) -> bool:
    """A strategy of the cluster's EC2 providers: the tasks add nothing to what the instances cost."""
    return any(entry.get("capacityProvider") not in ("FARGATE", "FARGATE_SPOT") for entry in strategy)


def instance_hourly(region: str, instance_type: str) -> float:
    known = INSTANCE_PRICES.get(region, {})
    if instance_type not in known:
        raise ValueError(
            f"no price recorded for {instance_type} in {region}; add it to plan/cost.py INSTANCE_PRICES "
            f"(known: {', '.join(sorted(known))})"
        )
    return known[instance_type]


def on_demand_instances(count: float, base: float, percentage: float) -> float:
    """Instances of `count` that an Auto Scaling group's instances distribution runs on-demand."""
    above = max(count - base, 0)
    return min(count, base) + above * percentage / 100


def _provider_demand(recording: Recording) -> dict[str, tuple[float, float]]:
    """ECS capacity provider name -> (vCPUs, GB) the services' idle tasks ask of it, split by weight."""
    demand: dict[str, tuple[float, float]] = {}
    for service in recording.of_type("aws:ecs/service:Service"):
        strategy = service.inputs.get("capacityProviderStrategies") or []
        size = _task_size(recording, service.inputs.get("taskDefinition"))
        tasks = _idle_tasks(recording, service)
        total_weight = sum(float(e.get("weight") or 0) for e in strategy)
        if not _on_instances(strategy) or size is None or not total_weight:
            continue
        for entry in strategy:
            share = tasks * float(entry.get("weight") or 0) / total_weight
            vcpu, gb = demand.get(entry["capacityProvider"], (0.0, 0.0))
            demand[entry["capacityProvider"]] = (vcpu + share * size.vcpu, gb + share * size.gb)
    return demand


def _instances(recording: Recording, region: str, prices: dict[str, float], report: CostReport) -> None:
    """Auto Scaling groups at rest: managed scaling keeps the minimum size, or the instances the services' idle
    tasks need if more; the first override is the type priced. ECS Managed Instances launch only for tasks
    (a stack at rest whose services all sit on Auto Scaling groups or Fargate pays for none)."""
    from ecs_workloads.instance_types import INSTANCE_TYPES

    templates = {t.outputs.get("id"): t for t in recording.of_type("aws:ec2/launchTemplate:LaunchTemplate")}
    provider_of = {
        (p.inputs.get("autoScalingGroupProvider") or {}).get("autoScalingGroupArn"): p.outputs.get(
            "name", p.inputs.get("name")
        )
        for p in recording.of_type("aws:ecs/capacityProvider:CapacityProvider")
    }
    demand = _provider_demand(recording)
    for group in recording.of_type("aws:autoscaling/group:Group"):
        policy = group.inputs.get("mixedInstancesPolicy") or {}
        instance_type = policy["launchTemplate"]["overrides"][0]["instanceType"]
        vcpu, gb = demand.get(provider_of.get(group.outputs.get("arn")), (0.0, 0.0))
        size = INSTANCE_TYPES.get(instance_type)
        needed = 0
        if size is not None and (vcpu or gb):
            needed = max(
                math.ceil(vcpu / size.vcpus), math.ceil(gb / (size.memory_mib / 1024 * (1 - RESERVED_MEMORY_SHARE)))
            )
        count = float(max(int(group.inputs.get("minSize", 0)), needed))
        distribution = policy.get("instancesDistribution") or {}
        on_demand = on_demand_instances(
            count,
            float(distribution.get("onDemandBaseCapacity", 0)),
            float(distribution.get("onDemandPercentageAboveBaseCapacity", 100)),
        )
        hourly = instance_hourly(region, instance_type)
        report.add(group, f"{instance_type} on-demand", on_demand * HOURS_PER_MONTH, "instance-h", hourly)
        spot_hourly = hourly * (1 - EC2_SPOT_DISCOUNT)
        report.add(group, f"{instance_type} Spot", (count - on_demand) * HOURS_PER_MONTH, "instance-h", spot_hourly)
        template = templates.get(policy["launchTemplate"]["launchTemplateSpecification"].get("launchTemplateId"))
        for mapping in (template.inputs.get("blockDeviceMappings") or []) if template else []:
            volume = float((mapping.get("ebs") or {}).get("volumeSize") or 0)
            report.add(group, "EBS gp3 root volumes", count * volume, "GB-months", prices["ebs_gp3_gb_month"])


@dataclass(frozen=True)
class CapacityComparison:
    """The monthly cost of `tasks` tasks of one size running all month on each kind of capacity."""

    fargate: float
    fargate_spot: float
    instances: float
    instances_on_demand: float
    instances_spot: float
    tasks_per_instance: int


def compare_capacity(region: str, vcpu: float, gb: float, tasks: int, instance_type: str) -> CapacityComparison:
    """Fargate against an Auto Scaling group of `instance_type`, tasks packed by CPU and memory (the ECS agent
    and the OS keep some memory back, so an instance registers less than it has: RESERVED_MEMORY_SHARE)."""
    from ecs_workloads.instance_types import INSTANCE_TYPES

    prices = _prices(region)
    fargate = _TaskSize(vcpu, gb, "X86_64").hourly(prices, 0.0) * tasks * HOURS_PER_MONTH
    size = INSTANCE_TYPES[instance_type]
    per_instance = int(min(size.vcpus // vcpu, (size.memory_mib / 1024 * (1 - RESERVED_MEMORY_SHARE)) // gb))
    if per_instance < 1:
        raise ValueError(f"a {vcpu:g} vCPU / {gb:g} GB task does not fit {instance_type}")
    instances = -(-tasks // per_instance)
    on_demand = instances * instance_hourly(region, instance_type) * HOURS_PER_MONTH
    return CapacityComparison(
        fargate=fargate,
        fargate_spot=fargate * (1 - SPOT_DISCOUNT),
        instances=instances,
        instances_on_demand=on_demand,
        instances_spot=on_demand * (1 - EC2_SPOT_DISCOUNT),
        tasks_per_instance=per_instance,
    )


def runs_per_month(expression: str) -> float:
    """Average runs a month of a Scheduler expression; 0 for a one-off `at(...)`."""
    rate = _RATE.match(expression)
    if rate:
        minutes = int(rate[1]) * _UNIT_MINUTES[rate[2].rstrip("s")]
        return HOURS_PER_MONTH * 60 / minutes
    if expression.startswith("cron("):
        fields = expression[len("cron(") : -1].split()
        per_day = _field_count(fields[0], 0, 59) * _field_count(fields[1], 0, 23)
        return _matching_days(expression) * per_day / 12
    return 0.0


def _field_count(text: str, low: int, high: int) -> int:
    """How many values a cron minute or hour field selects (`*`, `n`, `a-b`, `*/s`, `a/s`, `a-b/s`, lists)."""
    values: set[int] = set()
    for part in text.split(","):
        spec, _, step = part.partition("/")
        if spec == "*":
            start, end = low, high
        elif "-" in spec:
            start, end = (int(x) for x in spec.split("-"))
        else:
            start = int(spec)
            end = high if step else start
        values.update(range(start, end + 1, int(step or 1)))
    return len(values)


def _matching_days(expression: str) -> int:
    """Days of the reference year on which a cron expression runs."""
    start = datetime(_REFERENCE_YEAR, 1, 1, tzinfo=UTC)
    end = datetime(_REFERENCE_YEAR + 1, 1, 1, tzinfo=UTC)
    days = 0
    after = start - timedelta(seconds=1)
    while (run := next_occurrence(expression, after)) is not None and run < end:
        days += 1
        after = datetime.combine(run.date() + timedelta(days=1), datetime.min.time(), UTC) - timedelta(seconds=1)
    return days


def _workflow_run(recording: Recording, schedule: Registration) -> dict[str, Any] | None:
    """What a schedule that starts a job workflow runs, in the shape of Scheduler's ecsParameters: the task
    and count of the job it sends, and the placement of the workflow's RunTask."""
    target = schedule.inputs.get("target") or {}
    machine = next(
        (
            m
            for m in recording.of_type("aws:sfn/stateMachine:StateMachine")
            if m.outputs.get("arn") == target.get("arn")
        ),
        None,
    )
    if machine is None:
        return None
    job = json.loads(target.get("input") or "{}")
    definition = json.loads(machine.inputs.get("definition") or "{}")
    run_task = (
        ((definition.get("States", {}).get("RunTasks") or {}).get("ItemProcessor") or {})
        .get("States", {})
        .get("RunTask", {})
    )
    arguments = run_task.get("Arguments") or {}
    network = (arguments.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration") or {}
    return {
        "workflow": True,
        "taskDefinitionArn": job.get("taskDefinition"),
        "taskCount": job.get("taskCount", 1),
        "launchType": arguments.get("LaunchType"),
        "capacityProviderStrategies": [
            {"capacityProvider": e["CapacityProvider"], "weight": e.get("Weight", 0), "base": e.get("Base", 0)}
            for e in arguments.get("CapacityProviderStrategy") or []
        ],
        "networkConfiguration": {"assignPublicIp": network.get("AssignPublicIp") == "ENABLED"},
    }


def _schedules(recording: Recording, prices: dict[str, float], report: CostReport) -> None:
    invocations = 0.0
    workflow_transitions = 0.0
    sfn_price = prices["sfn_transitions_thousand"] / 1e3
    for schedule in recording.of_type("aws:scheduler/schedule:Schedule"):
        if schedule.inputs.get("state", "ENABLED") != "ENABLED":
            continue
        runs = runs_per_month(schedule.inputs["scheduleExpression"])
        invocations += runs
        report.add(
            schedule, "Scheduler invocations", runs, "invocations", prices["scheduler_invocations_million"] / 1e6
        )
        ecs = (schedule.inputs.get("target") or {}).get("ecsParameters") or _workflow_run(recording, schedule)
        if ecs and ecs.get("workflow"):
            transitions = runs * (WORKFLOW_RUN_TRANSITIONS + WORKFLOW_TASK_TRANSITIONS * ecs.get("taskCount", 1))
            workflow_transitions += transitions
            report.add(schedule, "Step Functions state transitions", transitions, "transitions", sfn_price)
        size = _task_size(recording, (ecs or {}).get("taskDefinitionArn"))
        if size is None:
            continue
        tasks = float(ecs.get("taskCount", 1))
        # A launch type runs on on-demand capacity and excludes a strategy, so the cluster default does not apply.
        strategy = (
            []
            if ecs.get("launchType")
            else ecs.get("capacityProviderStrategies")
            or _cluster_default_strategy(recording, schedule.inputs["target"].get("arn"))
        )
        if _on_instances(strategy):
            report.add(schedule, f"{runs:,.0f} runs on EC2 capacity (priced with the instances)", runs, "runs", 0.0)
            continue
        share = spot_share(strategy, tasks)
        hours = runs * tasks * max(ASSUMED_RUN_SECONDS, FARGATE_MINIMUM_SECONDS) / 3600
        item = f"Fargate {runs:,.0f} runs x{tasks:g}, {share:.0%} Spot{size.share_text()}"
        report.add(schedule, item, hours, "task-h", size.hourly(prices, share))
        if (ecs.get("networkConfiguration") or {}).get("assignPublicIp"):
            report.add(schedule, "task public IPv4", hours, "IPv4-h", prices["public_ipv4_hour"])
    price = prices["scheduler_invocations_million"] / 1e6
    report.add("stack", "Scheduler free tier", min(invocations, SCHEDULER_FREE_INVOCATIONS), "invocations", -price)
    if workflow_transitions:
        free = min(workflow_transitions, SFN_FREE_TRANSITIONS)
        report.add("stack", "Step Functions free tier", free, "transitions", -sfn_price)


def _alarm_metrics(alarm: Registration) -> int:
    """Billed metrics of an alarm: each metric a metric-math alarm reads counts; expressions do not."""
    queries = alarm.inputs.get("metricQueries")
    if queries:
        return sum(1 for query in queries if query.get("metric"))
    return 1


def _receiving_roles(recording: Recording, queue_arn: str) -> set[str]:
    """Names of the roles allowed to receive from the queue."""
    roles = set()
    for policy in recording.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in json.loads(policy.inputs.get("policy") or "{}").get("Statement", []):
            actions = statement.get("Action")
            resources = statement.get("Resource")
            actions = actions if isinstance(actions, list) else [actions]
            resources = resources if isinstance(resources, list) else [resources]
            if "sqs:ReceiveMessage" in actions and queue_arn in resources:
                roles.add(policy.inputs.get("role"))
    return roles


def _queues(recording: Recording, prices: dict[str, float], report: CostReport) -> None:
    requests = 0.0
    for queue in recording.of_type("aws:sqs/queue:Queue"):
        roles = _receiving_roles(recording, queue.outputs.get("arn"))
        task_arns = {
            t.outputs.get("arn")
            for t in recording.of_type("aws:ecs/taskDefinition:TaskDefinition")
            if str(t.inputs.get("taskRoleArn", "")).rsplit("/", 1)[-1] in roles
        }
        # Workers on average over the month: a schedule may stop them for part of it.
        workers = sum(
            sum(tasks * total for tasks, total in _task_hours(recording, s).items()) / HOURS_PER_MONTH
            for s in recording.of_type("aws:ecs/service:Service")
            if s.inputs.get("taskDefinition") in task_arns
        )
        polls = workers * HOURS_PER_MONTH * 3600 / SQS_LONG_POLL_SECONDS
        requests += polls
        report.add(
            queue, f"idle polling by {workers:g} workers", polls, "requests", prices["sqs_requests_million"] / 1e6
        )
    price = prices["sqs_requests_million"] / 1e6
    report.add("stack", "SQS free tier", min(requests, SQS_FREE_REQUESTS), "requests", -price)


@reports_bad_config
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plan.cost", description=__doc__)
    parser.add_argument("stack", choices=list_stacks())
    parser.add_argument(
        "--compare",
        nargs=4,
        metavar=("VCPU", "GB", "TASKS", "INSTANCE_TYPE"),
        help="also compare TASKS tasks of VCPU/GB on Fargate and on an Auto Scaling group of INSTANCE_TYPE",
    )
    args = parser.parse_args(argv)
    region = str(stack_config(args.stack).get("aws:region", "us-east-1"))
    recording = run_program(args.stack)
    nat = nat_comparison(recording, region)
    terminal.emit(
        terminal.console(),
        table(estimate(recording, region)),
        Text(
            f"\nNAT: {nat.gateways} gateway(s), {money(nat.monthly)}/month; CDK's default VPC would run "
            f"{nat.cdk_gateways} for {money(nat.cdk_monthly)}/month."
        ),
    )
    if args.compare:
        vcpu, gb, tasks, instance_type = args.compare
        c = compare_capacity(region, float(vcpu), float(gb), int(tasks), instance_type)
        print(
            f"\n{tasks} tasks of {vcpu} vCPU / {gb} GB all month: Fargate {c.fargate:.2f}, Fargate Spot "
            f"{c.fargate_spot:.2f}; {c.instances:g} {instance_type} ({c.tasks_per_instance} tasks each) on-demand "
            f"{c.instances_on_demand:.2f}, Spot {c.instances_spot:.2f} USD/month."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The cost estimate's arithmetic on small stacks, checked against numbers worked out by hand."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from ecs_workloads import FargateWorkload, Network
from harness.program import run_callable
from plan.cost import (
    ASSUMED_LOG_GB_PER_LOG_GROUP,
    PRICES,
    CostReport,
    ScheduledBounds,
    estimate,
    main,
    money,
    nat_comparison,
    render,
    runs_per_month,
    scheduled_task_hours,
    spot_share,
    unit_price,
)

SPOT = [aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE_SPOT", weight=1)]


def _task(name: str = "small", cpu: str = "256", memory: str = "512", **options) -> aws.ecs.TaskDefinition:
    return aws.ecs.TaskDefinition(
        name,
        family=name,
        cpu=cpu,
        memory=memory,
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        **{"container_definitions": json.dumps([{"name": "app", "image": "nginx"}]), **options},
    )


def _service(name: str, task: aws.ecs.TaskDefinition, desired: int, **options) -> aws.ecs.Service:
    return aws.ecs.Service(
        name,
        cluster="arn:aws:ecs:us-east-1:123456789012:cluster/c",
        task_definition=task.arn,
        desired_count=desired,
        network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(subnets=["subnet-a"], assign_public_ip=False),
        **options,
    )


def _lines(report: CostReport, item_start: str) -> list:
    return [line for line in report.lines if line.item.startswith(item_start)]


def _one_nat_and_two_spot_tasks():
    Network("net", {"nat_strategy": "single", "availability_zones": 2})
    _service("web", _task(), 2, capacity_provider_strategies=SPOT)


def test_one_nat_gateway_and_two_small_spot_tasks_by_hand():
    report = estimate(run_callable(_one_nat_and_two_spot_tasks), "us-east-1")
    # NAT: 730 h x 0.045 + its EIP 730 h x 0.005 + 10 GB x 0.045.
    nat = 730 * 0.045 + 730 * 0.005 + 10 * 0.045
    assert nat == pytest.approx(36.95)
    # Fargate: (0.25 vCPU x 0.04048 + 0.5 GB x 0.004445) per task-hour, 70% off on Spot, 2 tasks x 730 h.
    fargate = (0.25 * 0.04048 + 0.5 * 0.004445) * 0.3 * 2 * 730
    assert fargate == pytest.approx(5.406015)
    [task_line] = _lines(report, "Fargate")
    assert task_line.quantity == 1460
    assert task_line.unit_price == pytest.approx(0.00370275)
    assert task_line.item == "Fargate 2x 0.25 vCPU/0.5 GB, 100% Spot"
    assert report.total == pytest.approx(nat + fargate)
    assert report.total == pytest.approx(42.356015)


def test_nat_comparison_with_cdks_default_vpc():
    nat = nat_comparison(run_callable(_one_nat_and_two_spot_tasks), "us-east-1")
    assert (nat.gateways, nat.cdk_gateways) == (1, 3)
    assert nat.monthly == pytest.approx(36.95)
    # Three gateways and three EIPs; the same 10 GB of traffic.
    assert nat.cdk_monthly == pytest.approx(3 * 730 * (0.045 + 0.005) + 10 * 0.045)
    assert nat.cdk_monthly == pytest.approx(109.95)


def test_no_nat_costs_nothing_and_one_per_az_counts_every_az():
    assert nat_comparison(run_callable(lambda: Network("net", {})), "us-east-1").monthly == 0
    three = estimate(
        run_callable(lambda: Network("net", {"nat_strategy": "one-per-az", "availability_zones": 3})), "eu-west-1"
    )
    [hours] = _lines(three, "NAT gateway hours")
    assert hours.quantity == 3 * 730
    assert hours.monthly == pytest.approx(3 * 730 * 0.048)


def test_autoscaled_service_costs_its_minimum_and_on_demand_arm_prices():
    def program():
        arm = _task("arm", cpu="1024", memory="2048", runtime_platform={"cpu_architecture": "ARM64"})
        idle = _service("workers", arm, 1)
        aws.appautoscaling.Target(
            "workers-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/c/", idle.name),
            min_capacity=0,
            max_capacity=10,
        )
        _service("api", arm, 1)

    report = estimate(run_callable(program), "us-east-1")
    [line] = _lines(report, "Fargate")
    assert line.resource == "aws:ecs/service:Service api"
    assert line.unit_price == pytest.approx(1 * 0.03238 + 2 * 0.00356)


def test_capacity_base_runs_on_demand_first():
    strategy = [
        {"capacityProvider": "FARGATE", "weight": 1.0, "base": 1.0},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3.0, "base": 0.0},
    ]
    assert spot_share(strategy, 1) == 0
    # One base task on demand, the other four split 1:3.
    assert spot_share(strategy, 5) == pytest.approx(3 / 5)
    assert spot_share([], 2) == 0


def test_service_without_its_own_strategy_uses_the_cluster_default():
    def program():
        cluster = aws.ecs.Cluster("c")
        aws.ecs.ClusterCapacityProviders(
            "c-capacity",
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}],
        )
        aws.ecs.Service("web", cluster=cluster.arn, task_definition=_task().arn, desired_count=1)

    [line] = _lines(estimate(run_callable(program), "us-east-1"), "Fargate")
    assert line.item.endswith("100% Spot")


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("rate(2 minutes)", 730 * 30),
        ("rate(1 hour)", 730),
        ("rate(1 day)", 730 / 24),
        ("cron(*/5 * * * ? *)", 365 * 288 / 12),
        # 2027 has 261 weekdays.
        ("cron(0 9 ? * MON-FRI *)", 261 / 12),
        ("cron(0,30 8-17 ? * MON-FRI *)", 261 * 20 / 12),
        ("cron(0 0 1 * ? *)", 1),
        ("cron(0 0 1 1 ? 2030)", 0),
        ("at(2030-01-01T00:00:00)", 0),
    ],
)
def test_runs_per_month(expression, runs):
    assert runs_per_month(expression) == pytest.approx(runs)


def test_scheduled_task_runs_for_the_assumed_minute_and_pays_for_public_ips():
    def program():
        task = _task()
        aws.scheduler.Schedule(
            "job",
            schedule_expression="rate(2 minutes)",
            flexible_time_window={"mode": "OFF"},
            target={
                "arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
                "role_arn": "arn:aws:iam::123456789012:role/scheduler",
                "ecs_parameters": {
                    "task_definition_arn": task.arn,
                    "task_count": 2,
                    "network_configuration": {"subnets": ["subnet-a"], "assign_public_ip": True},
                },
            },
        )
        aws.scheduler.Schedule(
            "paused",
            schedule_expression="rate(1 minute)",
            state="DISABLED",
            flexible_time_window={"mode": "OFF"},
            target={"arn": "arn:aws:sqs:us-east-1:123456789012:q", "role_arn": "arn:aws:iam::123456789012:role/r"},
        )

    report = estimate(run_callable(program), "us-east-1")
    runs = 730 * 30
    [fargate] = _lines(report, "Fargate")
    assert fargate.quantity == pytest.approx(runs * 2 * 60 / 3600)
    assert fargate.monthly == pytest.approx(730 * (0.25 * 0.04048 + 0.5 * 0.004445))
    [ips] = _lines(report, "task public IPv4")
    assert ips.monthly == pytest.approx(730 * 0.005)
    # 21,900 invocations are inside the 14M free invocations.
    invocations = _lines(report, "Scheduler")
    assert sum(line.monthly for line in invocations) == pytest.approx(0)
    assert {line.resource for line in invocations} == {"aws:scheduler/schedule:Schedule job", "stack"}


def test_scheduled_run_with_a_launch_type_is_on_demand_whatever_the_cluster_default():
    def program():
        cluster = aws.ecs.Cluster("c")
        aws.ecs.ClusterCapacityProviders(
            "c-capacity",
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}],
        )
        aws.scheduler.Schedule(
            "job",
            schedule_expression="rate(1 hour)",
            flexible_time_window={"mode": "OFF"},
            target={
                "arn": cluster.arn,
                "role_arn": "arn:aws:iam::123456789012:role/scheduler",
                "ecs_parameters": {
                    "task_definition_arn": _task().arn,
                    "launch_type": "FARGATE",
                    "network_configuration": {"subnets": ["subnet-a"], "assign_public_ip": True},
                },
            },
        )

    [line] = _lines(estimate(run_callable(program), "us-east-1"), "Fargate")
    assert line.item.endswith(", 0% Spot")


def test_alarms_count_each_metric_of_a_metric_math_alarm():
    def program():
        aws.cloudwatch.MetricAlarm(
            "plain",
            namespace="AWS/SQS",
            metric_name="X",
            statistic="Maximum",
            period=60,
            evaluation_periods=1,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
        )
        metric = {"namespace": "AWS/ApplicationELB", "stat": "Sum", "period": 60}
        aws.cloudwatch.MetricAlarm(
            "math",
            evaluation_periods=1,
            threshold=5,
            comparison_operator="GreaterThanThreshold",
            metric_queries=[
                {"id": "e", "metric": {**metric, "metric_name": "HTTPCode_Target_5XX_Count"}},
                {"id": "r", "metric": {**metric, "metric_name": "RequestCount"}},
                {"id": "rate", "expression": "100 * e / r", "return_data": True},
            ],
        )

    report = estimate(run_callable(program), "us-east-1")
    assert {line.resource: line.quantity for line in report.lines} == {
        "aws:cloudwatch/metricAlarm:MetricAlarm plain": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm math": 2,
    }
    assert report.total == pytest.approx(0.30)


def test_alb_hours_capacity_units_and_one_public_ip_per_az():
    def program():
        aws.lb.LoadBalancer("web", load_balancer_type="application", subnets=["subnet-a", "subnet-b"])
        aws.lb.LoadBalancer("inside", load_balancer_type="application", internal=True, subnets=["subnet-a", "subnet-b"])

    report = estimate(run_callable(program), "us-east-1")
    web = sum(line.monthly for line in report.lines if line.resource.endswith(" web"))
    inside = sum(line.monthly for line in report.lines if line.resource.endswith(" inside"))
    assert web == pytest.approx(730 * 0.0225 + 730 * 1 * 0.008 + 2 * 730 * 0.005)
    assert inside == pytest.approx(730 * 0.0225 + 730 * 0.008)


def test_log_groups_and_idle_queue_polling_with_the_free_tier():
    def program():
        aws.cloudwatch.LogGroup("logs", retention_in_days=14)
        queue = aws.sqs.Queue("work")
        role = aws.iam.Role("worker-role", assume_role_policy="{}")
        aws.iam.RolePolicy(
            "worker-receive",
            role=role.name,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage"], "Resource": queue.arn}],
                }
            ),
        )
        _service("workers", _task(task_role_arn=role.arn), 2)

    report = estimate(run_callable(program), "eu-west-1")
    [logs] = _lines(report, "log ingestion")
    assert logs.monthly == pytest.approx(ASSUMED_LOG_GB_PER_LOG_GROUP * 0.57)
    [polling] = _lines(report, "idle polling")
    assert polling.item == "idle polling by 2 workers"
    # Two workers, one 20-second long poll each, all month: 262,800 requests, within the 1M free.
    assert polling.quantity == 2 * 730 * 3600 / 20
    [free] = _lines(report, "SQS free tier")
    assert free.monthly == pytest.approx(-polling.monthly)


def test_render_lists_every_line_and_the_total():
    report = estimate(run_callable(_one_nat_and_two_spot_tasks), "us-east-1")
    text = render(report)
    assert "NAT gateway hours" in text and "Fargate 2x 0.25 vCPU/0.5 GB, 100% Spot" in text
    assert text.splitlines()[-1].split()[-1] == "$42.36"


def test_one_price_table_with_both_regions_and_the_same_keys():
    assert {"us-east-1", "eu-west-1"} <= set(PRICES)
    assert len({frozenset(prices) for prices in PRICES.values()}) == 1
    with pytest.raises(ValueError, match="no prices for region"):
        estimate(run_callable(lambda: None), "mars-north-1")


def test_command_prints_the_stack_estimate_and_the_nat_comparison(capsys):
    assert main(["prod"]) == 0
    out = capsys.readouterr().out
    assert "NAT gateway hours" in out and "CDK's default VPC would run 3" in out


def test_customer_managed_keys_cost_a_dollar_a_month():
    report = estimate(run_callable(lambda: aws.kms.Key("alarms-key", enable_key_rotation=True)), "eu-west-1")
    assert [(line.item, line.monthly) for line in report.lines] == [("customer managed key", 1.0)]


@pytest.mark.parametrize(
    ("price", "unit", "shown"),
    [
        (1e-6, "invocations", "$1.00/million invocations"),
        (0.40 / 1e6, "requests", "$0.40/million requests"),
        (-1e-6, "invocations", "-$1.00/million invocations"),
        (0.0225, "h", "$0.0225/h"),
        (0.00370275, "task-h", "$0.003703/task-h"),
        (0.005, "IPv4-h", "$0.005/IPv4-h"),
        (0.1, "metric-months", "$0.10/metric-month"),
        (1, "key-months", "$1.00/key-month"),
        (1234.5, "h", "$1,234.50/h"),
    ],
)
def test_unit_prices_read_as_money(price, unit, shown):
    assert unit_price(price, unit) == shown


def test_amounts_are_dollars_and_cents():
    assert [money(x) for x in (16.426, -0.0219, 0, 1234.5)] == ["$16.43", "-$0.02", "$0.00", "$1,234.50"]


def test_every_price_of_every_region_renders_without_scientific_notation():
    for prices in PRICES.values():
        for price in prices.values():
            for shown in (unit_price(price, "h"), unit_price(price / 1e6, "requests")):
                assert "e-" not in shown and "e+" not in shown, shown


def _ec2_group(**auto_scaling):
    from ecs_workloads import EcsCluster

    placement = {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0abc1234"], "assign_public_ip": False}
    provider = {"name": "pool", "auto_scaling": {"instance_types": ["m6i.large"], **auto_scaling}}
    return run_callable(lambda: EcsCluster("ecs", {"placement": placement, "capacity_providers": [provider]}))


def test_an_auto_scaling_group_is_priced_at_its_minimum_with_its_on_demand_and_spot_mix_and_root_volumes():
    from plan.cost import EC2_SPOT_DISCOUNT, INSTANCE_PRICES

    report = estimate(
        _ec2_group(min_size=4, max_size=4, on_demand_base=1, on_demand_percentage=50, root_volume_gib=40), "us-east-1"
    )
    lines = {line.item: line for line in report.lines}
    hourly = INSTANCE_PRICES["us-east-1"]["m6i.large"]
    # 4 instances: 1 on-demand base, then half of the other 3 on-demand.
    assert lines["m6i.large on-demand"].quantity == pytest.approx(2.5 * 730)
    assert lines["m6i.large on-demand"].unit_price == hourly
    assert lines["m6i.large Spot"].quantity == pytest.approx(1.5 * 730)
    assert lines["m6i.large Spot"].unit_price == pytest.approx(hourly * (1 - EC2_SPOT_DISCOUNT))
    assert lines["EBS gp3 root volumes"].quantity == 160
    assert lines["EBS gp3 root volumes"].unit_price == 0.08


def test_an_idle_group_at_minimum_zero_costs_nothing():
    report = estimate(_ec2_group(), "us-east-1")
    assert [line.item for line in report.lines if "m6i" in line.item or "EBS" in line.item] == []


def test_fargate_and_instances_compared_for_the_same_tasks():
    from plan.cost import compare_capacity

    comparison = compare_capacity("us-east-1", 1, 2, 4, "m6i.large")
    # m6i.large: 2 vCPU, 8 GiB, of which 90% registers: two 1 vCPU / 2 GB tasks each, CPU-bound.
    assert (comparison.tasks_per_instance, comparison.instances) == (2, 2)
    assert comparison.instances_on_demand == pytest.approx(2 * 0.096 * 730)
    assert comparison.fargate == pytest.approx(4 * (0.04048 + 2 * 0.004445) * 730)
    with pytest.raises(ValueError, match=r"does not fit t3\.micro"):
        compare_capacity("us-east-1", 4, 8, 1, "t3.micro")


def test_an_instance_type_without_a_recorded_price_is_named():
    from plan.cost import instance_hourly

    with pytest.raises(ValueError, match=r"no price recorded for x9\.huge in us-east-1"):
        instance_hourly("us-east-1", "x9.huge")


def test_a_services_line_shows_the_sidecars_share_of_the_task_size_it_prices():
    def program():
        containers = [
            {"name": "app", "image": "nginx"},
            {"name": "otel", "image": "otel", "cpu": 128, "memory": 256},
            {"name": "proxy", "image": "envoy", "cpu": 128},
        ]
        task = aws.ecs.TaskDefinition(
            "sidecars",
            family="sidecars",
            cpu="1024",
            memory="2048",
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            container_definitions=json.dumps(containers),
        )
        _service("api", task, 2)

    [line] = _lines(estimate(run_callable(program), "us-east-1"), "Fargate")
    assert line.item == "Fargate 2x 1 vCPU/2 GB, 0% Spot (sidecars reserve 0.25 vCPU/0.25 GB of it)"
    # The task size is what Fargate bills; the sidecars' share is part of it, not added to it.
    assert line.unit_price == pytest.approx(1 * 0.04048 + 2 * 0.004445)


def test_a_scheduled_run_s_line_shows_the_sidecars_share_and_a_task_without_reserving_sidecars_reads_as_before():
    def program():
        containers = [{"name": "app", "image": "busybox"}, {"name": "otel", "image": "otel", "cpu": 256, "memory": 512}]
        task = _task(cpu="1024", memory="2048", container_definitions=json.dumps(containers))
        # A sidecar that reserves nothing shares the task size unmeasured: nothing to show.
        unreserved = _task("unreserved", container_definitions=json.dumps([containers[0], {"name": "p", "image": "p"}]))
        for name, definition in (("job", task), ("other", unreserved)):
            aws.scheduler.Schedule(
                name,
                schedule_expression="rate(1 hour)",
                flexible_time_window={"mode": "OFF"},
                target={
                    "arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
                    "role_arn": "arn:aws:iam::123456789012:role/scheduler",
                    "ecs_parameters": {"task_definition_arn": definition.arn},
                },
            )

    lines = {line.resource: line for line in _lines(estimate(run_callable(program), "us-east-1"), "Fargate")}
    job, other = lines["aws:scheduler/schedule:Schedule job"], lines["aws:scheduler/schedule:Schedule other"]
    assert job.item == "Fargate 730 runs x1, 0% Spot (sidecars reserve 0.25 vCPU/0.5 GB of it)"
    # The share is part of the billed task size, not added to it.
    assert job.unit_price == pytest.approx(1 * 0.04048 + 2 * 0.004445)
    assert other.item == "Fargate 730 runs x1, 0% Spot"


# Scheduled scaling: 2027 starts on a Friday, so it has 52 weeks and one more weekday (261 weekdays).
_OFF = ScheduledBounds("cron(0 20 ? * MON-FRI *)", "Europe/London", 0, 0)
_ON = ScheduledBounds("cron(0 7 ? * MON-FRI *)", "Europe/London", 1, 1)


def test_office_hours_in_london_are_13_hours_on_each_weekday():
    # 07:00 to 20:00 London time is 13 hours whether or not summer time is on; nothing runs at the weekend.
    hours = scheduled_task_hours([_OFF, _ON], desired=1, low=1, high=1, follows_minimum=False)
    assert hours == {1: pytest.approx(261 * 13 / 12), 0: pytest.approx(8760 / 12 - 261 * 13 / 12)}
    assert hours[1] == pytest.approx(282.75)


def test_a_policy_follows_the_minimum_and_a_fixed_count_moves_only_into_the_range():
    peak = ScheduledBounds("cron(0 9 ? * MON-FRI *)", "UTC", 3, 6)
    calm = ScheduledBounds("cron(0 17 ? * MON-FRI *)", "UTC", 1, 6)
    # With scaling policies the service at rest sits at the minimum in force: 3 tasks 9-17 on weekdays, else 1.
    assert scheduled_task_hours([peak, calm], desired=2, low=1, high=6, follows_minimum=True) == {
        3: pytest.approx(261 * 8 / 12),
        1: pytest.approx(730 - 261 * 8 / 12),
    }
    # Without, a count of 2 is raised to 3 at 09:00 and stays there: 1 to 6 no longer moves it.
    assert scheduled_task_hours([peak, calm], desired=2, low=2, high=2, follows_minimum=False) == {
        3: pytest.approx(730)
    }


def test_a_service_on_a_schedule_is_priced_for_the_task_hours_it_runs():
    def program():
        web = _service("web", _task(), 1, capacity_provider_strategies=SPOT)
        target = aws.appautoscaling.Target(
            "web-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/c/", web.name),
            min_capacity=1,
            max_capacity=1,
        )
        for action in (_OFF, _ON):
            aws.appautoscaling.ScheduledAction(
                f"web-{action.min_capacity}",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                schedule=action.schedule,
                timezone=action.timezone,
                scalable_target_action=aws.appautoscaling.ScheduledActionScalableTargetActionArgs(
                    min_capacity=action.min_capacity, max_capacity=action.max_capacity
                ),
            )

    report = estimate(run_callable(program), "us-east-1")
    [line] = _lines(report, "Fargate")
    assert line.item == "Fargate 0.25 vCPU/0.5 GB, 100% Spot, scheduled: 1 task × 282.75 h"
    assert line.quantity == pytest.approx(282.75)
    assert line.monthly == pytest.approx(282.75 * (0.25 * 0.04048 + 0.5 * 0.004445) * (1 - 0.70))


def test_a_created_efs_share_costs_its_expected_gib_at_the_standard_price():
    args = {
        "vpc_id": "vpc-0abc1234",
        "subnet_ids": ["subnet-0aaa1111"],
        "image": "public.ecr.aws/docker/library/busybox:1.36",
        "user": "10001:10001",
        "efs_volumes": [{"name": "reports", "path": "/reports", "create": {"expected_gib": 20}}],
    }
    report = estimate(run_callable(lambda: FargateWorkload("job", args)), "eu-west-1")
    assert [(line.item, line.quantity, line.unit_price) for line in _lines(report, "EFS")] == [
        ("EFS Standard storage", 20, PRICES["eu-west-1"]["efs_standard_gb_month"])
    ]


def test_a_backend_on_a_schedule_registers_cloud_map_instances_only_for_the_hours_it_runs():
    from ecs_workloads.backend_service import BackendService

    def program():
        BackendService(
            "scorer",
            {
                "cluster_name": "c",
                "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
                "placement": {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0aaa1111"], "assign_public_ip": False},
                "namespace": "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-0123456789abcdef",
                "workload": {"image": "public.ecr.aws/acme/scorer:1.0", "port": 8080},
                "deployment": {"desired_count": 1},
                "scheduled_scaling": [
                    {
                        "name": name,
                        "schedule": action.schedule,
                        "timezone": action.timezone,
                        "min_capacity": action.min_capacity,
                        "max_capacity": action.max_capacity,
                    }
                    for name, action in (("off", _OFF), ("on", _ON))
                ],
            },
        )

    report = estimate(run_callable(program), "us-east-1")
    [fargate] = _lines(report, "Fargate")
    assert fargate.item.endswith("scheduled: 1 task × 282.75 h")
    [cloud_map] = _lines(report, "Cloud Map")
    assert cloud_map.quantity == pytest.approx(282.75 / 730)


def test_a_workflow_job_pays_for_its_tasks_and_its_state_transitions():
    from ecs_workloads.scheduled_ecs_task import ScheduledEcsTask

    def program():
        ScheduledEcsTask(
            "report",
            {
                "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
                "cluster_name": "c",
                "placement": {"vpc_id": "vpc-1", "subnet_ids": ["subnet-a"], "assign_public_ip": False},
                "workload": {"image": "busybox:1"},
                "schedule": "rate(1 hour)",
                "target": "workflow",
                "task_count": 20,
                "capacity": {"fargate": 1, "fargate_spot": 1},
            },
        )

    report = estimate(run_callable(program), "us-east-1")
    runs = 730
    [fargate] = _lines(report, "Fargate")
    assert fargate.quantity == pytest.approx(runs * 20 * 60 / 3600)
    assert fargate.item.startswith("Fargate 730 runs x20, 50% Spot")
    [transitions] = _lines(report, "Step Functions state transitions")
    assert transitions.quantity == runs * (6 + 3 * 20)
    assert transitions.monthly == pytest.approx(runs * 66 * 0.025 / 1000)
    [free] = _lines(report, "Step Functions free tier")
    assert free.quantity == 4000
    assert free.monthly == pytest.approx(-4000 * 0.025 / 1000)

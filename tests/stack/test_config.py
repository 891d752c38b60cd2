"""Bad stack configs stop the program before any resource exists, with one exact message per problem."""

from __future__ import annotations

import json

import pytest

from ecs_workloads.alarm_topic import ALARM_TOPIC_ARGS
from ecs_workloads.cluster import ECS_CLUSTER_ARGS
from ecs_workloads.fargate_workload import FARGATE_WORKLOAD_ARGS, LOG_RETENTION_DAYS
from ecs_workloads.network import NETWORK_ARGS
from harness.program import list_stacks, run_program, stack_config
from harness.recording import Recording
from stack.config import StackConfigError, settings_from_raw
from stack.tags import DEFAULT_TAGS_KEY, REQUIRED_TAGS

RETENTIONS = "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"
NETWORK_KEYS = "availabilityZones, cidrBlock, natStrategy, privateSubnetIds, publicSubnetIds, vpcId"

BAD_CONFIGS = [
    (
        {"network": {"natStrategy": "nat"}},
        'ecs-workloads:network.natStrategy: "nat" — must be one of none, single, one-per-az',
    ),
    (
        {"network": {"availabilityZones": 1}},
        "ecs-workloads:network.availabilityZones: 1 — must be an integer from 2 to 6",
    ),
    (
        {"network": {"availabilityZones": 9}},
        "ecs-workloads:network.availabilityZones: 9 — must be an integer from 2 to 6",
    ),
    ({"network": {"availabilityZones": "two"}}, 'ecs-workloads:network.availabilityZones: "two" — must be an integer'),
    (
        {"network": {"cidrBlock": "10.0.0.0/8"}},
        'ecs-workloads:network.cidrBlock: "10.0.0.0/8" — must be an IPv4 CIDR block from /16 to /24 such as '
        "10.0.0.0/16",
    ),
    (
        {"network": {"cidrBlock": "banana"}},
        'ecs-workloads:network.cidrBlock: "banana" — must be an IPv4 CIDR block from /16 to /24 such as 10.0.0.0/16',
    ),
    (
        {"network": {"vpcId": "vpc-0abc1234"}},
        'ecs-workloads:network: {"vpcId": "vpc-0abc1234"} — an existing VPC needs publicSubnetIds',
    ),
    (
        {"network": {"publicSubnetIds": ["subnet-0abc1234"]}},
        'ecs-workloads:network: {"publicSubnetIds": ["subnet-0abc1234"]} — publicSubnetIds/privateSubnetIds belong '
        "to an existing VPC: set vpcId too",
    ),
    (
        {"network": {"vpcId": "vpc-0abc1234", "publicSubnetIds": ["subnet-0abc1234"], "natStrategy": "single"}},
        'ecs-workloads:network: {"vpcId": "vpc-0abc1234", "publicSubnetIds": ["subnet-0abc1234"], "natStrategy": '
        "\"single\"} — natStrategy: 'single' — only for a new VPC, not an existing one; remove it",
    ),
    (
        {"network": {"vpcId": "vpc-0abc1234", "publicSubnetIds": ["sub-1"]}},
        'ecs-workloads:network.publicSubnetIds: ["sub-1"] — must be subnet ids such as subnet-0abc1234; not: sub-1',
    ),
    ({"network": {"vpcId": "vpc-1"}}, 'ecs-workloads:network.vpcId: "vpc-1" — must be a VPC id such as vpc-0abc1234'),
    (
        {"network": {"natGateways": 2}},
        f"ecs-workloads:network.natGateways: 2 — unknown key; allowed: {NETWORK_KEYS}",
    ),
    ({"network": "none"}, f'ecs-workloads:network: "none" — must be a mapping with keys: {NETWORK_KEYS}'),
    (
        {"cluster": {"containerInsights": "disabled"}},
        'ecs-workloads:cluster.containerInsights: "disabled" — must be one of enabled, enhanced',
    ),
    (
        {"cluster": {"defaultCapacity": {"fargate": 0, "fargateSpot": 0}}},
        'ecs-workloads:cluster.defaultCapacity: {"fargate": 0, "fargateSpot": 0} — fargate: 0 — at least one of '
        "fargate and fargateSpot must have a weight above 0",
    ),
    (
        {"cluster": {"defaultCapacity": {"fargate": -1}}},
        "ecs-workloads:cluster.defaultCapacity.fargate: -1 — must be an integer from 0 to 1000",
    ),
    (
        {"cluster": {"defaultCapacity": {"spot": 1}}},
        "ecs-workloads:cluster.defaultCapacity.spot: 1 — unknown key; allowed: base, fargate, fargateSpot, providers",
    ),
    ({"logs": {"retentionDays": 10}}, f"ecs-workloads:logs.retentionDays: 10 — must be one of {RETENTIONS}"),
    (
        {"alarms": {"email": "not-an-email"}},
        'ecs-workloads:alarms.email: "not-an-email" — must be an e-mail address such as ops@example.com',
    ),
    ({"protectData": "maybe"}, 'ecs-workloads:protectData: "maybe" — must be true or false'),
    ({"logs": {"retentionDays": True}}, "ecs-workloads:logs.retentionDays: true — must be a number, not true or false"),
]


@pytest.mark.parametrize(
    ("raw", "expected"), BAD_CONFIGS, ids=[expected.split(":")[1][:40] for _, expected in BAD_CONFIGS]
)
def test_bad_config_is_reported_exactly(raw, expected):
    with pytest.raises(StackConfigError) as caught:
        settings_from_raw(raw)
    assert str(caught.value) == f"invalid stack config:\n  {expected}"


def test_unknown_top_level_key_lists_the_allowed_ones():
    with pytest.raises(StackConfigError) as caught:
        settings_from_raw({"protectdata": True})
    message = str(caught.value)
    assert message.startswith("invalid stack config:\n  ecs-workloads:protectdata: true — unknown key; allowed: ")
    assert "protectData" in message and "network" in message


def test_every_problem_is_listed_in_one_message():
    with pytest.raises(StackConfigError) as caught:
        settings_from_raw({"network": {"natStrategy": "nat", "availabilityZones": 1}, "logs": {"retentionDays": 2}})
    lines = str(caught.value).splitlines()
    assert len(lines) == 4
    assert {line.split(":")[1] for line in lines[1:]} == {
        "network.natStrategy",
        "network.availabilityZones",
        "logs.retentionDays",
    }


def test_is_a_run_error_so_pulumi_prints_no_traceback():
    import pulumi

    assert issubclass(StackConfigError, pulumi.RunError)


def test_bad_config_registers_no_resource():
    config = {**stack_config("dev"), "ecs-workloads:network": {"natStrategy": "nat"}}
    recording = Recording()
    with pytest.raises(StackConfigError, match=r"network\.natStrategy"):
        run_program("dev", config=config, recording=recording)
    assert recording.registrations == []


def test_structured_config_arrives_as_json_text_like_from_the_cli():
    # `pulumi config set --path` stores objects; the CLI passes them to the program as JSON strings.
    config = {
        "ecs-workloads:network": '{"availabilityZones": 3}',
        DEFAULT_TAGS_KEY: json.dumps(stack_config("dev")[DEFAULT_TAGS_KEY]),
    }
    recording = run_program("dev", config=config)
    vpc = recording.one("awsx:ec2:Vpc")
    assert vpc.inputs["numberOfAvailabilityZones"] == 3


def test_defaults_when_nothing_is_configured():
    settings = settings_from_raw({})
    assert settings.network.nat_strategy == "none"
    assert settings.logs.retention_days == 30
    assert settings.protect_data is False


@pytest.mark.parametrize(
    ("raw", "expected_start"),
    [
        (
            {"jobs": [{"name": "a", "schedule": "@daily", "workload": {"image": "x:1"}, "bogus": 1}]},
            "ecs-workloads:jobs.0.bogus: 1 — unknown key; allowed: command, enabled, endDate,",
        ),
        (
            {"jobs": [{"name": "a", "schedule": "@daily", "workload": {"image": "x:1", "capacity": {"q": 1}}}]},
            "ecs-workloads:jobs.0.workload.capacity.q: 1 — unknown key; allowed: base, fargate, fargateSpot",
        ),
        ({"cats": {"workload": {"cpuu": 1}}}, "ecs-workloads:cats.workload.cpuu: 1 — unknown key; allowed: app,"),
    ],
)
def test_unknown_keys_inside_lists_and_nested_sections_list_the_allowed_ones(raw, expected_start):
    with pytest.raises(StackConfigError) as caught:
        settings_from_raw(raw)
    assert str(caught.value).splitlines()[1].strip().startswith(expected_start)


# --- the provider's default tags ----------------------------------------------------------------------


def _with_default_tags(stack: str, value):
    config = {key: v for key, v in stack_config(stack).items() if key != DEFAULT_TAGS_KEY}
    return config if value is None else {**config, DEFAULT_TAGS_KEY: value}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            None,
            "aws:defaultTags: (missing) — required, the provider's default tags: "
            '{"tags": {"project": "...", "stack": "dev", "environment": "..."}}',
        ),
        (
            {"tags": {"project": "ecs-workloads", "stack": "dev"}},
            'aws:defaultTags.tags: {"project": "ecs-workloads", "stack": "dev"} — must set project, stack, '
            "environment; missing environment",
        ),
        (
            {"tags": {"project": "ecs-workloads", "stack": "prod", "environment": "dev"}},
            'aws:defaultTags.tags.stack: "prod" — must be the stack\'s name, "dev"',
        ),
    ],
)
def test_default_tags_are_required_with_the_stack_name(value, message):
    recording = Recording()
    with pytest.raises(StackConfigError) as caught:
        run_program("dev", config=_with_default_tags("dev", value), recording=recording)
    assert str(caught.value) == f"invalid stack config:\n  {message}"
    assert recording.registrations == []


def test_default_tag_problems_join_the_other_config_problems():
    config = {**_with_default_tags("dev", None), "ecs-workloads:logs": {"retentionDays": 2}}
    with pytest.raises(StackConfigError) as caught:
        run_program("dev", config=config)
    _, *lines = str(caught.value).split("\n")
    assert [line.split(":", 2)[0].strip() + ":" + line.split(":", 2)[1] for line in lines] == [
        "ecs-workloads:logs.retentionDays",
        "aws:defaultTags",
    ]


def test_both_stack_files_set_every_required_tag():
    for stack in list_stacks():
        tags = stack_config(stack)[DEFAULT_TAGS_KEY]["tags"]
        assert set(REQUIRED_TAGS) <= set(tags) and tags["stack"] == stack


def test_network_cluster_logs_and_alarm_settings_read_the_component_declarations():
    settings = settings_from_raw({})
    assert settings.network.cidr_block == NETWORK_ARGS["cidr_block"].default
    assert settings.network.availability_zones == NETWORK_ARGS["availability_zones"].default
    assert settings.network.nat_strategy == NETWORK_ARGS["nat_strategy"].default
    assert settings.cluster.container_insights == ECS_CLUSTER_ARGS["container_insights"].default
    assert settings.alarms.email is None
    assert settings.logs.retention_days == FARGATE_WORKLOAD_ARGS["log_retention_days"].default
    cases = [
        ({"network": {"natStrategy": "nat"}}, NETWORK_ARGS["nat_strategy"].allowed()),
        ({"network": {"availabilityZones": 7}}, NETWORK_ARGS["availability_zones"].allowed()),
        ({"network": {"cidrBlock": "10.0.0.0/25"}}, NETWORK_ARGS["cidr_block"].allowed()),
        ({"cluster": {"containerInsights": "disabled"}}, ECS_CLUSTER_ARGS["container_insights"].allowed()),
        ({"alarms": {"email": "ops"}}, ALARM_TOPIC_ARGS["email"].allowed()),
        ({"logs": {"retentionDays": 2}}, f"one of {', '.join(map(str, LOG_RETENTION_DAYS))}"),
    ]
    for raw, allowed in cases:
        with pytest.raises(StackConfigError) as caught:
            settings_from_raw(raw)
        assert str(caught.value).endswith(f" — must be {allowed}"), raw


def test_an_existing_vpc_refuses_every_new_vpc_key_set_beside_it():
    raw = {"vpcId": "vpc-0abc1234", "publicSubnetIds": ["subnet-0abc1234"], "cidrBlock": "10.1.0.0/16"}
    with pytest.raises(StackConfigError) as caught:
        settings_from_raw({"network": {**raw, "availabilityZones": 3}})
    assert str(caught.value).endswith(
        "cidrBlock: '10.1.0.0/16' — only for a new VPC, not an existing one; remove it; "
        "availabilityZones: 3 — only for a new VPC, not an existing one; remove it"
    )


def test_network_settings_build_the_network_arguments():
    assert settings_from_raw({"network": {"natStrategy": "single"}}).network.args() == {
        "cidr_block": "10.0.0.0/16",
        "availability_zones": 2,
        "nat_strategy": "single",
    }
    existing = {
        "vpcId": "vpc-0abc1234",
        "publicSubnetIds": ["subnet-0abc1234"],
        "privateSubnetIds": ["subnet-0def5678"],
    }
    assert settings_from_raw({"network": existing}).network.args() == {
        "existing": {
            "vpc_id": "vpc-0abc1234",
            "public_subnet_ids": ["subnet-0abc1234"],
            "private_subnet_ids": ["subnet-0def5678"],
        }
    }

from __future__ import annotations

import pytest

from ecs_workloads import Network
from ecs_workloads.network import NETWORK_ARGS, WORKLOAD_PLACEMENT_ARGS
from ecs_workloads.outputs import declared_outputs
from ecs_workloads.validation import ArgumentProblems
from harness.program import run_callable
from harness.recording import Recording
from tests.components.component_checks import registered_output_names


def _network(args):
    holder = {}

    def program():
        holder["network"] = Network("net", args)

    return run_callable(program), holder


def test_none_mode_asks_for_no_nat_and_only_public_subnets():
    recording, holder = _network({"nat_strategy": "none", "availability_zones": 2})
    vpc = recording.one("awsx:ec2:Vpc")
    assert vpc.inputs["natGateways"] == {"strategy": "None"}
    assert vpc.inputs["subnetSpecs"] == [{"type": "Public"}]
    assert vpc.inputs["numberOfAvailabilityZones"] == 2
    assert holder["network"].assign_public_ip is True
    assert vpc.parent == recording.one("ecs-workloads:index:Network").urn


@pytest.mark.parametrize(("strategy", "expected"), [("single", "Single"), ("one-per-az", "OnePerAz")])
def test_nat_modes_add_private_subnets_and_turn_public_ip_off(strategy, expected):
    recording, holder = _network({"nat_strategy": strategy, "availability_zones": 3})
    vpc = recording.one("awsx:ec2:Vpc")
    assert vpc.inputs["natGateways"] == {"strategy": expected}
    assert vpc.inputs["subnetSpecs"] == [{"type": "Public"}, {"type": "Private"}]
    assert holder["network"].assign_public_ip is False


def test_existing_vpc_creates_nothing_and_places_workloads_in_private_subnets():
    recording, holder = _network(
        {
            "existing": {
                "vpc_id": "vpc-0abc1234",
                "public_subnet_ids": ["subnet-0aaa1111"],
                "private_subnet_ids": ["subnet-0bbb2222"],
            }
        }
    )
    assert recording.of_type("awsx:ec2:Vpc") == []
    assert holder["network"].assign_public_ip is False


def test_existing_vpc_without_private_subnets_uses_public_ip():
    _, holder = _network({"existing": {"vpc_id": "vpc-0abc1234", "public_subnet_ids": ["subnet-0aaa1111"]}})
    assert holder["network"].assign_public_ip is True


def test_bad_arguments_list_every_problem_and_register_nothing():
    recording = Recording()
    with pytest.raises(ValueError) as caught:
        run_callable(
            lambda: Network("net", {"nat_strategy": "nat", "availability_zones": 7, "azs": 2}), recording=recording
        )
    message = str(caught.value)
    assert "nat_strategy: 'nat' — one of none, single, one-per-az" in message
    assert "availability_zones: 7 — an integer from 2 to 6" in message
    assert "azs: 2 — unknown argument" in message
    assert recording.registrations == []


def test_existing_vpc_rejects_new_vpc_options():
    with pytest.raises(ValueError, match="nat_strategy: 'single' — only for a new VPC"):
        run_callable(
            lambda: Network(
                "net", {"existing": {"vpc_id": "vpc-1", "public_subnet_ids": ["subnet-1"]}, "nat_strategy": "single"}
            )
        )


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["x"], "arguments"),
        ({"existing": "vpc-0abc1234"}, "existing"),
        ({"existing": {"vpc_id": "vpc-1", "public_subnet_ids": "subnet-0abc1234"}}, "existing.public_subnet_ids"),
        (
            {"existing": {"vpc_id": "vpc-1", "public_subnet_ids": ["subnet-1"], "private_subnet_ids": 7}},
            "existing.private_subnet_ids",
        ),
        ({"existing": {"vpc_id": ["vpc-1"], "public_subnet_ids": ["subnet-1"]}}, "existing.vpc_id"),
        ({"nat_strategy": ["none"]}, "nat_strategy"),
        ({"cidr_block": "not-a-cidr"}, "cidr_block"),
        ({"cidr_block": "10.0.0.0/8"}, "cidr_block"),
        ({"cidr_block": 5}, "cidr_block"),
    ],
)
def test_wrongly_typed_arguments_raise_a_value_error_naming_the_field(args, field):
    recording = Recording()
    with pytest.raises(ValueError, match=rf"\n  {field}: "):
        run_callable(lambda: Network("net", args), recording=recording)
    assert recording.registrations == []


def test_existing_vpc_and_subnet_ids_may_be_outputs():
    import pulumi

    def program():
        subnets = [pulumi.Output.from_input("subnet-1")]
        Network("net", {"existing": {"vpc_id": pulumi.Output.from_input("vpc-1"), "public_subnet_ids": subnets}})

    assert run_callable(program).one("ecs-workloads:index:Network")


TAGS = {"team": "platform", "cost-centre": "1234"}


def test_tags_reach_awsx_through_its_vpc_tags_argument():
    recording, _ = _network({"nat_strategy": "single", "tags": TAGS})
    vpc = recording.one("awsx:ec2:Vpc")
    assert vpc.inputs["tags"] == TAGS
    # awsx copies the Vpc's tags to every child it creates; the specs carry none of their own.
    assert vpc.inputs["subnetSpecs"] == [{"type": "Public"}, {"type": "Private"}]


def test_without_tags_awsx_gets_no_tags_argument():
    recording, _ = _network({})
    vpc = recording.one("awsx:ec2:Vpc")
    assert "tags" not in vpc.inputs
    assert vpc.inputs["subnetSpecs"] == [{"type": "Public"}]


def test_new_vpc_defaults_come_from_the_declaration():
    recording, _ = _network({})
    vpc = recording.one("awsx:ec2:Vpc")
    assert vpc.inputs["cidrBlock"] == NETWORK_ARGS["cidr_block"].default == "10.0.0.0/16"
    assert vpc.inputs["numberOfAvailabilityZones"] == NETWORK_ARGS["availability_zones"].default == 2
    assert vpc.inputs["natGateways"] == {"strategy": "None"}


def test_bad_tags_register_nothing():
    recording = Recording()
    with pytest.raises(ValueError, match=r"tags: \{'aws:team': 'x'\} — a mapping of at most 50 tags"):
        run_callable(lambda: Network("net", {"tags": {"aws:team": "x"}}), recording=recording)
    assert recording.registrations == []


@pytest.mark.parametrize(
    "args",
    [{"nat_strategy": "single"}, {"existing": {"vpc_id": "vpc-1", "public_subnet_ids": ["subnet-1"]}}],
    ids=["new", "existing"],
)
def test_every_declared_output_is_registered(args):
    registered = registered_output_names(run_callable(lambda: Network("net", args)), "ecs-workloads:index:Network")
    assert registered == set(declared_outputs(Network))
    assert "load_balancer_subnet_ids" in registered


def test_existing_vpc_refuses_every_new_vpc_option_at_once():
    existing = {"vpc_id": "vpc-1", "public_subnet_ids": ["subnet-1"]}
    with pytest.raises(ValueError) as caught:
        run_callable(
            lambda: Network(
                "net",
                {"existing": existing, "cidr_block": "10.1.0.0/16", "availability_zones": 3, "nat_strategy": "none"},
            )
        )
    lines = str(caught.value).splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == ["cidr_block", "availability_zones", "nat_strategy"]
    assert all(line.endswith("— only for a new VPC, not an existing one; remove it") for line in lines)


def test_existing_vpc_needs_its_id_and_public_subnets():
    with pytest.raises(ValueError) as caught:
        run_callable(lambda: Network("net", {"existing": {"public_subnet_ids": []}}))
    message = str(caught.value)
    assert "existing.vpc_id: None — required" in message
    assert "existing.public_subnet_ids: [] — a list of at least 1 entries, each a subnet id" in message


def test_placement_checks_use_the_placement_declaration():
    problems = ArgumentProblems("Shape")
    WORKLOAD_PLACEMENT_ARGS.check({"vpc_id": "", "subnet_ids": [], "assign_public_ip": "yes"}, problems, "placement.")
    assert problems.lines() == [
        "placement.vpc_id: '' — a VPC id (a non-empty string or an Output)",
        "placement.subnet_ids: [] — a list of at least 1 entries, each a subnet id (a non-empty string or an Output)",
        "placement.assign_public_ip: 'yes' — true or false",
    ]
    missing = ArgumentProblems("Shape")
    WORKLOAD_PLACEMENT_ARGS.check(None, missing, "placement.")
    assert missing.lines() == ["placement: None — a mapping with keys from: assign_public_ip, subnet_ids, vpc_id"]


def test_network_placement_passes_the_placement_checks():
    holder = {}

    def program():
        problems = ArgumentProblems("Shape")
        WORKLOAD_PLACEMENT_ARGS.check(Network("net", {}).placement(), problems, "placement.")
        holder["problems"] = problems.lines()

    run_callable(program)
    assert holder["problems"] == []

from __future__ import annotations

import pytest

from ecs_workloads import Network
from harness.program import run_callable
from harness.recording import Recording


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
    assert vpc.parent == recording.one("ecs-workloads:network:Network").urn


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

    assert run_callable(program).one("ecs-workloads:network:Network")

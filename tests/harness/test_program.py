"""The program evaluates for every stack file, offline, and the harness itself is strict."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from harness.mocks import UnmockedInvokeError
from harness.program import list_stacks, run_callable, run_program


@pytest.fixture(scope="module", params=list_stacks())
def stack_run(request):
    return request.param, run_program(request.param)


def test_both_stacks_exist():
    assert {"dev", "prod"} <= set(list_stacks())


def test_every_stack_evaluates_with_unique_urns(stack_run):
    _, recording = stack_run
    assert recording.registrations
    assert recording.duplicate_urns() == []


def test_every_resource_has_a_parent_component_or_the_stack(stack_run):
    _, recording = stack_run
    urns = {r.urn for r in recording.registrations}
    for registration in recording.registrations:
        assert registration.parent in urns or "::pulumi:pulumi:Stack::" in registration.parent


def test_dev_is_cheap_no_nat_and_public_ip():
    recording = run_program("dev")
    vpc = recording.one("awsx:ec2:Vpc")
    assert vpc.inputs["natGateways"] == {"strategy": "None"}
    assert recording.stack_outputs["assignPublicIp"] is True
    assert recording.one("aws:ecs/cluster:Cluster").inputs["settings"][0]["name"] == "containerInsights"


def test_prod_has_private_subnets_behind_nat():
    recording = run_program("prod")
    assert recording.one("awsx:ec2:Vpc").inputs["natGateways"] == {"strategy": "OnePerAz"}
    assert recording.stack_outputs["assignPublicIp"] is False
    assert recording.one("aws:sns/topicSubscription:TopicSubscription").inputs["endpoint"] == "ops@example.com"


def test_unmocked_invoke_fails_loudly():
    def program():
        aws.ec2.get_vpc_output(default=True).id.apply(lambda _: None)

    with pytest.raises(Exception) as caught:
        run_callable(program)
    assert isinstance(caught.value, UnmockedInvokeError) or "is not mocked" in str(caught.value)


def test_runs_are_isolated_from_each_other():
    first = run_callable(lambda: pulumi.export("a", 1))
    second = run_callable(lambda: pulumi.export("b", 2))
    assert first.stack_outputs == {"a": 1}
    assert second.stack_outputs == {"b": 2}

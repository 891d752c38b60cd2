"""The stack file's example values: a real deployment refuses them naming the key; the offline plan warns."""

from __future__ import annotations

import pytest

from harness.program import run_program, stack_config
from harness.recording import Recording
from stack.config import StackConfigError
from stack.placeholders import OFFLINE_PLAN_KEY, is_reserved_domain

# Each at the line of its key in Pulumi.prod.yaml.
PROD_PLACEHOLDERS = [
    'Pulumi.prod.yaml:22:5: ecs-workloads:alarms.email: "ops@example.com" — an address at a reserved example '
    "domain; set your own",
    'Pulumi.prod.yaml:25:5: ecs-workloads:cats.domainName: "cats.example.com" — a reserved example domain; set '
    "your own",
    'Pulumi.prod.yaml:26:5: ecs-workloads:cats.hostedZoneId: "Z0123456789EXAMPLE" — a placeholder hosted zone '
    "id; set your own",
]


def _deploying(config: dict) -> dict:
    """The config as `pulumi up` hands it to the program: without the harness's offline-plan flag."""
    return {**config, OFFLINE_PLAN_KEY: False}


def test_a_real_deployment_of_prod_refuses_its_examples_before_any_resource():
    recording = Recording()
    with pytest.raises(StackConfigError) as caught:
        run_program("prod", config=_deploying(stack_config("prod")), recording=recording)
    assert str(caught.value) == "invalid stack config:\n  " + "\n  ".join(PROD_PLACEHOLDERS)
    assert recording.registrations == []


def test_the_offline_plan_of_prod_warns_and_still_builds():
    recording = run_program("prod")
    assert recording.warnings == [f"{problem} (pulumi up refuses it)" for problem in PROD_PLACEHOLDERS]
    assert recording.one("aws:acm/certificate:Certificate").inputs["domainName"] == "cats.example.com"


def test_real_values_deploy_without_warnings():
    config = {
        **stack_config("prod"),
        "ecs-workloads:alarms": {"email": "oncall@cats.co.uk"},
        "ecs-workloads:cats": {
            **stack_config("prod")["ecs-workloads:cats"],
            "domainName": "cats.co.uk",
            "hostedZoneId": "Z04512345ABCDEFGHIJK",
        },
    }
    recording = run_program("prod", config=_deploying(config))
    assert recording.warnings == []
    assert recording.one("aws:acm/certificate:Certificate").inputs["domainName"] == "cats.co.uk"


def test_dev_carries_no_example_value():
    assert run_program("dev", config=_deploying(stack_config("dev"))).warnings == []


@pytest.mark.parametrize(
    ("domain", "reserved"),
    [
        ("example.com", True),
        ("cats.example.com", True),
        ("a.b.EXAMPLE.org", True),
        ("example.net.", True),
        ("shop.example", True),
        ("cats.test", True),
        ("nowhere.invalid", True),
        ("example.co.uk", False),
        ("myexample.com", False),
        ("example.com.au", False),
        ("testing.io", False),
    ],
)
def test_reserved_domains_are_rfc_2606_and_6761_names(domain, reserved):
    assert is_reserved_domain(domain) is reserved

"""`tags` reach every taggable resource a component creates, under the resource's own tags."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from ecs_workloads.private_bucket import PrivateBucket
from ecs_workloads.tags import TAGS, takes_tags, with_tags
from harness.program import run_callable
from policy.rules.tags import is_taggable

SNAPSHOTS = Path(__file__).resolve().parents[1] / "plan" / "snapshots"

TAGS_GIVEN = {"team": "pictures", "cost-centre": "42"}


def test_every_taggable_child_carries_the_component_tags() -> None:
    recording = run_callable(lambda: PrivateBucket("data", {"tags": TAGS_GIVEN}))
    custom = [r for r in recording.registrations if not r.type.startswith("ecs-workloads:")]
    taggable = [r for r in custom if takes_tags(r.type)]
    assert [r.type for r in taggable] == ["aws:s3/bucket:Bucket"]
    assert all(r.inputs["tags"] == TAGS_GIVEN for r in taggable)
    # Types without a `tags` input (the bucket policy, the lifecycle rules) are left alone: AWS would refuse it.
    assert all("tags" not in r.inputs for r in custom if r not in taggable)


def test_a_resource_keeps_its_own_tags_over_the_component_ones() -> None:
    class Holder(pulumi.ComponentResource):
        def __init__(self) -> None:
            super().__init__("test:index:Holder", "holder", None, with_tags({"team": "outer", "x": "1"}, None))
            aws.sqs.Queue("queue", tags={"team": "inner"}, opts=pulumi.ResourceOptions(parent=self))
            self.register_outputs({})

    recording = run_callable(Holder)
    assert recording.one("aws:sqs/queue:Queue").inputs["tags"] == {"team": "inner", "x": "1"}


@pytest.mark.parametrize(
    "tags",
    [{"aws:owner": "x"}, {"": "x"}, {"k" * 129: "x"}, {"k": "v" * 257}, {f"k{i}": "v" for i in range(51)}, {"k": 1}],
)
def test_tags_aws_refuses_are_refused(tags) -> None:
    assert TAGS.problem(tags) is not None
    with pytest.raises(ValueError, match=r"tags: .* — a mapping of at most 50 tags"):
        run_callable(lambda: PrivateBucket("data", {"tags": tags}))


def test_a_type_whose_module_is_a_python_keyword_resolves_to_the_sdk_module() -> None:
    # pulumi_aws names the module `lambda_`: `lambda` cannot be a Python name.
    assert takes_tags("aws:lambda/function:Function")
    assert not takes_tags("aws:lambda/permission:Permission")


def _sample_tokens() -> list[str]:
    """Every type the two stacks' plans register, and types from a module named after a Python keyword."""
    planned = {
        line.split()[1]
        for snapshot in SNAPSHOTS.glob("*.txt")
        for line in snapshot.read_text().splitlines()
        if line.lstrip().startswith("+ ")
    }
    return sorted(planned | {"aws:lambda/function:Function", "aws:lambda/permission:Permission"})


def test_the_policy_pack_agrees_on_which_types_take_tags() -> None:
    # The policy pack runs without this library installed, so it has its own reading of the SDK.
    tokens = _sample_tokens()
    assert "aws:s3/bucket:Bucket" in tokens and "aws:s3/bucketPolicy:BucketPolicy" in tokens
    assert {token: takes_tags(token) for token in tokens} == {token: is_taggable(token) for token in tokens}

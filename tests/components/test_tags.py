"""`tags` reach every taggable resource a component creates, under the resource's own tags."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from ecs_workloads.private_bucket import PrivateBucket
from ecs_workloads.tags import TAGS, takes_tags, with_tags
from harness.program import run_callable

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

"""`json_document` gives the text, dependencies and secrecy `Output.json_dumps` gives, awaiting fewer Outputs."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ecs_workloads.iam import policy_document
from ecs_workloads.json_document import json_document, resolved
from harness.program import run_callable
from harness.recording import is_secret


def _document(queue: aws.sqs.Queue) -> dict:
    return {
        "name": queue.name,
        "numbers": [1, 2.5, True, None],
        "nested": {"arn": queue.arn, "pair": (queue.url, "plain")},
        # An Output whose value still holds Outputs is unwrapped all the way, as Output.json_dumps does.
        "outer": queue.arn.apply(lambda arn: [{"inner": queue.name, "arn": arn}]),
        "empty": {"list": [], "dict": {}},
    }


def _both(make) -> tuple[dict, dict]:
    def program() -> None:
        queue = aws.sqs.Queue("source")
        ours, theirs = make(queue)
        aws.sqs.Queue("ours", policy=ours)
        aws.sqs.Queue("theirs", policy=theirs)

    recording = run_callable(program)
    return recording.one("aws:sqs/queue:Queue", "ours"), recording.one("aws:sqs/queue:Queue", "theirs")


def test_text_and_dependencies_are_those_of_output_json_dumps():
    ours, theirs = _both(lambda queue: (json_document(_document(queue)), pulumi.Output.json_dumps(_document(queue))))
    assert ours.inputs["policy"] == theirs.inputs["policy"]
    assert json.loads(ours.inputs["policy"])["outer"][0]["inner"] == json.loads(ours.inputs["policy"])["name"]
    assert ours.dependencies == theirs.dependencies
    assert len(ours.dependencies) == 1


def test_a_secret_leaf_makes_the_document_secret():
    ours, theirs = _both(
        lambda queue: (
            json_document({"token": pulumi.Output.secret("s3cr3t")}),
            pulumi.Output.json_dumps({"token": pulumi.Output.secret("s3cr3t")}),
        )
    )
    assert is_secret(ours.inputs["policy"])
    assert ours.inputs["policy"] == theirs.inputs["policy"]


def test_a_document_without_outputs_is_dumped_as_is():
    ours, theirs = _both(lambda queue: (json_document({"a": [1, "b"]}), pulumi.Output.json_dumps({"a": [1, "b"]})))
    assert ours.inputs["policy"] == theirs.inputs["policy"] == '{"a": [1, "b"]}'


def test_the_document_is_read_when_given_not_when_its_outputs_resolve():
    def make(queue):
        document = {"arn": queue.arn, "later": "no"}
        text = json_document(document)
        document["later"] = "yes"
        return text, pulumi.Output.json_dumps({"arn": queue.arn, "later": "no"})

    ours, theirs = _both(make)
    assert ours.inputs["policy"] == theirs.inputs["policy"]


def test_policy_document_reads_statements_given_as_one_output_or_as_a_list():
    def make(queue):
        statements = [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue.arn}]
        return policy_document(resolved(statements)), policy_document(statements)

    ours, theirs = _both(make)
    assert ours.inputs["policy"] == theirs.inputs["policy"]
    assert ours.dependencies == theirs.dependencies

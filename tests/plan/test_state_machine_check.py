"""The States Language check finds what AWS would refuse; each case breaks one rule of a valid definition."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from plan.conformance import state_machine

VALID: dict[str, Any] = {
    "QueryLanguage": "JSONata",
    "StartAt": "Depth",
    "States": {
        "Depth": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sqs:getQueueAttributes",
            "Arguments": {"QueueUrl": "{% $url %}", "AttributeNames": ["ApproximateNumberOfMessages"]},
            "Next": "Run",
        },
        "Run": {
            "Type": "Map",
            "Items": "{% [1..2] %}",
            "ItemProcessor": {
                "StartAt": "Task",
                "States": {
                    "Task": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::ecs:runTask.sync",
                        "Arguments": {"Cluster": "c", "TaskDefinition": "{% $t %}", "LaunchType": "FARGATE"},
                        "End": True,
                    }
                },
            },
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Failed": {"Type": "Fail", "Error": "E"},
    },
}


def _broken(change) -> list[str]:
    document = copy.deepcopy(VALID)
    change(document)
    return [f"{finding.path}: {finding.rule}" for finding in state_machine.check(json.dumps(document))]


def test_the_valid_definition_has_no_finding():
    assert state_machine.check(json.dumps(VALID)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["States"]["Run"].update(Next="Nowhere"),
            "definition.States.Run.Next: must name a state of the same scope",
        ),
        (
            lambda d: d["States"]["Run"]["ItemProcessor"]["States"]["Task"].update(End=False, Next="Done"),
            "definition.States.Run.ItemProcessor.States.Task.Next: must name a state of the same scope",
        ),
        (lambda d: d.update(StartAt="Run"), "definition.States: not reachable from StartAt Run"),
        (
            lambda d: d["States"]["Depth"].update(Resource="arn:aws:states:::aws-sdk:sqs:getQueueDepth"),
            "definition.States.Depth.Resource: GetQueueDepth is not an operation of sqs",
        ),
        (
            lambda d: d["States"]["Depth"]["Arguments"].update(AttributeNames=["Depth"]),
            "definition.States.Depth.Arguments.AttributeNames[0]: must be one of",
        ),
        (
            lambda d: d["States"]["Depth"]["Arguments"].pop("QueueUrl"),
            "definition.States.Depth.Arguments.QueueUrl: required member of GetQueueAttributesRequest",
        ),
        (
            lambda d: d["States"]["Run"]["ItemProcessor"]["States"]["Task"]["Arguments"].update(
                EnableECSManagedTags=True
            ),
            "definition.States.Run.ItemProcessor.States.Task.Arguments.EnableECSManagedTags: not a parameter of the "
            "arn:aws:states:::ecs:runTask.sync integration",
        ),
        (
            lambda d: d["States"]["Run"]["ItemProcessor"]["States"]["Task"]["Arguments"].update(LaunchType="SPOT"),
            "definition.States.Run.ItemProcessor.States.Task.Arguments.LaunchType: must be one of EC2, FARGATE",
        ),
        (
            lambda d: d["States"]["Depth"].update(Parameters={}),
            "definition.States.Depth.Parameters: not a field of a JSONata Task state",
        ),
        (
            lambda d: d["States"]["Depth"].update(Resource="arn:aws:lambda:us-east-1:1:function:f"),
            "definition.States.Depth.Resource: an arn:aws:states:::<service>:<api> service integration",
        ),
        (
            lambda d: d["States"].update(
                Done={"Type": "Pass", "Next": "Depth"}, Failed={"Type": "Pass", "Next": "Depth"}
            ),
            "definition.States: no state ends the execution (End, Succeed or Fail)",
        ),
        (lambda d: d["States"]["Run"].update(End=True), "definition.States.Run: exactly one of Next and End: true"),
    ],
)
def test_each_broken_rule_is_found(change, expected):
    assert any(line.startswith(expected) for line in _broken(change)), _broken(change)

"""Amazon States Language definitions, checked offline.

The rules are the States Language specification's (https://states-language.net/spec.html) and the Step
Functions Developer Guide's:

- `StartAt` names a state of `States`; every `Next`, `Default`, `Choices[].Next` and `Catch[].Next` names a
  state of the same `States` (a Map's `ItemProcessor` or a Parallel branch is its own scope); every state is
  reachable from `StartAt`; at least one state ends (`End: true`, Succeed or Fail) in every scope.
- Each state's fields are those its `Type` allows in its query language (JSONata states take `Arguments`,
  `Output`, `Condition`, `Items`; JSONPath states `Parameters`, `ResultPath`, `InputPath`, `ItemsPath`, ...);
  `Assign` is allowed in both ("Passing data between states with variables").
- A Task's `Resource` is a service integration, `arn:<partition>:states:::<service>:<api>[.sync|.waitForTaskToken]`
  for the optimized integrations or `arn:<partition>:states:::aws-sdk:<service>:<apiAction>` for AWS SDK ones,
  whose action is a real operation of the service's botocore model.
- The `Arguments` (or `Parameters`) of a Task whose API the check knows are the operation's input shape in
  botocore's model: known members (optimized integrations spell them PascalCase where the API is camelCase),
  required members present, enums, bounds and patterns. A JSONata `{% ... %}` value (or a JSONPath `.$` key)
  is computed at run time: its member is checked, its value is not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from botocore.model import ListShape, Shape, StructureShape

from . import model
from .model import Finding

_TASK_RESOURCE = re.compile(
    r"^arn:aws[a-z-]*:states:::(?P<sdk>aws-sdk:)?(?P<service>[a-z0-9-]+):(?P<action>[A-Za-z0-9]+)"
    r"(?P<pattern>\.sync(:2)?|\.waitForTaskToken)?$"
)
# Optimized integrations the check knows: (service, API in the resource) -> (botocore service, operation,
# the parameters the integration takes). An optimized integration takes fewer members than the API: Step
# Functions Developer Guide, "Run Amazon ECS or Fargate tasks with Step Functions" (RunTask: Cluster, Group,
# LaunchType, NetworkConfiguration, Overrides, PlacementConstraints, PlacementStrategy, PlatformVersion,
# PropagateTags, TaskDefinition, EnableExecuteCommand; CapacityProviderStrategy is accepted too, which the
# CDK's EcsRunTask writes since aws/aws-cdk#35465, closing aws/aws-cdk#20013), "Publish messages to an Amazon
# SNS topic" and "Send messages to an Amazon SQS queue".
OPTIMIZED: dict[tuple[str, str], tuple[str, str, frozenset[str]]] = {
    ("ecs", "runTask"): (
        "ecs",
        "RunTask",
        frozenset(
            {
                "Cluster",
                "Group",
                "LaunchType",
                "NetworkConfiguration",
                "Overrides",
                "PlacementConstraints",
                "PlacementStrategy",
                "PlatformVersion",
                "PropagateTags",
                "TaskDefinition",
                "EnableExecuteCommand",
                "CapacityProviderStrategy",
            }
        ),
    ),
    ("sns", "publish"): (
        "sns",
        "Publish",
        frozenset(
            {
                "Message",
                "MessageAttributes",
                "MessageStructure",
                "MessageDeduplicationId",
                "MessageGroupId",
                "PhoneNumber",
                "Subject",
                "TargetArn",
                "TopicArn",
            }
        ),
    ),
    ("sqs", "sendMessage"): (
        "sqs",
        "SendMessage",
        frozenset(
            {"DelaySeconds", "MessageAttributes", "MessageBody", "MessageDeduplicationId", "MessageGroupId", "QueueUrl"}
        ),
    ),
}
# AWS SDK integrations name a service by its SDK name ("Integrating services with the AWS SDK": sfn for
# Step Functions); botocore names some otherwise.
_SDK_SERVICES = {"sfn": "stepfunctions"}

_COMMON = {"Type", "Comment"}
_JSONATA_FIELDS = {"Output", "Assign"}
_JSONPATH_FIELDS = {"InputPath", "OutputPath", "Assign"}
_FIELDS: dict[str, dict[str, set[str]]] = {
    "JSONata": {
        "Pass": {"Next", "End"},
        "Task": {
            "Next",
            "End",
            "Resource",
            "Arguments",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
        },
        "Choice": {"Choices", "Default"},
        "Wait": {"Next", "End", "Seconds", "Timestamp"},
        "Succeed": set(),
        "Fail": {"Error", "Cause"},
        "Parallel": {"Next", "End", "Branches", "Arguments", "Retry", "Catch"},
        "Map": {
            "Next",
            "End",
            "Items",
            "ItemProcessor",
            "ItemSelector",
            "MaxConcurrency",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "Retry",
            "Catch",
            "Label",
        },
    },
    "JSONPath": {
        "Pass": {"Next", "End", "Result", "ResultPath", "Parameters"},
        "Task": {
            "Next",
            "End",
            "Resource",
            "Parameters",
            "ResultPath",
            "ResultSelector",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
        },
        "Choice": {"Choices", "Default"},
        "Wait": {"Next", "End", "Seconds", "Timestamp", "SecondsPath", "TimestampPath"},
        "Succeed": set(),
        "Fail": {"Error", "Cause", "ErrorPath", "CausePath"},
        "Parallel": {"Next", "End", "Branches", "Parameters", "ResultPath", "ResultSelector", "Retry", "Catch"},
        "Map": {
            "Next",
            "End",
            "ItemsPath",
            "ItemProcessor",
            "ItemSelector",
            "MaxConcurrency",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "ResultPath",
            "ResultSelector",
            "Retry",
            "Catch",
            "Label",
            "Parameters",
        },
    },
}
_QUERY_LANGUAGES = tuple(_FIELDS)


def is_jsonata(value: Any) -> bool:
    """A JSONata expression field value: `{% ... %}` ("Transforming data with JSONata in Step Functions")."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def check(text: str, path: str = "definition") -> list[Finding]:
    """Every finding in the definition `text`."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return [Finding(path, text[:60], f"not JSON: {error}")]
    language = document.get("QueryLanguage", "JSONPath")
    if language not in _QUERY_LANGUAGES:
        return [Finding(f"{path}.QueryLanguage", language, f"must be one of {', '.join(_QUERY_LANGUAGES)}")]
    return _scope(document, path, language)


def _scope(scope: Mapping[str, Any], path: str, language: str) -> list[Finding]:
    states = scope.get("States")
    if not isinstance(states, dict) or not states:
        return [Finding(f"{path}.States", states, "a non-empty object of states")]
    found: list[Finding] = []
    start = scope.get("StartAt")
    if start not in states:
        found.append(Finding(f"{path}.StartAt", start, f"must name one of the states: {', '.join(states)}"))
    terminal = False
    for name, state in states.items():
        at = f"{path}.States.{name}"
        own = state.get("QueryLanguage", language)
        if own not in _QUERY_LANGUAGES:
            found.append(Finding(f"{at}.QueryLanguage", own, f"must be one of {', '.join(_QUERY_LANGUAGES)}"))
            continue
        found.extend(_state(state, at, own))
        for target_path, target in _transitions(state, at):
            if target not in states:
                found.append(Finding(target_path, target, "must name a state of the same scope"))
        terminal = terminal or state.get("End") is True or state.get("Type") in ("Succeed", "Fail")
    if not terminal:
        found.append(Finding(f"{path}.States", list(states), "no state ends the execution (End, Succeed or Fail)"))
    unreachable = sorted(set(states) - _reachable(states, start))
    if start in states and unreachable:
        found.append(Finding(f"{path}.States", unreachable, f"not reachable from StartAt {start}"))
    return found


def _transitions(state: Mapping[str, Any], at: str) -> Iterator[tuple[str, Any]]:
    if "Next" in state:
        yield f"{at}.Next", state["Next"]
    if "Default" in state:
        yield f"{at}.Default", state["Default"]
    for index, choice in enumerate(state.get("Choices", [])):
        yield f"{at}.Choices[{index}].Next", choice.get("Next")
    for index, catcher in enumerate(state.get("Catch", [])):
        yield f"{at}.Catch[{index}].Next", catcher.get("Next")


def _reachable(states: Mapping[str, Any], start: Any) -> set[str]:
    seen: set[str] = set()
    pending = [start] if start in states else []
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(target for _, target in _transitions(states[name], "") if target in states)
    return seen


def _state(state: Mapping[str, Any], at: str, language: str) -> list[Finding]:
    kind = state.get("Type")
    allowed = _FIELDS[language].get(kind)
    if allowed is None:
        return [Finding(f"{at}.Type", kind, f"must be one of {', '.join(_FIELDS[language])}")]
    extra = _JSONATA_FIELDS if language == "JSONata" else _JSONPATH_FIELDS
    found = [
        Finding(f"{at}.{field}", state[field], f"not a field of a {language} {kind} state")
        for field in state
        if field not in allowed | extra | _COMMON | {"QueryLanguage"}
    ]
    ends = state.get("End") is True
    if kind not in ("Choice", "Succeed", "Fail") and ends == ("Next" in state):
        found.append(Finding(at, sorted(state), "exactly one of Next and End: true"))
    if kind == "Choice" and not state.get("Choices"):
        found.append(Finding(f"{at}.Choices", state.get("Choices"), "a Choice state needs at least one rule"))
    if kind == "Choice" and language == "JSONata":
        for index, choice in enumerate(state.get("Choices", [])):
            if not is_jsonata(choice.get("Condition")):
                found.append(Finding(f"{at}.Choices[{index}].Condition", choice.get("Condition"), "a {% %} JSONata"))
    if kind == "Task":
        found.extend(_task(state, at, language))
    if kind == "Map":
        processor = state.get("ItemProcessor") or {}
        found.extend(_scope(processor, f"{at}.ItemProcessor", processor.get("QueryLanguage", language)))
    for index, branch in enumerate(state.get("Branches", [])):
        found.extend(_scope(branch, f"{at}.Branches[{index}]", branch.get("QueryLanguage", language)))
    return found


def task_operation(resource: Any) -> tuple[str, str, frozenset[str] | None] | None:
    """The botocore (service, operation) a Task resource calls, when the check knows it, and the parameters
    an optimized integration limits it to (None: every member of the API's input, as for AWS SDK ones)."""
    match = _TASK_RESOURCE.match(resource) if isinstance(resource, str) else None
    if match is None:
        return None
    service, action = match["service"], match["action"]
    if match["sdk"]:
        return _SDK_SERVICES.get(service, service), action[:1].upper() + action[1:], None
    return OPTIMIZED.get((service, action))


def _task(state: Mapping[str, Any], at: str, language: str) -> list[Finding]:
    resource = state.get("Resource")
    match = _TASK_RESOURCE.match(resource) if isinstance(resource, str) else None
    if match is None:
        return [Finding(f"{at}.Resource", resource, "an arn:aws:states:::<service>:<api> service integration")]
    called = task_operation(resource)
    if called is None:
        return []
    service, operation, supported = called
    if match["sdk"] and operation not in model.operation_names(service):
        return [Finding(f"{at}.Resource", resource, f"{operation} is not an operation of {service}")]
    field = "Arguments" if language == "JSONata" else "Parameters"
    arguments = state.get(field, {})
    if is_jsonata(arguments):
        return []
    found = [
        Finding(f"{at}.{field}.{key}", arguments[key], f"not a parameter of the {resource} integration")
        for key in arguments
        if supported is not None and key.removesuffix(".$") not in supported
    ]
    return found + _members(model.operation(service, operation).input_shape, arguments, f"{at}.{field}")


def _members(shape: Shape | None, value: Any, path: str) -> list[Finding]:
    """`value` against `shape`, matching member names case-insensitively (the optimized integrations write
    camelCase API members PascalCase) and leaving run-time values (`{% %}`, `Key.$`) unchecked."""
    if shape is None:
        return [Finding(path, value, "no such member in the service model")]
    if is_jsonata(value):
        return []
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        by_lower = {name.lower(): name for name in shape.members}
        found: list[Finding] = []
        given: set[str] = set()
        for key, member_value in value.items():
            name = by_lower.get(key.removesuffix(".$").lower())
            if name is None:
                found.append(Finding(f"{path}.{key}", member_value, f"unknown member of {shape.name}"))
                continue
            given.add(name)
            if not key.endswith(".$"):
                found.extend(_members(shape.members[name], member_value, f"{path}.{key}"))
        for name in shape.required_members:
            if name not in given:
                found.append(Finding(f"{path}.{name}", None, f"required member of {shape.name}"))
        return found
    if isinstance(shape, ListShape) and isinstance(value, list):
        found = []
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            found.append(Finding(path, value, f"{low} to {high} items ({shape.name})"))
        for index, item in enumerate(value):
            found.extend(_members(shape.member, item, f"{path}[{index}]"))
        return found
    return model.validate(shape, value, path)

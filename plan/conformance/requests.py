"""What a recorded resource becomes on the wire: the AWS API request(s) the provider sends to create it.

Each translator takes a registration (Pulumi camelCase inputs) and returns `Request`s whose parameters use
the botocore shape's member names, with JSON documents held in strings left as strings (the API takes them
so) and parsed separately by `documents`. Physical names come from the recorded outputs, which the mocks
fill as Pulumi autonames them (`<logical name>-<7 hex>`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from harness.recording import Registration


@dataclass(frozen=True)
class Request:
    resource: str
    service: str
    operation: str
    params: dict[str, Any]
    # JSON documents carried in the request: (field path, document kind, text).
    documents: tuple[tuple[str, str, str], ...] = field(default=())


def whole(value: Any) -> Any:
    """Pulumi sends every number as a float; the API's integer members take whole numbers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole(v) for v in value]
    return value


def pascal(value: Any, renames: dict[str, str] | None = None, maps: frozenset[str] = frozenset()) -> Any:
    """camelCase keys to PascalCase, recursively; `renames` for members whose names differ otherwise, and
    `maps` for members whose values are maps with the caller's own keys (kept as they are)."""
    renames = renames or {}
    if isinstance(value, dict):
        return {
            renames.get(k, k[:1].upper() + k[1:]): v if k in maps else pascal(v, renames, maps)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [pascal(v, renames, maps) for v in value]
    return value


def _pick(inputs: dict[str, Any], *drop: str) -> dict[str, Any]:
    return {k: v for k, v in inputs.items() if k not in drop and v is not None}


def _name(reg: Registration) -> str:
    return str(reg.outputs.get("name") or reg.name)


def _one(reg: Registration, service: str, op: str, params: dict[str, Any], *docs) -> list[Request]:
    return [Request(reg.name, service, op, whole(params), tuple(docs))]


def _awsvpc(config: dict[str, Any] | None, upper: bool) -> dict[str, Any] | None:
    if not config:
        return None
    public = config.get("assignPublicIp")
    flag = None if public is None else ("ENABLED" if public else "DISABLED")
    inner = {"subnets": config.get("subnets"), "securityGroups": config.get("securityGroups"), "assignPublicIp": flag}
    inner = {k: v for k, v in inner.items() if v is not None}
    # Scheduler's model names the wrapper camelCase and its members PascalCase; ECS's is camelCase throughout.
    return {"awsvpcConfiguration": pascal(inner) if upper else inner}


def task_definition(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = _pick(i, "tags", "skipDestroy", "trackLatest", "containerDefinitions")
    params["containerDefinitions"] = json.loads(i["containerDefinitions"])
    return _one(reg, "ecs", "RegisterTaskDefinition", params)


def service(reg: Registration) -> list[Request]:
    i = dict(reg.inputs)
    params = _pick(
        i,
        "tags",
        "waitForSteadyState",
        "forceNewDeployment",
        "capacityProviderStrategies",
        "networkConfiguration",
        "orderedPlacementStrategies",
    )
    if i.get("orderedPlacementStrategies"):
        params["placementStrategy"] = i["orderedPlacementStrategies"]
    params.update(serviceName=_name(reg), networkConfiguration=_awsvpc(i.get("networkConfiguration"), False))
    if "enableEcsManagedTags" in params:
        params["enableECSManagedTags"] = params.pop("enableEcsManagedTags")
    if i.get("capacityProviderStrategies"):
        params["capacityProviderStrategy"] = i["capacityProviderStrategies"]
    breaker = params.pop("deploymentCircuitBreaker", None)
    # The provider's deploymentConfiguration block (strategy, bake times, hooks) and `alarms` are members of
    # the API's one DeploymentConfiguration; the provider types its minute counts as strings.
    strategy = _minutes(params.pop("deploymentConfiguration", None) or {})
    deployment = {
        **strategy,
        "deploymentCircuitBreaker": breaker,
        "minimumHealthyPercent": params.pop("deploymentMinimumHealthyPercent", None),
        "maximumPercent": params.pop("deploymentMaximumPercent", None),
        "alarms": params.pop("alarms", None),
    }
    params["deploymentConfiguration"] = {k: v for k, v in deployment.items() if v is not None}
    if "serviceConnectConfiguration" in params:
        params["serviceConnectConfiguration"] = _service_connect(params["serviceConnectConfiguration"])
    return _one(reg, "ecs", "CreateService", {k: v for k, v in params.items() if v is not None})


_MINUTES = frozenset({"bakeTimeInMinutes", "canaryBakeTimeInMinutes", "stepBakeTimeInMinutes"})


def _minutes(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: int(v) if k in _MINUTES and isinstance(v, str) else _minutes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_minutes(v) for v in value]
    return value


def _service_connect(config: dict[str, Any]) -> dict[str, Any]:
    """pulumi-aws names each service's `clientAliases` list `clientAlias`."""
    services = [
        {("clientAliases" if k == "clientAlias" else k): v for k, v in service.items()}
        for service in config.get("services", [])
    ]
    return {**config, "services": services} if services else config


def cluster(reg: Registration) -> list[Request]:
    # serviceConnectDefaults passes as it is: pulumi-aws and ECS both spell it {namespace}.
    return _one(reg, "ecs", "CreateCluster", {"clusterName": _name(reg), **_pick(reg.inputs, "tags")})


def http_namespace(reg: Registration) -> list[Request]:
    params = {"Name": _name(reg), "Description": reg.inputs.get("description")}
    return _one(reg, "servicediscovery", "CreateHttpNamespace", {k: v for k, v in params.items() if v is not None})


def capacity_providers(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {
        "cluster": i["clusterName"],
        "capacityProviders": i.get("capacityProviders", []),
        "defaultCapacityProviderStrategy": i.get("defaultCapacityProviderStrategies", []),
    }
    return _one(reg, "ecs", "PutClusterCapacityProviders", params)


def role(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {
        "RoleName": _name(reg),
        "AssumeRolePolicyDocument": i["assumeRolePolicy"],
        **pascal(_pick(i, "tags", "assumeRolePolicy", "forceDetachPolicies", "managedPolicyArns", "inlinePolicies")),
    }
    return _one(reg, "iam", "CreateRole", params, ("AssumeRolePolicyDocument", "trust-policy", i["assumeRolePolicy"]))


def role_policy(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"RoleName": i["role"], "PolicyName": _name(reg), "PolicyDocument": i["policy"]}
    return _one(reg, "iam", "PutRolePolicy", params, ("PolicyDocument", "iam-policy", i["policy"]))


_QUEUE_ATTRIBUTES = {
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "policy": "Policy",
}


def _attribute(value: Any) -> str:
    # SQS attributes are all strings on the wire: booleans as "true"/"false", numbers as integers.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(whole(value))


def queue(reg: Registration) -> list[Request]:
    i = reg.inputs
    attributes = {_QUEUE_ATTRIBUTES.get(k, k): _attribute(v) for k, v in _pick(i, "tags", "name").items()}
    docs = [("Attributes.RedrivePolicy", "redrive-policy", i["redrivePolicy"])] if "redrivePolicy" in i else []
    return _one(reg, "sqs", "CreateQueue", {"QueueName": _name(reg), "Attributes": attributes}, *docs)


def queue_policy(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"QueueUrl": i["queueUrl"], "Attributes": {"Policy": i["policy"]}}
    return _one(reg, "sqs", "SetQueueAttributes", params, ("Attributes.Policy", "resource-policy", i["policy"]))


def schedule(reg: Registration) -> list[Request]:
    i = reg.inputs
    target = dict(i["target"])
    ecs = dict(target.pop("ecsParameters", None) or {})
    renames = {"enableEcsManagedTags": "EnableECSManagedTags"}
    if ecs:
        strategy = ecs.pop("capacityProviderStrategies", None)
        placement = ecs.pop("placementStrategies", None)
        network = _awsvpc(ecs.pop("networkConfiguration", None), True)
        ecs = pascal(ecs, renames)
        if network:
            ecs["NetworkConfiguration"] = network
        if strategy:
            ecs["CapacityProviderStrategy"] = strategy  # the Scheduler model keeps these members camelCase
        if placement:
            ecs["PlacementStrategy"] = placement  # camelCase members too
    params = {"Name": _name(reg), **pascal(_pick(i, "target", "namePrefix", "kmsKeyArn"))}
    params["Target"] = {**pascal(target), **({"EcsParameters": ecs} if ecs else {})}
    if "kmsKeyArn" in i:
        params["KmsKeyArn"] = i["kmsKeyArn"]
    return _one(reg, "scheduler", "CreateSchedule", params)


def schedule_group(reg: Registration) -> list[Request]:
    return _one(reg, "scheduler", "CreateScheduleGroup", {"Name": _name(reg)})


def state_machine(reg: Registration) -> list[Request]:
    i = reg.inputs
    params: dict[str, Any] = {"name": _name(reg), **_pick(i, "tags", "loggingConfiguration", "namePrefix", "publish")}
    logging = params.pop("loggingConfiguration", None)
    if logging:
        # Pulumi's logDestination is CreateStateMachine's one destination, the log group's ARN ending in `:*`.
        destination = logging.get("logDestination")
        params["loggingConfiguration"] = {
            **{k: v for k, v in logging.items() if k != "logDestination"},
            **({"destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": destination}}]} if destination else {}),
        }
    return _one(reg, "stepfunctions", "CreateStateMachine", params, ("definition", "state-machine", i["definition"]))


def scaling_target(reg: Registration) -> list[Request]:
    return _one(reg, "application-autoscaling", "RegisterScalableTarget", pascal(_pick(reg.inputs, "tags")))


def scheduled_action(reg: Registration) -> list[Request]:
    params = {"ScheduledActionName": _name(reg), **pascal(_pick(reg.inputs, "name"))}
    return _one(reg, "application-autoscaling", "PutScheduledAction", params)


def scaling_policy(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"PolicyName": _name(reg), **pascal(_pick(i, "name"))}
    step = params.get("StepScalingPolicyConfiguration")
    if step:
        for adjustment in step.get("StepAdjustments", []):
            # Pulumi carries the bounds as strings; the API takes doubles.
            for bound in ("MetricIntervalLowerBound", "MetricIntervalUpperBound"):
                if bound in adjustment:
                    adjustment[bound] = float(adjustment[bound])
    return _one(reg, "application-autoscaling", "PutScalingPolicy", params)


def repository(reg: Registration) -> list[Request]:
    params = {"repositoryName": _name(reg), **_pick(reg.inputs, "tags", "forceDelete")}
    return _one(reg, "ecr", "CreateRepository", params)


def lifecycle_policy(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"repositoryName": i["repository"], "lifecyclePolicyText": i["policy"]}
    return _one(reg, "ecr", "PutLifecyclePolicy", params, ("lifecyclePolicyText", "ecr-lifecycle", i["policy"]))


def log_group(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"logGroupName": _name(reg), **({"kmsKeyId": i["kmsKeyId"]} if "kmsKeyId" in i else {})}
    requests = _one(reg, "logs", "CreateLogGroup", params)
    if "retentionInDays" in i:
        retention = {"logGroupName": _name(reg), "retentionInDays": i["retentionInDays"]}
        requests += _one(reg, "logs", "PutRetentionPolicy", retention)
    return requests

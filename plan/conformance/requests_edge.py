"""The requests of the messaging, monitoring, encryption and load-balancing resources (see `requests`)."""

from __future__ import annotations

from typing import Any

from harness.recording import Registration

from .requests import Request, _name, _one, _pick, pascal, whole


def key(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = pascal(_pick(i, "tags", "enableKeyRotation", "deletionWindowInDays", "isEnabled"))
    docs = [("Policy", "resource-policy", i["policy"])] if "policy" in i else []
    requests = _one(reg, "kms", "CreateKey", params, *docs)
    if i.get("enableKeyRotation"):
        requests += _one(reg, "kms", "EnableKeyRotation", {"KeyId": reg.outputs.get("id", reg.name)})
    return requests


def topic(reg: Registration) -> list[Request]:
    i = reg.inputs
    attributes = {"KmsMasterKeyId": i["kmsMasterKeyId"]} if "kmsMasterKeyId" in i else {}
    return _one(reg, "sns", "CreateTopic", {"Name": _name(reg), "Attributes": attributes})


def topic_policy(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"TopicArn": i["arn"], "AttributeName": "Policy", "AttributeValue": i["policy"]}
    return _one(reg, "sns", "SetTopicAttributes", params, ("AttributeValue", "resource-policy", i["policy"]))


# The subscription inputs the provider sends as Subscribe's Attributes (SNS API Reference, Subscribe:
# FilterPolicy, FilterPolicyScope and RawMessageDelivery are attributes, every value a string).
_SUBSCRIPTION_ATTRIBUTES = {
    "filterPolicy": "FilterPolicy",
    "filterPolicyScope": "FilterPolicyScope",
    "rawMessageDelivery": "RawMessageDelivery",
}


def subscription(reg: Registration) -> list[Request]:
    i = reg.inputs
    params: dict[str, Any] = {"TopicArn": i["topic"], "Protocol": i["protocol"], "Endpoint": i.get("endpoint")}
    attributes = {
        attribute: ("true" if i[key] else "false") if isinstance(i[key], bool) else i[key]
        for key, attribute in _SUBSCRIPTION_ATTRIBUTES.items()
        if i.get(key) is not None
    }
    if attributes:
        params["Attributes"] = attributes
    return _one(reg, "sns", "Subscribe", {k: v for k, v in params.items() if v is not None})


def event_rule(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"Name": _name(reg), **pascal(_pick(i, "tags", "namePrefix", "forceDestroy"))}
    docs = [("EventPattern", "event-pattern", i["eventPattern"])] if "eventPattern" in i else []
    return _one(reg, "events", "PutRule", params, *docs)


_TARGET_MAPS = frozenset({"inputPaths", "headerParameters", "queryStringParameters", "pathParameterValues"})


def event_target(reg: Registration) -> list[Request]:
    i = reg.inputs
    target = {
        "Id": i.get("targetId", _name(reg)),
        **pascal(
            _pick(i, "rule", "eventBusName", "targetId", "forceDestroy"), {"inputPaths": "InputPathsMap"}, _TARGET_MAPS
        ),
    }
    params = {"Rule": i["rule"], "Targets": [target]}
    if "eventBusName" in i:
        params["EventBusName"] = i["eventBusName"]
    return _one(reg, "events", "PutTargets", params)


def _dimensions(mapping: dict[str, Any] | None) -> list[dict[str, str]] | None:
    return None if mapping is None else [{"Name": k, "Value": v} for k, v in mapping.items()]


def _metric_query(query: dict[str, Any]) -> dict[str, Any]:
    out = pascal(_pick(query, "metric"))
    metric = query.get("metric")
    if metric:
        inner = {"Namespace": metric.get("namespace"), "MetricName": metric.get("metricName")}
        if metric.get("dimensions"):
            inner["Dimensions"] = _dimensions(metric["dimensions"])
        stat = {"Metric": {k: v for k, v in inner.items() if v is not None}, "Period": metric.get("period")}
        stat.update(Stat=metric.get("stat"), Unit=metric.get("unit"))
        out["MetricStat"] = {k: v for k, v in stat.items() if v is not None}
    return out


def metric_alarm(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"AlarmName": _name(reg), **pascal(_pick(i, "tags", "metricQueries", "dimensions", "okActions", "name"))}
    if "okActions" in i:
        params["OKActions"] = i["okActions"]
    if i.get("dimensions"):
        params["Dimensions"] = _dimensions(i["dimensions"])
    if i.get("metricQueries"):
        params["Metrics"] = [_metric_query(q) for q in i["metricQueries"]]
    return _one(reg, "cloudwatch", "PutMetricAlarm", params)


def dashboard(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"DashboardName": i.get("dashboardName", _name(reg)), "DashboardBody": i["dashboardBody"]}
    return _one(reg, "cloudwatch", "PutDashboard", params, ("DashboardBody", "dashboard", i["dashboardBody"]))


def secret(reg: Registration) -> list[Request]:
    params = {"Name": _name(reg), **pascal(_pick(reg.inputs, "tags", "recoveryWindowInDays", "namePrefix"))}
    return _one(reg, "secretsmanager", "CreateSecret", params)


def load_balancer(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"Name": _name(reg), "Type": i.get("loadBalancerType", "application")}
    params.update(
        pascal(
            _pick(
                i,
                "tags",
                "loadBalancerType",
                "internal",
                "idleTimeout",
                "enableDeletionProtection",
                "dropInvalidHeaderFields",
                "accessLogs",
                "namePrefix",
            )
        )
    )
    if "internal" in i:
        params["Scheme"] = "internal" if i["internal"] else "internet-facing"
    attributes = {
        "idle_timeout.timeout_seconds": i.get("idleTimeout"),
        "deletion_protection.enabled": i.get("enableDeletionProtection"),
        "routing.http.drop_invalid_header_fields.enabled": i.get("dropInvalidHeaderFields"),
    }
    requests = _one(reg, "elbv2", "CreateLoadBalancer", params)
    pairs = [{"Key": k, "Value": str(whole(v)).lower()} for k, v in attributes.items() if v is not None]
    if pairs:
        arn = reg.outputs.get("arn", reg.name)
        requests += _one(reg, "elbv2", "ModifyLoadBalancerAttributes", {"LoadBalancerArn": arn, "Attributes": pairs})
    return requests


_HEALTH_CHECK = {
    "protocol": "HealthCheckProtocol",
    "port": "HealthCheckPort",
    "enabled": "HealthCheckEnabled",
    "path": "HealthCheckPath",
    "interval": "HealthCheckIntervalSeconds",
    "timeout": "HealthCheckTimeoutSeconds",
    "healthyThreshold": "HealthyThresholdCount",
    "unhealthyThreshold": "UnhealthyThresholdCount",
}


def target_group(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"Name": _name(reg), **pascal(_pick(i, "tags", "healthCheck", "deregistrationDelay", "namePrefix"))}
    check = i.get("healthCheck") or {}
    params.update({_HEALTH_CHECK[k]: v for k, v in check.items() if k in _HEALTH_CHECK})
    if "matcher" in check:
        params["Matcher"] = {"HttpCode": check["matcher"]}
    requests = _one(reg, "elbv2", "CreateTargetGroup", params)
    if "deregistrationDelay" in i:
        pairs = [{"Key": "deregistration_delay.timeout_seconds", "Value": str(whole(i["deregistrationDelay"]))}]
        arn = reg.outputs.get("arn", reg.name)
        requests += _one(reg, "elbv2", "ModifyTargetGroupAttributes", {"TargetGroupArn": arn, "Attributes": pairs})
    return requests


def _action(action: dict[str, Any]) -> dict[str, Any]:
    # The provider's forward block lists target groups as {arn, weight}; the API's TargetGroupTuple is
    # {TargetGroupArn, Weight}.
    renames = {
        "redirect": "RedirectConfig",
        "fixedResponse": "FixedResponseConfig",
        "forward": "ForwardConfig",
        "arn": "TargetGroupArn",
    }
    return pascal(action, renames)


def listener(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = pascal(_pick(i, "tags", "defaultActions", "certificateArn"))
    params["DefaultActions"] = [_action(a) for a in i.get("defaultActions", [])]
    if "certificateArn" in i:
        params["Certificates"] = [{"CertificateArn": i["certificateArn"]}]
    return _one(reg, "elbv2", "CreateListener", params)


_CONDITIONS = {
    "pathPattern": "PathPatternConfig",
    "hostHeader": "HostHeaderConfig",
    "httpHeader": "HttpHeaderConfig",
    "sourceIp": "SourceIpConfig",
}


def listener_rule(reg: Registration) -> list[Request]:
    i = reg.inputs
    conditions = []
    for condition in i.get("conditions", []):
        for kind, config in condition.items():
            field = kind[0] + "".join(f"-{c.lower()}" if c.isupper() else c for c in kind[1:])
            conditions.append({"Field": field, _CONDITIONS.get(kind, kind): pascal(config)})
    params = {"ListenerArn": i["listenerArn"], "Priority": i.get("priority"), "Conditions": conditions}
    params["Actions"] = [_action(a) for a in i.get("actions", [])]
    return _one(reg, "elbv2", "CreateRule", params)

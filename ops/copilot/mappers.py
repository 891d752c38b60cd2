"""Each Copilot workload type, and the environment, as the stack config it becomes (rules.RULES says which field
goes where). A mapper reads only the fields it maps; the report walks every field, so none is dropped here
unseen. Value-dependent outcomes (a privileged port, a secret given as a full ARN) are recorded as `Outcomes`.
"""

from __future__ import annotations

import re
import shlex
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .manifests import BACKEND, JOB, WEB, WORKER, Manifest, Path_, leaf_paths
from .rules import Outcome, Rule

PLACEHOLDER_ACCOUNT = "123456789012"
"""Account id written into ARNs built from names (SSM parameters, Secrets Manager secrets): replace it."""
DEFAULT_REGION = "us-east-1"
UNPRIVILEGED_PORT = 8080
"""Written instead of a port below 1024: the stack's containers run as non-root (WorkloadSettings.user)."""
FIRST_RULE_PRIORITY = 100
RULE_PRIORITY_STEP = 10
NONE_SCHEDULE = "@daily"
"""Copilot's `none` (run only by hand) becomes this schedule, paused."""

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_DURATION_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
_SHORTHANDS = {"@yearly": "cron(0 0 1 1 ? *)", "@annually": "cron(0 0 1 1 ? *)"}
_PLATFORMS = {"x86_64": "X86_64", "amd64": "X86_64", "arm64": "ARM64", "arm": "ARM64"}
_CONDITIONS = {"start": "START", "complete": "COMPLETE", "success": "SUCCESS", "healthy": "HEALTHY"}
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:(ssm|secretsmanager):")


@dataclass
class Outcomes:
    """Outcomes decided by a field's value, overriding the rule table's for that path."""

    by_path: dict[Path_, Rule] = field(default_factory=dict)

    def set(self, path: Path_, outcome: Outcome, target: str, note: str) -> None:
        self.by_path[path] = Rule(".".join(str(part) for part in path), outcome, target, note)


@dataclass
class Mapped:
    """One workload as stack config: its entry, the topics it publishes, its log retention."""

    manifest: Manifest
    entry: dict[str, Any]
    outcomes: Outcomes
    topics: list[str] = field(default_factory=list)
    subscribed: dict[str, Path_] = field(default_factory=dict)
    """Topic names it subscribes to, with the path of the subscription's `service` field."""
    log_retention: int | None = None


def seconds(text: Any) -> int:
    """A Go duration (`1h30m`, `20s`) in whole seconds; a bare number is seconds."""
    return round(_exact_seconds(text))


def _exact_seconds(text: Any) -> float:
    if isinstance(text, int | float):
        return float(text)
    return sum(float(number) * _DURATION_SECONDS[unit] for number, unit in _DURATION.findall(str(text)))


def map_workload(manifest: Manifest, region: str) -> Mapped:
    mapped = Mapped(manifest, {}, Outcomes())
    fields = manifest.fields
    workload = _workload(manifest, region, mapped.outcomes)
    if manifest.type == JOB:
        entry: dict[str, Any] = {"name": manifest.name}
        entry.update(_schedule(fields))
        entry["workload"] = workload
        command = fields.get("command")
        if command is not None:
            entry["command"] = _words(command)
        retries = fields.get("retries")
        if retries:
            entry["target"] = "workflow"
            entry["retries"] = int(retries)
        mapped.entry = entry
    elif manifest.type == WORKER:
        mapped.entry = {"workload": workload, **_worker(manifest, mapped)}
    else:
        entry = {"workload": workload, **_service_count(manifest, mapped.outcomes)}
        if manifest.type == WEB:
            entry.update(_http(fields))
        mapped.entry = entry
    for item in (fields.get("publish") or {}).get("topics") or []:
        if isinstance(item, Mapping) and "name" in item:
            mapped.topics.append(topic_name(manifest.name, str(item["name"])))
    retention = (fields.get("logging") or {}).get("retention")
    if retention is not None:
        mapped.log_retention = int(retention)
    _capacity(manifest, workload, mapped.outcomes)
    return mapped


def topic_name(service: str, topic: str) -> str:
    """Copilot names a service's topic after both (`<app>-<env>-<service>-<topic>`); the stack's topics are
    per stack, so `<service>-<topic>`."""
    return f"{service}-{topic}"


def _workload(manifest: Manifest, region: str, outcomes: Outcomes) -> dict[str, Any]:
    fields = manifest.fields
    image = fields.get("image") or {}
    workload: dict[str, Any] = {}
    if isinstance(image, Mapping) and image.get("location"):
        workload["image"] = str(image["location"])
    else:
        workload["image"] = f"{manifest.name}:latest"
    port = image.get("port") if isinstance(image, Mapping) else None
    if port is None and manifest.type == BACKEND:
        # A Backend Service without a port only runs its tasks; the stack's backends publish one over Service
        # Connect, which nothing calls until a client is given it.
        # On `type`, as the port the backend lacks has no field of its own to report.
        outcomes.set(
            ("type",),
            Outcome.APPROXIMATED,
            "ecs-workloads:backends, workload.port",
            f"a Backend Service without image.port: the backend is written with port {UNPRIVILEGED_PORT}, which "
            "nothing calls unless a service lists it in calls",
        )
        port = UNPRIVILEGED_PORT
    if port is not None and manifest.type in (WEB, BACKEND):
        number = int(str(port).split("/")[0])
        if number < 1024:
            outcomes.set(
                ("image", "port"),
                Outcome.APPROXIMATED,
                "workload.port",
                f"{number} needs root and the containers run as non-root: written as {UNPRIVILEGED_PORT}; make "
                f"the app listen there",
            )
            number = UNPRIVILEGED_PORT
        workload["port"] = number
    if isinstance(image, Mapping) and isinstance(image.get("depends_on"), Mapping):
        workload["dependsOn"] = _depends_on(image["depends_on"])
    for key in ("cpu", "memory"):
        if fields.get(key) is not None:
            workload[key] = int(fields[key])
    if fields.get("platform") is not None:
        workload["cpuArchitecture"] = _architecture(fields["platform"])
    environment = _variables(fields.get("variables"))
    if environment:
        workload["environment"] = environment
    secrets = _secrets(fields.get("secrets"), region, outcomes, ("secrets",))
    if secrets:
        workload["secrets"] = secrets
    if fields.get("exec") is not None:
        workload["enableExecuteCommand"] = bool(fields["exec"])
    # A job's command is the job's own `command` key (map_workload); a service's is its workload's.
    if fields.get("command") is not None and manifest.type != JOB:
        workload["command"] = _words(fields["command"])
    if fields.get("entrypoint") is not None:
        workload["entryPoint"] = _words(fields["entrypoint"])
    if isinstance(image, Mapping) and isinstance(image.get("healthcheck"), Mapping):
        workload["healthCheck"] = _health_check(image["healthcheck"], outcomes, ("image", "healthcheck"))
    readonly = (fields.get("storage") or {}).get("readonly_fs")
    if readonly is not None:
        workload["readonlyRootFilesystem"] = bool(readonly)
    storage = fields.get("storage") or {}
    given = [_volume(name, volume, manifest.name) for name, volume in (storage.get("volumes") or {}).items()]
    volumes = [volume for volume in given if volume is not None]
    if volumes:
        workload["efsVolumes"] = volumes
    created = [volume["name"] for volume in volumes if "create" in volume]
    if created:
        workload["user"] = _managed_efs_user(manifest.name, (storage.get("volumes") or {})[created[0]]["efs"])
        for name in created:
            at = ("storage", "volumes", name, "efs")
            for path in leaf_paths({"efs": storage["volumes"][name]["efs"]}):
                outcomes.set(
                    (*at[:-1], *path),
                    Outcome.APPROXIMATED,
                    "workload.user",
                    f"a created file system: the main container runs as {workload['user']}, the access point's "
                    "POSIX user (Copilot sets only the access point's)",
                )
    destination = ((fields.get("logging") or {}).get("destination") or {}).get("Name")
    if destination is not None:
        workload["logRouting"] = {"destination": str(destination)}
    sidecars = [
        _sidecar(name, sidecar, region, outcomes)
        for name, sidecar in (fields.get("sidecars") or {}).items()
        if isinstance(sidecar, Mapping)
    ]
    if sidecars:
        workload["sidecars"] = sidecars
    return workload


def _schedule(fields: Mapping[str, Any]) -> dict[str, Any]:
    schedule = str(((fields.get("on") or {}).get("schedule")) or "none")
    if schedule == "none":
        return {"schedule": NONE_SCHEDULE, "enabled": False}
    return {"schedule": _SHORTHANDS.get(schedule, schedule)}


def _service_count(manifest: Manifest, outcomes: Outcomes) -> dict[str, Any]:
    count = manifest.fields.get("count")
    if count is None:
        return {}
    if not isinstance(count, Mapping):
        return {"desiredCount": int(count)}
    entry: dict[str, Any] = {}
    if count.get("spot") is not None:
        entry["desiredCount"] = int(count["spot"])
    low, high = _range(count.get("range"))
    if low is not None:
        scaling: dict[str, Any] = {"minTasks": low, "maxTasks": high}
        metrics = [("cpu_percentage", "cpuTargetPercent")]
        if manifest.type == BACKEND:
            metrics.append(("memory_percentage", "memoryTargetPercent"))
        for key, target in metrics:
            if (value := _metric(count.get(key))) is not None:
                scaling[target] = value
        if manifest.type == WEB and (value := _metric(count.get("requests"))) is not None:
            scaling["requestsPerTarget"] = int(value)
        entry["desiredCount"] = low
        entry["autoscaling"] = scaling
    return entry


def _worker(manifest: Manifest, mapped: Mapped) -> dict[str, Any]:
    fields = manifest.fields
    entry: dict[str, Any] = {}
    count = fields.get("count")
    if isinstance(count, Mapping):
        low, high = _range(count.get("range"))
        if count.get("spot") is not None:
            low = high = int(count["spot"])
        if low is not None:
            entry["minTasks"], entry["maxTasks"] = low, high
        delay = count.get("queue_delay") or {}
        if delay.get("acceptable_latency") and delay.get("msg_processing_time"):
            latency, each = _exact_seconds(delay["acceptable_latency"]), _exact_seconds(delay["msg_processing_time"])
            entry["messagesPerTask"] = max(1, int(latency // each)) if each else 1
    elif count is not None:
        entry["minTasks"] = entry["maxTasks"] = int(count)
    subscribe = fields.get("subscribe") or {}
    queue = subscribe.get("queue") or {}
    if isinstance(queue, Mapping):
        if queue.get("timeout") is not None:
            entry["visibilityTimeoutSeconds"] = seconds(queue["timeout"])
        if queue.get("retention") is not None:
            entry["maxMessageAgeSeconds"] = seconds(queue["retention"])
        if (queue.get("dead_letter") or {}).get("tries") is not None:
            entry["maxReceiveCount"] = int(queue["dead_letter"]["tries"])
    subscriptions = []
    for index, topic in enumerate(subscribe.get("topics") or []):
        if not isinstance(topic, Mapping) or "name" not in topic or "service" not in topic:
            continue
        name = topic_name(str(topic["service"]), str(topic["name"]))
        mapped.subscribed.setdefault(name, ("subscribe", "topics", index, "service"))
        subscription: dict[str, Any] = {"topic": name}
        if isinstance(topic.get("filter_policy"), Mapping):
            subscription["filterPolicy"] = topic["filter_policy"]
        subscriptions.append(subscription)
    if subscriptions:
        entry["subscriptions"] = subscriptions
    return entry


def _http(fields: Mapping[str, Any]) -> dict[str, Any]:
    http = fields.get("http")
    if not isinstance(http, Mapping):
        return {}
    entry: dict[str, Any] = {}
    path = str(http.get("path") or "").strip("/")
    entry["pathPattern"] = f"/{path}*" if path else "/*"
    health = http.get("healthcheck")
    if isinstance(health, Mapping):
        health = health.get("path")
    if health:
        entry["healthCheckPath"] = str(health)
    if http.get("allowed_source_ips"):
        entry["sourceCidrs"] = [str(cidr) for cidr in http["allowed_source_ips"]]
    alias = http.get("alias")
    if isinstance(alias, list) and alias:
        alias = alias[0]
    if isinstance(alias, Mapping):
        alias = alias.get("name")
    if alias:
        entry["hostHeader"] = str(alias)
    return entry


def assign_rule_priorities(web: list[Mapped]) -> None:
    """Listener rules are judged by priority, lowest first: the longest path first, a catch-all last, ties by
    name, so the stack routes as Copilot's path-specific rules do."""
    ordered = sorted(web, key=lambda item: (-len(item.entry.get("pathPattern", "/*")), item.manifest.name))
    for index, item in enumerate(ordered):
        item.entry["rulePriority"] = FIRST_RULE_PRIORITY + RULE_PRIORITY_STEP * index


def _capacity(manifest: Manifest, workload: dict[str, Any], outcomes: Outcomes) -> None:
    count = manifest.fields.get("count")
    if not isinstance(count, Mapping):
        return
    spot_from = count.get("range", {}).get("spot_from") if isinstance(count.get("range"), Mapping) else None
    if count.get("spot") is not None:
        workload["capacity"] = {"fargate": 0, "fargateSpot": 1, "base": 0}
    elif spot_from is not None:
        base = max(0, int(spot_from) - 1)
        # A base runs on FARGATE, whose weight must then be above 0 (ECS capacity provider strategy).
        workload["capacity"] = {"fargate": 1 if base else 0, "fargateSpot": 1, "base": base}


def _range(value: Any) -> tuple[int | None, int | None]:
    if isinstance(value, Mapping):
        if value.get("min") is None or value.get("max") is None:
            return None, None
        return int(value["min"]), int(value["max"])
    if isinstance(value, str) and "-" in value:
        low, high = value.split("-", 1)
        return int(low), int(high)
    return None, None


def _metric(value: Any) -> float | None:
    if isinstance(value, Mapping):
        value = value.get("value")
    return None if value is None else value


def _words(value: Any) -> list[str]:
    return [str(word) for word in value] if isinstance(value, list) else shlex.split(str(value))


def _variables(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {
        str(key): _text(item)
        for key, item in value.items()
        if not isinstance(item, Mapping)  # from_cfn: reported unsupported by the rules
    }


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _secrets(value: Any, region: str, outcomes: Outcomes, at: Path_) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    secrets = {}
    for key, item in value.items():
        if isinstance(item, Mapping):
            name = item.get("secretsmanager")
            if name is None:
                continue  # from_cfn
            if _SECRET_ARN.match(str(name)):
                secrets[str(key)] = str(name)
                outcomes.set((*at, str(key), "secretsmanager"), Outcome.MAPPED, "workload.secrets", "")
            else:
                secrets[str(key)] = f"arn:aws:secretsmanager:{region}:{PLACEHOLDER_ACCOUNT}:secret:{name}"
        elif _SECRET_ARN.match(str(item)):
            secrets[str(key)] = str(item)
            outcomes.set((*at, str(key)), Outcome.MAPPED, "workload.secrets", "")
        else:
            secrets[str(key)] = f"arn:aws:ssm:{region}:{PLACEHOLDER_ACCOUNT}:parameter/{str(item).lstrip('/')}"
    return secrets


def _health_check(check: Mapping[str, Any], outcomes: Outcomes, at: Path_) -> dict[str, Any]:
    """The health check at `at`; a value the component refuses (Copilot takes `retries: 0`, ECS 1 to 10) is left
    to the component's default and reported."""
    from ecs_workloads.fargate_workload import CONTAINER_HEALTH_CHECK_ARGS  # loads the SDKs: see map_environment

    given: dict[str, Any] = {}
    if check.get("command") is not None:
        given["command"] = _words(check["command"])
    for key in ("interval", "timeout", "start_period"):
        if check.get(key) is not None:
            given[key] = seconds(check[key])
    if check.get("retries") is not None:
        given["retries"] = int(check["retries"])
    for key in [key for key in given if key != "command"]:
        spec = CONTAINER_HEALTH_CHECK_ARGS[key]
        if (problem := spec.problem(given[key])) is not None:
            outcomes.set(
                (*at, key),  # Copilot's keys are the component's
                Outcome.APPROXIMATED,
                "-",
                f"{given.pop(key)} is not {problem}: the default {spec.default} is used",
            )
    return {("startPeriod" if key == "start_period" else key): value for key, value in given.items()}


def _depends_on(value: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {"container": str(name), "condition": _CONDITIONS.get(str(condition).lower(), str(condition).upper())}
        for name, condition in value.items()
    ]


def _architecture(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("architecture", "x86_64")
    return _PLATFORMS.get(str(value).rsplit("/", 1)[-1].lower(), "X86_64")


def _volume(name: str, volume: Any, service: str) -> dict[str, Any] | None:
    if not isinstance(volume, Mapping) or not volume.get("efs"):
        return None
    efs = volume["efs"]
    entry: dict[str, Any] = {"name": str(name), "path": str(volume.get("path", f"/{name}"))}
    if volume.get("read_only") is not None:
        entry["readOnly"] = bool(volume["read_only"])
    if isinstance(efs, Mapping) and isinstance(efs.get("id"), str):
        entry["fileSystemId"] = efs["id"]
        if efs.get("root_dir"):
            entry["rootDirectory"] = str(efs["root_dir"])
        access_point = (efs.get("auth") or {}).get("access_point_id")
        if access_point:
            entry["accessPointId"] = str(access_point)
    elif isinstance(efs, Mapping) and isinstance(efs.get("id"), Mapping):
        return None  # from_cfn: reported unsupported by the rules
    else:
        # Copilot's managed EFS: an access point on a directory named after the service (docs/developing/storage).
        entry["create"] = {"rootDirectory": f"/{service}"}
    return entry


def _managed_efs_user(service: str, efs: Any) -> str:
    """uid:gid of a Copilot-managed file system's access point: `efs.uid`/`efs.gid`, else what Copilot picks
    (docs/developing/storage: "a pseudorandom UID and GID ... based on the CRC32 checksum of the service's
    name")."""
    default = zlib.crc32(service.encode())
    given = efs if isinstance(efs, Mapping) else {}
    return f"{int(given.get('uid', default))}:{int(given.get('gid', default))}"


def _sidecar(name: str, sidecar: Mapping[str, Any], region: str, outcomes: Outcomes) -> dict[str, Any]:
    image = sidecar.get("image")
    if isinstance(image, Mapping):
        image = image.get("location")
    entry: dict[str, Any] = {"name": str(name), "image": str(image)}
    if sidecar.get("command") is not None:
        entry["command"] = _words(sidecar["command"])
    if sidecar.get("port") is not None:
        port = int(str(sidecar["port"]).split("/")[0])
        if port < 1024:
            outcomes.set(
                ("sidecars", str(name), "port"),
                Outcome.UNSUPPORTED,
                "-",
                f"{port} needs root and the containers run as non-root; the sidecar gets no port mapping",
            )
        else:
            entry["port"] = port
    if sidecar.get("essential") is not None:
        entry["essential"] = bool(sidecar["essential"])
    environment = _variables(sidecar.get("variables"))
    if environment:
        entry["environment"] = environment
    secrets = _secrets(sidecar.get("secrets"), region, outcomes, ("sidecars", str(name), "secrets"))
    if secrets:
        entry["secrets"] = secrets
    if isinstance(sidecar.get("healthcheck"), Mapping):
        entry["healthCheck"] = _health_check(sidecar["healthcheck"], outcomes, ("sidecars", str(name), "healthcheck"))
    if isinstance(sidecar.get("depends_on"), Mapping):
        entry["dependsOn"] = _depends_on(sidecar["depends_on"])
    return entry


def map_environment(manifest: Manifest) -> tuple[dict[str, Any], dict[str, Any], str | None, Outcomes]:
    """The environment manifest as `network`, `loadBalancer` fields, `cluster.containerInsights`."""
    # The components' own rules judge the values; imported here, not at the top, as they load the provider SDKs,
    # which the CLI does not start with (tests/test_packaging.py).
    from ecs_workloads.alb_web_service import ALB_WEB_SERVICE_ARGS
    from ecs_workloads.network import NETWORK_ARGS, SUBNET_ID, VPC_ID

    outcomes = Outcomes()
    fields = manifest.fields
    vpc = (fields.get("network") or {}).get("vpc") or {}
    network: dict[str, Any] = {}
    if vpc.get("id"):
        existing: dict[str, Any] = {"vpcId": str(vpc["id"])}
        subnets = vpc.get("subnets") or {}
        for kind, key in (("public", "publicSubnetIds"), ("private", "privateSubnetIds")):
            ids = [str(item["id"]) for item in subnets.get(kind) or [] if isinstance(item, Mapping) and "id" in item]
            if ids:
                existing[key] = ids
        refused = [existing["vpcId"]] if not VPC_ID.match(existing["vpcId"]) else []
        refused += [
            subnet
            for key in ("publicSubnetIds", "privateSubnetIds")
            for subnet in existing.get(key, [])
            if not SUBNET_ID.match(subnet)
        ]
        if not refused:
            network.update(existing)
        else:
            # An id EC2 never issues (a documentation placeholder) would fail the stack file: a new VPC instead.
            note = (
                f"not ids EC2 issues ({', '.join(refused)}; vpc- or subnet- and 8 or 17 hex digits): the stack "
                "creates a new VPC; set network.vpcId and the subnet ids to the real ones to use that VPC"
            )
            for path in leaf_paths({"network": {"vpc": {"id": vpc["id"], "subnets": subnets}}}):
                outcomes.set(path, Outcome.APPROXIMATED, "ecs-workloads:network", note)
    elif vpc.get("cidr"):
        cidr = str(vpc["cidr"])
        if (problem := NETWORK_ARGS["cidr_block"].problem(cidr)) is None:
            network["cidrBlock"] = cidr
        else:
            outcomes.set(
                ("network", "vpc", "cidr"),
                Outcome.APPROXIMATED,
                "ecs-workloads:network.cidrBlock",
                f"{cidr!r} is not {problem}: the new VPC takes the default {NETWORK_ARGS['cidr_block'].default}",
            )
        zones = {
            str(item["az"])
            for kind in ("public", "private")
            for item in (vpc.get("subnets") or {}).get(kind) or []
            if isinstance(item, Mapping) and item.get("az")
        }
        if zones:
            network["availabilityZones"] = len(zones)
    public = (fields.get("http") or {}).get("public") or {}
    balancer: dict[str, Any] = {}
    certificates = public.get("certificates") or []
    refusal = ALB_WEB_SERVICE_ARGS["certificate_arn"].problem(str(certificates[0])) if certificates else None
    if refusal is not None:
        outcomes.set(
            ("http", "public", "certificates"),
            Outcome.UNSUPPORTED,
            "ecs-workloads:loadBalancer.certificateArn",
            f"{certificates[0]!r} is not {refusal}: the load balancer serves HTTP; set certificateArn to serve HTTPS",
        )
    elif certificates:
        balancer["certificateArn"] = str(certificates[0])
        if len(certificates) > 1:
            outcomes.set(
                ("http", "public", "certificates"),
                Outcome.APPROXIMATED,
                "ecs-workloads:loadBalancer.certificateArn",
                f"the first of {len(certificates)} certificates; attach the others to the listener by hand",
            )
    sources = (public.get("ingress") or {}).get("source_ips")
    if sources:
        balancer["allowedCidrs"] = [str(cidr) for cidr in sources]
    insights = (fields.get("observability") or {}).get("container_insights")
    # Off is the cluster's default, so false writes nothing.
    return network, balancer, "enabled" if insights else None, outcomes

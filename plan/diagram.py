"""An architecture diagram of a stack, drawn from the resources its program registers under the mocks.

Nothing here is hand-drawn: each edge comes from a recorded input naming another resource's mocked
output (an ARN, a name, a URL), so the diagram changes when the program does. `python -m plan dev --diagram`
writes it as Mermaid in markdown (and as SVG when Graphviz `dot` is installed) through `plan.diagram_render`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from harness.recording import Recording, Registration

# Resource types drawn as nodes: (node id prefix, title, Mermaid shape, Graphviz shape). IAM, security
# groups, logs and bucket settings are left out: they say who may talk, not who talks to whom.
_KINDS: dict[str, tuple[str, str, str, str]] = {
    "aws:lb/loadBalancer:LoadBalancer": ("alb", "Load balancer", "box", "box"),
    "aws:lb/listener:Listener": ("listener", "Listener", "box", "box"),
    "aws:lb/listenerRule:ListenerRule": ("rule", "Listener rule", "box", "box"),
    "aws:lb/targetGroup:TargetGroup": ("tg", "Target group", "box", "box"),
    "aws:ecs/service:Service": ("service", "ECS service", "box", "box3d"),
    "aws:ecs/taskDefinition:TaskDefinition": ("task", "Task definition", "box", "box3d"),
    "aws:scheduler/schedule:Schedule": ("schedule", "Schedule", "stadium", "oval"),
    "aws:s3/bucket:Bucket": ("bucket", "S3 bucket", "cylinder", "cylinder"),
    "aws:s3/bucketV2:BucketV2": ("bucket", "S3 bucket", "cylinder", "cylinder"),
    "aws:cloudwatch/eventRule:EventRule": ("events", "EventBridge rule", "stadium", "oval"),
    "aws:sqs/queue:Queue": ("queue", "SQS queue", "subroutine", "cds"),
    "aws:sns/topic:Topic": ("topic", "SNS topic", "flag", "note"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("alarm", "Alarm", "hexagon", "hexagon"),
    "aws:ecs/capacityProvider:CapacityProvider": ("capacity", "Capacity provider", "box", "box3d"),
    "aws:sfn/stateMachine:StateMachine": ("workflow", "State machine", "box", "box"),
}
_STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
_CAPACITY_PROVIDER = "aws:ecs/capacityProvider:CapacityProvider"
_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
_SERVICE = "aws:ecs/service:Service"
# Outputs by which other resources refer to a resource.
_IDENTITY_OUTPUTS = ("arn", "arnSuffix", "bucket", "dnsName", "id", "name", "url")
# Metric dimensions that name the resource an alarm watches, most specific first.
_WATCHED_DIMENSIONS = ("QueueName", "TargetGroup", "ServiceName", "LoadBalancer")
FLOW = "flow"
METRIC = "metric"


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    lines: tuple[str, ...]
    """The label, line by line: what it is, its resource name, a detail where one helps."""
    group: str
    """Id of the top-level component it belongs to ("" for a resource declared at the top)."""
    shape: str
    dot_shape: str


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    target: str
    label: str = ""
    style: str = FLOW
    """`flow` for requests, messages and control; `metric` for what an alarm watches."""


@dataclass
class Diagram:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)
    """Subgraph id -> title (`<ComponentType> <name>`)."""

    def edges_between(self, source: str, target: str) -> list[Edge]:
        return [e for e in self.edges if e.source == source and e.target == target]


def node_id(registration: Registration) -> str:
    """Stable id from the resource's type and name, e.g. `queue_batch_jsonl_queue`."""
    return f"{_KINDS[registration.type][0]}_{_identifier(registration.name)}"


def build(recording: Recording) -> Diagram:
    """The diagram of everything `recording` holds that carries requests, messages, runs or alerts."""
    return _Builder(recording).build()


class _Builder:
    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.by_urn = {r.urn: r for r in recording.registrations}
        self.diagram = Diagram()
        self.edges: set[Edge] = set()
        self.identities: dict[str, str | None] = {}
        # A service's task definition is drawn as the service; a task definition run by a schedule is its own node.
        self.runner: dict[str, str] = {}

    def build(self) -> Diagram:
        served = {
            s.inputs["taskDefinition"]: node_id(s)
            for s in self.recording.of_type(_SERVICE)
            if isinstance(s.inputs.get("taskDefinition"), str)
        }
        for registration in self.recording.registrations:
            if registration.type not in _KINDS or not registration.custom:
                continue
            if registration.type == _TASK_DEFINITION and registration.outputs.get("arn") in served:
                self.runner[registration.urn] = served[registration.outputs["arn"]]
                continue
            self._add_node(registration)
            if registration.type == _TASK_DEFINITION:
                self.runner[registration.urn] = node_id(registration)
        self._alias_records()
        self._service_connect_names()
        self._load_balancing()
        self._containers()
        self._schedules()
        self._workflows()
        self._events()
        self._queues()
        self._alarms()
        self._capacity()
        self.diagram.edges = sorted(self.edges)
        return self.diagram

    # --- nodes and identities ---------------------------------------------------------------------------

    def _add_node(self, registration: Registration) -> None:
        prefix, title, shape, dot_shape = _KINDS[registration.type]
        identifier = node_id(registration)
        group = self._top_component(registration)
        group_id = ""
        if group is not None:
            group_id = _identifier(f"{group.type.rsplit(':', 1)[-1]}_{group.name}")
            self.diagram.groups[group_id] = f"{group.type.rsplit(':', 1)[-1]} {group.name}"
        lines = (title, registration.name, *_detail(registration), *self._capacity_detail(registration))
        self.diagram.nodes[identifier] = Node(identifier, prefix, lines, group_id, shape, dot_shape)
        for key in _IDENTITY_OUTPUTS:
            value = registration.outputs.get(key)
            if isinstance(value, str) and value:
                self._identity(value, identifier)

    def _identity(self, value: str, identifier: str) -> None:
        # A value two nodes share identifies neither.
        if self.identities.get(value, identifier) != identifier:
            self.identities[value] = None
        else:
            self.identities[value] = identifier

    def _alias_records(self) -> None:
        # A DNS alias of a load balancer reaches that load balancer (ALB_URL may use the domain name).
        for record in self.recording.of_type("aws:route53/record:Record"):
            for alias in record.inputs.get("aliases") or []:
                target = self._resolve(alias.get("name"))
                if target is not None and isinstance(record.inputs.get("name"), str):
                    self._identity(record.inputs["name"].rstrip("."), target)

    def _service_connect_names(self) -> None:
        # A Service Connect client alias reaches the service that publishes it (PICTURE_SCORER_URL's host).
        for service in self.recording.of_type(_SERVICE):
            config = service.inputs.get("serviceConnectConfiguration") or {}
            for published in config.get("services") or []:
                for alias in published.get("clientAlias") or []:
                    if isinstance(alias.get("dnsName"), str):
                        self._identity(alias["dnsName"], node_id(service))

    def _top_component(self, registration: Registration) -> Registration | None:
        top = None
        parent = self.by_urn.get(registration.parent)
        while parent is not None:
            top = parent
            parent = self.by_urn.get(parent.parent)
        return top

    def _resolve(self, value: Any) -> str | None:
        """The node a recorded value refers to: an ARN, name or URL it exposes, or a URL on its host name."""
        if not isinstance(value, str) or not value:
            return None
        found = self.identities.get(value)
        if found is None and "://" in value:
            found = self.identities.get(urlsplit(value).hostname or "")
        return found

    def _edge(self, source: str | None, target: str | None, label: str = "", style: str = FLOW) -> None:
        if source is not None and target is not None and source != target:
            self.edges.add(Edge(source, target, label, style))

    # --- edges ------------------------------------------------------------------------------------------

    def _load_balancing(self) -> None:
        for listener in self.recording.of_type("aws:lb/listener:Listener"):
            self._edge(self._resolve(listener.inputs.get("loadBalancerArn")), node_id(listener))
            for action in listener.inputs.get("defaultActions") or []:
                for group in _forwarded(action):
                    self._edge(node_id(listener), self._resolve(group), "default")
        for rule in self.recording.of_type("aws:lb/listenerRule:ListenerRule"):
            self._edge(self._resolve(rule.inputs.get("listenerArn")), node_id(rule), _conditions(rule))
            for action in rule.inputs.get("actions") or []:
                for group in _forwarded(action):
                    self._edge(node_id(rule), self._resolve(group), "forward")
        for service in self.recording.of_type(_SERVICE):
            for balancer in service.inputs.get("loadBalancers") or []:
                port = _number(balancer.get("containerPort"))
                label = f"{balancer.get('containerName', '')}:{port}".strip(":")
                self._edge(self._resolve(balancer.get("targetGroupArn")), node_id(service), label)

    def _containers(self) -> None:
        """Edges from container environment values naming another resource (QUEUE_URL, ALB_URL, buckets)."""
        for task in self.recording.of_type(_TASK_DEFINITION):
            runner = self.runner.get(task.urn)
            for container in _json(task.inputs.get("containerDefinitions")) or []:
                for variable in container.get("environment") or []:
                    target = self._resolve(variable.get("value"))
                    if target is None:
                        continue
                    if self.diagram.nodes[target].kind == "queue":
                        self._edge(target, runner, variable.get("name", ""))
                    else:
                        self._edge(runner, target, variable.get("name", ""))

    def _schedules(self) -> None:
        tasks = {t.outputs.get("arn"): self.runner.get(t.urn) for t in self.recording.of_type(_TASK_DEFINITION)}
        machines = {m.outputs.get("arn"): m for m in self.recording.of_type(_STATE_MACHINE)}
        for schedule in self.recording.of_type("aws:scheduler/schedule:Schedule"):
            target = schedule.inputs.get("target") or {}
            runs = (target.get("ecsParameters") or {}).get("taskDefinitionArn")
            self._edge(node_id(schedule), tasks.get(runs), _schedule_label(schedule))
            machine = machines.get(target.get("arn"))
            if machine is not None:
                # A schedule that starts a workflow: the workflow runs the task its input names.
                self._edge(node_id(schedule), node_id(machine), _schedule_label(schedule))
                job = _json(target.get("input")) or {}
                self._edge(node_id(machine), tasks.get(job.get("taskDefinition")), "runTask.sync")
            dead_letters = (target.get("deadLetterConfig") or {}).get("arn")
            self._edge(node_id(schedule), self._resolve(dead_letters), "runs it could not start")

    def _workflows(self) -> None:
        """A state machine to the topics its Task states publish to."""
        for machine in self.recording.of_type(_STATE_MACHINE):
            for state in _task_states(_json(machine.inputs.get("definition")) or {}):
                topic = (state.get("Arguments") or state.get("Parameters") or {}).get("TopicArn")
                self._edge(node_id(machine), self._resolve(topic), "failed run")

    def _events(self) -> None:
        for rule in self.recording.of_type("aws:cloudwatch/eventRule:EventRule"):
            pattern = _json(rule.inputs.get("eventPattern")) or {}
            detail = pattern.get("detail") or {}
            label = ", ".join(str(t) for t in pattern.get("detail-type") or [])
            for bucket in (detail.get("bucket") or {}).get("name") or []:
                self._edge(self._resolve(bucket), node_id(rule), _with_suffixes(label, detail))
            for task in self.recording.of_type(_TASK_DEFINITION):
                if _matches_task(detail.get("taskDefinitionArn"), task):
                    self._edge(self.runner.get(task.urn), node_id(rule), label)
        rules = {
            r.outputs.get("name"): node_id(r) for r in self.recording.of_type("aws:cloudwatch/eventRule:EventRule")
        }
        for target in self.recording.of_type("aws:cloudwatch/eventTarget:EventTarget"):
            self._edge(rules.get(target.inputs.get("rule")), self._resolve(target.inputs.get("arn")), "target")

    def _capacity(self) -> None:
        """Services and scheduled runs to the EC2 capacity providers their strategies name."""
        for service in self.recording.of_type(_SERVICE):
            for entry in service.inputs.get("capacityProviderStrategies") or []:
                self._edge(node_id(service), self._resolve(entry.get("capacityProvider")), "placed on")
        tasks = {t.outputs.get("arn"): self.runner.get(t.urn) for t in self.recording.of_type(_TASK_DEFINITION)}
        for schedule in self.recording.of_type("aws:scheduler/schedule:Schedule"):
            ecs = (schedule.inputs.get("target") or {}).get("ecsParameters") or {}
            for entry in ecs.get("capacityProviderStrategies") or []:
                runner = tasks.get(ecs.get("taskDefinitionArn"))
                self._edge(runner, self._resolve(entry.get("capacityProvider")), "placed on")

    def _capacity_detail(self, registration: Registration) -> tuple[str, ...]:
        """What a capacity provider runs: the group's instance types and purchase, or Managed Instances' needs."""
        if registration.type != _CAPACITY_PROVIDER:
            return ()
        managed = registration.inputs.get("managedInstancesProvider")
        if managed:
            template = managed.get("instanceLaunchTemplate") or {}
            needs = template.get("instanceRequirements") or {}
            vcpus = needs.get("vcpuCount") or {}
            gpus = (needs.get("acceleratorCount") or {}).get("min")
            text = f"Managed Instances {_number(vcpus.get('min'))}-{_number(vcpus.get('max')) or ''} vCPU"
            return (
                text + (f", {_number(gpus)} GPU" if gpus else ""),
                str(template.get("capacityOptionType", "ON_DEMAND")),
            )
        arn = (registration.inputs.get("autoScalingGroupProvider") or {}).get("autoScalingGroupArn")
        for group in self.recording.of_type("aws:autoscaling/group:Group"):
            if group.outputs.get("arn") == arn:
                policy = group.inputs.get("mixedInstancesPolicy") or {}
                types = [o.get("instanceType") for o in (policy.get("launchTemplate") or {}).get("overrides") or []]
                share = (policy.get("instancesDistribution") or {}).get("onDemandPercentageAboveBaseCapacity", 100)
                purchase = "on-demand" if _number(share) == 100 else f"{100 - (_number(share) or 0)}% Spot"
                return (f"Auto Scaling group {', '.join(types)}", purchase)
        return ()

    def _queues(self) -> None:
        for queue in self.recording.of_type("aws:sqs/queue:Queue"):
            redrive = _json(queue.inputs.get("redrivePolicy")) or {}
            receives = _number(redrive.get("maxReceiveCount"))
            label = f"after {receives} receives" if receives is not None else "dead letters"
            self._edge(node_id(queue), self._resolve(redrive.get("deadLetterTargetArn")), label)

    def _alarms(self) -> None:
        scaled = {}
        for policy in self.recording.of_type("aws:appautoscaling/policy:Policy"):
            resource_id = str(policy.inputs.get("resourceId", ""))
            if resource_id.startswith("service/"):
                scaled[policy.outputs.get("arn")] = self._resolve(resource_id.rsplit("/", 1)[-1])
        for alarm in self.recording.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
            identifier = node_id(alarm)
            for action in alarm.inputs.get("alarmActions") or []:
                if action in scaled:
                    self._edge(identifier, scaled[action], "scales")
                else:
                    self._edge(identifier, self._resolve(action), "alarm")
            self._edge(self._watched(alarm), identifier, "metric", METRIC)

    def _watched(self, alarm: Registration) -> str | None:
        dimensions = [alarm.inputs.get("dimensions") or {}]
        dimensions += [(q.get("metric") or {}).get("dimensions") or {} for q in alarm.inputs.get("metricQueries") or []]
        for key in _WATCHED_DIMENSIONS:
            for found in dimensions:
                watched = self._resolve(found.get(key))
                if watched is not None:
                    return watched
        return None


# --- reading recorded inputs ---------------------------------------------------------------------------


def _identifier(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _task_states(scope: dict[str, Any]) -> list[dict[str, Any]]:
    """The Task states of a States Language definition, those inside Map and Parallel states included."""
    found = []
    for state in (scope.get("States") or {}).values():
        if state.get("Type") == "Task":
            found.append(state)
        for inner in [state.get("ItemProcessor") or {}, *(state.get("Branches") or [])]:
            found.extend(_task_states(inner))
    return found


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _number(value: Any) -> int | float | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int | float) else None


def _forwarded(action: dict[str, Any]) -> Iterator[str]:
    if action.get("targetGroupArn"):
        yield action["targetGroupArn"]
    for group in (action.get("forward") or {}).get("targetGroups") or []:
        if group.get("arn"):
            yield group["arn"]


def _conditions(rule: Registration) -> str:
    parts = []
    for condition in rule.inputs.get("conditions") or []:
        for key, word in (("pathPattern", "path"), ("hostHeader", "host")):
            values = (condition.get(key) or {}).get("values") or []
            if values:
                parts.append(f"{word} {' '.join(values)}")
    return ", ".join(parts)


def _detail(registration: Registration) -> tuple[str, ...]:
    inputs = registration.inputs
    if registration.type == "aws:lb/listener:Listener":
        text = f"{inputs.get('protocol', '')} :{_number(inputs.get('port'))}"
        for action in inputs.get("defaultActions") or []:
            redirect = action.get("redirect") or {}
            if action.get("type") == "redirect":
                text += f" → {redirect.get('protocol', '')} :{redirect.get('port', '')}"
        return (text,)
    if registration.type == "aws:lb/targetGroup:TargetGroup":
        return (f"{inputs.get('protocol', '')} :{_number(inputs.get('port'))}",)
    return ()


def _schedule_label(schedule: Registration) -> str:
    inputs = schedule.inputs
    label = str(inputs.get("scheduleExpression", ""))
    zone = inputs.get("scheduleExpressionTimezone")
    if zone and zone != "UTC":
        label += f" {zone}"
    if inputs.get("state") == "DISABLED":
        label += ", disabled"
    return label


def _with_suffixes(label: str, detail: dict[str, Any]) -> str:
    suffixes = []
    for key in (detail.get("object") or {}).get("key") or []:
        suffix = key.get("suffix") if isinstance(key, dict) else None
        if isinstance(suffix, dict):
            suffix = suffix.get("equals-ignore-case")
        if isinstance(suffix, str):
            suffixes.append(f"*{suffix}")
    return f"{label} {' '.join(suffixes)}".strip()


def _matches_task(filters: Any, task: Registration) -> bool:
    arn = task.outputs.get("arn")
    if not isinstance(arn, str):
        return False
    for wanted in filters or []:
        if wanted == arn:
            return True
        if isinstance(wanted, dict) and isinstance(wanted.get("prefix"), str) and arn.startswith(wanted["prefix"]):
            return True
    return False

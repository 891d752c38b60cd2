"""Property-based tests: a bad stack config or bad component arguments fail before any resource exists,
with a message that names what to fix.

Stack config: every generated case starts from a valid config (`BASE_CONFIG`) and breaks one thing —
a wrong type, a number out of range, a bad value (schedule expression, CIDR, ARN, time zone, ...), a
bad CPU/memory pair, an unknown key, or two options that conflict. `settings_from_raw` must raise
`StackConfigError` whose lines (after the header) each read `  ecs-workloads:<key>: <value> — <why>`,
one of them naming the broken key; a sample also runs the whole program (`run_program`) and must
register nothing.

Components: the same for the arguments of Network, EcsCluster, FargateWorkload, AlbWebService,
QueueBackedBatchService and ScheduledEcsTask: one `ValueError` (never a TypeError, KeyError,
AttributeError, ... nor silent acceptance) naming the field, and no resource registered. The fields and
what they accept come from each component's `Arguments` declaration: every field (nested ones too) gets
values drawn from generic classes (wrong types, outside the bounds, outside the allowed set, near misses
of the valid example) and kept only when the declaration refuses them, so no bound is restated here.
Settings that pass an argument through read the same declaration (`Spec.setting`).

Examples are derandomised, so CI runs the same cases every time; `FUZZ_SCALE=20 pytest ...` runs
twenty times as many, randomly.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import itertools
import os
import re
import string
import sys
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from ecs_workloads import (
    AlbWebService,
    BackendService,
    EcsCluster,
    FargateWorkload,
    Network,
    QueueBackedBatchService,
    ScheduledEcsTask,
)
from ecs_workloads.alb_web_service import ALB_WEB_SERVICE_ARGS
from ecs_workloads.arguments import (
    Arguments,
    Check,
    Integer,
    Nested,
    NestedList,
    Number,
    OneOf,
    SettingCheck,
    Spec,
    Text,
)
from ecs_workloads.backend_service import BACKEND_SERVICE_ARGS
from ecs_workloads.cluster import ECS_CLUSTER_ARGS
from ecs_workloads.fargate_sizes import FARGATE_MEMORY_BY_CPU
from ecs_workloads.fargate_workload import FARGATE_WORKLOAD_ARGS
from ecs_workloads.network import NETWORK_ARGS
from ecs_workloads.queue_backed_batch_service import (
    QUEUE_BACKED_BATCH_SERVICE_ARGS,
    QUEUE_BACKED_BATCH_SERVICE_NAMES,
    WORKER_ENVIRONMENT,
)
from ecs_workloads.schedule_expression import validate_timezone
from ecs_workloads.scheduled_ecs_task import SCHEDULED_ECS_TASK_ARGS
from ecs_workloads.validation import ArgumentProblems
from harness.program import run_callable, run_program, stack_config
from harness.recording import Recording
from stack.batch import PIPELINE_NAME_MAX_LENGTH
from stack.config import NAMESPACE, StackConfigError, settings_from_raw
from stack.jobs import JOB_NAME_MAX_LENGTH
from stack.settings import StackSettings
from stack.tags import DEFAULT_TAGS_KEY

FUZZ_SCALE = int(os.environ.get("FUZZ_SCALE", "1"))


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples * FUZZ_SCALE,
        deadline=None,
        derandomize=FUZZ_SCALE == 1,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


Path = tuple[str | int, ...]
LETTERS = st.text(string.ascii_letters, min_size=1, max_size=12)
# Strings pydantic (lax mode) reads as booleans.
_BOOL_WORDS = {"true", "false", "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0"}
_FLOAT_WORDS = {"nan", "inf", "infinity"}


@dataclass(frozen=True)
class Case:
    """One bad input: `changes` applied to a valid base; the error must name `target` (or one of `names`)."""

    kind: str
    target: Path
    changes: tuple[tuple[Path, Any], ...]
    names: tuple[str, ...] = ()

    def apply(self, base: Any) -> Any:
        result = copy.deepcopy(base)
        for path, value in self.changes:
            result = _set(result, path, value)
        return result


_DELETE = object()


def _set(document: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    cursor = document
    for part, below in itertools.pairwise(path):
        # A missing parent is made on the way: a list where the next part is an index, else a mapping.
        empty: Any = [] if isinstance(below, int) else {}
        if isinstance(cursor, dict):
            cursor = cursor.setdefault(part, empty)
        else:
            if part == len(cursor):
                cursor.append(empty)
            cursor = cursor[part]
    if value is _DELETE:
        del cursor[path[-1]]
    else:
        cursor[path[-1]] = value
    return document


def _dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


def _names_target(location: str, message: str, case: Case) -> bool:
    """The line is about the broken key: at it (or below it), or at a parent whose message names it."""
    target = _dotted(case.target)
    if location == target or location.startswith(f"{target}."):
        return True
    if target.startswith(f"{location}."):
        return any(name in message for name in case.names or (str(case.target[-1]),))
    return False


# =====================================================================================================
# Stack config
# =====================================================================================================

IMAGE = "public.ecr.aws/docker/library/busybox:1.36"
SSM_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/cats-token"
BASE_CONFIG: dict[str, Any] = {
    "protectData": False,
    "network": {"cidrBlock": "10.0.0.0/16", "availabilityZones": 2, "natStrategy": "none"},
    "cluster": {"containerInsights": "enabled", "defaultCapacity": {"fargate": 1, "fargateSpot": 1, "base": 0}},
    "logs": {"retentionDays": 14},
    "alarms": {"email": "ops@example.com"},
    "cats": {
        "desiredCount": 2,
        "pathPattern": "/cats*",
        "allowedCidrs": ["0.0.0.0/0"],
        "healthCheckPath": "/health",
        "autoscaling": {"minTasks": 1, "maxTasks": 4, "cpuTargetPercent": 60, "requestsPerTarget": 500},
        "workload": {
            "cpu": 256,
            "memory": 512,
            "environment": {"LOG_FORMAT": "json"},
            "logRouting": {"destination": "cloudwatch"},
        },
    },
    "imageAssessor": {
        "schedule": "@every 2m",
        "timezone": "UTC",
        "deleteCount": 3,
        "taskCount": 1,
        "retry": {"maxAttempts": 3, "maxEventAgeSeconds": 3600},
        "workload": {"cpu": 256, "memory": 512, "logRouting": {"destination": "cloudwatch"}},
    },
    "jobs": [
        {
            "name": "nightly",
            "schedule": "cron(0 3 * * ? *)",
            "workload": {
                "image": IMAGE,
                "secrets": {"API_TOKEN": SSM_ARN},
                "logRouting": {"destination": "cloudwatch"},
            },
            "command": ["sh", "-c", "echo hello"],
            "runEnvironment": {"MODE": "full"},
        }
    ],
    "batch": {
        "jsonl": {
            "processor": "jsonl",
            "suffixes": [".jsonl"],
            "prefixes": ["in/"],
            "minTasks": 0,
            "maxTasks": 4,
            "workload": {"cpu": 512, "memory": 1024, "logRouting": {"destination": "cloudwatch"}},
        }
    },
}
CONFIG_LINE = re.compile(r"^  ecs-workloads:[A-Za-z0-9_.\[\]-]+: .+ — .+$")
_REPRESENTATIVE_KEYS = {"jobs": 0, "batch": "jsonl"}


@dataclass(frozen=True)
class ConfigLeaf:
    path: Path
    annotation: Any
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    spec: Spec | None = None
    """The component argument's declaration, for a setting that passes one through (`Spec.setting`)."""


def _walk(model: type[BaseModel], path: Path = ()) -> Iterator[ConfigLeaf]:
    for name, info in model.model_fields.items():
        alias = info.alias or name
        here = (*path, alias)
        low = high = None
        low_open = False
        spec = None
        for rule in info.metadata:
            if hasattr(rule, "ge"):
                low = rule.ge
            if hasattr(rule, "gt"):
                low, low_open = rule.gt, True
            if hasattr(rule, "le"):
                high = rule.le
            if isinstance(getattr(rule, "func", None), SettingCheck):
                spec = rule.func.spec
        if isinstance(spec, Integer | Number):
            low, high = spec.low, spec.high
            low_open = isinstance(spec, Number) and spec.low_open
        yield ConfigLeaf(here, info.annotation, low, high, low_open, spec)
        inner = _strip_optional(info.annotation)
        origin = typing.get_origin(inner)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            yield from _walk(inner, here)
        elif origin in (list, dict) and alias in _REPRESENTATIVE_KEYS:
            item = typing.get_args(inner)[-1]
            yield from _walk(item, (*here, _REPRESENTATIVE_KEYS[alias]))


def _strip_optional(annotation: Any) -> Any:
    """`X | None` → X; anything else unchanged."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation


def _model_paths() -> list[tuple[Path, type[BaseModel]]]:
    paths: list[tuple[Path, type[BaseModel]]] = [((), StackSettings)]
    for leaf in _walk(StackSettings):
        inner = _strip_optional(leaf.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            paths.append((leaf.path, inner))
        elif typing.get_origin(inner) in (list, dict) and leaf.path[-1] in _REPRESENTATIVE_KEYS:
            item = typing.get_args(inner)[-1]
            paths.append(((*leaf.path, _REPRESENTATIVE_KEYS[str(leaf.path[-1])]), item))
    return paths


CONFIG_LEAVES = list(_walk(StackSettings))
CONFIG_MODELS = _model_paths()


# --- value strategies ---------------------------------------------------------------------------------


def _wrong_types(annotation: Any) -> st.SearchStrategy[Any]:
    inner = _strip_optional(annotation)
    origin = typing.get_origin(inner)
    lists = st.lists(st.integers(), min_size=1, max_size=3)
    mappings = st.dictionaries(LETTERS, st.integers(), min_size=1, max_size=2)
    if inner is bool:
        return st.one_of(
            LETTERS.filter(lambda text: text.lower() not in _BOOL_WORDS),
            st.integers().filter(lambda number: number not in (0, 1)),
            lists,
        )
    if inner is int:
        fractions = st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())
        return st.one_of(LETTERS, fractions, st.booleans(), lists, mappings)
    if inner is float:
        return st.one_of(LETTERS.filter(lambda text: text.lower() not in _FLOAT_WORDS), st.booleans(), lists, mappings)
    if inner is str:
        return st.one_of(st.integers(), st.booleans(), lists, mappings)
    if origin is typing.Literal:
        allowed = typing.get_args(inner)
        return st.one_of(LETTERS.filter(lambda text: text not in allowed), st.integers(), lists)
    if origin is list:
        return st.one_of(LETTERS, st.integers(), mappings, lists if typing.get_args(inner)[0] is str else st.nothing())
    if origin is dict:
        return st.one_of(LETTERS, st.integers(), st.lists(LETTERS, min_size=1, max_size=2))
    return st.one_of(LETTERS, st.integers(), st.lists(LETTERS, min_size=1, max_size=2))


def _out_of_range(leaf: ConfigLeaf) -> st.SearchStrategy[Any] | None:
    inner = _strip_optional(leaf.annotation)
    if inner not in (int, float) or (leaf.low is None and leaf.high is None):
        return None
    options = []
    if leaf.low is not None:
        if inner is int:
            options.append(st.integers(max_value=int(leaf.low) - 1))
        else:
            options.append(st.floats(max_value=leaf.low, exclude_max=not leaf.low_open, allow_nan=False))
    if leaf.high is not None:
        if inner is int:
            options.append(st.integers(min_value=int(leaf.high) + 1))
        else:
            options.append(st.floats(min_value=leaf.high, exclude_min=True, allow_infinity=False))
    return st.one_of(options)


def _by_declaration(leaf: ConfigLeaf) -> st.SearchStrategy[Any] | None:
    """Values of the setting's own type that its declaration refuses: one not in its set, or one too long."""
    spec, inner = leaf.spec, _strip_optional(leaf.annotation)
    example = _get(BASE_CONFIG, leaf.path)
    if isinstance(spec, OneOf):
        near = st.sampled_from(spec.values).map(lambda v: v + 1 if isinstance(v, int) else f"{v}x")
        candidates = st.one_of(near, st.integers() if inner is int else LETTERS)
    elif isinstance(spec, Text) and spec.max_length is not None:
        start = example if isinstance(example, str) and example else "/"
        candidates = st.integers(1, 3).map(lambda extra: start + start[-1] * (spec.max_length - len(start) + extra))
    else:
        return None
    return candidates.filter(lambda value: spec.problem(value) is not None)


def _is_zone(name: str) -> bool:
    try:
        validate_timezone(name)
    except ValueError:
        return False
    return True


_ENV_NAME_BAD = st.one_of(
    st.from_regex(r"\A[0-9][A-Z0-9_]{0,8}\Z"),
    st.from_regex(r"\A[A-Z]{1,5}-[A-Z0-9]{1,5}\Z"),
)
_CREDENTIAL_NAMES = st.sampled_from(
    ["DB_PASSWORD", "API_TOKEN", "AWS_SECRET", "TLS_PRIVATE_KEY", "SERVICE_CREDENTIALS"]
)


@st.composite
def bad_schedules(draw: st.DrawFn) -> str:
    """Expressions that are certainly invalid, one per way of being wrong."""
    form = draw(st.integers(0, 10))
    if form == 0:
        return f"rate(0 {draw(st.sampled_from(['minutes', 'hours', 'days']))})"
    if form == 1:
        unit = draw(st.sampled_from(["second", "seconds", "week", "weeks", "month", "fortnights"]))
        return f"rate({draw(st.integers(1, 99))} {unit})"
    if form == 2:
        value = draw(st.integers(2, 99))
        return draw(st.sampled_from(["rate(1 minutes)", f"rate({value} minute)", f"rate({value} hour)"]))
    if form == 3:
        minute = draw(st.integers(60, 99))
        return f"cron({minute} * * * ? *)"
    if form == 4:
        hour = draw(st.integers(24, 99))
        return f"cron(0 {hour} * * ? *)"
    if form == 5:
        return draw(
            st.sampled_from(["cron(0 12 ? * ? *)", "cron(0 12 1 * MON *)", "cron(0 12 * *)", "cron(*/5 * * * *)"])
        )
    if form == 6:
        month = draw(st.integers(13, 99))
        return f"at(2031-{month:02d}-01T00:00:00)"
    if form == 7:
        seconds = draw(st.integers(1, 10_000).filter(lambda n: n % 60))
        return draw(st.sampled_from([f"@every {seconds}s", "@every 0m", "@every", "@every 5x"]))
    if form == 8:
        return draw(st.sampled_from(["@fortnightly", "@minutely", "@reboot"]))
    if form == 9:
        # Unix cron runs when day-of-month OR day-of-week matches, which AWS cron cannot say.
        return f"0 0 {draw(st.integers(1, 28))} * {draw(st.integers(1, 6))}"
    return draw(LETTERS)


_BAD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "cidrBlock": st.one_of(
        st.sampled_from(["10.0.0.1/16", "256.0.0.0/16", "fe80::/64", "not-a-cidr"]),
        st.one_of(st.integers(0, 15), st.integers(25, 32)).map(lambda bits: f"10.0.0.0/{bits}"),
    ),
    "vpcId": st.one_of(st.from_regex(r"\Avpc-[g-z]{8}\Z"), st.sampled_from(["vpc-123", "subnet-0abc1234"])),
    "publicSubnetIds": st.lists(st.sampled_from(["subnet-xyz", "vpc-0abc1234", "subnet-ABCDEF12"]), min_size=1),
    "privateSubnetIds": st.lists(st.sampled_from(["subnet-xyz", "sn-0abc1234"]), min_size=1),
    "email": st.one_of(LETTERS, st.sampled_from(["ops@", "@example.com", "ops@example", "a b@example.com"])),
    "schedule": bad_schedules(),
    "timezone": st.one_of(
        st.sampled_from(["Mars/Olympus", "utc+1", "Europe/Londn", "GMT+25"]), LETTERS.filter(lambda z: not _is_zone(z))
    ),
    "startDate": st.sampled_from(["tomorrow", "2030-01-01T00:00:00", "2030-13-01T00:00:00Z", "01/02/2030"]),
    "endDate": st.sampled_from(["next week", "2030-01-01", "2030-02-30T00:00:00Z"]),
    # Too long for the declaration: `_by_declaration`.
    "pathPattern": LETTERS,
    "healthCheckPath": LETTERS,
    "allowedCidrs": st.sampled_from([[], ["10.0.0.1/8"], ["nope"], ["0.0.0.0/0", "0.0.0.0/0"]]),
    "certificateArn": st.one_of(LETTERS, st.just("arn:aws:iam::123456789012:server-certificate/cats")),
    "domainName": st.sampled_from(["Cats.Example.com", "-cats.example.com", "cats", "cats_example.com"]),
    "hostedZoneId": st.sampled_from(["zone", "z0123", "Z-0123"]),
    "processor": st.sampled_from(["nope", "mod:", ":process", "my module:process", "mod:1process"]),
    "prefixes": st.sampled_from([["/abs"], ["in*"], [""], ["a,b"], ["in/", "in/"]]),
    "suffixes": st.sampled_from([["*.jpg"], [""], [".jpg", ".JPG"], [".jp?"]]),
    "user": st.sampled_from(["root", "0", "0:0", "bad user", "root:root"]),
    "app": st.one_of(
        st.sampled_from(["Cats", "../cats", "nope"]),
        LETTERS.map(str.lower).filter(lambda app: app not in {"cats", "batch_worker", "image_assessor"}),
    ),
    "name": st.one_of(
        st.sampled_from(["Nightly", "image-assessor", "1nightly", "n" * (JOB_NAME_MAX_LENGTH + 1), "night_ly"]),
        st.from_regex(r"\A[A-Z][a-z]{1,8}\Z"),
    ),
    "command": st.just([]),
    "environment": st.one_of(
        _ENV_NAME_BAD.map(lambda name: {name: "x"}), _CREDENTIAL_NAMES.map(lambda name: {name: "x"})
    ),
    "secrets": st.one_of(
        st.from_regex(r"\A[A-Z]{2,8}\Z").map(lambda name: {name: "plain-text-value"}),
        _ENV_NAME_BAD.map(lambda name: {name: SSM_ARN}),
    ),
    "runEnvironment": st.one_of(
        _ENV_NAME_BAD.map(lambda name: {name: "x"}), _CREDENTIAL_NAMES.map(lambda name: {name: "x"})
    ),
}
# Each accepts any string, so only wrong types break them.
_FREE_TEXT = {"image"}
# Sections whose `name` and `user` are their own declaration's (the log router's container name and uid), not
# the job's: their bad values come from that declaration (`_by_declaration`).
_OWN_NAMES = {"logRouting"}


def _leaf_name(path: Path) -> str:
    return str(path[-1])


@st.composite
def leaf_config_cases(draw: st.DrawFn) -> Case:
    leaf = draw(st.sampled_from(CONFIG_LEAVES))
    name = _leaf_name(leaf.path)
    choices = [("wrong type", _wrong_types(leaf.annotation))]
    if (strategy := _out_of_range(leaf)) is not None:
        choices.append(("out of range", strategy))
    if (strategy := _by_declaration(leaf)) is not None:
        choices.append(("refused by the declaration", strategy))
    if name in _BAD_VALUES and name not in _FREE_TEXT and not _OWN_NAMES & set(map(str, leaf.path)):
        choices.append(("bad value", _BAD_VALUES[name]))
    kind, strategy = draw(st.sampled_from(choices))
    value = draw(strategy)
    names: tuple[str, ...] = ()
    if isinstance(value, dict) and name in ("environment", "secrets", "runEnvironment") and kind == "bad value":
        names = tuple(value)
    return Case(f"{kind}: {name}", leaf.path, ((leaf.path, value),), names)


_WORKLOADS: tuple[Path, ...] = (
    ("cats", "workload"),
    ("imageAssessor", "workload"),
    ("jobs", 0, "workload"),
    ("batch", "jsonl", "workload"),
)


@st.composite
def cpu_memory_cases(draw: st.DrawFn) -> Case:
    workload = draw(st.sampled_from(_WORKLOADS))
    if draw(st.booleans()):
        cpu = draw(st.sampled_from(sorted(FARGATE_MEMORY_BY_CPU)))
        memory = draw(st.integers(128, 130_000).filter(lambda mib: mib not in FARGATE_MEMORY_BY_CPU[cpu]))
    else:
        cpu = draw(st.integers(1, 20_000).filter(lambda units: units not in FARGATE_MEMORY_BY_CPU))
        memory = 2048
    changes = (((*workload, "cpu"), cpu), ((*workload, "memory"), memory))
    return Case("cpu/memory pair", (*workload, "memory"), changes, ("cpu", "memory"))


@st.composite
def unknown_key_cases(draw: st.DrawFn) -> Case:
    path, model = draw(st.sampled_from(CONFIG_MODELS))
    allowed = {info.alias or name for name, info in model.model_fields.items()}
    snake = [re.sub(r"(?<!^)(?=[A-Z])", "_", alias).lower() for alias in allowed]
    key = draw(
        st.one_of(
            st.sampled_from(sorted(set(snake) - allowed) or ["bogus"]), st.from_regex(r"\A[a-z][A-Za-z0-9]{0,12}\Z")
        )
    )
    if key in allowed:
        key = f"{key}X"
    return Case("unknown key", (*path, key), (((*path, key), draw(st.one_of(st.integers(), LETTERS))),))


@st.composite
def conflict_config_cases(draw: st.DrawFn) -> Case:
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/0abc-1234"
    zone = "Z0123456789ABCDEFGHIJ"
    low = draw(st.integers(2, 1000))
    high = draw(st.integers(1, low - 1))
    workload = draw(st.sampled_from(_WORKLOADS))
    stack_var = draw(st.sampled_from(sorted(WORKER_ENVIRONMENT)))
    env_name = draw(
        st.from_regex(r"\A[A-Z][A-Z0-9_]{0,8}\Z").filter(
            lambda n: not re.search("PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL", n)
        )
    )
    pipeline = draw(st.sampled_from(["Jsonl", "1jsonl", "j" * (PIPELINE_NAME_MAX_LENGTH + 1), "json_lines"]))
    new_network = draw(
        st.sampled_from([("natStrategy", "single"), ("cidrBlock", "10.1.0.0/16"), ("availabilityZones", 3)])
    )
    options = [
        Case(
            "conflict",
            ("cats", "certificateArn"),
            (
                (("cats", "certificateArn"), cert),
                (("cats", "domainName"), "cats.example.com"),
                (("cats", "hostedZoneId"), zone),
            ),
            ("certificateArn", "domainName"),
        ),
        Case("conflict", ("cats", "hostedZoneId"), ((("cats", "domainName"), "cats.example.com"),), ("hostedZoneId",)),
        Case("conflict", ("cats", "hostedZoneId"), ((("cats", "hostedZoneId"), zone),), ("hostedZoneId", "domainName")),
        Case(
            "conflict",
            ("cats", "autoscaling", "minTasks"),
            ((("cats", "autoscaling", "minTasks"), low), (("cats", "autoscaling", "maxTasks"), high)),
            ("minTasks", "maxTasks"),
        ),
        Case("conflict", ("cats", "desiredCount"), ((("cats", "desiredCount"), 5 + low % 100),), ("desiredCount",)),
        Case(
            "conflict",
            ("cats", "autoscaling", "cpuTargetPercent"),
            ((("cats", "autoscaling", "cpuTargetPercent"), None), (("cats", "autoscaling", "requestsPerTarget"), None)),
            ("cpuTargetPercent", "requestsPerTarget"),
        ),
        Case(
            "conflict",
            ("cats", "workload", "secrets", "API_TOKEN"),
            ((("cats", "workload", "secrets"), {"API_TOKEN": SSM_ARN}),),
            ("API_TOKEN",),
        ),
        Case(
            "conflict",
            ("cats", "workload", "environment", "BUCKET_NAME"),
            ((("cats", "workload", "environment", "BUCKET_NAME"), "mine"),),
            ("BUCKET_NAME",),
        ),
        Case(
            "conflict",
            ("network", new_network[0]),
            (
                (("network", "vpcId"), "vpc-0abc1234"),
                (("network", "publicSubnetIds"), ["subnet-0abc1234"]),
                (("network", new_network[0]), new_network[1]),
            ),
            (new_network[0],),
        ),
        Case(
            "conflict", ("network", "publicSubnetIds"), ((("network", "vpcId"), "vpc-0abc1234"),), ("publicSubnetIds",)
        ),
        Case("conflict", ("network", "vpcId"), ((("network", "privateSubnetIds"), ["subnet-0abc1234"]),), ("vpcId",)),
        Case(
            "conflict",
            ("imageAssessor", "endDate"),
            (
                (("imageAssessor", "startDate"), "2031-01-01T00:00:00Z"),
                (("imageAssessor", "endDate"), draw(st.sampled_from(["2030-06-01T00:00:00Z", "2031-01-01T00:00:00Z"]))),
            ),
            ("endDate",),
        ),
        Case(
            "conflict",
            ("imageAssessor", "workload", "environment"),
            (
                (
                    ("imageAssessor", "workload", "environment"),
                    {draw(st.sampled_from(["ALB_URL", "DELETE_COUNT"])): "x"},
                ),
            ),
            ("ALB_URL", "DELETE_COUNT"),
        ),
        Case(
            "conflict",
            ("imageAssessor", "workload", "secrets", "API_TOKEN"),
            ((("imageAssessor", "workload", "secrets"), {"API_TOKEN": SSM_ARN}),),
            ("API_TOKEN",),
        ),
        Case(
            "conflict", ("jobs", 1, "name"), ((("jobs",), [BASE_CONFIG["jobs"][0], BASE_CONFIG["jobs"][0]]),), ("name",)
        ),
        Case(
            "conflict", ("jobs", 0, "workload", "image"), ((("jobs", 0, "workload"), {"cpu": 256}),), ("image", "app")
        ),
        Case(
            "conflict",
            ("batch", "jsonl", "minTasks"),
            ((("batch", "jsonl", "minTasks"), low), (("batch", "jsonl", "maxTasks"), high)),
            ("minTasks", "maxTasks"),
        ),
        Case(
            "conflict",
            ("batch", "jsonl", "workload", "environment"),
            ((("batch", "jsonl", "workload", "environment"), {stack_var: "x"}),),
            (stack_var,),
        ),
        Case(
            "conflict",
            (*workload, "capacity"),
            (((*workload, "capacity"), {"fargate": 0, "fargateSpot": 0}),),
            ("fargate", "fargateSpot"),
        ),
        Case(
            "conflict",
            (*workload, "capacity", "base"),
            (((*workload, "capacity"), {"fargate": 0, "fargateSpot": 1, "base": 1 + low % 5}),),
            ("base", "fargate"),
        ),
        Case(
            "conflict",
            (*workload, "secrets", env_name),
            (((*workload, "environment"), {env_name: "x"}), ((*workload, "secrets"), {env_name: SSM_ARN})),
            (env_name,),
        ),
        Case(
            "bad pipeline name",
            ("batch", pipeline, "[key]"),
            ((("batch",), {pipeline: BASE_CONFIG["batch"]["jsonl"]}),),
        ),
    ]
    return draw(st.sampled_from(options))


config_cases = st.one_of(leaf_config_cases(), cpu_memory_cases(), unknown_key_cases(), conflict_config_cases())


def _config_error(case: Case) -> str:
    raw = case.apply(BASE_CONFIG)
    with pytest.raises(StackConfigError) as caught:
        settings_from_raw(raw)
    return str(caught.value)


def _check_config_message(message: str, case: Case) -> None:
    header, *lines = message.split("\n")
    assert header == "invalid stack config:", message
    assert lines, message
    for line in lines:
        assert CONFIG_LINE.match(line), f"{line!r} is not `  ecs-workloads:<key>: <value> — <why>` ({case})"
    named = []
    for line in lines:
        location = line[len(f"  {NAMESPACE}:") :].split(": ", 1)[0]
        why = line.split(" — ", 1)[1]
        named.append(_names_target(location, why, case))
    assert any(named), f"no line names {_dotted(case.target)} ({case}):\n{message}"


def test_base_config_is_valid_and_builds_the_stack() -> None:
    """The properties below are only meaningful if the unbroken config builds resources."""
    settings_from_raw(BASE_CONFIG)
    recording = run_program("dev", config=_stack_config(BASE_CONFIG))
    assert len(recording.registrations) > 100


@_settings(400)
@given(case=config_cases)
def test_bad_stack_config_is_refused_with_a_line_naming_the_key(case: Case) -> None:
    _check_config_message(_config_error(case), case)


def _stack_config(raw: dict[str, Any]) -> dict[str, Any]:
    # The program also requires the provider's default tags; the dev stack file's are valid for "dev".
    tags = stack_config("dev")[DEFAULT_TAGS_KEY]
    return {
        "aws:region": "us-east-1",
        DEFAULT_TAGS_KEY: tags,
        **{f"{NAMESPACE}:{key}": value for key, value in raw.items()},
    }


@_settings(50)
@given(case=config_cases)
def test_bad_stack_config_stops_the_program_before_any_resource(case: Case) -> None:
    recording = Recording()
    with pytest.raises(StackConfigError) as caught:
        run_program("dev", config=_stack_config(case.apply(BASE_CONFIG)), recording=recording)
    assert recording.registrations == []
    _check_config_message(str(caught.value), case)


# =====================================================================================================
# Component arguments
# =====================================================================================================

PLACEMENT = {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-0abc1234", "subnet-0def5678"], "assign_public_ip": True}
CLUSTER = {"cluster_name": "ecs", "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/ecs"}
TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"
CAPACITY = {"fargate": 1, "fargate_spot": 1, "base": 1}
WORKLOAD = {
    "image": IMAGE,
    "cpu": 512,
    "memory": 1024,
    "cpu_architecture": "ARM64",
    "ephemeral_storage_gib": 30,
    "command": ["run"],
    "entry_point": ["sh", "-c"],
    "environment": {"MODE": "x"},
    "secrets": {"API_TOKEN": SSM_ARN},
    "health_check": {"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3, "start_period": 0},
    "stop_timeout": 30,
    "readonly_root_filesystem": True,
    "log_retention_days": 30,
    "enable_execute_command": False,
    # Present, so each nested field's bad value is judged beside its parent's required fields.
    "sidecars": [{"name": "side", "image": IMAGE}],
    "log_routing": {"destination": "cloudwatch"},
}
DEPLOYMENT = {"capacity": CAPACITY, "min_healthy_percent": 50, "max_percent": 200}

COMPONENTS: dict[str, tuple[Callable[[str, Any], Any], str, dict[str, Any]]] = {
    "Network": (Network, "net", {"cidr_block": "10.0.0.0/16", "availability_zones": 2, "nat_strategy": "none"}),
    "Network(existing)": (
        Network,
        "net",
        {
            "existing": {
                "vpc_id": "vpc-0abc1234",
                "public_subnet_ids": ["subnet-0abc1234", "subnet-0def5678"],
                "private_subnet_ids": ["subnet-0aaa1111"],
            }
        },
    ),
    "EcsCluster": (EcsCluster, "ecs", {"container_insights": "enabled", "default_capacity": CAPACITY}),
    "FargateWorkload": (
        FargateWorkload,
        "app",
        {"vpc_id": "vpc-0abc1234", **WORKLOAD, "port": 8080, "protect_data": False},
    ),
    "BackendService": (
        BackendService,
        "scorer",
        {
            **CLUSTER,
            "placement": PLACEMENT,
            "workload": {**WORKLOAD, "port": 8080},
            "deployment": {**DEPLOYMENT, "desired_count": 2},
            "namespace": "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-0123456789abcdef",
            "port_name": "http",
            "app_protocol": "http",
            "discovery_name": "scorer",
            "client_aliases": [{"dns_name": "scorer", "port": 8080}],
            "access_logs": "JSON",
            "autoscaling": {"min_tasks": 1, "max_tasks": 3, "cpu_target_percent": 70, "memory_target_percent": 80},
        },
    ),
    "AlbWebService": (
        AlbWebService,
        "web",
        {
            **CLUSTER,
            "placement": PLACEMENT,
            "workload": {**WORKLOAD, "port": 8080},
            "deployment": {**DEPLOYMENT, "desired_count": 2},
            "load_balancer_subnet_ids": ["subnet-0abc1234", "subnet-0def5678"],
            "path_patterns": ["/cats*"],
            "priority": 100,
            "allowed_cidrs": ["0.0.0.0/0"],
            "idle_timeout": 60,
            "health_check_path": "/health",
            "health_check_matcher": "200",
            "health_check_interval": 10,
            "healthy_threshold": 2,
            "unhealthy_threshold": 3,
            "health_check_timeout": 5,
            "deregistration_delay": 30,
            "stickiness_duration": 3600,
            "health_check_grace_period_seconds": 30,
            "autoscaling": {
                "min_tasks": 1,
                "max_tasks": 4,
                "cpu_target_percent": 60,
                "requests_per_target": 1000,
                "scale_in_cooldown": 300,
                "scale_out_cooldown": 60,
            },
            "database_access": [{"security_group_id": "sg-0abc1234", "port": 5432, "description": "db"}],
            "alarm_topic_arn": TOPIC,
            "error_rate_alarm_percent": 5,
            "protect_data": False,
            "internal": False,
        },
    ),
    "QueueBackedBatchService": (
        QueueBackedBatchService,
        "batch-jsonl",
        {
            **CLUSTER,
            "placement": PLACEMENT,
            "workload": WORKLOAD,
            "deployment": DEPLOYMENT,
            "trigger": "s3",
            "processor": "jsonl",
            "prefixes": ["in/"],
            "suffixes": [".jsonl"],
            "visibility_timeout_seconds": 120,
            "max_receive_count": 3,
            "max_message_age_seconds": 3600,
            "min_tasks": 0,
            "max_tasks": 4,
            "messages_per_task": 5,
            "idle_minutes": 5,
            "input_expiry_days": 30,
            "output_expiry_days": 30,
            "alarm_topic_arn": TOPIC,
            "protect_data": False,
        },
    ),
    "ScheduledEcsTask": (
        ScheduledEcsTask,
        "job",
        {
            **CLUSTER,
            "placement": PLACEMENT,
            "workload": WORKLOAD,
            "schedule": "rate(5 minutes)",
            "timezone": "Europe/London",
            "start_date": "2030-01-01T00:00:00Z",
            "end_date": "2031-01-01T00:00:00Z",
            "enabled": True,
            "flexible_window_minutes": 0,
            "task_count": 1,
            "capacity": CAPACITY,
            "run_environment": {"MODE": "x"},
            "max_retry_attempts": 3,
            "max_event_age_seconds": 3600,
            "schedule_group_name": "jobs",
            "alarm_topic_arn": TOPIC,
            "protect_data": False,
        },
    ),
}


DECLARATIONS: dict[str, Arguments] = {
    "Network": NETWORK_ARGS,
    "EcsCluster": ECS_CLUSTER_ARGS,
    "FargateWorkload": FARGATE_WORKLOAD_ARGS,
    "AlbWebService": ALB_WEB_SERVICE_ARGS,
    "BackendService": BACKEND_SERVICE_ARGS,
    "QueueBackedBatchService": QUEUE_BACKED_BATCH_SERVICE_ARGS,
    "ScheduledEcsTask": SCHEDULED_ECS_TASK_ARGS,
}
# Mappings specced as "a mapping" (a `Check`) whose entries a rule of the declaration checks (names,
# credential-looking names, secret ARNs): the spec accepts every mapping, so no value the spec refuses
# can break an entry, and these hand examples do.
_ENTRY_EXAMPLES: dict[str, tuple[Any, ...]] = {
    "environment": ({"1BAD": "x"}, {"DB_PASSWORD": "x"}, {"A-B": "x"}),
    "secrets": ({"TOKEN": "plain"}, {"1BAD": SSM_ARN}, {"MODE": SSM_ARN}),
    "run_environment": ({"1X": "y"}, {"DB_PASSWORD": "x"}),
}


@dataclass(frozen=True)
class Leaf:
    """One declared argument, at its path below a component's arguments (index 0 inside lists)."""

    path: Path
    spec: Spec
    inner: Arguments | None
    """The declaration of the mapping (or of each list entry) this argument holds, if any."""


def _inner(spec: Spec) -> Arguments | None:
    return spec.arguments if isinstance(spec, Nested | NestedList) else None


def declared_leaves(arguments: Arguments, prefix: Path = ()) -> Iterator[Leaf]:
    """Every field of `arguments` and, recursively, of the declarations below it."""
    for name, spec in arguments.specs.items():
        here = (*prefix, name)
        inner = _inner(spec)
        yield Leaf(here, spec, inner)
        if inner is not None:
            yield from declared_leaves(inner, (*here, 0) if isinstance(spec, NestedList) else here)


def _variant(component: str, path: Path) -> str:
    """The example arguments (COMPONENTS key) a leaf is broken in: the first that gives its top-level field."""
    variants = [key for key in COMPONENTS if key.split("(")[0] == component]
    return next((key for key in variants if path[0] in COMPONENTS[key][2]), variants[0])


_ABSENT = object()


def _get(document: Any, path: Path) -> Any:
    for part in path:
        given = isinstance(document, dict) and part in document
        if given or (isinstance(document, list) and isinstance(part, int) and part < len(document)):
            document = document[part]
        else:
            return _ABSENT
    return document


def _refused(leaf: Leaf, value: Any) -> bool:
    """Whether the declaration refuses `value` for this leaf: its spec, or the declaration of the mapping."""
    if leaf.spec.problem(value) is not None:
        return True
    if leaf.inner is not None and isinstance(value, dict) and not isinstance(leaf.spec, NestedList):
        problems = ArgumentProblems("fuzz")
        leaf.inner.check(value, problems)
        return len(problems) > 0
    return False


_PRINTABLE = st.text(string.printable, max_size=8)


def _near(text: str) -> st.SearchStrategy[str]:
    """Strings one edit away from a valid one: cut short, extended, or one character replaced."""
    chars = st.sampled_from(string.printable)
    cut = st.integers(0, max(len(text) - 1, 0)).map(lambda end: text[:end])
    longer = chars.map(lambda char: text + char)
    replaced = st.tuples(st.integers(0, max(len(text) - 1, 0)), chars).map(
        lambda edit: text[: edit[0]] + edit[1] + text[edit[0] + 1 :]
    )
    return st.one_of(cut, longer, replaced)


_WRONG_TYPES: list[tuple[str, st.SearchStrategy[Any]]] = [
    ("text", st.one_of(st.just(""), LETTERS, _PRINTABLE)),
    ("integer", st.integers()),
    ("fraction", st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())),
    ("whole float", st.integers(-(10**6), 10**6).map(float)),
    ("bool", st.booleans()),
    ("list", st.lists(st.one_of(st.integers(), LETTERS), max_size=3)),
    ("mapping", st.dictionaries(LETTERS, st.integers(), max_size=2)),
]


def _value_classes(leaf: Leaf, example: Any) -> list[tuple[str, st.SearchStrategy[Any]]]:
    """Generic ways to be wrong, from the spec's kind and the valid example; the caller keeps refused ones."""
    spec = leaf.spec
    classes = list(_WRONG_TYPES)
    if isinstance(spec, Integer):
        classes.append(
            ("out of range", st.one_of(st.integers(max_value=spec.low - 1), st.integers(min_value=spec.high + 1)))
        )
    if isinstance(spec, Number):
        below = st.floats(max_value=spec.low, exclude_max=not spec.low_open, allow_nan=False)
        classes.append(("out of range", st.one_of(below, st.floats(min_value=spec.high, exclude_min=True))))
    if isinstance(spec, OneOf):
        # The allowed values spelled as another type (256 as "256" or 256.0), and values next to them.
        respelled = st.sampled_from(spec.values).map(lambda v: float(v) if isinstance(v, int) else str(v).upper())
        neighbours = st.sampled_from([v for v in spec.values if isinstance(v, int)] or [0]).map(lambda v: v + 1)
        classes.append(("not allowed", st.one_of(respelled, neighbours, st.sampled_from(spec.values).map(str))))
    if isinstance(example, str):
        classes.append(("near the example", _near(example)))
    if isinstance(spec, Text) and spec.max_length is not None:
        start = example if isinstance(example, str) and example else "a"
        classes.append(
            (
                "too long",
                st.integers(1, 3).map(lambda extra: start + start[-1] * (spec.max_length - len(start) + extra)),
            )
        )
    if isinstance(example, list) and example:
        entries = st.lists(st.sampled_from(example), min_size=1, max_size=2)
        classes.append(("entries repeated", entries.map(lambda more: [*example, *more])))
        classes.append(("entry of a wrong type", st.one_of(st.integers(), st.booleans()).map(lambda x: [x, *example])))
        maximum = getattr(spec, "max_items", None)
        if maximum is not None:
            classes.append(("too many entries", st.just([example[i % len(example)] for i in range(maximum + 1)])))
    if isinstance(example, dict) and leaf.inner is not None:
        present = sorted(leaf.inner.required & set(example))
        if present:
            drop = st.sampled_from(present)
            classes.append(
                ("required entry left out", drop.map(lambda key: {k: v for k, v in example.items() if k != key}))
            )
    return classes


@st.composite
def _bad_value(draw: st.DrawFn, leaf: Leaf, example: Any) -> tuple[str, Any]:
    """A value the declaration refuses, from a class picked evenly (a `one_of` would favour the first)."""
    classes = _value_classes(leaf, example)
    examples = _ENTRY_EXAMPLES.get(str(leaf.path[-1])) if isinstance(leaf.spec, Check) else None
    if examples:
        classes.append(("bad entry", st.sampled_from(examples)))
    # Half the draws from the classes this spec and example add (bounds, allowed set, near misses), which
    # would otherwise be outnumbered by the wrong types.
    own = classes[len(_WRONG_TYPES) :]
    name, strategy = draw(st.sampled_from(own if own and draw(st.booleans()) else classes[: len(_WRONG_TYPES)]))
    for _ in range(3):
        value = draw(strategy)
        if name == "bad entry" or _refused(leaf, value):
            return name, value
    # Some classes hold nothing this spec refuses (any non-empty string is an id); any other class will.
    every = st.one_of([strategy.map(lambda value, name=name: (name, value)) for name, strategy in classes])
    return draw(every.filter(lambda pair: pair[0] == "bad entry" or _refused(leaf, pair[1])))


LEAVES: dict[str, list[Leaf]] = {
    component: list(declared_leaves(arguments)) for component, arguments in DECLARATIONS.items()
}
_LEAF_CHOICES = [
    (_variant(component, leaf.path), leaf) for component, leaves in sorted(LEAVES.items()) for leaf in leaves
]


@st.composite
def leaf_component_cases(draw: st.DrawFn) -> tuple[str, Case]:
    variant, leaf = draw(st.sampled_from(_LEAF_CHOICES))
    value_class, value = draw(_bad_value(leaf, _get(COMPONENTS[variant][2], leaf.path)))
    names = (tuple(value) or (str(leaf.path[-1]),)) if isinstance(value, dict) else ()
    return variant, Case(f"{value_class}: {_dotted(leaf.path)}", leaf.path, ((leaf.path, value),), names)


# Every mapping with a declaration: the component's own arguments, and each leaf that holds one.
_MAPPINGS = [(component, (), arguments) for component, arguments in sorted(DECLARATIONS.items())] + [
    (component, (*leaf.path, 0) if isinstance(leaf.spec, NestedList) else leaf.path, leaf.inner)
    for component, leaves in sorted(LEAVES.items())
    for leaf in leaves
    if leaf.inner is not None
]


@st.composite
def unknown_argument_cases(draw: st.DrawFn) -> tuple[str, Case]:
    component, parent, arguments = draw(st.sampled_from(_MAPPINGS))
    variant = _variant(component, parent) if parent else component
    key = draw(st.from_regex(r"\A[a-z][a-z0-9_]{0,15}\Z").filter(lambda k: k not in arguments.specs))
    return variant, Case("unknown argument", (*parent, key), (((*parent, key), draw(st.integers())),))


# Components that embed a Fargate workload, and every component that takes one.
_WITH_WORKLOAD = ("FargateWorkload", "AlbWebService", "BackendService", "QueueBackedBatchService", "ScheduledEcsTask")


@st.composite
def conflict_component_cases(draw: st.DrawFn) -> tuple[str, Case]:
    high = draw(st.integers(1, 999))
    low = draw(st.integers(high + 1, 1000))
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/0abc-1234"
    zone = "Z0123456789ABCDEFGHIJ"
    worker_var = draw(st.sampled_from(sorted(WORKER_ENVIRONMENT)))
    cpu = draw(st.sampled_from(sorted(FARGATE_MEMORY_BY_CPU)))
    memory = draw(st.integers(128, 130_000).filter(lambda mib: mib not in FARGATE_MEMORY_BY_CPU[cpu]))
    with_workload = draw(st.sampled_from(sorted(_WITH_WORKLOAD)))
    prefix: Path = () if with_workload == "FargateWorkload" else ("workload",)
    options: list[tuple[str, Case]] = [
        (
            with_workload,
            Case(
                "cpu/memory pair",
                (*prefix, "memory"),
                (((*prefix, "cpu"), cpu), ((*prefix, "memory"), memory)),
                ("cpu", "memory"),
            ),
        ),
        (with_workload, Case("conflict", (*prefix, "image"), (((*prefix, "build_context"), "apps/cats"),), ("image",))),
        (with_workload, Case("conflict", (*prefix, "image"), (((*prefix, "image"), _DELETE),), ("image",))),
        (
            with_workload,
            Case("conflict", (*prefix, "secrets", "MODE"), (((*prefix, "secrets"), {"MODE": SSM_ARN}),), ("MODE",)),
        ),
        (
            "Network",
            Case(
                "conflict",
                ("nat_strategy",),
                ((("existing",), COMPONENTS["Network(existing)"][2]["existing"]),),
                ("nat_strategy", "cidr_block", "availability_zones"),
            ),
        ),
        (
            "EcsCluster",
            Case(
                "conflict",
                ("default_capacity",),
                ((("default_capacity",), {"fargate": 0, "fargate_spot": 0}),),
                ("fargate",),
            ),
        ),
        (
            "EcsCluster",
            Case(
                "conflict",
                ("default_capacity", "base"),
                ((("default_capacity",), {"fargate": 0, "fargate_spot": 1, "base": 1 + high % 9}),),
                ("base",),
            ),
        ),
        (
            "AlbWebService",
            Case(
                "conflict",
                ("certificate_arn",),
                ((("certificate_arn",), cert), (("domain_name",), "cats.example.com"), (("hosted_zone_id",), zone)),
                ("certificate_arn", "domain_name"),
            ),
        ),
        (
            "AlbWebService",
            Case("conflict", ("hosted_zone_id",), ((("domain_name",), "cats.example.com"),), ("hosted_zone_id",)),
        ),
        ("AlbWebService", Case("conflict", ("hosted_zone_id",), ((("hosted_zone_id",), zone),), ("domain_name",))),
        (
            "AlbWebService",
            Case(
                "conflict",
                ("autoscaling", "max_tasks"),
                (
                    (("autoscaling", "min_tasks"), low),
                    (("autoscaling", "max_tasks"), high),
                    (("deployment", "desired_count"), high),
                ),
                ("min_tasks", "max_tasks"),
            ),
        ),
        (
            "AlbWebService",
            Case(
                "conflict",
                ("autoscaling",),
                ((("autoscaling",), {"min_tasks": 1, "max_tasks": 2}),),
                ("cpu_target_percent", "requests_per_target"),
            ),
        ),
        (
            "AlbWebService",
            Case(
                "conflict",
                ("deployment", "desired_count"),
                ((("deployment", "desired_count"), 5 + high % 900),),
                ("desired_count",),
            ),
        ),
        (
            "AlbWebService",
            Case(
                "conflict",
                ("health_check_timeout",),
                ((("health_check_timeout",), 10 + high % 100),),
                ("health_check_timeout", "health_check_interval"),
            ),
        ),
        ("AlbWebService", Case("conflict", ("workload", "port"), ((("workload", "port"), _DELETE),), ("port",))),
        (
            "AlbWebService",
            Case("conflict", ("workload", "vpc_id"), ((("workload", "vpc_id"), "vpc-0abc1234"),), ("vpc_id",)),
        ),
        (
            "AlbWebService",
            Case(
                "conflict",
                ("allowed_cidrs",),
                ((("internal",), True), (("allowed_cidrs",), _DELETE)),
                ("allowed_cidrs",),
            ),
        ),
        (
            "AlbWebService",
            Case("conflict", ("access_logs_prefix",), ((("access_logs_prefix",), "alb/"),), ("access_logs_bucket",)),
        ),
        (
            "QueueBackedBatchService",
            Case(
                "conflict", ("min_tasks",), ((("min_tasks",), low), (("max_tasks",), high)), ("min_tasks", "max_tasks")
            ),
        ),
        (
            "QueueBackedBatchService",
            Case(
                "conflict",
                ("deployment", "desired_count"),
                ((("deployment", "desired_count"), 1 + high % 10),),
                ("desired_count",),
            ),
        ),
        (
            "QueueBackedBatchService",
            Case(
                "conflict",
                ("workload", "environment", worker_var),
                ((("workload", "environment"), {worker_var: "x"}),),
                (worker_var,),
            ),
        ),
        (
            "QueueBackedBatchService",
            Case(
                "conflict",
                ("workload", "stop_timeout"),
                ((("workload", "stop_timeout"), 2 + high % 8),),
                ("stop_timeout",),
            ),
        ),
        (
            "QueueBackedBatchService",
            Case("conflict", ("workload", "protect_data"), ((("workload", "protect_data"), True),), ("protect_data",)),
        ),
        (
            "QueueBackedBatchService",
            Case("conflict", ("input_expiry_days",), ((("trigger",), "queue"),), ("input_expiry_days",)),
        ),
        (
            "ScheduledEcsTask",
            Case("conflict", ("end_date",), ((("end_date",), "2029-12-31T23:59:59Z"),), ("end_date",)),
        ),
        (
            "ScheduledEcsTask",
            Case("conflict", ("workload", "vpc_id"), ((("workload", "vpc_id"), "vpc-0abc1234"),), ("vpc_id",)),
        ),
        ("ScheduledEcsTask", Case("conflict", ("schedule",), ((("schedule",), draw(bad_schedules())),), ("schedule",))),
    ]
    return draw(st.sampled_from(options))


@st.composite
def bad_name_cases(draw: st.DrawFn) -> tuple[str, Case]:
    name = draw(
        st.one_of(
            st.sampled_from(
                ["Batch", "1batch", "b" * (QUEUE_BACKED_BATCH_SERVICE_NAMES.max_length + 1), "batch_jsonl", ""]
            ),
            st.integers(),
        )
    )
    return "QueueBackedBatchService", Case("name", ("name",), ((("__name__",), name),))


# The derived leaves have a test of their own: in one `one_of` with these, they would get few examples.
component_cases = st.one_of(unknown_argument_cases(), conflict_component_cases(), bad_name_cases())


def _construct(component: str, case: Case | None = None) -> Callable[[], Any]:
    cls, name, base = COMPONENTS[component]
    args = copy.deepcopy(base)
    if case is not None:
        for path, value in case.changes:
            if path == ("__name__",):
                name = value
            else:
                args = _set(args, path, value)
    return lambda: cls(name, args)


def _collect_abandoned_outputs() -> None:
    """A component that crashes mid-construction leaves Pulumi's tasks and futures behind on the closed event
    loop (the run's RPC manager still holds them). Nothing can run or read them any more; mark them so that
    their eventual destruction is not logged as an error."""
    hook, sys.unraisablehook = sys.unraisablehook, lambda _: None
    try:
        # Collecting them also finalises event loops the crashed run left open, which cannot close cleanly.
        gc.collect()
    finally:
        sys.unraisablehook = hook
    for future in [obj for obj in gc.get_objects() if isinstance(obj, asyncio.Future)]:
        if not future.get_loop().is_closed():
            continue
        if isinstance(future, asyncio.Task) and not future.done():
            future._log_destroy_pending = False
        elif future.done() and not future.cancelled():
            future._log_traceback = False


ARGUMENT_LINE = re.compile(r"^  ([A-Za-z0-9_.\[\]-]+): .+ — .+$")


def _check_component_case(component: str, case: Case) -> list[str]:
    """What is wrong with how `component` handles `case`; empty when it fails as it should."""
    recording = Recording()
    crash = None
    try:
        run_callable(_construct(component, case), recording=recording)
    except ValueError as error:
        message = str(error)
    except Exception as error:
        crash = f"{type(error).__name__} instead of ValueError ({len(recording.registrations)} resources registered): "
        crash += f"{error}".splitlines()[0][:200]
    else:
        return [f"accepted; {len(recording.registrations)} resources registered"]
    if crash is not None:
        # Outside the except block, so the traceback no longer keeps the abandoned tasks alive.
        _collect_abandoned_outputs()
        return [crash]
    problems = []
    if recording.registrations:
        problems.append(f"{len(recording.registrations)} resources registered before the error")
    header, *lines = message.split("\n")
    if not header.startswith("invalid ") or not lines:
        problems.append(f"not the `invalid <Component> arguments:` form: {message!r}")
    fields = []
    for line in lines:
        match = ARGUMENT_LINE.match(line)
        if not match:
            problems.append(f"{line!r} is not `  field: value — allowed`")
            continue
        fields.append(_names_target(match[1].replace("[", ".").replace("]", ""), line.split(" — ", 1)[1], case))
    if not any(fields):
        problems.append(f"no line names {_dotted(case.target)}: {message}")
    return problems


def _typed_paths(typed_dict: type, prefix: Path = ()) -> Iterator[Path]:
    """Every field of an args TypedDict and of the TypedDicts its fields hold, read from the annotations."""
    for name, annotation in typed_dict.__annotations__.items():
        here = (*prefix, name)
        if typing.get_origin(annotation) in (typing.Required, typing.NotRequired):
            annotation = typing.get_args(annotation)[0]
        yield here
        if typing.is_typeddict(annotation):
            yield from _typed_paths(annotation, here)
        elif typing.get_origin(annotation) is list and typing.is_typeddict(typing.get_args(annotation)[0]):
            yield from _typed_paths(typing.get_args(annotation)[0], (*here, 0))


@pytest.mark.parametrize("component", sorted(DECLARATIONS))
def test_every_declared_argument_is_fuzzed(component: str) -> None:
    """A new argument, or a nested one, is fuzzed without touching this file."""
    fuzzed = {leaf.path for variant, leaf in _LEAF_CHOICES if variant.split("(")[0] == component}
    declared = set(_typed_paths(DECLARATIONS[component].typed_dict))
    assert declared - fuzzed == set()


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_component_base_arguments_are_valid(component: str) -> None:
    """Every property below starts from these arguments, which build resources when left alone."""
    recording = run_callable(_construct(component))
    assert recording.registrations


@_settings(250)
@given(case=leaf_component_cases())
def test_bad_component_argument_values_raise_one_value_error_naming_the_field(case: tuple[str, Case]) -> None:
    component, bad = case
    assert _check_component_case(component, bad) == [], f"{component} {bad}"


@_settings(200)
@given(case=component_cases)
def test_bad_component_arguments_raise_one_value_error_naming_the_field(case: tuple[str, Case]) -> None:
    component, bad = case
    assert _check_component_case(component, bad) == [], f"{component} {bad}"

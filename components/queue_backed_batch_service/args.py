"""The arguments of `QueueBackedBatchService`, each declared once, and the rules that span them."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Required, TypedDict

import pulumi

from ..alarm_topic import TOPIC_ARN
from ..arguments import Arguments, Flag, Identifier, Integer, Nested, NestedList, OneOf, Spec, Text
from ..capacity import CapacityProviderFacts
from ..fargate_service import SERVICE_DEPLOYMENT_ARGS, AutoscaledDeploymentArgs
from ..fargate_workload import FARGATE_WORKLOAD_ARGS, FARGATE_WORKLOAD_NAMES, EmbeddedWorkloadArgs
from ..name_limits import ALARM, EVENT_RULE, S3_BUCKET, SCALING_POLICY, SQS_QUEUE, ComponentNames
from ..network import WORKLOAD_PLACEMENT_ARGS, WorkloadPlacement
from ..private_bucket import PRIVATE_BUCKET_ARGS
from ..scheduled_scaling import SCHEDULED_SCALING, ScalingBounds, ScheduledScalingActionArgs, check_scheduled_scaling
from ..tags import TAGS
from ..validation import ArgumentProblems, is_int_in, is_known
from ..workload_shape import CAPACITY_PROVIDERS, EMBEDDED_WORKLOAD, validate_capacity, validate_embedded_workload
from .subscriptions import SUBSCRIPTION_ARGS, SubscriptionArgs, distinct_topics

# The main queue keeps SQS's default 4 days; an oldest-message alarm above that could never fire.
QUEUE_RETENTION_SECONDS = 345_600
# The worker's shutdown grace is the container's stop timeout minus this margin, so it finishes (or
# releases its message) before ECS sends SIGKILL.
SHUTDOWN_MARGIN_SECONDS = 5
# The shortest stop timeout that leaves the worker a grace of SHUTDOWN_MARGIN_SECONDS or more.
_MIN_STOP_TIMEOUT = 2 * SHUTDOWN_MARGIN_SECONDS
_STOP_TIMEOUT = FARGATE_WORKLOAD_ARGS["stop_timeout"]
assert isinstance(_STOP_TIMEOUT, Integer)
# FargateWorkload's own bounds of `stop_timeout`.
_STOP_TIMEOUT_LOW, _STOP_TIMEOUT_HIGH = _STOP_TIMEOUT.low, _STOP_TIMEOUT.high
# Environment variables of the worker that this component sets.
WORKER_ENVIRONMENT = frozenset(
    {
        "QUEUE_URL",
        "OUTPUT_BUCKET",
        "PROCESSOR",
        "VISIBILITY_TIMEOUT",
        "INPUT_PREFIXES",
        "INPUT_SUFFIXES",
        "SCALE_IN_PROTECTION",
        "SHUTDOWN_GRACE_SECONDS",
        "DEAD_LETTER_QUEUE_URL",
    }
)

# Lowercase: the name begins the names of the buckets, which S3 takes in lowercase only.
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PROCESSOR = re.compile(r"^(jsonl|thumbnails|[A-Za-z_][\w.]*:[A-Za-z_]\w*)$")
# S3 object keys are at most 1024 bytes (S3 User Guide, "Naming Amazon S3 objects").
_KEY_FILTER_MAX = 1024


@dataclass(frozen=True)
class KeyFilters(Spec):
    """S3 key prefixes or suffixes: distinct entries without the characters the worker's comma-separated
    list and EventBridge's wildcard matching would misread. Suffixes match ignoring case, so `.jpg` and
    `.JPG` are the same suffix; prefixes are relative to the bucket, never starting with `/`."""

    suffixes: bool = False

    def accepts(self, value: Any) -> bool:
        return not self.entry_problems(value)

    def allowed(self) -> str:
        rule = "ignoring case" if self.suffixes else "not starting with /"
        return f"a list of distinct non-empty strings up to {_KEY_FILTER_MAX} characters without * ? , ({rule})"

    def problem(self, value: Any) -> str | None:
        found = self.entry_problems(value) if is_known(value) else []
        if not found:
            return None
        return f"{self.allowed()}: " + "; ".join(f"{entry!r} {why}" for entry, why in found)

    def entry_problems(self, value: Any) -> list[tuple[Any, str]]:
        """(entry, what is wrong with it) for each bad entry; the whole value when it is not a list."""
        if not isinstance(value, list):
            return [(value, "is not a list")]
        found: list[tuple[Any, str]] = []
        seen: set[str] = set()
        for entry in value:
            if not (isinstance(entry, str) and 0 < len(entry) <= _KEY_FILTER_MAX) or set(entry) & set("*?,"):
                found.append((entry, "is not allowed"))
                continue
            if not self.suffixes and entry.startswith("/"):
                found.append((entry, "starts with /"))
                continue
            folded = entry.lower() if self.suffixes else entry
            if folded in seen:
                found.append((entry, "is listed twice"))
            seen.add(folded)
        return found


class QueueBackedBatchServiceArgs(TypedDict, total=False):
    """Arguments of `QueueBackedBatchService`."""

    cluster_name: Required[pulumi.Input[str]]
    """Name of the ECS cluster the workers run on."""
    cluster_arn: Required[pulumi.Input[str]]
    """ARN of that cluster."""
    capacity_providers: dict[str, CapacityProviderFacts]
    """The cluster's EC2 capacity providers by name (`EcsCluster.capacity_providers`), for capacity weights
    that name them."""
    placement: Required[WorkloadPlacement]
    """VPC, subnets and public-IP choice of the workers (`Network.placement()`)."""
    workload: Required[EmbeddedWorkloadArgs]
    """The worker container (`FargateWorkloadArgs` without `vpc_id` and `protect_data`). Its `stop_timeout`
    also sets the worker's SHUTDOWN_GRACE_SECONDS, 5 s less, so it must be at least 10 here."""
    deployment: AutoscaledDeploymentArgs
    """Capacity weights and rollout of the service; `desired_count` is not allowed (autoscaling owns it)."""
    protect_data: bool
    """Protect and retain the buckets, queues and log group on delete."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic for the dead-letter and message-age alarms."""
    trigger: str
    """`s3`: every object created in the input bucket is queued through EventBridge. `queue`: no input
    bucket and no event route; producers send messages themselves."""
    input_bucket_name: pulumi.Input[str]
    """An existing input bucket instead of a new one. With `s3` its notification configuration is replaced
    by "send to EventBridge"; with `queue` the workers may only read it."""
    output_bucket_name: pulumi.Input[str]
    """An existing output bucket instead of a new one."""
    input_expiry_days: int
    """Delete input objects this many days after creation (new input bucket only)."""
    output_expiry_days: int
    """Delete output objects this many days after creation (new output bucket only)."""
    prefixes: list[str]
    """Only keys starting with one of these (case-sensitive, like S3 keys) are processed and readable."""
    suffixes: list[str]
    """Only keys ending with one of these, ignoring case (`.jpg` matches `.JPG`), are processed."""
    processor: str
    """PROCESSOR of the worker: `jsonl`, `thumbnails` or `module:function`."""
    visibility_timeout_seconds: int
    """Queue visibility timeout, passed to the worker as VISIBILITY_TIMEOUT; its heartbeat extends the
    timeout to this value while it works, so jobs may run longer."""
    max_receive_count: int
    """Receives before a message moves to the dead-letter queue (crashes and lost leases spend receives
    too; inputs that can never be processed skip the count)."""
    max_message_age_seconds: int
    """Alarm when the oldest queued message is older than this."""
    min_tasks: int
    """Tasks kept when the queue is idle."""
    max_tasks: int
    """Upper bound of the task count."""
    messages_per_task: int
    """Backlog one task is expected to work through; tasks = ceil(backlog / messages_per_task)."""
    idle_minutes: int
    """Minutes with an empty backlog before scaling back to `min_tasks`."""
    scheduled_scaling: list[ScheduledScalingActionArgs]
    """Cron actions that set the task count's min and max at given times (`ScheduledScalingActionArgs`),
    within `min_tasks`' and `max_tasks`' bounds; the backlog policies work inside the range in force."""
    subscriptions: list[SubscriptionArgs]
    """With `queue`: SNS topics that deliver to the queue (`SubscriptionArgs`), one subscription per topic; the
    queue policy lets SNS send only for these topics."""
    tags: dict[str, str]
    """Tags of every resource of the pipeline, and of its tasks."""


def _tasks_within_bounds(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    min_tasks = QUEUE_BACKED_BATCH_SERVICE_ARGS.value(args, "min_tasks")
    max_tasks = QUEUE_BACKED_BATCH_SERVICE_ARGS.value(args, "max_tasks")
    if min_tasks > max_tasks:
        problems.add(f"{prefix}min_tasks", min_tasks, f"at most max_tasks ({max_tasks})")


def _scheduled_scaling_bounds(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    declared = QUEUE_BACKED_BATCH_SERVICE_ARGS
    bounds = ScalingBounds(declared["min_tasks"], "min_tasks", declared["max_tasks"], "max_tasks")
    check_scheduled_scaling(args.get("scheduled_scaling"), bounds, problems, f"{prefix}scheduled_scaling")


def _expiry_needs_a_new_bucket(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    from_s3 = QUEUE_BACKED_BATCH_SERVICE_ARGS.value(args, "trigger") == "s3"
    for role in ("input", "output"):
        key = f"{role}_expiry_days"
        creates = f"{role}_bucket_name" not in args and (role == "output" or from_s3)
        if key in args and not creates:
            problems.add(f"{prefix}{key}", args[key], f"only for an {role} bucket this component creates")


def _subscriptions_need_the_queue_trigger(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    subscriptions = QUEUE_BACKED_BATCH_SERVICE_ARGS.value(args, "subscriptions")
    if subscriptions and QUEUE_BACKED_BATCH_SERVICE_ARGS.value(args, "trigger") != "queue":
        # With `s3` the queue policy is the event route's, which admits only its EventBridge rule.
        problems.add(f"{prefix}subscriptions", subscriptions, "only with trigger queue")
    distinct_topics(subscriptions, problems, f"{prefix}subscriptions")


_BUCKET = Text(
    pattern=_BUCKET_NAME,
    shape="an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)",
    otherwise="a new bucket",
)

QUEUE_BACKED_BATCH_SERVICE_ARGS = Arguments(
    QueueBackedBatchServiceArgs,
    {
        "cluster_name": Identifier(shape="an ECS cluster name"),
        "cluster_arn": Identifier(shape="an ECS cluster ARN"),
        "capacity_providers": CAPACITY_PROVIDERS,
        "placement": Nested(arguments=WORKLOAD_PLACEMENT_ARGS),
        "workload": EMBEDDED_WORKLOAD,
        "deployment": Nested(
            arguments=SERVICE_DEPLOYMENT_ARGS.refusing(
                {"desired_count": "autoscaling owns the count; set min_tasks"}, AutoscaledDeploymentArgs
            ),
            default={},
        ),
        "protect_data": Flag(default=False),
        "alarm_topic_arn": replace(TOPIC_ARN, otherwise="alarms without notifications"),
        "trigger": OneOf(values=("s3", "queue"), default="s3"),
        "input_bucket_name": Text(
            pattern=_BUCKET_NAME, shape=_BUCKET.shape, otherwise="a new bucket with `s3`, none with `queue`"
        ),
        "output_bucket_name": _BUCKET,
        # The buckets are PrivateBuckets: their expiry is PrivateBucket's own argument.
        "input_expiry_days": PRIVATE_BUCKET_ARGS["expiry_days"],
        "output_expiry_days": PRIVATE_BUCKET_ARGS["expiry_days"],
        "prefixes": KeyFilters(default=[], otherwise="the whole bucket"),
        "suffixes": KeyFilters(default=[], suffixes=True, otherwise="any key"),
        "processor": Text(pattern=_PROCESSOR, shape="jsonl, thumbnails or module:function", default="jsonl"),
        # SQS allows 0 to 43,200 s (12 hours; SetQueueAttributes, VisibilityTimeout). Below 30 s the worker's
        # heartbeat, every third of the timeout, would call SQS every few seconds per message.
        "visibility_timeout_seconds": Integer(low=30, high=43_200, default=120),
        # SQS redrive policies take a maxReceiveCount of 1 to 1,000 (SQS Developer Guide, dead-letter queues).
        # Not 3: a receive is also spent by a worker killed mid-poll or mid-work, a deployment or a lost
        # lease, none of them the input's fault, while inputs that can never be processed skip the count
        # (the worker sends them to the DLQ itself). Five leaves room for four such receives; a poison input
        # the worker cannot recognise costs five attempts, and the DLQ keeps it 14 days.
        "max_receive_count": Integer(low=1, high=1000, default=5),
        # CloudWatch alarm periods start at 60 s for SQS's 1-minute metrics; no message outlives the retention.
        "max_message_age_seconds": Integer(low=60, high=QUEUE_RETENTION_SECONDS, default=3600),
        "min_tasks": Integer(low=0, high=1000, default=0),
        "max_tasks": Integer(low=1, high=1000, default=4),
        "messages_per_task": Integer(low=1, high=100_000, default=5),
        # An alarm may look back at most one day of 1-minute periods.
        "idle_minutes": Integer(low=1, high=1440, default=5),
        "scheduled_scaling": SCHEDULED_SCALING,
        "subscriptions": NestedList(arguments=SUBSCRIPTION_ARGS, default=[]),
        "tags": TAGS,
    },
    rules=[
        _tasks_within_bounds,
        _scheduled_scaling_bounds,
        _expiry_needs_a_new_bucket,
        _subscriptions_need_the_queue_trigger,
    ],
)

_RECEIVES = QUEUE_BACKED_BATCH_SERVICE_ARGS["max_receive_count"]
assert isinstance(_RECEIVES, Integer)
# (low, high, default) of `max_receive_count`, for code that shows or tests the redrive policy.
MAX_RECEIVE_COUNT = (_RECEIVES.low, _RECEIVES.high, _RECEIVES.default)
DEFAULT_MAX_RECEIVE_COUNT: int = _RECEIVES.default


BATCH_WORKLOAD_NAME = "{name}-worker"
"""The embedded workload's logical name, as in the first release."""

# The children Pulumi autonames from the service's name (a bucket given by name keeps that name).
QUEUE_BACKED_BATCH_SERVICE_NAMES = ComponentNames.of(
    [
        ("-output", S3_BUCKET),
        ("-input", S3_BUCKET),
        ("-queue", SQS_QUEUE),
        ("-dlq", SQS_QUEUE),
        ("-object-created", EVENT_RULE),
        ("-backlog-policy", SCALING_POLICY),
        ("-oldest-message", ALARM),
    ],
    embeds=[(BATCH_WORKLOAD_NAME, FARGATE_WORKLOAD_NAMES)],
)


def validate_batch_args(name: str, args: Any) -> None:
    """Raises one ValueError listing every problem of the name and the arguments."""
    problems = ArgumentProblems("QueueBackedBatchService")
    if not (isinstance(name, str) and _NAME.match(name)):
        problems.add(
            "name", name, "lowercase letters, digits or hyphens starting with a letter (it begins bucket names)"
        )
    else:
        QUEUE_BACKED_BATCH_SERVICE_NAMES.check(name, problems)
    given = QUEUE_BACKED_BATCH_SERVICE_ARGS.check(args, problems)
    if given is not None:
        _validate_worker(problems, given)
        if not problems:
            validate_capacity(problems, given, ("deployment", "capacity"))
    problems.raise_if_any()


def _validate_worker(problems: ArgumentProblems, args: Mapping[str, Any]) -> None:
    """What this component asks of its workload beyond what every shape does."""
    workload = args.get("workload")
    validate_embedded_workload(problems, workload, reserved_environment=WORKER_ENVIRONMENT)
    if not isinstance(workload, dict):
        return
    stop = workload.get("stop_timeout")
    # Below the workload's own least stop timeout its spec speaks; from there up the grace would be short.
    if is_int_in(stop, _STOP_TIMEOUT_LOW, _MIN_STOP_TIMEOUT - 1):
        problems.add(
            "workload.stop_timeout",
            stop,
            f"{_MIN_STOP_TIMEOUT} to {_STOP_TIMEOUT_HIGH} here: the worker's SHUTDOWN_GRACE_SECONDS is "
            f"{SHUTDOWN_MARGIN_SECONDS} s less",
        )

"""FireLens log routing: an AWS for Fluent Bit log router beside the task's containers, and every other
container's logs sent through it to CloudWatch Logs, Amazon S3 or Amazon Data Firehose.

What ECS asks (ECS Developer Guide, "Send Amazon ECS logs to an AWS service or AWS Partner" and "Example
Amazon ECS task definition: Route logs to FireLens"): one container with a `firelensConfiguration` (type
`fluentbit`), recommended essential; the other containers log with the `awsfirelens` driver, whose options
ECS turns into Fluent Bit `[OUTPUT]` sections; the task role holds what the chosen output calls. The
router's own logs go to CloudWatch with the `awslogs` driver, as in AWS's examples, so a router that cannot
deliver still says why. FireLens listens on port 24224, which must not be reachable from outside the task:
the router maps no port and the workload's security group admits no ingress.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Required, TypedDict

import pulumi

from ..arguments import Arguments, Check, Integer, Spec, Text
from ..fargate_sizes import FARGATE_MEMORY_RANGE
from ..validation import ArgumentProblems, unknown

# AWS for Fluent Bit's own guidance (README, "Guidance on consuming versions"): lock deployments to a
# specific immutable version tag, informed by the version its AWS_FOR_FLUENT_BIT_STABLE_VERSION file names
# stable, never `latest` or `stable`. 2.34.3.20260623 is that file's version; its tag is multi-architecture
# (README, "arm64 and amd64 images"), so X86_64 and ARM64 tasks pull the same reference. No digest is pinned:
# none is published by AWS beside the tag, and a single-platform digest would break ARM64 tasks.
ROUTER_IMAGE = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.34.3.20260623"
DESTINATIONS = ("cloudwatch", "s3", "firehose")
_USER = re.compile(r"^\d+(:[A-Za-z0-9_.-]+)?$")
_CONTAINER_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# CreateBucket: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.
_BUCKET = re.compile(r"^(arn:aws[a-z-]*:s3:::)?([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$")
# CreateDeliveryStream DeliveryStreamName: 1 to 64 of [a-zA-Z0-9_.-]; the ARN names it after `deliverystream/`.
_DELIVERY_STREAM_ARN = re.compile(
    r"^arn:aws[a-z-]*:firehose:([a-z0-9-]+):\d{12}:deliverystream/([a-zA-Z0-9_.-]{1,64})$"
)
# S3 object keys: the safe characters of the S3 User Guide ("Naming Amazon S3 objects"), ending in `/`.
_KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()/-]*/$")


class LogRouting(TypedDict, total=False):
    """A FireLens log router (AWS for Fluent Bit) that every other container of the task logs through."""

    destination: Required[str]
    """Where the logs go: cloudwatch (the workload's own log group), s3 (a bucket) or firehose (a delivery
    stream)."""
    bucket: pulumi.Input[str]
    """s3: the bucket's name or ARN."""
    key_prefix: str
    """s3: the key prefix of the log objects, ending in `/`; the task role may write under it only."""
    delivery_stream_arn: pulumi.Input[str]
    """firehose: the delivery stream's ARN."""
    name: str
    """Name of the log router container, unique in the task."""
    image: str
    """Image of the log router."""
    memory_reservation: int
    """Soft memory limit in MiB the router reserves out of the task's memory."""
    user: str
    """User (`uid` or `uid:gid`) the router runs as."""


class _Destination(Spec):
    """One of DESTINATIONS; a misspelt one gets the closest name suggested."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in DESTINATIONS

    def allowed(self) -> str:
        return "one of " + ", ".join(DESTINATIONS)

    def problem(self, value: Any) -> str | None:
        if self.accepts(value):
            return None
        return unknown("destination", str(value), DESTINATIONS)


# Which destination each destination-specific field belongs to, and which of them it needs.
_FIELDS_OF = {"bucket": "s3", "key_prefix": "s3", "delivery_stream_arn": "firehose"}
_REQUIRED_BY = {"s3": ("bucket",), "firehose": ("delivery_stream_arn",), "cloudwatch": ()}


def _destination_fields(args: Mapping[str, Any], problems: ArgumentProblems, prefix: str) -> None:
    destination = args["destination"]
    for key, owner in _FIELDS_OF.items():
        if key in args and owner != destination:
            problems.add(f"{prefix}{key}", args[key], f"only with destination {owner}")
    for key in _REQUIRED_BY[destination]:
        if key not in args:
            problems.add(f"{prefix}{key}", None, f"required with destination {destination}")


LOG_ROUTING_ARGS = Arguments(
    LogRouting,
    {
        "destination": _Destination(),
        "bucket": Check(
            test=lambda value: isinstance(value, str) and _BUCKET.match(value) is not None,
            says="an S3 bucket name (3 to 63 of a-z, 0-9, . and -) or its arn:aws:s3::: ARN",
            otherwise="none",
        ),
        "key_prefix": Text(pattern=_KEY_PREFIX, shape="an S3 key prefix ending in /", max_length=512, default="logs/"),
        "delivery_stream_arn": Check(
            test=lambda value: isinstance(value, str) and _DELIVERY_STREAM_ARN.match(value) is not None,
            says="a Firehose delivery stream ARN (arn:aws:firehose:<region>:<account>:deliverystream/<name>)",
            otherwise="none",
        ),
        "name": Text(pattern=_CONTAINER_NAME, shape="letters, digits, - and _", max_length=255, default="log-router"),
        "image": Text(shape="an image URI", default=ROUTER_IMAGE),
        # The ECS Developer Guide's FireLens examples reserve 50 MiB for the router (memoryReservation, a
        # soft limit: Fluent Bit may take more when it buffers); Docker needs at least 6 MiB for a container.
        "memory_reservation": Integer(low=6, high=FARGATE_MEMORY_RANGE[1], default=50),
        # Since October 2025 (ECS agent 1.96.0, "Support ECS Firelens non-root user mode") the FireLens
        # container may run as a non-root `uid`, `uid:gid` or `uid:group`: the agent gives that user the
        # directory holding the generated configuration and the log socket. 65534 is the unprivileged
        # `nobody` of Linux. "0" remains possible for EC2 capacity whose agent predates that version.
        "user": Check(
            default="65534:65534",
            test=lambda value: isinstance(value, str) and _USER.match(value) is not None,
            says="a numeric uid, uid:gid or uid:group (what ECS accepts for a FireLens container)",
        ),
    },
    rules=[_destination_fields],
)


def router_facts(routing: Mapping[str, Any] | None) -> tuple[str, int] | None:
    """The router's container name and the memory it reserves, when the workload routes its logs."""
    if routing is None:
        return None
    return LOG_ROUTING_ARGS.value(routing, "name"), LOG_ROUTING_ARGS.value(routing, "memory_reservation")


@dataclass(frozen=True)
class Route:
    """Where a workload's logs go, with the values the task definition and the task role need."""

    routing: Mapping[str, Any]
    log_group_name: pulumi.Input[str]
    log_group_arn: pulumi.Input[str]
    region: pulumi.Input[str]

    @property
    def name(self) -> str:
        return LOG_ROUTING_ARGS.value(self.routing, "name")

    @property
    def destination(self) -> str:
        return self.routing["destination"]

    def log_configuration(self, container_name: str) -> dict[str, Any]:
        """What an application container logs with: the `awsfirelens` driver, whose options ECS writes as
        the Fluent Bit output of that container's records."""
        return {"logDriver": "awsfirelens", "options": self._output(container_name)}

    def _output(self, container_name: str) -> dict[str, Any]:
        if self.destination == "cloudwatch":
            # Fluent Bit's cloudwatch_logs output: streams `<prefix><tag>` in the given group. The group is the
            # workload's own (retention, protection and the operators' log commands already cover it), so the
            # router never creates one (auto_create_group false, and no logs:CreateLogGroup).
            return {
                "Name": "cloudwatch_logs",
                "region": self.region,
                "log_group_name": self.log_group_name,
                "log_stream_prefix": f"{container_name}/",
                "auto_create_group": "false",
            }
        if self.destination == "s3":
            # Fluent Bit's s3 output as AWS's own ECS configuration (aws-for-fluent-bit ecs/s3.conf) has it:
            # 1 MiB objects (the plugin's minimum total_file_size) written with PutObject, so the task role
            # needs s3:PutObject alone; $UUID keeps two objects of one second apart. The leading `/` of
            # s3_key_format is the request path's, not part of the object key.
            return {
                "Name": "s3",
                "bucket": _bucket_name(self.routing["bucket"]),
                "region": self.region,
                "total_file_size": "1M",
                "s3_key_format": f"/{LOG_ROUTING_ARGS.value(self.routing, 'key_prefix')}$TAG/%Y/%m/%d/%H-%M-%S-$UUID",
                "use_put_object": "On",
            }
        # Fluent Bit's kinesis_firehose output takes the stream's name and region, both read off its ARN.
        arn = self.routing["delivery_stream_arn"]
        return {
            "Name": "kinesis_firehose",
            "delivery_stream": _arn_part(arn, 2),
            "region": _arn_part(arn, 1),
        }

    def router_fields(self) -> dict[str, Any]:
        """What makes the log router container FireLens's Fluent Bit: essential (as AWS recommends), with
        its memory reservation and user. It logs itself with awslogs, like every container without a route."""
        value = LOG_ROUTING_ARGS.value
        return {
            "image": value(self.routing, "image"),
            "essential": True,
            "firelensConfiguration": {"type": "fluentbit"},
            "memoryReservation": value(self.routing, "memory_reservation"),
            "user": value(self.routing, "user"),
        }

    def dependency(self) -> dict[str, str]:
        """What each application container waits for. FireLens's docs ask START or HEALTHY of containers
        that depend on the router; the router has no health check (the configuration ECS generates turns on
        no health endpoint), so START."""
        return {"containerName": self.name, "condition": "START"}

    def task_statements(self) -> list[dict[str, Any]]:
        """What the task role needs for the chosen output, on exactly its resource."""
        if self.destination == "cloudwatch":
            streams = pulumi.Output.from_input(self.log_group_arn).apply(lambda arn: f"{arn}:log-stream:*")
            return [
                {
                    "Sid": "RouteLogsToLogGroup",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": streams,
                }
            ]
        if self.destination == "s3":
            prefix = LOG_ROUTING_ARGS.value(self.routing, "key_prefix")
            objects = pulumi.Output.from_input(self.routing["bucket"]).apply(
                lambda bucket: f"arn:aws:s3:::{_bucket_name(bucket)}/{prefix}*"
            )
            return [{"Sid": "RouteLogsToBucket", "Effect": "Allow", "Action": "s3:PutObject", "Resource": objects}]
        return [
            {
                "Sid": "RouteLogsToDeliveryStream",
                "Effect": "Allow",
                "Action": "firehose:PutRecordBatch",
                "Resource": self.routing["delivery_stream_arn"],
            }
        ]


def _bucket_name(bucket: pulumi.Input[str]) -> Any:
    """The bucket's name from its name or its ARN (S3 bucket ARNs carry no region or account)."""
    if isinstance(bucket, pulumi.Output):
        return bucket.apply(_bucket_name)
    return str(bucket).rsplit(":", 1)[-1]


def _arn_part(arn: pulumi.Input[str], group: int) -> Any:
    """The region (1) or the stream name (2) of a delivery stream ARN."""
    if isinstance(arn, pulumi.Output):
        return arn.apply(lambda known: _arn_part(known, group))
    match = _DELIVERY_STREAM_ARN.match(str(arn))
    if match is None:
        # Validation admits only these; an Output's value is checked here, at deploy time.
        raise ValueError(f"not a Firehose delivery stream ARN: {arn}")
    return match[group]

"""Queue-backed batch workers: objects created in an S3 input bucket become messages on an SQS queue
(with a dead-letter queue), and an autoscaled Fargate service works through them into an output bucket.

Scaling follows the backlog (visible + in-flight messages) with CloudWatch alarms and Application Auto
Scaling step policies that set an exact task count, so one message wakes a service that sits at zero,
capacity tracks `ceil(backlog / messages_per_task)`, and the service returns to `min_tasks` after an
idle period. Busy workers hold ECS task scale-in protection, so lowering the count never stops one.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal, NamedTuple, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .alarm_topic import validate_topic_arn
from .fargate_service import ServiceDeploymentArgs, create_service, scaling_target, validate_deployment
from .fargate_workload import FargateWorkload, FargateWorkloadArgs, validate_workload_args
from .iam import policy_document
from .network import PLACEMENT_VPC, WorkloadPlacement, validate_placement
from .options import child, stateful
from .private_bucket import PrivateBucket
from .validation import ArgumentProblems, is_int_in, is_known

# Application Auto Scaling's default quota of step adjustments per step scaling policy.
MAX_STEP_ADJUSTMENTS = 20
# SQS keeps a message at most 14 days; the DLQ keeps failures that long so they can be inspected or redriven.
DLQ_RETENTION_SECONDS = 1_209_600
# The main queue keeps SQS's default 4 days; an oldest-message alarm above that could never fire.
QUEUE_RETENTION_SECONDS = 345_600
# The worker's shutdown grace is the container's stop timeout minus this margin, so it finishes (or
# releases its message) before ECS sends SIGKILL.
SHUTDOWN_MARGIN_SECONDS = 5
# Receives before SQS moves a message to the dead-letter queue (SQS allows 1 to 1000). Not 3: a
# receive is also spent by a worker killed mid-poll or mid-work, a deployment or a lost lease, none
# of them the input's fault, while inputs that can never be processed skip the count (the worker
# sends them to the DLQ itself). Five leaves room for four such receives; a poison input the worker
# cannot recognise costs five attempts, and the DLQ keeps it 14 days.
MAX_RECEIVE_COUNT = (1, 1000, 5)
DEFAULT_MAX_RECEIVE_COUNT = MAX_RECEIVE_COUNT[2]
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

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PROCESSOR = re.compile(r"^(jsonl|thumbnails|[A-Za-z_][\w.]*:[A-Za-z_]\w*)$")
_PERIOD_SECONDS = 60
_HALF_MESSAGE = 0.5


class QueueBackedBatchServiceArgs(TypedDict, total=False):
    """Arguments of `QueueBackedBatchService`."""

    cluster_name: Required[pulumi.Input[str]]
    """Name of the ECS cluster the workers run on. Required."""
    cluster_arn: Required[pulumi.Input[str]]
    """ARN of that cluster. Required."""
    placement: Required[WorkloadPlacement]
    """VPC, subnets and public-IP choice of the workers (`Network.placement()`). Required."""
    workload: Required[FargateWorkloadArgs]
    """The worker container (`FargateWorkloadArgs` without `vpc_id` and `protect_data`). Its `stop_timeout`
    (10 to 120, default 30) also sets the worker's SHUTDOWN_GRACE_SECONDS to 5 s less. Required."""
    deployment: ServiceDeploymentArgs
    """Capacity weights and rollout of the service; `desired_count` is not allowed (autoscaling owns it).
    Default: on-demand FARGATE, 100/200 %."""
    protect_data: bool
    """Protect and retain the buckets, queues and log group on delete. Default false."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic for the dead-letter and message-age alarms. Default: alarms without notifications."""
    trigger: Literal["s3", "queue"]
    """`s3`: every object created in the input bucket is queued through EventBridge. `queue`: no input
    bucket and no event route; producers send messages themselves. Default `s3`."""
    input_bucket_name: pulumi.Input[str]
    """An existing input bucket instead of a new one. With `s3` its notification configuration is replaced
    by "send to EventBridge"; with `queue` the workers may only read it. Default: a new bucket (`s3`) or
    none (`queue`)."""
    output_bucket_name: pulumi.Input[str]
    """An existing output bucket instead of a new one. Default: a new bucket."""
    input_expiry_days: int
    """Delete input objects this many days after creation (new input bucket only). Default: keep."""
    output_expiry_days: int
    """Delete output objects this many days after creation (new output bucket only). Default: keep."""
    prefixes: list[str]
    """Only keys starting with one of these (case-sensitive, like S3 keys) are processed and readable.
    Default: the whole bucket."""
    suffixes: list[str]
    """Only keys ending with one of these, ignoring case (`.jpg` matches `.JPG`), are processed.
    Default: any key."""
    processor: str
    """PROCESSOR of the worker: `jsonl`, `thumbnails` or `module:function`. Default `jsonl`."""
    visibility_timeout_seconds: int
    """Queue visibility timeout, 30 to 43200; the worker's heartbeat extends it to this value while it
    works, so jobs may run longer. Default 120."""
    max_receive_count: int
    """Receives before a message moves to the dead-letter queue, 1 to 1000. Default 5 (crashes and
    lost leases spend receives too; inputs that can never be processed skip the count)."""
    max_message_age_seconds: int
    """Alarm when the oldest queued message is older than this, 60 to 345600. Default 3600."""
    min_tasks: int
    """Tasks kept when the queue is idle, 0 to 1000. Default 0."""
    max_tasks: int
    """Upper bound of the task count, 1 to 1000. Default 4."""
    messages_per_task: int
    """Backlog one task is expected to work through; tasks = ceil(backlog / messages_per_task),
    1 to 100000. Default 5."""
    idle_minutes: int
    """Minutes with an empty backlog before scaling back to `min_tasks`, 1 to 1440. Default 5."""


class CapacityStep(NamedTuple):
    """Backlogs from `min_backlog` to `max_backlog` (inclusive; None: no upper end) run `tasks` tasks."""

    min_backlog: int
    max_backlog: int | None
    tasks: int


def capacity_steps(messages_per_task: int, max_tasks: int) -> list[CapacityStep]:
    """The step table of the backlog policy: `ceil(backlog / messages_per_task)` tasks, capped at `max_tasks`.

    One step per task count up to the 20 steps a policy may hold; beyond that the steps are spread evenly
    between 1 and `max_tasks` and each rounds up to its own count, so the service never runs short.
    """
    if max_tasks <= MAX_STEP_ADJUSTMENTS:
        levels = list(range(1, max_tasks + 1))
    else:
        spread = MAX_STEP_ADJUSTMENTS - 1
        levels = [1] + [1 + math.ceil(i * (max_tasks - 1) / spread) for i in range(1, spread + 1)]
    steps = []
    previous = 0
    for index, tasks in enumerate(levels):
        last = index == len(levels) - 1
        steps.append(CapacityStep(previous * messages_per_task + 1, None if last else tasks * messages_per_task, tasks))
        previous = tasks
    return steps


def object_created_pattern(bucket_name: pulumi.Input[str], prefixes: list[str], suffixes: list[str]) -> dict[str, Any]:
    """EventBridge pattern for objects created in the bucket (PutObject, POST, CopyObject and
    CompleteMultipartUpload all emit "Object Created").

    A pattern cannot require both a prefix and a suffix of the same field, so with both the rule matches
    the prefixes: they are case-sensitive like the task role's read grant, and a key the worker could not
    read never reaches the queue. The worker's INPUT_SUFFIXES then deletes keys with other suffixes unread.
    """
    detail: dict[str, Any] = {"bucket": {"name": [bucket_name]}}
    if prefixes:
        detail["object"] = {"key": [{"prefix": prefix} for prefix in prefixes]}
    elif suffixes:
        detail["object"] = {"key": [{"suffix": {"equals-ignore-case": suffix}} for suffix in suffixes]}
    return {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": detail}


class _Bucket(NamedTuple):
    name: pulumi.Output[str]
    arn: pulumi.Output[str]


class QueueBackedBatchService(pulumi.ComponentResource):
    """Input bucket → EventBridge → SQS queue (+ DLQ) → autoscaled Fargate workers → output bucket.

    Outputs: `queue_url`, `queue_arn`, `dlq_url`, `dlq_arn`, `input_bucket_name` (None without an input
    bucket), `output_bucket_name`, `service_name`, `cluster_name`, `log_group_name`, `task_role_arn`,
    `capacity_steps` (plain list of `CapacityStep`).
    """

    queue_url: pulumi.Output[str]
    queue_arn: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    dlq_arn: pulumi.Output[str]
    input_bucket_name: pulumi.Output[str] | None
    output_bucket_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    capacity_steps: list[CapacityStep]

    def __init__(self, name: str, args: QueueBackedBatchServiceArgs, opts: pulumi.ResourceOptions | None = None):
        _validate(name, args)
        super().__init__("ecs-workloads:queue_backed_batch_service:QueueBackedBatchService", name, None, opts)
        self._name = name
        protect = args.get("protect_data", False)
        prefixes = list(args.get("prefixes", []))
        suffixes = list(args.get("suffixes", []))
        topic = args.get("alarm_topic_arn")
        notify = [topic] if topic is not None else []
        from_s3 = args.get("trigger", "s3") == "s3"

        output = self._bucket("output", args.get("output_bucket_name"), args.get("output_expiry_days"), protect)
        input_bucket: _Bucket | None = None
        if "input_bucket_name" in args or from_s3:
            input_bucket = self._bucket("input", args.get("input_bucket_name"), args.get("input_expiry_days"), protect)

        dead_letters = aws.sqs.Queue(
            f"{name}-dlq",
            message_retention_seconds=DLQ_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=stateful(self, protect),
        )
        visibility = args.get("visibility_timeout_seconds", 120)
        queue = aws.sqs.Queue(
            f"{name}-queue",
            visibility_timeout_seconds=visibility,
            message_retention_seconds=QUEUE_RETENTION_SECONDS,
            receive_wait_time_seconds=20,
            # SSE-SQS rather than a KMS key: EventBridge can deliver to it without a key policy, and the
            # workers need no kms:Decrypt.
            sqs_managed_sse_enabled=True,
            redrive_policy=pulumi.Output.json_dumps(
                {
                    "deadLetterTargetArn": dead_letters.arn,
                    "maxReceiveCount": args.get("max_receive_count", DEFAULT_MAX_RECEIVE_COUNT),
                }
            ),
            opts=stateful(self, protect),
        )

        rule = self._route(input_bucket, queue, prefixes, suffixes) if from_s3 and input_bucket is not None else None

        stop_timeout = args["workload"].get("stop_timeout", 30)
        environment: dict[str, pulumi.Input[str]] = {
            **args["workload"].get("environment", {}),
            "QUEUE_URL": queue.url,
            # Inputs that can never be processed are sent here by the worker at once, with the reason.
            "DEAD_LETTER_QUEUE_URL": dead_letters.url,
            "OUTPUT_BUCKET": output.name,
            "PROCESSOR": args.get("processor", "jsonl"),
            "VISIBILITY_TIMEOUT": str(visibility),
            # Explicit, so a task without the ECS agent endpoint fails at start-up instead of running unprotected.
            "SCALE_IN_PROTECTION": "true",
            "SHUTDOWN_GRACE_SECONDS": str(stop_timeout - SHUTDOWN_MARGIN_SECONDS),
        }
        if prefixes:
            environment["INPUT_PREFIXES"] = ",".join(prefixes)
        if suffixes:
            environment["INPUT_SUFFIXES"] = ",".join(suffixes)
        workload = FargateWorkload(
            f"{name}-worker",
            {
                **args["workload"],
                "vpc_id": args["placement"]["vpc_id"],
                "protect_data": protect,
                "stop_timeout": stop_timeout,
                "environment": environment,
            },
            child(self),
        )
        workload.grant(
            "batch",
            _task_statements(
                queue.arn,
                dead_letters.arn,
                input_bucket,
                output,
                prefixes,
                pulumi.Output.from_input(args["cluster_arn"]),
            ),
        )

        min_tasks, max_tasks = args.get("min_tasks", 0), args.get("max_tasks", 4)
        service = create_service(
            self,
            name,
            cluster_arn=args["cluster_arn"],
            workload=workload,
            placement=args["placement"],
            deployment={**args.get("deployment", {}), "desired_count": min_tasks},
            autoscaled=True,
        )
        target = scaling_target(
            self, name, cluster_name=args["cluster_name"], service=service, min_tasks=min_tasks, max_tasks=max_tasks
        )
        self.capacity_steps = capacity_steps(args.get("messages_per_task", 5), max_tasks)
        self._scaling(target, queue, rule, min_tasks, args.get("idle_minutes", 5))
        self._alarms(queue, dead_letters, args.get("max_message_age_seconds", 3600), notify)

        self.queue_url = queue.url
        self.queue_arn = queue.arn
        self.dlq_url = dead_letters.url
        self.dlq_arn = dead_letters.arn
        self.input_bucket_name = input_bucket.name if input_bucket is not None else None
        self.output_bucket_name = output.name
        self.service_name = service.name
        self.cluster_name = pulumi.Output.from_input(args["cluster_name"])
        self.log_group_name = workload.log_group_name
        self.task_role_arn = workload.task_role_arn
        self.register_outputs(
            {
                "queue_url": self.queue_url,
                "queue_arn": self.queue_arn,
                "dlq_url": self.dlq_url,
                "dlq_arn": self.dlq_arn,
                "input_bucket_name": self.input_bucket_name,
                "output_bucket_name": self.output_bucket_name,
                "service_name": self.service_name,
                "cluster_name": self.cluster_name,
                "log_group_name": self.log_group_name,
                "task_role_arn": self.task_role_arn,
            }
        )

    def _bucket(self, role: str, existing: pulumi.Input[str] | None, expiry_days: int | None, protect: bool) -> _Bucket:
        """A new private, encrypted, TLS-only bucket; an existing bucket stays as its owner configured it."""
        if existing is not None:
            partition = aws.get_partition_output().partition
            name = pulumi.Output.from_input(existing)
            return _Bucket(name, pulumi.Output.concat("arn:", partition, ":s3:::", name))
        bucket = PrivateBucket(
            f"{self._name}-{role}",
            {"protect_data": protect, **({"expiry_days": expiry_days} if expiry_days is not None else {})},
            opts=child(self),
        )
        return _Bucket(bucket.name, bucket.arn)

    def _route(
        self, bucket: _Bucket, queue: aws.sqs.Queue, prefixes: list[str], suffixes: list[str]
    ) -> aws.cloudwatch.EventRule:
        """S3 → EventBridge → SQS rather than an S3 notification straight to SQS: EventBridge can match
        suffixes ignoring case, and it never sends the s3:TestEvent that a direct notification posts to
        the queue when it is configured."""
        name = self._name
        aws.s3.BucketNotification(
            f"{name}-input-to-eventbridge", bucket=bucket.name, eventbridge=True, opts=child(self)
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-object-created",
            description=f"Objects created in the input bucket of {name}",
            event_pattern=pulumi.Output.json_dumps(object_created_pattern(bucket.name, prefixes, suffixes)),
            opts=child(self),
        )
        account_id = aws.get_caller_identity_output().account_id
        queue_policy = aws.sqs.QueuePolicy(
            f"{name}-queue-policy",
            queue_url=queue.url,
            policy=policy_document(
                [
                    {
                        "Sid": "OnlyTheObjectCreatedRule",
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": queue.arn,
                        "Condition": {
                            "ArnEquals": {"aws:SourceArn": rule.arn},
                            "StringEquals": {"aws:SourceAccount": account_id},
                        },
                    }
                ]
            ),
            opts=child(self),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-to-queue",
            rule=rule.name,
            arn=queue.arn,
            opts=child(self, depends_on=[queue_policy]),
        )
        return rule

    def _scaling(
        self,
        target: aws.appautoscaling.Target,
        queue: aws.sqs.Queue,
        rule: aws.cloudwatch.EventRule | None,
        min_tasks: int,
        idle_minutes: int,
    ) -> None:
        """Two alarms on the same demand figure, each driving an ExactCapacity step policy.

        Demand is the backlog (visible + in-flight messages, so a message being worked on keeps its task)
        and, with the S3 route, also the messages the rule delivered this minute: SQS publishes no metrics
        for a queue that has been idle for hours and resumes late, while the rule's Invocations arrive
        within the minute. Missing data counts as zero.

        Both thresholds sit half a message off the whole-number demand (step bounds are relative to the
        threshold), so no datapoint ever lands on a bound and which side of a bound is inclusive never matters.

        - backlog alarm, demand > 0.5 (one message or more) on one 1-minute datapoint: the step table sets
          the count to ceil(demand / messages_per_task). CloudWatch re-invokes scaling actions every minute
          while the alarm stays in ALARM, so the count follows the backlog down as well as up; ECS then stops
          idle tasks only, because busy workers hold scale-in protection.
        - idle alarm, demand < 0.5 (none) on `idle_minutes` consecutive datapoints (missing data counts as
          idle): sets `min_tasks`. The two alarms cannot be in ALARM together, so the policies never fight.
        """
        name = self._name
        queries = _demand_queries(queue, rule)
        backlog_policy = self._exact_capacity_policy(
            "backlog",
            target,
            [
                aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs(
                    # Relative to the 0.5 threshold, demand d sits at d - 0.5: inside [min - 1, max) exactly
                    # when min <= d <= max.
                    metric_interval_lower_bound=str(step.min_backlog - 1),
                    metric_interval_upper_bound=None if step.max_backlog is None else str(step.max_backlog),
                    scaling_adjustment=step.tasks,
                )
                for step in self.capacity_steps
            ],
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-backlog",
            alarm_description=f"{name}: messages waiting or in progress; sets tasks to ceil(backlog / per task)",
            comparison_operator="GreaterThanThreshold",
            threshold=_HALF_MESSAGE,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
            metric_queries=queries,
            alarm_actions=[backlog_policy.arn],
            opts=child(self),
        )
        idle_policy = self._exact_capacity_policy(
            "idle",
            target,
            [
                aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs(
                    metric_interval_upper_bound="0", scaling_adjustment=min_tasks
                )
            ],
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-idle",
            alarm_description=f"{name}: no messages for {idle_minutes} minutes; back to {min_tasks} tasks",
            comparison_operator="LessThanThreshold",
            threshold=_HALF_MESSAGE,
            evaluation_periods=idle_minutes,
            datapoints_to_alarm=idle_minutes,
            treat_missing_data="breaching",
            metric_queries=queries,
            alarm_actions=[idle_policy.arn],
            opts=child(self),
        )

    def _exact_capacity_policy(
        self,
        role: str,
        target: aws.appautoscaling.Target,
        steps: list[aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs],
    ) -> aws.appautoscaling.Policy:
        return aws.appautoscaling.Policy(
            f"{self._name}-{role}-policy",
            policy_type="StepScaling",
            resource_id=target.resource_id,
            scalable_dimension=target.scalable_dimension,
            service_namespace=target.service_namespace,
            step_scaling_policy_configuration=aws.appautoscaling.PolicyStepScalingPolicyConfigurationArgs(
                adjustment_type="ExactCapacity",
                metric_aggregation_type="Maximum",
                # One metric period, so a changed backlog is acted on at the next evaluation.
                cooldown=_PERIOD_SECONDS,
                step_adjustments=steps,
            ),
            opts=child(self),
        )

    def _alarms(
        self, queue: aws.sqs.Queue, dead_letters: aws.sqs.Queue, max_age: int, notify: list[pulumi.Input[str]]
    ) -> None:
        name = self._name
        aws.cloudwatch.MetricAlarm(
            f"{name}-dlq-not-empty",
            alarm_description=f"{name}: messages failed {name} workers repeatedly and wait in the dead-letter queue",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dead_letters.name},
            statistic="Maximum",
            period=_PERIOD_SECONDS,
            evaluation_periods=1,
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            treat_missing_data="notBreaching",
            alarm_actions=notify,
            ok_actions=notify,
            opts=child(self),
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-oldest-message",
            alarm_description=f"{name}: the oldest queued message is older than {max_age} s",
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": queue.name},
            statistic="Maximum",
            period=_PERIOD_SECONDS,
            evaluation_periods=1,
            comparison_operator="GreaterThanThreshold",
            threshold=max_age,
            treat_missing_data="notBreaching",
            alarm_actions=notify,
            ok_actions=notify,
            opts=child(self),
        )


def _demand_queries(
    queue: aws.sqs.Queue, rule: aws.cloudwatch.EventRule | None
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    def metric(query_id: str, namespace: str, metric_name: str, stat: str, dimensions: dict[str, Any]):
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=namespace, metric_name=metric_name, stat=stat, period=_PERIOD_SECONDS, dimensions=dimensions
            ),
            return_data=False,
        )

    queries = [
        metric("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", {"QueueName": queue.name}),
        metric("inflight", "AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "Maximum", {"QueueName": queue.name}),
    ]
    backlog = "FILL(visible, 0) + FILL(inflight, 0)"
    if rule is None:
        return [
            *queries,
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="demand", expression=backlog, label="Backlog", return_data=True
            ),
        ]
    # Invocations is only published for minutes with deliveries.
    queries.append(metric("delivered", "AWS/Events", "Invocations", "Sum", {"RuleName": rule.name}))
    return [
        *queries,
        aws.cloudwatch.MetricAlarmMetricQueryArgs(id="backlog", expression=backlog, label="Backlog", return_data=False),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="deliveries", expression="FILL(delivered, 0)", label="Delivered by the rule", return_data=False
        ),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="demand",
            expression="MAX([backlog, deliveries])",
            label="Backlog or messages delivered this minute",
            return_data=True,
        ),
    ]


def _task_statements(
    queue_arn: pulumi.Output[str],
    dlq_arn: pulumi.Output[str],
    input_bucket: _Bucket | None,
    output: _Bucket,
    prefixes: list[str],
    cluster_arn: pulumi.Output[str],
) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ConsumeOwnQueue",
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
            ],
            "Resource": queue_arn,
        },
        {
            "Sid": "DeadLetterUnprocessableInputs",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": dlq_arn,
        },
        {
            "Sid": "WriteOutputBucket",
            "Effect": "Allow",
            # DeleteObject: a re-processed input replaces its earlier outputs, e.g. drops a stale error report,
            # and a failed commit removes the outputs it had created. GetObject: HeadObject reads the current
            # output's source metadata before a conditional commit, and recognises a commit whose answer was lost.
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject"],
            "Resource": pulumi.Output.concat(output.arn, "/*"),
        },
        {
            "Sid": "FindOwnOutputs",
            "Effect": "Allow",
            # Without s3:ListBucket, S3 answers HeadObject of a missing key with 403 instead of 404, and a
            # new output could not be told from a refused read.
            "Action": "s3:ListBucket",
            "Resource": output.arn,
        },
        {
            "Sid": "HoldScaleInProtectionWhileBusy",
            "Effect": "Allow",
            "Action": ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"],
            # Tasks of this cluster: arn:...:task/<cluster-name>/<task-id>.
            "Resource": cluster_arn.apply(lambda arn: arn.replace(":cluster/", ":task/", 1) + "/*"),
        },
    ]
    if input_bucket is not None:
        statements.insert(
            1,
            {
                "Sid": "ReadInputObjects",
                "Effect": "Allow",
                # GetObjectVersion: in a versioned input bucket the worker reads the version its event announced.
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": [pulumi.Output.concat(input_bucket.arn, "/", prefix, "*") for prefix in prefixes or [""]],
            },
        )
    return statements


def _validate(name: str, args: QueueBackedBatchServiceArgs) -> None:
    problems = ArgumentProblems("QueueBackedBatchService")
    problems.check(
        isinstance(name, str) and bool(_NAME.match(name)),
        "name",
        name,
        "1 to 30 lowercase letters, digits or hyphens starting with a letter (it begins bucket and queue names)",
    )
    given = problems.mapping("", args, QueueBackedBatchServiceArgs)
    if given is None:
        problems.raise_if_any()
    args = given
    for key in ("cluster_name", "cluster_arn"):
        problems.check(args.get(key) is not None, key, args.get(key), "required")
    validate_placement(problems, "placement", args.get("placement"))
    _validate_workload(problems, args.get("workload"))
    deployment = validate_deployment(problems, "deployment.", args.get("deployment", {}))
    if "desired_count" in deployment:
        problems.add(
            "deployment.desired_count", deployment["desired_count"], "autoscaling owns the count; set min_tasks"
        )
    flag = args.get("protect_data", False)
    problems.check(isinstance(flag, bool), "protect_data", flag, "true or false")
    validate_topic_arn(problems, "alarm_topic_arn", args.get("alarm_topic_arn"))
    _validate_buckets(problems, args)
    _validate_keys(problems, args)
    processor = args.get("processor", "jsonl")
    problem = processor_problem(processor)
    if problem:
        problems.add("processor", processor, problem)
    problems.integers(
        args,
        (
            ("visibility_timeout_seconds", 30, 43_200, 120),
            ("max_receive_count", *MAX_RECEIVE_COUNT),
            ("max_message_age_seconds", 60, QUEUE_RETENTION_SECONDS, 3600),
            ("min_tasks", 0, 1000, 0),
            ("max_tasks", 1, 1000, 4),
            ("messages_per_task", 1, 100_000, 5),
            # An alarm may look back at most one day of 1-minute periods.
            ("idle_minutes", 1, 1440, 5),
        ),
    )
    min_tasks, max_tasks = args.get("min_tasks", 0), args.get("max_tasks", 4)
    if is_int_in(min_tasks, 0, 1000) and is_int_in(max_tasks, 1, 1000) and min_tasks > max_tasks:
        problems.add("min_tasks", min_tasks, f"at most max_tasks ({max_tasks})")
    problems.raise_if_any()


def _validate_workload(problems: ArgumentProblems, workload: Any) -> None:
    if workload is None:
        problems.add("workload", workload, "required: FargateWorkloadArgs without vpc_id")
        return
    workload = problems.mapping("workload", workload)
    if workload is None:
        return
    for key, allowed in (
        ("vpc_id", "comes from placement; remove it"),
        ("protect_data", "set protect_data on the component"),
    ):
        if key in workload:
            problems.add(f"workload.{key}", workload[key], allowed)
    validate_workload_args({**workload, "vpc_id": PLACEMENT_VPC}, problems, "workload.")
    stop = workload.get("stop_timeout", 30)
    if is_int_in(stop, 2, 9):
        problems.add(
            "workload.stop_timeout",
            stop,
            f"10 to 120 here: the worker's SHUTDOWN_GRACE_SECONDS is {SHUTDOWN_MARGIN_SECONDS} s less",
        )
    for field in ("environment", "secrets"):
        variables = workload.get(field)
        # A non-mapping is already reported by validate_workload_args.
        for key in sorted(set(variables) & WORKER_ENVIRONMENT) if isinstance(variables, dict) else ():
            problems.add(f"workload.{field}.{key}", variables[key], "set by the component from its arguments")


def _validate_buckets(problems: ArgumentProblems, args: QueueBackedBatchServiceArgs) -> None:
    trigger = args.get("trigger", "s3")
    problems.check(trigger in ("s3", "queue"), "trigger", trigger, "s3 or queue")
    for role in ("input", "output"):
        existing = args.get(f"{role}_bucket_name")
        if existing is not None and is_known(existing):
            problems.check(
                isinstance(existing, str) and bool(_BUCKET_NAME.match(existing)),
                f"{role}_bucket_name",
                existing,
                "an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)",
            )
        key = f"{role}_expiry_days"
        if key in args:
            days = args[key]
            problems.check(is_int_in(days, 1, 36_500), key, days, "an integer from 1 to 36500")
            creates = f"{role}_bucket_name" not in args and (role == "output" or trigger == "s3")
            problems.check(creates, key, days, f"only for an {role} bucket this component creates")


def _validate_keys(problems: ArgumentProblems, args: QueueBackedBatchServiceArgs) -> None:
    for field in ("prefixes", "suffixes"):
        for value, allowed in key_filter_problems(field, args.get(field, [])):
            problems.add(field, value, allowed)


def key_filter_problems(field: Literal["prefixes", "suffixes"], values: Any) -> list[tuple[Any, str]]:
    """(value, what is allowed) for each bad entry of `prefixes` or `suffixes`; shared with stack config."""
    if not isinstance(values, list):
        return [(values, "a list of strings")]
    found: list[tuple[Any, str]] = []
    seen: set[str] = set()
    for value in values:
        ok = isinstance(value, str) and 0 < len(value) <= 1024 and not set(value) & set("*?,")
        if ok and field == "prefixes" and value.startswith("/"):
            ok = False
        if not ok:
            found.append(
                (value, "non-empty strings up to 1024 characters without * ? , (prefixes do not start with /)")
            )
            continue
        # Suffixes match ignoring case, so `.jpg` and `.JPG` are the same suffix.
        folded = value.lower() if field == "suffixes" else value
        if folded in seen:
            found.append((value, "listed twice"))
        seen.add(folded)
    return found


def processor_problem(processor: Any) -> str | None:
    """Why `processor` is not a PROCESSOR the worker accepts, or None; shared with stack config."""
    if isinstance(processor, str) and _PROCESSOR.match(processor):
        return None
    return "jsonl, thumbnails or module:function"

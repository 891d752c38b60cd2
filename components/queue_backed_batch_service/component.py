"""The component: input bucket → EventBridge → SQS queue (+ DLQ) → autoscaled Fargate workers → output bucket."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the annotations at run time.
import pulumi
import pulumi_aws as aws

from ..dead_letters import dead_letter_queue
from ..fargate_service import create_service, scaling_target
from ..fargate_workload import FARGATE_WORKLOAD_ARGS, EmbeddedWorkloadArgs
from ..options import component_type, stateful, with_former_type
from ..outputs import register_declared_outputs
from ..scheduled_scaling import scheduled_actions
from ..tags import with_tags
from ..workload_shape import WorkloadShape, placed_on_capacity
from .args import (
    BATCH_WORKLOAD_NAME,
    QUEUE_BACKED_BATCH_SERVICE_ARGS,
    QUEUE_RETENTION_SECONDS,
    SHUTDOWN_MARGIN_SECONDS,
    QueueBackedBatchServiceArgs,
    validate_batch_args,
)
from .buckets import Bucket, pipeline_bucket
from .capacity import CapacityStep, capacity_steps
from .event_route import object_created_route
from .iam import worker_statements
from .scaling import backlog_scaling, queue_alarms
from .subscriptions import subscribe_queue

ARGS = QUEUE_BACKED_BATCH_SERVICE_ARGS


class QueueBackedBatchService(WorkloadShape):
    """Input bucket → EventBridge → SQS queue (+ DLQ) → autoscaled Fargate workers → output bucket.

    Scaling follows the backlog: one message wakes a service at zero, tasks track
    `ceil(backlog / messages_per_task)` up to `max_tasks`, and `idle_minutes` without messages return it to
    `min_tasks`. Busy workers hold scale-in protection, so lowering the count never stops one.
    """

    WORKLOAD_NAME = BATCH_WORKLOAD_NAME
    FAMILY = BATCH_WORKLOAD_NAME

    queue_url: pulumi.Output[str]
    """URL of the queue the workers consume; producers in `queue` mode send their messages here."""
    queue_arn: pulumi.Output[str]
    """ARN of that queue."""
    dlq_url: pulumi.Output[str]
    """URL of the dead-letter queue, which keeps failed messages 14 days."""
    dlq_arn: pulumi.Output[str]
    """ARN of the dead-letter queue."""
    input_bucket_name: pulumi.Output[str] | None
    """Bucket whose new objects are processed; none in `queue` mode without `input_bucket_name`."""
    output_bucket_name: pulumi.Output[str]
    """Bucket the workers write their results to."""
    service_name: pulumi.Output[str]
    """Name of the ECS service of the workers."""
    cluster_name: pulumi.Output[str]
    """Name of the cluster the service runs on."""

    def __init__(self, name: str, args: QueueBackedBatchServiceArgs, opts: pulumi.ResourceOptions | None = None):
        args = placed_on_capacity(args, ("deployment", "capacity"))
        validate_batch_args(name, args)
        super().__init__(
            component_type("QueueBackedBatchService"),
            name,
            None,
            with_former_type("QueueBackedBatchService", with_tags(args.get("tags"), opts)),
        )
        protect = ARGS.value(args, "protect_data")
        prefixes = list(ARGS.value(args, "prefixes"))
        suffixes = list(ARGS.value(args, "suffixes"))
        topic = args.get("alarm_topic_arn")
        notify = [topic] if topic is not None else None
        from_s3 = ARGS.value(args, "trigger") == "s3"

        output = pipeline_bucket(
            self, f"{name}-output", args.get("output_bucket_name"), args.get("output_expiry_days"), protect_data=protect
        )
        input_bucket: Bucket | None = None
        if "input_bucket_name" in args or from_s3:
            input_bucket = pipeline_bucket(
                self,
                f"{name}-input",
                args.get("input_bucket_name"),
                args.get("input_expiry_days"),
                protect_data=protect,
            )

        dead_letters = dead_letter_queue(self, name, protect_data=protect)
        visibility = ARGS.value(args, "visibility_timeout_seconds")
        queue = aws.sqs.Queue(
            f"{name}-queue",
            visibility_timeout_seconds=visibility,
            message_retention_seconds=QUEUE_RETENTION_SECONDS,
            receive_wait_time_seconds=20,
            # SSE-SQS rather than a KMS key: EventBridge and SNS can deliver to it without a key policy, and
            # the workers need no kms:Decrypt.
            sqs_managed_sse_enabled=True,
            redrive_policy=pulumi.Output.json_dumps(
                {"deadLetterTargetArn": dead_letters.arn, "maxReceiveCount": ARGS.value(args, "max_receive_count")}
            ),
            opts=stateful(self, protect),
        )

        rule = None
        if from_s3 and input_bucket is not None:
            rule = object_created_route(self, name, input_bucket, queue, prefixes, suffixes)
        subscriptions = ARGS.value(args, "subscriptions")
        if subscriptions:
            subscribe_queue(self, name, queue, list(subscriptions))

        # The worker's grace must fit inside whichever stop timeout applies, FargateWorkload's default included.
        stop_timeout = FARGATE_WORKLOAD_ARGS.value(args["workload"], "stop_timeout")
        environment: dict[str, pulumi.Input[str]] = {
            **FARGATE_WORKLOAD_ARGS.value(args["workload"], "environment"),
            "QUEUE_URL": queue.url,
            # Inputs that can never be processed are sent here by the worker at once, with the reason.
            "DEAD_LETTER_QUEUE_URL": dead_letters.url,
            "OUTPUT_BUCKET": output.name,
            "PROCESSOR": ARGS.value(args, "processor"),
            # The worker has no default of its own: its leases and heartbeat follow the queue's timeout.
            "VISIBILITY_TIMEOUT": str(visibility),
            # Explicit, so a task without the ECS agent endpoint fails at start-up instead of running unprotected.
            "SCALE_IN_PROTECTION": "true",
            "SHUTDOWN_GRACE_SECONDS": str(stop_timeout - SHUTDOWN_MARGIN_SECONDS),
        }
        if prefixes:
            environment["INPUT_PREFIXES"] = ",".join(prefixes)
        if suffixes:
            environment["INPUT_SUFFIXES"] = ",".join(suffixes)
        worker: EmbeddedWorkloadArgs = {**args["workload"], "stop_timeout": stop_timeout, "environment": environment}
        workload = self._embed_workload(
            name,
            worker,
            vpc_id=args["placement"]["vpc_id"],
            subnet_ids=args["placement"]["subnet_ids"],
            protect_data=protect,
        )
        self.grant(
            "batch",
            worker_statements(
                queue.arn,
                dead_letters.arn,
                input_bucket,
                output,
                prefixes,
                pulumi.Output.from_input(args["cluster_arn"]),
            ),
        )

        min_tasks, max_tasks = ARGS.value(args, "min_tasks"), ARGS.value(args, "max_tasks")
        service = create_service(
            self,
            name,
            cluster_arn=args["cluster_arn"],
            workload=workload,
            placement=args["placement"],
            deployment={**ARGS.value(args, "deployment"), "desired_count": min_tasks},
            autoscaled=True,
            providers=ARGS.value(args, "capacity_providers"),
        )
        schedule = ARGS.value(args, "scheduled_scaling")
        target = scaling_target(
            self,
            name,
            cluster_name=args["cluster_name"],
            service=service,
            min_tasks=min_tasks,
            max_tasks=max_tasks,
            scheduled=bool(schedule),
        )
        self._capacity_steps = capacity_steps(ARGS.value(args, "messages_per_task"), max_tasks)
        backlog_scaling(
            self,
            name,
            target,
            queue,
            rule,
            self._capacity_steps,
            min_tasks=min_tasks,
            idle_minutes=ARGS.value(args, "idle_minutes"),
        )
        scheduled_actions(self, name, target, schedule)
        queue_alarms(
            self, name, queue, dead_letters, max_age_seconds=ARGS.value(args, "max_message_age_seconds"), notify=notify
        )

        self.queue_url = queue.url
        self.queue_arn = queue.arn
        self.dlq_url = dead_letters.url
        self.dlq_arn = dead_letters.arn
        self.input_bucket_name = input_bucket.name if input_bucket is not None else None
        self.output_bucket_name = output.name
        self.service_name = service.name
        self.cluster_name = pulumi.Output.from_input(args["cluster_name"])
        register_declared_outputs(self)

    @property
    def capacity_steps(self) -> list[CapacityStep]:
        """The backlog policy's step table: which backlogs run how many tasks."""
        return self._capacity_steps

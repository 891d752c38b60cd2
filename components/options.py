"""Resource options every component uses for its children."""

from __future__ import annotations

import pulumi


def child(parent: pulumi.Resource, **extra) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **extra)


def stateful(parent: pulumi.Resource, protect_data: bool, **extra) -> pulumi.ResourceOptions:
    """Buckets, queues, log groups and repositories hold data that a `pulumi destroy` must not lose
    when the stack protects data: protect blocks deletion, retain_on_delete keeps the cloud object
    even if someone unprotects and deletes the resource from the stack."""
    return pulumi.ResourceOptions(parent=parent, protect=protect_data, retain_on_delete=protect_data, **extra)


PACKAGE = "ecs-workloads"

FORMER_TYPES: dict[str, str] = {
    "AlarmTopic": "ecs-workloads:alarm_topic:AlarmTopic",
    "AlbWebService": "ecs-workloads:alb_web_service:AlbWebService",
    "AutoScalingCapacityProvider": "ecs-workloads:auto_scaling_capacity:AutoScalingCapacityProvider",
    "BackendService": "ecs-workloads:backend_service:BackendService",
    "EcsCluster": "ecs-workloads:cluster:EcsCluster",
    "EfsFileSystem": "ecs-workloads:efs_file_system:EfsFileSystem",
    "FargateWorkload": "ecs-workloads:fargate_workload:FargateWorkload",
    "GeneratedSecret": "ecs-workloads:generated_secret:GeneratedSecret",
    "JobRunWorkflow": "ecs-workloads:job_run_workflow:JobRunWorkflow",
    "ManagedInstancesCapacityProvider": "ecs-workloads:managed_instances_capacity:ManagedInstancesCapacityProvider",
    "Network": "ecs-workloads:network:Network",
    "OperationsDashboard": "ecs-workloads:operations_dashboard:OperationsDashboard",
    "PrivateBucket": "ecs-workloads:private_bucket:PrivateBucket",
    "QueueBackedBatchService": "ecs-workloads:queue_backed_batch_service:QueueBackedBatchService",
    "ScheduledEcsTask": "ecs-workloads:scheduled_ecs_task:ScheduledEcsTask",
}
"""The type token each component registered up to 0.1.0, `ecs-workloads:<module>:<Name>`, by class name.

A multi-language package's schema names every component `ecs-workloads:index:<Name>` (Pulumi's component
analyzer builds the token from the class name, and its provider serves only the `index` module), so the
components register that token now. A URN embeds the type of the resource and of every ancestor, so the
new token alone would make `pulumi up` replace every resource of an existing stack; the former token as an
alias (`with_former_type`) lets the engine find each one under its old URN instead."""


def component_type(class_name: str) -> str:
    """The token a component registers: the one its schema and the other languages' SDKs use."""
    return f"{PACKAGE}:index:{class_name}"


def with_former_type(class_name: str, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """The caller's `opts` with an alias to the component's former type token added after the caller's own
    aliases (ResourceOptions.merge concatenates alias lists; the caller's `opts` is not changed).

    The SDK sends the alias to the engine as a spec, type only (pulumi/runtime/resource.py `prepare_aliases`,
    as the engine announces `aliasSpecs`), and the engine resolves it: the former type under the current
    parent, and, for a resource whose parent was found under an old URN, the resource and its aliases under
    that old URN (pulumi/pulumi step_generator.go `generateAliases`). So a nested component and the custom
    resources inside need no alias of their own: tests/plan/test_type_tokens.py replays this on the stacks."""
    return pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=FORMER_TYPES[class_name])])
    )

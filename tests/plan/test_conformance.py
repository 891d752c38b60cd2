"""The offline AWS conformance check: the stacks pass it, and it catches a seeded defect of each kind."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ecs_workloads import name_limits
from ecs_workloads.alb_web_service import WEB_AUTOSCALING_ARGS
from ecs_workloads.arguments import Integer, Number, SettingCheck
from ecs_workloads.scheduled_ecs_task.args import RUN_TASK_COUNT_LIMIT
from harness.program import list_stacks, run_program, stack_config
from harness.recording import Recording, Registration
from plan import conformance
from plan.__main__ import main
from plan.conformance.documents import action_problem
from stack.batch import PIPELINE_NAME_MAX_LENGTH, BatchPipelineSettings
from stack.job_api import JobApiSettings
from stack.jobs import JOB_NAME_MAX_LENGTH, JobSettings, RetrySettings
from stack.settings import NetworkSettings
from stack.web import WebAutoscalingSettings


@pytest.fixture(scope="module")
def recordings() -> dict[str, Recording]:
    return {stack: run_program(stack) for stack in list_stacks()}


@pytest.mark.parametrize("stack", list_stacks())
def test_stack_requests_conform_to_aws(recordings, stack):
    report = conformance.check(recordings[stack])
    assert report.requests
    assert [str(p) for p in report.problems] == []


def test_every_resource_type_of_the_stacks_is_translated_or_listed(recordings):
    for recording in recordings.values():
        report = conformance.check(recording)
        translated = {r.type for r in recording.registrations if r.custom} - set(report.unchecked)
        assert translated <= set(conformance.TRANSLATORS)
        resources = {r.resource for r in report.requests}
        for registration in recording.registrations:
            # CertificateValidation only waits for issuance: no request of its own.
            waits = registration.type == "aws:acm/certificateValidation:CertificateValidation"
            if registration.custom and registration.type in conformance.TRANSLATORS and not waits:
                assert registration.name in resources


def test_unmapped_types_are_counted_not_passed():
    fake = Registration("aws:foo/bar:Bar", "thing", "urn:thing", "", True, {}, False, False, (), ())
    report = conformance.check(Recording(registrations=[fake, dataclasses.replace(fake, urn="urn:other")]))
    assert report.unchecked == {"aws:foo/bar:Bar": 2}
    assert report.requests == []
    assert conformance.render(report) == (
        "AWS rules: 0 requests checked, 0 problems; not translated, so not checked: aws:foo/bar:Bar ×2"
    )


def test_seeded_bucket_name_and_security_group_text_are_caught(recordings):
    problems = _seeded(recordings["prod"], "cats-pictures", outputs={"bucket": "Cats_Pictures-db23cc8"})
    assert [(p.path, p.value) for p in problems] == [("Bucket", "Cats_Pictures-db23cc8")]
    problems = _seeded(recordings["prod"], "cats-sg", inputs={"description": "Tasks of cats — ingress by rule"})
    assert [(p.path, p.value) for p in problems] == [("Description", "Tasks of cats — ingress by rule")]
    problems = _seeded(recordings["prod"], "cats-tasks-from-alb", inputs={"description": "From the ALB’s group"})
    assert [p.path for p in problems] == ["IpPermissions[0].UserIdGroupPairs[0].Description"]


def _seeded(recording: Recording, name: str, **changes) -> list[conformance.Problem]:
    """The problems of the one resource `name` after replacing its inputs/outputs keys with `changes`."""
    original = next(r for r in recording.registrations if r.name == name and r.custom)
    inputs = {**original.inputs, **changes.get("inputs", {})}
    outputs = {**original.outputs, **changes.get("outputs", {})}
    seeded = dataclasses.replace(original, inputs=inputs, outputs=outputs)
    return [p for p in conformance.check(Recording(registrations=[seeded])).problems if p.resource == name]


def _container_definitions(recording: Recording, name: str, **change) -> str:
    task = next(r for r in recording.registrations if r.name == name)
    containers = json.loads(task.inputs["containerDefinitions"])
    containers[0].update(change)
    return json.dumps(containers)


@pytest.mark.parametrize("name", ["alarms-key", "alarms-policy"])
def test_seeded_unsupported_principal_condition_is_caught(recordings, name):
    """The defect alert delivery once had: EventBridge's statements under an aws:SourceAccount condition."""
    resource = next(r for r in recordings["prod"].registrations if r.name == name)
    policy = json.loads(resource.inputs["policy"])
    for statement in policy["Statement"]:
        if "events.amazonaws.com" in json.dumps(statement.get("Principal")):
            statement["Condition"] = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    problems = _seeded(recordings["prod"], name, inputs={"policy": json.dumps(policy)})
    assert problems and all(p.value == ["aws:sourceaccount"] for p in problems)
    assert all("does not support these condition keys" in p.rule for p in problems)


def test_seeded_enum_defect_is_caught(recordings):
    problems = _seeded(recordings["prod"], "cats-task", inputs={"networkMode": "bridged"})
    assert [(p.path, p.value) for p in problems] == [("networkMode", "bridged")]
    assert "must be one of bridge, host, awsvpc, none" in problems[0].rule


def test_prod_cats_canary_reaches_the_checked_request(recordings):
    service = next(r for r in recordings["prod"].registrations if r.name == "cats-service")
    (request,) = conformance.TRANSLATORS[service.type](service)
    deployment = request.params["deploymentConfiguration"]
    assert deployment["strategy"] == "CANARY"
    assert deployment["canaryConfiguration"] == {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 5}
    assert deployment["alarms"]["rollback"] is True
    rule = next(r for r in recordings["prod"].registrations if r.name == "cats-rule")
    (create_rule,) = conformance.TRANSLATORS[rule.type](rule)
    groups = create_rule.params["Actions"][0]["ForwardConfig"]["TargetGroups"]
    assert [sorted(group) for group in groups] == [["TargetGroupArn", "Weight"]] * 2


def test_seeded_deployment_strategy_defects_are_caught(recordings):
    service = next(r for r in recordings["prod"].registrations if r.name == "cats-service")
    configuration = {**service.inputs["deploymentConfiguration"], "strategy": "CANARIES"}
    configuration["lifecycleHooks"] = [{"lifecycleStages": ["AFTER_SHIFT"]}]
    problems = _seeded(recordings["prod"], "cats-service", inputs={"deploymentConfiguration": configuration})
    assert [(p.path, p.value) for p in problems] == [
        ("deploymentConfiguration.strategy", "CANARIES"),
        ("deploymentConfiguration.lifecycleHooks[0].lifecycleStages[0]", "AFTER_SHIFT"),
    ]


def test_seeded_range_defect_is_caught(recordings):
    schedule = next(r for r in recordings["prod"].registrations if r.name == "job-nightly-report-schedule")
    target = json.loads(json.dumps(schedule.inputs["target"]))
    target["retryPolicy"]["maximumRetryAttempts"] = 186.0
    problems = _seeded(recordings["prod"], "job-nightly-report-schedule", inputs={"target": target})
    assert [(p.path, p.value) for p in problems] == [("Target.RetryPolicy.MaximumRetryAttempts", 186)]
    assert problems[0].rule.startswith("at most 185")


def test_seeded_pattern_defect_is_caught(recordings):
    schedule = next(r for r in recordings["prod"].registrations if r.name == "job-nightly-report-schedule")
    target = {**schedule.inputs["target"], "roleArn": "job-nightly-report-scheduler-role"}
    problems = _seeded(recordings["prod"], "job-nightly-report-schedule", inputs={"target": target})
    assert [(p.path, p.value) for p in problems] == [("Target.RoleArn", "job-nightly-report-scheduler-role")]
    assert problems[0].rule.startswith("must match arn:aws")


def test_seeded_name_length_defect_is_caught(recordings):
    # A 32-character job name: `job-<name>-workload-execution-role` plus the autoname suffix is 68 characters.
    long_name = f"job-{'n' * 32}-workload-execution-role-1234567"
    problems = _seeded(recordings["prod"], "cats-execution-role", outputs={"name": long_name})
    assert [(p.path, p.value) for p in problems] == [("RoleName", long_name)]
    assert "68 characters; at most 64" in problems[0].rule and "iam-role-name" in problems[0].rule


@pytest.mark.parametrize(
    ("name", "inputs", "path", "rule_id"),
    [
        ("cats-task", {"memory": "4096"}, "memory", "fargate-size"),
        (
            "batch-jsonl-backlog-policy",
            {
                "stepScalingPolicyConfiguration": {
                    "adjustmentType": "ExactCapacity",
                    "stepAdjustments": [
                        {"metricIntervalLowerBound": "0", "metricIntervalUpperBound": "5", "scalingAdjustment": 1.0},
                        {"metricIntervalLowerBound": "6", "scalingAdjustment": 2.0},
                    ],
                }
            },
            "StepScalingPolicyConfiguration.StepAdjustments[1].MetricIntervalLowerBound",
            "step-contiguity",
        ),
        ("cats-tg", {"healthCheck": {"matcher": "200-599", "path": "/health"}}, "Matcher.HttpCode", "tg-matcher"),
    ],
)
def test_seeded_cross_field_defect_is_caught(recordings, name, inputs, path, rule_id):
    problems = _seeded(recordings["prod"], name, inputs=inputs)
    assert [p.path for p in problems] == [path]
    assert f"[{rule_id}: " in problems[0].rule


def test_seeded_firelens_defects_are_caught(recordings):
    firelens = {"logDriver": "awsfirelens", "options": {"Name": "cloudwatch_logs"}}
    containers = _container_definitions(recordings["prod"], "cats-task", logConfiguration=firelens)
    problems = _seeded(recordings["prod"], "cats-task", inputs={"containerDefinitions": containers})
    assert [(p.path, p.value) for p in problems] == [
        ("containerDefinitions[0].logConfiguration.logDriver", "awsfirelens")
    ]
    assert "[firelens-pair: " in problems[0].rule
    containers = _container_definitions(recordings["prod"], "cats-task", firelensConfiguration={"type": "fluentbit"})
    problems = _seeded(recordings["prod"], "cats-task", inputs={"containerDefinitions": containers})
    assert [p.path for p in problems] == ["containerDefinitions[].firelensConfiguration"]
    # The botocore model judges the new fields' enums.
    containers = _container_definitions(recordings["prod"], "cats-task", firelensConfiguration={"type": "fluentbitt"})
    problems = _seeded(recordings["prod"], "cats-task", inputs={"containerDefinitions": containers})
    assert "containerDefinitions[0].firelensConfiguration.type" in [p.path for p in problems]


def test_seeded_task_definition_and_schedule_rules_are_caught(recordings):
    # No essential container at all: the app's and the collector's both off.
    task = next(r for r in recordings["prod"].registrations if r.name == "cats-task")
    containers = json.dumps([{**c, "essential": False} for c in json.loads(task.inputs["containerDefinitions"])])
    problems = _seeded(recordings["prod"], "cats-task", inputs={"containerDefinitions": containers})
    assert [p.path for p in problems] == ["containerDefinitions[].essential"]
    containers = _container_definitions(
        recordings["prod"],
        "job-nightly-report-workload-task",
        mountPoints=[{"sourceVolume": "scratchy", "containerPath": "/tmp"}],
    )
    problems = _seeded(
        recordings["prod"], "job-nightly-report-workload-task", inputs={"containerDefinitions": containers}
    )
    assert [(p.path, p.value) for p in problems] == [
        ("containerDefinitions[0].mountPoints[0].sourceVolume", "scratchy")
    ]
    problems = _seeded(
        recordings["prod"], "job-nightly-report-schedule", inputs={"scheduleExpressionTimezone": "Europe/Londn"}
    )
    assert [(p.path, p.value) for p in problems] == [("ScheduleExpressionTimezone", "Europe/Londn")]
    problems = _seeded(recordings["prod"], "job-nightly-report-schedule", inputs={"startDate": "2020-01-01T00:00:00Z"})
    assert [(p.path, p.value) for p in problems] == [("StartDate", "2020-01-01T00:00:00Z")]
    check = {"path": "/health", "interval": 10.0, "timeout": 10.0}
    problems = _seeded(recordings["prod"], "cats-tg", inputs={"healthCheck": check})
    assert [(p.path, p.value) for p in problems] == [("HealthCheckTimeoutSeconds", 10)]


def test_seeded_awsvpc_host_port_and_one_return_data_are_caught(recordings):
    containers = _container_definitions(
        recordings["prod"], "cats-task", portMappings=[{"containerPort": 8080, "hostPort": 80}]
    )
    problems = _seeded(recordings["prod"], "cats-task", inputs={"containerDefinitions": containers})
    assert [(p.path, p.value) for p in problems] == [("containerDefinitions[0].portMappings[0].hostPort", 80)]
    alarm = next(r for r in recordings["prod"].registrations if r.name == "cats-5xx-rate")
    queries = [{**q, "returnData": True} for q in alarm.inputs["metricQueries"]]
    problems = _seeded(recordings["prod"], "cats-5xx-rate", inputs={"metricQueries": queries})
    assert [p.path for p in problems] == ["Metrics[].ReturnData"]


def test_seeded_iam_action_defect_is_caught(recordings):
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObjects", "s3:GetObject"], "Resource": "*"}],
    }
    problems = _seeded(recordings["prod"], "cats-task-pictures", inputs={"policy": json.dumps(policy)})
    assert [(p.path, p.value, p.rule) for p in problems] == [
        ("PolicyDocument.Statement[0].Action", "s3:GetObjects", "s3:GetObjects is not a s3 action")
    ]


def test_seeded_secret_grant_with_json_key_is_caught(recordings):
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cats-api-token-c466365-ee0858:token::"
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn}],
    }
    problems = _seeded(recordings["prod"], "cats-task-pictures", inputs={"policy": json.dumps(policy)})
    assert [(p.path, p.value) for p in problems] == [("PolicyDocument.Statement[0].Resource", arn)]


def test_seeded_documents_inside_requests_are_checked(recordings):
    containers = _container_definitions(recordings["prod"], "cats-task", essential="yes", cpuShares=1)
    problems = _seeded(recordings["prod"], "cats-task", inputs={"containerDefinitions": containers})
    assert sorted(p.path for p in problems) == [
        "containerDefinitions[0].cpuShares",
        "containerDefinitions[0].essential",
    ]
    pattern = json.dumps({"source": "aws.ecs"})
    problems = _seeded(recordings["prod"], "image-assessor-failed-run", inputs={"eventPattern": pattern})
    assert [(p.path, p.value) for p in problems] == [("EventPattern.source", "aws.ecs")]
    redrive = json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq", "maxReceiveCount": 0})
    problems = _seeded(recordings["prod"], "batch-jsonl-queue", inputs={"redrivePolicy": redrive})
    assert [(p.path, p.value) for p in problems] == [("Attributes.RedrivePolicy.maxReceiveCount", 0)]


def test_plan_prints_the_conformance_line(capsys):
    assert main(["prod"]) == 0
    out = capsys.readouterr().out
    assert "\nAWS rules: 219 requests checked, 0 problems\n" in out


def _longest_job_name() -> str:
    # The longest name the settings accept, read from their own bound rather than restated here.
    from stack.jobs import JOB_NAME_MAX_LENGTH

    return "j" * JOB_NAME_MAX_LENGTH


def test_longest_job_name_conforms():
    config = stack_config("prod")
    job = {**config["ecs-workloads:jobs"][0], "name": _longest_job_name()}
    # The job API may run it, so its family reaches the state machine's definition and role too.
    api = {**config["ecs-workloads:jobApi"], "allowedJobs": [job["name"]]}
    recording = run_program("prod", config={**config, "ecs-workloads:jobs": [job], "ecs-workloads:jobApi": api})
    assert [str(p) for p in conformance.check(recording).problems] == []


def test_seeded_policy_grammar_defects_are_caught(recordings):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "sts:AssumeRole"}]}
    problems = _seeded(recordings["prod"], "cats-task-role", inputs={"assumeRolePolicy": json.dumps(trust)})
    assert sorted((p.path, p.value) for p in problems) == [
        ("AssumeRolePolicyDocument.Statement[0].Effect", "Permit"),
        ("AssumeRolePolicyDocument.Statement[0].Principal", None),
    ]
    policy = {"Version": "2012-10-18", "Statement": [{"Effect": "Allow", "Action": "sqs:Send*", "Resource": "*"}]}
    problems = _seeded(recordings["prod"], "cats-task-pictures", inputs={"policy": json.dumps(policy)})
    assert [(p.path, p.value) for p in problems] == [("PolicyDocument.Version", "2012-10-18")]
    policy["Version"] = "2012-10-17"
    policy["Statement"][0]["Action"] = "sqs:Sned*"
    problems = _seeded(recordings["prod"], "cats-task-pictures", inputs={"policy": json.dumps(policy)})
    assert [p.rule for p in problems] == ["sqs:Sned* matches no sqs action"]


def _maxima(model: type) -> dict[str, int | float]:
    """Every bounded number of a settings model at its upper bound, by config key, read from the argument
    spec the field passes through."""
    found = {}
    for field in model.model_fields.values():
        for meta in field.metadata:
            spec = getattr(getattr(meta, "func", None), "spec", None)
            if isinstance(getattr(meta, "func", None), SettingCheck) and isinstance(spec, Integer | Number):
                found[field.alias] = spec.high
    return found


def _longest(prefix: str, length: int) -> str:
    return prefix + "x" * (length - len(prefix))


# The form ECS documents for a Secrets Manager valueFrom with a JSON key; the grant must be the secret's ARN.
_JSON_KEY_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cats/token-AbCdEf:token::"


def _extreme_config() -> dict:
    """prod with every name at its maximum, counts at their maxima and every optional feature on."""
    config = stack_config("prod")
    workload = {
        "image": "public.ecr.aws/docker/library/busybox:1.36",
        "user": "65534:65534",
        "environment": {"MODE": "extreme"},
        "secrets": {"TOKEN": _JSON_KEY_SECRET},
        "capacity": {"fargate": 1, "fargateSpot": 3, "base": 1},
        "cpu": 1024,
        "memory": 2048,
        # Every container option, in every start condition ECS knows.
        "dependsOn": [
            {"container": "collector", "condition": "HEALTHY"},
            {"container": "init", "condition": "SUCCESS"},
        ],
        "sidecars": [
            {
                "name": _longest("c", 255),
                "image": "public.ecr.aws/docker/library/busybox:1.36",
                "essential": False,
                "dependsOn": [{"container": "init", "condition": "COMPLETE"}],
            },
            {
                "name": "collector",
                "image": "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1",
                "command": ["--config=/etc/ecs/ecs-default-config.yaml"],
                "environment": {"OTEL_LOG_LEVEL": "info"},
                "secrets": {"OTEL_KEY": _JSON_KEY_SECRET},
                "port": 65535,
                "healthCheck": {"command": ["CMD", "/healthcheck"], "interval": 300, "timeout": 60, "retries": 10},
                "cpu": 512,
                "memory": 1024,
                "user": "10001",
                "readonlyRootFilesystem": False,
                "dependsOn": [{"container": "init", "condition": "START"}],
            },
            {"name": "init", "image": "public.ecr.aws/docker/library/busybox:1.36", "essential": False},
        ],
    }
    # Every log routing destination, each on some workload, with the router's longest name.
    routing = {
        "destination": "s3",
        "bucket": "arn:aws:s3:::" + _longest("l", 63),
        "keyPrefix": "firelens/extreme/",
        "name": _longest("r", 255),
        "memoryReservation": 64,
    }
    firehose = {
        "destination": "firehose",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/" + _longest("s", 64),
    }
    job = {
        **_maxima(JobSettings),
        "enabled": True,
        "endDate": "2099-12-31T00:00:00Z",
        "command": ["sh", "-c", "true"],
        "runEnvironment": {"RUN": "scheduled"},
        "workload": {**workload, "logRouting": routing},
        "retry": _maxima(RetrySettings),
    }
    # One job runs through its workflow at the counts' maxima, the other runs its task directly, where
    # Scheduler allows 10 tasks and no retries.
    config["ecs-workloads:jobs"] = [
        {
            **job,
            "name": _longest("a", JOB_NAME_MAX_LENGTH),
            "schedule": "30 2 * * *",
            "timezone": "Europe/London",
            "target": "workflow",
        },
        {
            **job,
            "taskCount": RUN_TASK_COUNT_LIMIT,
            "retries": 0,
            "name": _longest("b", JOB_NAME_MAX_LENGTH),
            "schedule": "at(2099-01-01T00:00:00)",
            "timezone": "America/Argentina/ComodRivadavia",
        },
    ]
    # Both triggers: a key prefix and a suffix.
    pipeline = {**_maxima(BatchPipelineSettings), "prefixes": ["incoming/"], "suffixes": [".jsonl"]}
    config["ecs-workloads:batch"] = {
        _longest("p", PIPELINE_NAME_MAX_LENGTH): pipeline,
        _longest("q", PIPELINE_NAME_MAX_LENGTH): {
            **pipeline,
            "processor": "thumbnails",
            "suffixes": [".jpg"],
            "workload": {**pipeline.get("workload", {}), "logRouting": firehose},
        },
    }
    autoscaling = {
        **_maxima(WebAutoscalingSettings),
        "cpuTargetPercent": WEB_AUTOSCALING_ARGS["cpu_target_percent"].high,
    }
    config["ecs-workloads:cats"] = {
        **config["ecs-workloads:cats"],
        "workload": {**config["ecs-workloads:cats"].get("workload", {}), "logRouting": {"destination": "cloudwatch"}},
        "desiredCount": autoscaling["maxTasks"],
        "autoscaling": autoscaling,
    }
    config["ecs-workloads:network"] = {**config["ecs-workloads:network"], **_maxima(NetworkSettings)}
    config["ecs-workloads:executeCommand"] = True
    # The job API may run both longest jobs and count both pipelines' queues.
    config["ecs-workloads:jobApi"] = {
        **config["ecs-workloads:jobApi"],
        **_maxima(JobApiSettings),
        "allowedJobs": [job["name"] for job in config["ecs-workloads:jobs"]],
        "triggerQueues": list(config["ecs-workloads:batch"]),
    }
    return config


def test_extreme_config_requests_conform_to_aws():
    report = conformance.check(run_program("prod", config=_extreme_config()))
    # The names did reach their bounds: the jobs' longest role names are exactly at IAM's limit.
    roles = [r.params["RoleName"] for r in report.requests if r.operation == "CreateRole"]
    assert max(map(len, roles)) == name_limits.IAM_ROLE.limit
    # The sidecars did reach RegisterTaskDefinition, with their start order and scratch volumes.
    tasks = [r.params for r in report.requests if r.operation == "RegisterTaskDefinition"]
    with_sidecars = [t for t in tasks if len(t["containerDefinitions"]) == 5]
    assert with_sidecars and all(t["containerDefinitions"][0]["dependsOn"] for t in with_sidecars)
    # Each destination reached RegisterTaskDefinition, its router last and FireLens's.
    outputs = {
        c["logConfiguration"]["options"]["Name"]
        for t in tasks
        for c in t["containerDefinitions"]
        if c["logConfiguration"]["logDriver"] == "awsfirelens"
    }
    assert outputs == {"cloudwatch_logs", "s3", "kinesis_firehose"}
    assert [str(p) for p in report.problems] == []


def test_actions_of_services_without_a_botocore_model_are_checked_by_name():
    assert action_problem("ssmmessages:OpenDataChannel") is None
    assert action_problem("ssmmessages:OpenChannel") == "ssmmessages:OpenChannel is not a ssmmessages action"


def test_every_ec2_capacity_type_is_translated(recordings):
    report = conformance.check(recordings["ec2"])
    assert report.unchecked == {}
    operations = {(r.service, r.operation) for r in report.requests}
    assert {
        ("ec2", "CreateLaunchTemplate"),
        ("autoscaling", "CreateAutoScalingGroup"),
        ("iam", "CreateInstanceProfile"),
        ("iam", "AddRoleToInstanceProfile"),
        ("iam", "AttachRolePolicy"),
        ("ecs", "CreateCapacityProvider"),
    } <= operations


@pytest.mark.parametrize(
    ("name", "inputs", "path", "rule"),
    [
        # The provider carries volume flags as strings; a word the API cannot read as a boolean is caught.
        (
            "ecs-pipeline-launch-template",
            {"metadataOptions": {"httpTokens": "always"}},
            "LaunchTemplateData.MetadataOptions.HttpTokens",
            "one of",
        ),
        (
            "ecs-pipeline-asg",
            {
                "mixedInstancesPolicy": {
                    "launchTemplate": {"launchTemplateSpecification": {"launchTemplateId": "lt-1"}},
                    "instancesDistribution": {"onDemandPercentageAboveBaseCapacity": 101.0},
                }
            },
            "MixedInstancesPolicy.InstancesDistribution.OnDemandPercentageAboveBaseCapacity",
            "asg-distribution",
        ),
        (
            "ecs-gpu-provider",
            {
                "managedInstancesProvider": {
                    "infrastructureRoleArn": "arn:aws:iam::123456789012:role/x",
                    "instanceLaunchTemplate": {
                        "ec2InstanceProfileArn": "arn:aws:iam::123456789012:instance-profile/x",
                        "networkConfiguration": {"subnets": ["subnet-1"]},
                        "capacityOptionType": "CHEAP",
                    },
                }
            },
            "managedInstancesProvider.instanceLaunchTemplate.capacityOptionType",
            "one of",
        ),
        (
            "batch-images-service",
            {"capacityProviderStrategies": [{"capacityProvider": "FARGATE", "weight": 1.0, "base": 0.0}]},
            "placementStrategy",
            "placement-ec2",
        ),
    ],
)
def test_seeded_ec2_capacity_defects_are_caught(recordings, name, inputs, path, rule):
    _assert_one_problem(recordings["ec2"], name, inputs, path, rule)


def _assert_one_problem(recording: Recording, name: str, inputs: dict, path: str, rule: str) -> None:
    problems = _seeded(recording, name, inputs=inputs)
    assert [p.path for p in problems] == [path]
    assert rule in problems[0].rule


def test_a_capacity_provider_named_with_a_reserved_prefix_is_caught(recordings):
    problems = _seeded(recordings["ec2"], "ecs-pipeline-provider", outputs={"name": "ecs-pipeline"})
    assert [(p.path, p.value) for p in problems] == [("name", "ecs-pipeline")]
    assert "[provider-name: " in problems[0].rule


@pytest.mark.parametrize(
    ("inputs", "path", "rule"),
    [
        ({"timezone": "London"}, "Timezone", "[scaling-timezone: "),
        ({"schedule": "cron(0 20 * * MON-FRI *)"}, "Schedule", "[scheduled-action: "),
        (
            {"scalableTargetAction": {"minCapacity": 2, "maxCapacity": 1}},
            "ScalableTargetAction.MaxCapacity",
            "[scheduled-action: ",
        ),
        ({"scalableTargetAction": {}}, "ScalableTargetAction", "[scheduled-action: "),
    ],
)
def test_seeded_scheduled_action_defects_are_caught(recordings, inputs, path, rule):
    problems = _seeded(recordings["dev"], "cats-schedule-evening-off", inputs=inputs)
    assert [p.path for p in problems] == [path]
    assert rule in problems[0].rule


def test_a_scheduled_action_name_aws_refuses_is_caught(recordings):
    # ScheduledActionName's pattern excludes `:`, `/` and `|`.
    problems = _seeded(recordings["dev"], "cats-schedule-evening-off", outputs={"name": "evening|off"})
    assert [(p.path, p.value) for p in problems] == [("ScheduledActionName", "evening|off")]


def test_every_efs_resource_of_prod_is_translated(recordings):
    report = conformance.check(recordings["prod"])
    assert not any(kind.startswith("aws:efs/") for kind in report.unchecked)
    operations = {(r.service, r.operation) for r in report.requests}
    assert {
        ("efs", "CreateFileSystem"),
        ("efs", "PutLifecycleConfiguration"),
        ("efs", "PutBackupPolicy"),
        ("efs", "PutFileSystemPolicy"),
        ("efs", "CreateMountTarget"),
        ("efs", "CreateAccessPoint"),
    } <= operations


_SHARE = "job-nightly-report-workload-reports"


@pytest.mark.parametrize(
    ("name", "inputs", "path", "rule"),
    [
        (f"{_SHARE}-fs", {"throughputMode": "burstable"}, "ThroughputMode", "one of"),
        (f"{_SHARE}-fs", {"performanceMode": "fast"}, "PerformanceMode", "one of"),
        (
            f"{_SHARE}-fs",
            {"lifecyclePolicies": [{"transitionToIa": "AFTER_31_DAYS"}]},
            "LifecyclePolicies[0].TransitionToIA",
            "one of",
        ),
        (
            f"{_SHARE}-fs",
            {
                "lifecyclePolicies": [
                    {"transitionToIa": "AFTER_30_DAYS", "transitionToPrimaryStorageClass": "AFTER_1_ACCESS"}
                ]
            },
            "LifecyclePolicies[0]",
            "efs-lifecycle",
        ),
        (f"{_SHARE}-backup", {"backupPolicy": {"status": "ON"}}, "BackupPolicy.Status", "one of"),
        (f"{_SHARE}-mount-0", {"subnetId": "subnet-0AAA1111"}, "SubnetId", "must match"),
        (
            f"{_SHARE}-ap",
            {"posixUser": {"uid": 65534.0, "gid": 65534.0}, "rootDirectory": {"path": "/a/b/c/d/e"}},
            "RootDirectory.Path",
            "must match",
        ),
    ],
)
def test_seeded_efs_defects_are_caught(recordings, name, inputs, path, rule):
    _assert_one_problem(recordings["prod"], name, inputs, path, rule)


def test_seeded_efs_volume_without_transit_encryption_is_caught(recordings):
    task = next(r for r in recordings["prod"].registrations if r.name == "job-nightly-report-workload-task")
    volumes = json.loads(json.dumps(task.inputs["volumes"]))
    volumes[1]["efsVolumeConfiguration"]["transitEncryption"] = "DISABLED"
    volumes[1]["efsVolumeConfiguration"]["rootDirectory"] = "/reports"
    problems = _seeded(recordings["prod"], "job-nightly-report-workload-task", inputs={"volumes": volumes})
    assert [(p.path, p.value) for p in problems] == [
        ("volumes[1].efsVolumeConfiguration.transitEncryption", "DISABLED"),
        ("volumes[1].efsVolumeConfiguration.rootDirectory", "/reports"),
    ]
    assert all("efs-volume" in p.rule for p in problems)


def test_efs_client_actions_are_permissions_of_their_own():
    assert action_problem("elasticfilesystem:ClientMount") is None
    assert action_problem("elasticfilesystem:CreateFileSystem") is None
    assert (
        action_problem("elasticfilesystem:ClientRead")
        == "elasticfilesystem:ClientRead is not a elasticfilesystem action"
    )


def _scorer_connect(recordings) -> dict:
    service = next(r for r in recordings["prod"].registrations if r.name == "picture-scorer-service")
    return json.loads(json.dumps(service.inputs["serviceConnectConfiguration"]))


def test_the_service_connect_inputs_reach_the_create_service_request(recordings):
    requests = conformance.check(recordings["prod"]).requests
    create = next(r for r in requests if r.resource == "picture-scorer-service")
    connect = create.params["serviceConnectConfiguration"]
    assert connect["services"][0]["clientAliases"] == [{"port": 8080, "dnsName": "picture-scorer"}]
    assert connect["accessLogConfiguration"] == {"format": "JSON", "includeQueryParameters": "DISABLED"}
    namespace = next(r for r in requests if r.resource == "ecs-namespace")
    assert (namespace.service, namespace.operation) == ("servicediscovery", "CreateHttpNamespace")
    cluster = next(r for r in requests if r.resource == "ecs-cluster")
    assert cluster.params["serviceConnectDefaults"] == {"namespace": namespace_arn(recordings)}


def namespace_arn(recordings) -> str:
    return next(r for r in recordings["prod"].registrations if r.name == "ecs-namespace").outputs["arn"]


def test_seeded_service_connect_defects_are_caught(recordings):
    connect = _scorer_connect(recordings)
    connect["services"][0]["discoveryName"] = "-scorer"
    connect["services"][0]["clientAlias"][0]["dnsName"] = "Scorer"
    connect["accessLogConfiguration"]["format"] = "XML"
    del connect["logConfiguration"]
    problems = _seeded(recordings["prod"], "picture-scorer-service", inputs={"serviceConnectConfiguration": connect})
    assert sorted((p.path, p.value) for p in problems) == [
        ("serviceConnectConfiguration.accessLogConfiguration.format", "XML"),
        ("serviceConnectConfiguration.logConfiguration", None),
        ("serviceConnectConfiguration.services[0].clientAliases[0].dnsName", "Scorer"),
        ("serviceConnectConfiguration.services[0].discoveryName", "-scorer"),
    ]


def test_seeded_port_mapping_defects_are_caught(recordings):
    mapping = {"containerPort": 8080, "protocol": "tcp", "name": "HTTP", "appProtocol": "tcp"}
    containers = _container_definitions(recordings["prod"], "picture-scorer-task", portMappings=[mapping])
    problems = _seeded(recordings["prod"], "picture-scorer-task", inputs={"containerDefinitions": containers})
    assert sorted((p.path, p.value) for p in problems) == [
        ("containerDefinitions[0].portMappings[0].appProtocol", "tcp"),
        ("containerDefinitions[0].portMappings[0].name", "HTTP"),
    ]
    unnamed = [{"containerPort": 8080, "protocol": "tcp", "appProtocol": "http"}]
    containers = _container_definitions(recordings["prod"], "picture-scorer-task", portMappings=unnamed)
    problems = _seeded(recordings["prod"], "picture-scorer-task", inputs={"containerDefinitions": containers})
    assert [(p.path, p.value) for p in problems] == [("containerDefinitions[0].portMappings[0].appProtocol", "http")]


def test_seeded_namespace_name_defect_is_caught(recordings):
    problems = _seeded(recordings["prod"], "ecs-namespace", outputs={"name": "arn:aws:servicediscovery:ns"})
    assert [(p.path, p.value) for p in problems] == [("Name", "arn:aws:servicediscovery:ns")]

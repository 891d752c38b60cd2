"""The policy pack as the Pulumi CLI loads it: every rule a policy, with the SDK's own argument types."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import grpc
import pulumi_policy
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from policy.pack import PACK_NAME, build_policies, context_from_environment
from policy.rules import RULES, StackContext

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
DEV = StackContext("dev", protect_data=False, is_production=False)
PROD = StackContext("prod", protect_data=True, is_production=True)
BUCKET = "aws:s3/bucket:Bucket"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ALL_ON = {flag: True for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")}


def _options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _policy(policies, name):
    return next(p for p in policies if p.name == name)


def _reporter():
    reported: list[tuple[str, str | None]] = []
    return reported, lambda message, urn=None: reported.append((message, urn))


def test_every_rule_becomes_a_policy_of_the_right_kind_and_level():
    policies = build_policies(PROD)
    assert [p.name for p in policies] == [r.id for r in RULES]
    for rule, policy in zip(RULES, policies, strict=True):
        kind = StackValidationPolicy if rule.cross_resource else ResourceValidationPolicy
        assert isinstance(policy, kind)
        assert policy.enforcement_level == EnforcementLevel(rule.enforcement)


def test_production_only_rules_are_advisory_in_dev():
    dev = {p.name: p.enforcement_level for p in build_policies(DEV)}
    prod = {p.name: p.enforcement_level for p in build_policies(PROD)}
    for rule in RULES:
        if rule.advisory_outside_production:
            assert (dev[rule.id], prod[rule.id]) == (EnforcementLevel.ADVISORY, EnforcementLevel.MANDATORY)
        else:
            assert dev[rule.id] == prod[rule.id]


def test_context_comes_from_the_cli_environment():
    dev = context_from_environment(
        {"PULUMI_STACK": "dev", "PULUMI_CONFIG": json.dumps({"ecs-workloads:protectData": "false"})}
    )
    assert (dev.stack, dev.is_production) == ("dev", False)
    staging = context_from_environment(
        {"PULUMI_STACK": "staging", "PULUMI_CONFIG": '{"ecs-workloads:protectData":"true"}'}
    )
    assert staging.is_production and staging.protect_data
    assert context_from_environment({}).is_production


def test_main_builds_the_pack_for_the_stack_the_cli_names(monkeypatch):
    built = {}

    def fake_pack(name, policies, **options):
        built.update(name=name, policies=policies, **options)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", fake_pack)
    monkeypatch.setenv("PULUMI_STACK", "dev")
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"ecs-workloads:protectData": "false"}))
    runpy.run_path(str(POLICY_DIR / "__main__.py"), run_name="__main__")
    assert built["name"] == PACK_NAME
    levels = {p.name: p.enforcement_level for p in built["policies"]}
    assert levels["ecs-no-public-ip"] == EnforcementLevel.ADVISORY
    assert levels["ecs-container-not-privileged"] == EnforcementLevel.MANDATORY


def test_importing_main_does_not_start_the_pack(monkeypatch):
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda *a, **k: pytest.fail("pack started on import"))
    namespace = runpy.run_path(str(POLICY_DIR / "__main__.py"), run_name="policy_main")
    assert callable(namespace["build_policies"])


def test_pack_metadata_files():
    yaml_text = (POLICY_DIR / "PulumiPolicy.yaml").read_text()
    assert "name: python" in yaml_text
    assert "pulumi-policy>=1.21,<2" in (POLICY_DIR / "requirements.txt").read_text()


def test_pack_installs_the_aws_sdk_the_program_uses():
    def aws_requirement(path: Path) -> str:
        return next(line for line in path.read_text().splitlines() if line.startswith("pulumi-aws"))

    assert aws_requirement(POLICY_DIR / "requirements.txt") == aws_requirement(POLICY_DIR.parent / "requirements.txt")


def test_resource_policy_reports_through_the_sdk():
    policy = _policy(build_policies(PROD), "ecs-container-not-privileged")
    containers = json.dumps([{"name": "app", "privileged": True, "logConfiguration": {"logDriver": "awslogs"}}])
    args = ResourceValidationArgs(
        "aws:ecs/taskDefinition:TaskDefinition",
        unknown_checking_proxy({"containerDefinitions": containers, "networkMode": "awsvpc"}),
        "urn:task",
        "task",
        _options(),
        None,
    )
    reported, report = _reporter()
    policy.validate(args, report)
    assert reported == [("container app: privileged is true", None)]


def test_resource_policy_ignores_other_types_and_raises_on_unknown_values():
    policy = _policy(build_policies(PROD), "ecs-container-not-privileged")
    reported, report = _reporter()
    bucket = ResourceValidationArgs(BUCKET, unknown_checking_proxy({}), "urn:b", "b", _options(), None)
    policy.validate(bucket, report)
    assert reported == []
    unknown = ResourceValidationArgs(
        "aws:ecs/taskDefinition:TaskDefinition",
        unknown_checking_proxy({"containerDefinitions": UNKNOWN_STRING_VALUE}),
        "urn:task",
        "task",
        _options(),
        None,
    )
    # The SDK turns this into "can't run policy during preview" instead of a false violation.
    with pytest.raises(UnknownValueError):
        policy.validate(unknown, report)


def _resource(typ, name, props, dependencies=None) -> PolicyResource:
    return PolicyResource(
        typ, unknown_checking_proxy(props), f"urn:{name}", name, _options(), None, None, [], dependencies or {}
    )


def test_stack_policy_links_through_property_dependencies_while_values_are_unknown():
    policy = _policy(build_policies(PROD), "s3-bucket-public-access-blocked")
    bucket = _resource(BUCKET, "data", {"bucket": "data-1234567", "arn": UNKNOWN_STRING_VALUE})
    block = _resource(PAB, "data-pab", {"bucket": UNKNOWN_STRING_VALUE, **ALL_ON}, {"bucket": [bucket]})
    reported, report = _reporter()
    policy.validate(StackValidationArgs([bucket, block]), report)
    assert reported == []
    loose = _resource(BUCKET, "loose", {"bucket": "loose-1234567"})
    policy.validate(StackValidationArgs([bucket, block, loose]), report)
    assert [urn for _, urn in reported] == ["urn:loose"]


def test_stack_policy_reports_what_it_can_then_the_unknown():
    policy = _policy(build_policies(PROD), "s3-bucket-encrypted")
    pending = _resource(BUCKET, "pending", {"bucket": "p-1", "serverSideEncryptionConfiguration": UNKNOWN_STRING_VALUE})
    plain = _resource(BUCKET, "plain", {"bucket": "q-1"})
    reported, report = _reporter()
    with pytest.raises(UnknownValueError):
        policy.validate(StackValidationArgs([pending, plain]), report)
    assert [urn for _, urn in reported] == ["urn:plain"]


@pytest.fixture
def served_pack():
    """The pack started the way the Pulumi CLI starts a Python policy pack, and a gRPC client to it."""
    environment = {
        **os.environ,
        "PULUMI_STACK": "dev",
        "PULUMI_PROJECT": "ecs-workloads",
        "PULUMI_DRY_RUN": "true",
        "PULUMI_CONFIG": json.dumps({"ecs-workloads:protectData": "false"}),
    }
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(POLICY_DIR)],
        cwd=POLICY_DIR.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    try:
        port = process.stdout.readline().decode().strip()
        assert port.isdigit(), process.stderr.read().decode()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()


def test_served_pack_lists_every_policy_and_judges_a_resource(served_pack):
    info = served_pack.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert set(levels) == {r.id for r in RULES}
    assert levels["ecs-no-public-ip"] == analyzer_pb2.ADVISORY
    properties = struct_pb2.Struct()
    properties.update(
        {"networkMode": "awsvpc", "containerDefinitions": json.dumps([{"name": "app", "privileged": True}])}
    )
    response = served_pack.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type="aws:ecs/taskDefinition:TaskDefinition", properties=properties, urn="urn:task", name="task"
        )
    )
    found = {d.policyName: d.enforcementLevel for d in response.diagnostics}
    assert found["ecs-container-not-privileged"] == analyzer_pb2.MANDATORY
    assert found["ecs-container-logging"] == analyzer_pb2.MANDATORY


def test_listeners_of_one_new_load_balancer_are_siblings_in_preview():
    policy = _policy(build_policies(PROD), "elb-https-in-production")
    lb = _resource("aws:lb/loadBalancer:LoadBalancer", "alb", {"internal": False, "arn": UNKNOWN_STRING_VALUE})
    listener = "aws:lb/listener:Listener"
    arn = {"loadBalancerArn": UNKNOWN_STRING_VALUE}
    https = _resource(listener, "https", {**arn, "protocol": "HTTPS"}, {"loadBalancerArn": [lb]})
    http = _resource(
        listener,
        "http",
        {**arn, "protocol": "HTTP", "defaultActions": [{"type": "forward"}]},
        {"loadBalancerArn": [lb]},
    )
    reported, report = _reporter()
    policy.validate(StackValidationArgs([lb, https, http]), report)
    # The HTTPS sibling is found through the shared origin; the missing redirect is the other rule's finding.
    assert reported == []
    policy.validate(StackValidationArgs([lb, http]), report)
    assert [urn for _, urn in reported] == ["urn:http"]


def test_tags_policy_reads_default_tags_from_the_cli_config_and_waits_for_unknown_tags():
    tags = {"project": "ecs-workloads", "stack": "dev"}
    config = {"ecs-workloads:protectData": "false", "aws:defaultTags": json.dumps({"tags": tags})}
    context = context_from_environment({"PULUMI_STACK": "dev", "PULUMI_CONFIG": json.dumps(config)})
    assert context.default_tags == tags
    policy = _policy(build_policies(context), "tags-required")
    assert isinstance(policy, ResourceValidationPolicy)
    reported, report = _reporter()
    tagged = unknown_checking_proxy({"tags": {"environment": "dev"}})
    policy.validate(ResourceValidationArgs(BUCKET, tagged, "urn:b", "b", _options(), None), report)
    assert reported == []
    # The provider's tagsAll, once known, is what the resource will carry.
    computed = unknown_checking_proxy({"tagsAll": {"project": "ecs-workloads"}})
    policy.validate(ResourceValidationArgs(BUCKET, computed, "urn:b", "b", _options(), None), report)
    [(message, _)] = reported
    assert message.startswith(f"b ({BUCKET}) lacks the tags stack, environment:")
    pending = unknown_checking_proxy({"tags": UNKNOWN_STRING_VALUE, "tagsAll": UNKNOWN_STRING_VALUE})
    with pytest.raises(UnknownValueError):
        policy.validate(ResourceValidationArgs(BUCKET, pending, "urn:b", "b", _options(), None), report)

"""The stack's own services: `webServices` behind one load balancer and `backends` over Service Connect, with
the reference system off (the first web service owns the ALB `loadBalancer` configures) and on (they join
the cats listener)."""

from __future__ import annotations

import json

import pytest

from harness.program import run_program, stack_config
from harness.recording import Recording
from plan import conformance
from stack.config import settings_from_raw
from stack.services import BACKEND_NAME_MAX_LENGTH, WEB_SERVICE_NAME_MAX_LENGTH, WEB_SERVICE_SHIFTING_NAME_MAX_LENGTH
from stack.stack_file import StackConfigError

NS = "ecs-workloads"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
SERVICE = "aws:ecs/service:Service"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
IMAGE = "public.ecr.aws/nginx/nginx:1.27"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f"
_REFERENCE_KEYS = ("cats", "pictureScorer", "imageAssessor", "jobApi", "batch")

WEB_SERVICES = {
    "frontend": {"workload": {"image": IMAGE, "port": 8080}, "rulePriority": 200},
    "admin": {
        "workload": {"image": IMAGE, "port": 8080},
        "pathPattern": "/admin*",
        "rulePriority": 100,
        "hostHeader": "admin.example.com",
        "sourceCidrs": ["198.51.100.0/24", "192.0.2.0/24"],
    },
}
BACKENDS = {"api": {"workload": {"image": IMAGE, "port": 9000}, "desiredCount": 1}}


def _generic(**keys) -> dict:
    """The dev stack without its reference system's keys, with `keys` (camelCase, without the namespace)."""
    base = {k: v for k, v in stack_config("dev").items() if k.removeprefix(f"{NS}:") not in _REFERENCE_KEYS}
    return {**base, **{f"{NS}:{key}": value for key, value in keys.items()}}


@pytest.fixture(scope="module")
def recording() -> Recording:
    return run_program(
        "dev",
        config=_generic(
            referenceSystem=False,
            loadBalancer={"certificateArn": CERTIFICATE, "allowedCidrs": ["203.0.113.0/24"]},
            webServices=WEB_SERVICES,
            backends=BACKENDS,
        ),
    )


def _environment(recording: Recording, name: str) -> dict[str, str]:
    definitions = json.loads(recording.one(TASK, f"{name}-task").inputs["containerDefinitions"])
    return {entry["name"]: entry["value"] for entry in definitions[0].get("environment", [])}


def test_without_the_reference_system_only_the_foundation_and_the_generic_services_exist(recording):
    services = sorted(service.name for service in recording.of_type(SERVICE))
    assert services == ["admin-service", "api-service", "frontend-service"]
    assert [lb.name for lb in recording.of_type(LB)] == ["frontend-alb"]
    assert not [r for r in recording.registrations if r.name.startswith(("cats", "picture-scorer", "image-assessor"))]
    assert not recording.of_type("aws:sqs/queue:Queue")
    assert recording.stack_outputs["jobs"] == {} and recording.stack_outputs["queues"] == {}
    assert sorted(recording.stack_outputs["services"]) == ["admin", "api", "frontend"]


def test_the_first_web_service_owns_the_load_balancer_and_the_other_joins_its_https_listener(recording):
    https = recording.one(LISTENER, "frontend-https")
    assert https.inputs["certificateArn"] == CERTIFICATE and https.inputs["protocol"] == "HTTPS"
    redirect = recording.one(LISTENER, "frontend-http").inputs["defaultActions"][0]
    assert redirect["type"] == "redirect" and redirect["redirect"]["protocol"] == "HTTPS"
    rules = {rule.name: rule.inputs for rule in recording.of_type(RULE)}
    assert sorted(rules) == ["admin-rule", "frontend-rule"]
    assert {rule["listenerArn"] for rule in rules.values()} == {https.outputs["arn"]}
    assert rules["frontend-rule"]["priority"] == 200
    assert rules["frontend-rule"]["conditions"] == [{"pathPattern": {"values": ["/*"]}}]
    assert rules["admin-rule"]["priority"] == 100
    assert rules["admin-rule"]["conditions"] == [
        {"pathPattern": {"values": ["/admin*"]}},
        {"hostHeader": {"values": ["admin.example.com"]}},
        {"sourceIp": {"values": ["198.51.100.0/24", "192.0.2.0/24"]}},
    ]
    alb_sg = recording.one(SG, "frontend-alb-sg").outputs["id"]
    clients = sorted(
        (rule.inputs["fromPort"], rule.inputs["cidrIpv4"])
        for rule in recording.of_type(INGRESS)
        if rule.inputs["securityGroupId"] == alb_sg
    )
    assert clients == [(80, "203.0.113.0/24"), (443, "203.0.113.0/24")]
    url = recording.stack_outputs["loadBalancerUrl"]
    assert url.startswith("https://") and recording.stack_outputs["services"]["admin"]["url"] == url


def test_web_services_call_the_backend_over_service_connect(recording):
    namespace = recording.one("aws:servicediscovery/httpNamespace:HttpNamespace").outputs["arn"]
    api = recording.one(SERVICE, "api-service").inputs["serviceConnectConfiguration"]
    assert api["namespace"] == namespace
    assert api["services"][0]["clientAlias"] == [{"port": 9000, "dnsName": "api"}]
    api_sg = recording.one(SG, "api-sg").outputs["id"]
    callers = sorted(
        rule.inputs["referencedSecurityGroupId"]
        for rule in recording.of_type(INGRESS)
        if rule.inputs["securityGroupId"] == api_sg
    )
    assert callers == sorted(recording.one(SG, f"{name}-sg").outputs["id"] for name in ("admin", "frontend"))
    for name in ("frontend", "admin"):
        client = recording.one(SERVICE, f"{name}-service").inputs["serviceConnectConfiguration"]
        assert client["namespace"] == namespace and "services" not in client
        assert _environment(recording, name)["API_URL"] == "http://api:9000"
    assert recording.stack_outputs["services"]["api"]["url"] == "http://api:9000"


def test_the_generic_stack_conforms_to_aws(recording):
    report = conformance.check(recording)
    assert report.requests
    assert [str(problem) for problem in report.problems] == []


def test_backends_call_each_other_and_an_explicit_list_narrows_the_callers():
    backends = {
        "api": {"workload": {"image": IMAGE, "port": 9000}},
        "auth": {"workload": {"image": IMAGE, "port": 9100}},
    }
    web = {"frontend": {"workload": {"image": IMAGE, "port": 8080}, "calls": ["auth"]}}
    recording = run_program("dev", config=_generic(referenceSystem=False, webServices=web, backends=backends))
    assert _environment(recording, "api")["AUTH_URL"] == "http://auth:9100"
    assert _environment(recording, "auth")["API_URL"] == "http://api:9000"
    frontend = _environment(recording, "frontend")
    assert frontend["AUTH_URL"] == "http://auth:9100" and "API_URL" not in frontend
    ids = {name: recording.one(SG, f"{name}-sg").outputs["id"] for name in ("api", "auth", "frontend")}
    admitted = sorted(
        (callee, caller)
        for rule in recording.of_type(INGRESS)
        for callee, callee_id in ids.items()
        for caller, caller_id in ids.items()
        if rule.inputs["securityGroupId"] == callee_id and rule.inputs.get("referencedSecurityGroupId") == caller_id
    )
    assert admitted == [("api", "auth"), ("auth", "api"), ("auth", "frontend")]
    # Without certificate or load balancer settings: HTTP on port 80, open to anyone (the component's default).
    assert recording.one(LISTENER, "frontend-http").inputs["protocol"] == "HTTP"


def test_with_the_reference_system_web_services_join_the_cats_listener():
    config = {**stack_config("dev"), f"{NS}:webServices": {"shop": {"workload": {"image": IMAGE, "port": 8080}}}}
    config[f"{NS}:webServices"]["shop"].update(pathPattern="/shop*", rulePriority=150)
    recording = run_program("dev", config=config)
    assert [lb.name for lb in recording.of_type(LB)] == ["cats-alb"]
    cats_listener = recording.one(LISTENER, "cats-http").outputs["arn"]
    shop = recording.one(RULE, "shop-rule").inputs
    assert shop["listenerArn"] == cats_listener and shop["conditions"] == [{"pathPattern": {"values": ["/shop*"]}}]
    outputs = recording.stack_outputs
    assert (
        outputs["loadBalancerUrl"]
        == outputs["services"]["shop"]["url"]
        == outputs["services"]["cats"]["url"][: -len("/cats/")]
    )
    assert "catsUrl" in outputs and "shop" in outputs["services"]


def _problems(**keys) -> str:
    with pytest.raises(StackConfigError) as error:
        settings_from_raw(keys)
    return str(error.value)


def _web(**fields) -> dict:
    return {"workload": {"image": IMAGE, "port": 8080}, **fields}


def test_reference_keys_without_the_reference_system_are_refused_at_their_key():
    assert _problems(referenceSystem=False, cats={"desiredCount": 2}, jobApi={"enabled": True}) == (
        "invalid stack config:\n"
        f'  {NS}:cats: {{"desiredCount": 2}} — only with referenceSystem true (a part of the reference system); '
        "remove it, or set referenceSystem: true\n"
        f'  {NS}:jobApi: {{"enabled": true}} — only with referenceSystem true (a part of the reference system); '
        "remove it, or set referenceSystem: true"
    )


def test_load_balancer_with_the_reference_system_is_refused():
    assert _problems(loadBalancer={"allowedCidrs": ["10.0.0.0/8"]}) == (
        "invalid stack config:\n"
        f'  {NS}:loadBalancer: {{"allowedCidrs": ["10.0.0.0/8"]}} — only with referenceSystem false: with the '
        "reference system, webServices join the cats listener, whose load balancer cats.allowedCidrs and "
        "cats.certificateArn configure"
    )


def test_an_internal_load_balancer_names_who_may_call_it():
    assert _problems(referenceSystem=False, loadBalancer={"internal": True}) == (
        "invalid stack config:\n"
        f'  {NS}:loadBalancer: {{"internal": true}} — allowedCidrs: None — required for an internal load '
        "balancer (who may call it)"
    )


def test_rule_priorities_are_unique_across_the_listener():
    message = _problems(
        webServices={"shop": _web(rulePriority=100), "blog": _web(rulePriority=300, pathPattern="/blog*")},
        jobApi={"enabled": True, "allowedJobs": ["image-assessor"], "rulePriority": 300},
    )
    assert message == (
        "invalid stack config:\n"
        f"  {NS}:webServices.shop.rulePriority: 100 — a priority of its own on the listener (rulePriority takes "
        "100), not that of cats.rulePriority\n"
        f"  {NS}:webServices.blog.rulePriority: 300 — a priority of its own on the listener (rulePriority takes "
        "300), not that of jobApi.rulePriority"
    )


def test_names_are_unique_across_the_keys_and_fit_the_components():
    long_web, long_backend = "w" * (WEB_SERVICE_NAME_MAX_LENGTH + 1), "b" * (BACKEND_NAME_MAX_LENGTH + 1)
    shifting = "s" * (WEB_SERVICE_SHIFTING_NAME_MAX_LENGTH + 1)
    message = _problems(
        referenceSystem=False,
        webServices={
            "api": _web(rulePriority=1),
            long_web: _web(rulePriority=2),
            shifting: _web(rulePriority=3, deployment={"strategy": "blue_green"}),
        },
        backends={"api": {"workload": {"image": IMAGE, "port": 9000}}, long_backend: BACKENDS["api"]},
        jobs=[{"name": "report", "schedule": "rate(1 day)", "workload": {"image": IMAGE}}],
        batch={"report": {}},
    )
    assert message == (
        "invalid stack config:\n"
        f'  {NS}:webServices.{long_web}: "{long_web}" — must be 1-{WEB_SERVICE_NAME_MAX_LENGTH} lowercase letters, '
        "digits or -, starting with a letter (the longest resource name <name>-alb plus the 8-character autoname "
        "suffix must fit the 32 characters a load balancer name allows)\n"
        f'  {NS}:webServices.{shifting}: "{shifting}" — must be 1-{WEB_SERVICE_SHIFTING_NAME_MAX_LENGTH} lowercase '
        "letters, digits or -, starting with a letter (the longest resource name <name>-tg-alt plus the "
        "8-character autoname suffix must fit the 32 characters a target group name allows)\n"
        f'  {NS}:backends.api: "api" — a name of its own across webServices, backends, workers, jobs, batch '
        "and the reference system; webServices.api has it\n"
        f'  {NS}:backends.{long_backend}: "{long_backend}" — must be 1-{BACKEND_NAME_MAX_LENGTH} lowercase letters, '
        "digits or -, starting with a letter (the longest resource name <name>-execution-role plus the 8-character "
        "autoname suffix must fit the 64 characters an IAM role name allows)"
    )


def test_calls_name_backends_and_their_urls_are_the_stacks():
    message = _problems(
        webServices={
            "shop": _web(
                rulePriority=150,
                calls=["api", "nope"],
                workload={"image": IMAGE, "port": 8080, "environment": {"API_URL": "http://x"}},
            )
        },
        backends={"api": BACKENDS["api"]},
    )
    assert message == (
        "invalid stack config:\n"
        f'  {NS}:webServices.shop.calls.1: "nope" — one of the stack\'s backends: api\n'
        f'  {NS}:webServices.shop.workload.environment.API_URL: "http://x" — set by the stack: the URL of the '
        "backend api; remove it"
    )


def test_a_rule_holds_at_most_five_condition_values():
    cidrs = ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24", "10.0.4.0/24"]
    message = _problems(webServices={"shop": _web(hostHeader="shop.example.com", sourceCidrs=cidrs)})
    assert message == (
        "invalid stack config:\n"
        f"  {NS}:webServices.shop: {json.dumps(_web(hostHeader='shop.example.com', sourceCidrs=cidrs))} — "
        "sourceCidrs: " + repr(cidrs) + " — at most 5 condition values per listener rule in all (pathPatterns 1, "
        "hostHeader 1, sourceCidrs 4)"
    )

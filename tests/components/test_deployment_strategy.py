"""Deployment strategies of `AlbWebService`: the recorded service, target group, rule and role inputs, and
each validation error of the shared strategy declaration."""

from __future__ import annotations

import json

import pytest

from ecs_workloads.alb_web_service import AlbWebService
from ecs_workloads.deployment_strategy import DEPLOYMENT_STRATEGY_ARGS, LIFECYCLE_STAGES
from ecs_workloads.validation import ArgumentProblems
from harness.program import run_callable

from .test_alb_web_service import ALARM, BASE, RULE, SERVICE, SHARED, TG, TOPIC, _rejected, _without

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
HOOK = "arn:aws:lambda:us-east-1:123456789012:function:smoke-test"
CATS = {"path_patterns": ["/cats*"], "priority": 10}


def _run(name="web", base=BASE, **args):
    def program():
        AlbWebService(name, {**base, **args})

    return run_callable(program)


def _service(recording):
    return recording.one(SERVICE, "web-service").inputs


def _policy(recording):
    return json.loads(recording.one(ROLE_POLICY, "web-deploy-policy").inputs["policy"])["Statement"]


# Rolling stays as it was, plus its alarms


def test_rolling_is_the_default_with_one_target_group_and_alarm_rollback():
    recording = _run(alarm_topic_arn=TOPIC)
    service = _service(recording)
    assert service["deploymentConfiguration"] == {"strategy": "ROLLING"}
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    names = sorted(alarm.outputs["name"] for alarm in recording.of_type(ALARM))
    assert sorted(service["alarms"]["alarmNames"]) == names
    assert (service["alarms"]["enable"], service["alarms"]["rollback"]) == (True, True)
    assert [group.name for group in recording.of_type(TG)] == ["web-tg"]
    assert "advancedConfiguration" not in service["loadBalancers"][0]
    assert "web-deploy-policy" not in [policy.name for policy in recording.of_type(ROLE_POLICY)]


# Traffic-shifting strategies


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ({"strategy": "blue_green"}, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "5"}),
        (
            {"strategy": "blue_green", "bake_time_minutes": 30},
            {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "30"},
        ),
        (
            {"strategy": "canary"},
            {
                "strategy": "CANARY",
                "bakeTimeInMinutes": "5",
                "canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": "10"},
            },
        ),
        (
            {"strategy": "canary", "canary_percent": 12.5, "canary_bake_minutes": 3},
            {
                "strategy": "CANARY",
                "bakeTimeInMinutes": "5",
                "canaryConfiguration": {"canaryPercent": 12.5, "canaryBakeTimeInMinutes": "3"},
            },
        ),
        (
            {"strategy": "linear", "linear_step_percent": 25, "linear_step_bake_minutes": 2, "bake_time_minutes": 0},
            {
                "strategy": "LINEAR",
                "bakeTimeInMinutes": "0",
                "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": "2"},
            },
        ),
    ],
)
def test_each_strategy_becomes_its_deployment_configuration(strategy, expected):
    assert _service(_run(deployment_strategy=strategy))["deploymentConfiguration"] == expected


def test_a_traffic_shift_adds_the_alternate_group_and_a_weighted_production_rule():
    recording = _run(deployment_strategy={"strategy": "canary"}, **CATS)
    groups = {group.name: group for group in recording.of_type(TG)}
    assert sorted(groups) == ["web-tg", "web-tg-alt"]
    # The same health check and target type: ECS moves the same tasks' traffic between them.
    for key in ("healthCheck", "targetType", "port", "protocol", "vpcId", "deregistrationDelay"):
        assert groups["web-tg"].inputs[key] == groups["web-tg-alt"].inputs[key]
    rule = recording.one(RULE, "web-rule")
    assert rule.inputs["priority"] == 10
    assert rule.inputs["actions"] == [
        {
            "type": "forward",
            "forward": {
                "targetGroups": [
                    {"arn": groups["web-tg"].outputs["arn"], "weight": 100},
                    {"arn": groups["web-tg-alt"].outputs["arn"], "weight": 0},
                ]
            },
        }
    ]
    assert rule.ignore_changes == ("actions",)
    entry = _service(recording)["loadBalancers"][0]
    assert entry["targetGroupArn"] == groups["web-tg"].outputs["arn"]
    assert entry["advancedConfiguration"] == {
        "alternateTargetGroupArn": groups["web-tg-alt"].outputs["arn"],
        "productionListenerRule": rule.outputs["arn"],
        "roleArn": recording.one(ROLE, "web-deploy-role").outputs["arn"],
    }


def test_without_path_patterns_a_traffic_shift_routes_all_paths_by_a_rule():
    recording = _run(deployment_strategy={"strategy": "blue_green"})
    rule = recording.one(RULE, "web-rule")
    assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/*"]}}]
    assert rule.inputs["priority"] == 100
    (listener,) = recording.of_type("aws:lb/listener:Listener")
    assert listener.inputs["defaultActions"][0]["type"] == "fixed-response"


def test_the_test_header_adds_a_test_rule_just_before_the_production_rule():
    recording = _run(deployment_strategy={"strategy": "blue_green"}, test_traffic_header="X-Test-Revision", **CATS)
    test = recording.one(RULE, "web-test-rule")
    assert test.inputs["priority"] == 9
    assert test.inputs["conditions"] == [
        {"pathPattern": {"values": ["/cats*"]}},
        {"httpHeader": {"httpHeaderName": "X-Test-Revision", "values": ["*"]}},
    ]
    assert test.inputs["actions"] == recording.one(RULE, "web-rule").inputs["actions"]
    assert test.ignore_changes == ("actions",)
    advanced = _service(recording)["loadBalancers"][0]["advancedConfiguration"]
    assert advanced["testListenerRule"] == test.outputs["arn"]


def test_on_a_shared_listener_the_rules_go_on_that_listener():
    recording = _run(
        base=_without(load_balancer_subnet_ids=True),
        shared_listener=SHARED,
        deployment_strategy={"strategy": "linear"},
        test_traffic_header="X-Test",
        **CATS,
    )
    rules = {rule.name: rule for rule in recording.of_type(RULE)}
    assert sorted(rules) == ["web-rule", "web-test-rule"]
    assert {rule.inputs["listenerArn"] for rule in rules.values()} == {SHARED["listener_arn"]}
    modify_listener = next(s for s in _policy(recording) if s["Sid"] == "ModifyListener")
    assert modify_listener["Resource"] == SHARED["listener_arn"]


def test_the_infrastructure_role_is_scoped_to_this_services_groups_rules_and_hooks():
    recording = _run(
        deployment_strategy={
            "strategy": "canary",
            "lifecycle_hooks": [{"function_arn": HOOK, "stages": ["POST_TEST_TRAFFIC_SHIFT", "POST_SCALE_UP"]}],
        },
        test_traffic_header="X-Test",
        **CATS,
    )
    role = recording.one(ROLE, "web-deploy-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert [(s["Principal"], s["Action"]) for s in trust] == [({"Service": "ecs.amazonaws.com"}, "sts:AssumeRole")]
    groups = sorted(group.outputs["arn"] for group in recording.of_type(TG))
    rules = sorted(rule.outputs["arn"] for rule in recording.of_type(RULE))
    (listener,) = recording.of_type("aws:lb/listener:Listener")
    by_sid = {statement["Sid"]: statement for statement in _policy(recording)}
    assert sorted(by_sid) == ["InvokeHooks", "ModifyListener", "ReadLoadBalancing", "RegisterTasks", "ShiftTraffic"]
    assert by_sid["ReadLoadBalancing"]["Resource"] == "*"
    assert all(action.startswith("elasticloadbalancing:Describe") for action in by_sid["ReadLoadBalancing"]["Action"])
    assert sorted(by_sid["RegisterTasks"]["Resource"]) == groups
    assert by_sid["RegisterTasks"]["Action"] == [
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:DeregisterTargets",
    ]
    assert (by_sid["ShiftTraffic"]["Action"], sorted(by_sid["ShiftTraffic"]["Resource"])) == (
        "elasticloadbalancing:ModifyRule",
        rules,
    )
    assert by_sid["ModifyListener"]["Resource"] == listener.outputs["arn"]
    assert by_sid["InvokeHooks"] == {
        "Sid": "InvokeHooks",
        "Effect": "Allow",
        "Action": "lambda:InvokeFunction",
        "Resource": [HOOK],
    }
    hooks = _service(recording)["deploymentConfiguration"]["lifecycleHooks"]
    assert hooks == [
        {
            "hookTargetArn": HOOK,
            "roleArn": role.outputs["arn"],
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT", "POST_SCALE_UP"],
        }
    ]
    # ECS checks the role when it creates the service: the service waits for the policy.
    policy_urn = recording.one(ROLE_POLICY, "web-deploy-policy").urn
    assert policy_urn in recording.one(SERVICE, "web-service").dependencies


def test_without_hooks_the_role_invokes_nothing():
    statements = _policy(_run(deployment_strategy={"strategy": "blue_green"}))
    assert all("lambda:InvokeFunction" not in json.dumps(statement) for statement in statements)


def test_traffic_shift_alarms_watch_both_target_groups():
    recording = _run(deployment_strategy={"strategy": "canary"}, alarm_topic_arn=TOPIC)
    suffixes = sorted(group.outputs["arnSuffix"] for group in recording.of_type(TG))
    rate = recording.one(ALARM, "web-5xx-rate").inputs
    queries = {query["id"]: query for query in rate["metricQueries"]}
    assert sorted(queries) == ["errors0", "errors1", "rate", "requests0", "requests1"]
    assert sorted(queries[f"errors{i}"]["metric"]["dimensions"]["TargetGroup"] for i in (0, 1)) == suffixes
    assert queries["rate"]["expression"] == (
        "100 * (FILL(errors0, 0) + FILL(errors1, 0)) / (FILL(requests0, 0) + FILL(requests1, 0))"
    )
    unhealthy = recording.one(ALARM, "web-unhealthy-tasks").inputs
    worst = {query["id"]: query for query in unhealthy["metricQueries"]}
    assert worst["worst"]["expression"] == "MAX([FILL(unhealthy0, 0), FILL(unhealthy1, 0)])"
    assert sorted(worst[f"unhealthy{i}"]["metric"]["dimensions"]["TargetGroup"] for i in (0, 1)) == suffixes
    assert unhealthy["alarmActions"] == [TOPIC]
    names = sorted(alarm.outputs["name"] for alarm in recording.of_type(ALARM))
    assert sorted(_service(recording)["alarms"]["alarmNames"]) == names


def test_alarm_rollback_can_be_turned_off():
    service = _service(
        _run(deployment_strategy={"strategy": "canary", "rollback_on_alarm": False}, alarm_topic_arn=TOPIC)
    )
    assert "alarms" not in service


# Validation: the exact messages, nothing registered


def _strategy_problems(strategy):
    problems = ArgumentProblems("AlbWebService")
    DEPLOYMENT_STRATEGY_ARGS.check(strategy, problems, "deployment_strategy.")
    return problems.lines()


@pytest.mark.parametrize(
    ("strategy", "line"),
    [
        (
            {"strategy": "canery"},
            "deployment_strategy.strategy: 'canery' — unknown deployment strategy; did you mean \"canary\"? "
            "allowed: rolling, blue_green, canary, linear",
        ),
        (
            {"strategy": "BLUE_GREEN"},
            "deployment_strategy.strategy: 'BLUE_GREEN' — unknown deployment strategy; did you mean \"blue_green\"? "
            "allowed: rolling, blue_green, canary, linear",
        ),
        (
            {"strategy": "canary", "canary_percent": 0},
            "deployment_strategy.canary_percent: 0 — a multiple of 0.1 from 0.1 to 100",
        ),
        (
            {"strategy": "canary", "canary_percent": 100.5},
            "deployment_strategy.canary_percent: 100.5 — a multiple of 0.1 from 0.1 to 100",
        ),
        (
            {"strategy": "canary", "canary_percent": 2.25},
            "deployment_strategy.canary_percent: 2.25 — a multiple of 0.1 from 0.1 to 100",
        ),
        (
            {"strategy": "linear", "linear_step_percent": 2.9},
            "deployment_strategy.linear_step_percent: 2.9 — a multiple of 0.1 from 3 to 100",
        ),
        (
            {"strategy": "blue_green", "bake_time_minutes": 1441},
            "deployment_strategy.bake_time_minutes: 1441 — an integer from 0 to 1440",
        ),
        (
            {"strategy": "canary", "canary_bake_minutes": -1},
            "deployment_strategy.canary_bake_minutes: -1 — an integer from 0 to 1440",
        ),
        (
            {"strategy": "linear", "linear_step_bake_minutes": 2000},
            "deployment_strategy.linear_step_bake_minutes: 2000 — an integer from 0 to 1440",
        ),
        (
            {"strategy": "linear", "canary_percent": 10},
            "deployment_strategy.canary_percent: 10 — only with strategy canary (strategy is linear)",
        ),
        (
            {"strategy": "canary", "linear_step_bake_minutes": 3},
            "deployment_strategy.linear_step_bake_minutes: 3 — only with strategy linear (strategy is canary)",
        ),
        (
            {"bake_time_minutes": 10},
            "deployment_strategy.bake_time_minutes: 10 — only with strategy blue_green, canary or linear",
        ),
        (
            {"lifecycle_hooks": [{"function_arn": HOOK, "stages": ["PRE_SCALE_UP"]}]},
            "deployment_strategy.lifecycle_hooks: [{'function_arn': '"
            + HOOK
            + "', 'stages': ['PRE_SCALE_UP']}] — only with strategy blue_green, canary or linear",
        ),
        (
            {"strategy": "canary", "lifecycle_hooks": [{"function_arn": "smoke-test", "stages": ["PRE_SCALE_UP"]}]},
            "deployment_strategy.lifecycle_hooks[0].function_arn: 'smoke-test' — a Lambda function ARN "
            "(arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])",
        ),
        (
            {"strategy": "canary", "lifecycle_hooks": [{"function_arn": HOOK, "stages": ["AFTER_SHIFT"]}]},
            "deployment_strategy.lifecycle_hooks[0].stages: ['AFTER_SHIFT'] — a list of at least 1 entries, no "
            "repeats, each one of " + ", ".join(LIFECYCLE_STAGES),
        ),
        (
            {"strategy": "canary", "rollback_on_alarm": "yes"},
            "deployment_strategy.rollback_on_alarm: 'yes' — true or false",
        ),
    ],
)
def test_each_strategy_problem_has_its_message(strategy, line):
    assert _strategy_problems(strategy) == [line]


def test_a_hook_may_name_a_function_version_or_alias():
    for arn in (f"{HOOK}:live", f"{HOOK}:$LATEST", f"{HOOK}:7"):
        hook = {"function_arn": arn, "stages": list(LIFECYCLE_STAGES)}
        assert _strategy_problems({"strategy": "blue_green", "lifecycle_hooks": [hook]}) == []


def test_strategy_problems_reach_the_component_before_anything_is_registered():
    message = _rejected({**BASE, "deployment_strategy": {"strategy": "canary", "canary_percent": 0}})
    assert message == (
        "invalid AlbWebService arguments:\n  deployment_strategy.canary_percent: 0 — a multiple of 0.1 from 0.1 to 100"
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            {"test_traffic_header": "X-Test"},
            "test_traffic_header: 'X-Test' — only with a blue_green, canary or linear strategy",
        ),
        (
            {"deployment_strategy": {"strategy": "canary"}, "test_traffic_header": "X Test"},
            "test_traffic_header: 'X Test' — an HTTP header name such as X-Test-Revision of up to 40 characters",
        ),
        (
            {"deployment_strategy": {"strategy": "canary"}, "test_traffic_header": "X-Test", "priority": 1},
            "priority: 1 — above 1 with test_traffic_header (the test rule takes priority - 1)",
        ),
        (
            {"priority": 5},
            "priority: 5 — only with path_patterns, host_header, source_cidrs or a blue_green, canary or linear "
            "strategy",
        ),
    ],
)
def test_each_alb_traffic_shift_problem_has_its_message(args, line):
    assert _rejected({**BASE, **args}) == f"invalid AlbWebService arguments:\n  {line}"


def test_a_traffic_shift_may_set_the_rule_priority_without_path_patterns():
    recording = _run(deployment_strategy={"strategy": "blue_green"}, priority=7)
    assert recording.one(RULE, "web-rule").inputs["priority"] == 7


def test_a_traffic_shift_leaves_less_room_for_the_name():
    caught = {}

    def program():
        try:
            AlbWebService("a" * 18, {**BASE, "deployment_strategy": {"strategy": "canary"}})
        except ValueError as error:
            caught["error"] = str(error)

    assert run_callable(program).registrations == []
    assert caught["error"] == (
        "invalid AlbWebService arguments:\n  name: '" + "a" * 18 + "' — at most 17 characters: the longest resource "
        "name <name>-tg-alt plus the 8-character autoname suffix must fit the 32 characters a target group name allows"
    )
    # A rolling service of that name fits.
    assert _run("a" * 18).one(SERVICE).name == "a" * 18 + "-service"

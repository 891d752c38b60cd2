"""`deployments` and `restart --wait`: a service's deployments listed, and one followed stage by stage to
success, rollback or timeout.

moto runs the stack (services, UpdateService) but does not implement ListServiceDeployments and
DescribeServiceDeployments; a botocore Stubber answers those two, and checks every request the command
makes and every answer given here against the ECS service model, so a misnamed field fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from ecs_workloads.ops.cli import POLL_SECONDS
from ecs_workloads.ops.clock import Clock
from ecs_workloads.ops.deployments import LISTED, UNSUPPORTED

STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALARM = "cats-5xx-rate"


@dataclass
class FakeClock:
    """Time that passes only when the command sleeps."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> Clock:
        return Clock(monotonic=lambda: self.now, sleep=self.sleep)


class DeploymentApi:
    """The two service deployment operations, answered in the order the command calls them."""

    def __init__(self, spy: Any, stack: Any) -> None:
        self.stack = stack
        self.client = spy.session.client("ecs")
        self.stubber = Stubber(self.client)
        self.stubber.activate()
        for operation in ("list_service_deployments", "describe_service_deployments"):
            spy.answers[("ecs", operation)] = self._forward(operation)

    def _forward(self, operation: str) -> Any:
        return lambda _moto, **kwargs: getattr(self.client, operation)(**kwargs)

    def service(self, name: str = "cats") -> dict[str, Any]:
        return self.stack.outputs["services"][name]

    def arn(self, number: int, name: str = "cats") -> str:
        service = self.service(name)
        return (
            f"arn:aws:ecs:us-east-1:123456789012:service-deployment/{service['clusterName']}/"
            f"{service['serviceName']}/deployment{number}"
        )

    def lists(self, *numbers: int, created_after: bool = False, name: str = "cats") -> None:
        service = self.service(name)
        expected: dict[str, Any] = {
            "cluster": service["clusterName"],
            "service": service["serviceName"],
            "maxResults": LISTED,
        }
        if created_after:
            expected["createdAt"] = {"after": ANY}
        briefs = [
            {
                "serviceDeploymentArn": self.arn(number, name),
                "createdAt": STARTED + timedelta(hours=number),
                "status": "SUCCESSFUL",
            }
            for number in numbers
        ]
        self.stubber.add_response("list_service_deployments", {"serviceDeployments": briefs}, expected)

    def describes(self, *records: dict[str, Any]) -> None:
        arns = [record["serviceDeploymentArn"] for record in records]
        self.stubber.add_response(
            "describe_service_deployments", {"serviceDeployments": list(records)}, {"serviceDeploymentArns": arns}
        )

    def follows(self, *records: dict[str, Any]) -> None:
        for record in records:
            self.describes(record)


@pytest.fixture
def api(spy, stack):
    api = DeploymentApi(spy, stack)
    yield api
    # Every answer queued was asked for: the command polled exactly as the test says.
    api.stubber.assert_no_pending_responses()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def run(cli, spy, clock):
    """The CLI with the spying session (moto and the stubbed operations) and the fake clock."""
    return lambda *args: cli(*args, session=spy, clock=clock.clock())


def record(
    api: DeploymentApi,
    number: int = 1,
    *,
    status: str = "IN_PROGRESS",
    stage: str | None = None,
    strategy: str = "CANARY",
    production: float | None = None,
    test: float | None = None,
    running: int = 2,
    alarms: str = "MONITORING",
    triggered: tuple[str, ...] = (),
    breaker: tuple[str, int, int] | None = None,
    rollback: str | None = None,
    finished_after: timedelta | None = None,
) -> dict[str, Any]:
    """A ServiceDeployment of the cats service replacing revision 1 by revision 2."""
    service = api.service()
    revision = f"arn:aws:ecs:us-east-1:123456789012:service-revision/{service['clusterName']}/{service['serviceName']}/"
    target: dict[str, Any] = {"arn": f"{revision}2", "requestedTaskCount": 2, "runningTaskCount": running}
    source: dict[str, Any] = {"arn": f"{revision}1", "requestedTaskCount": 2, "runningTaskCount": 2}
    if production is not None:
        target["requestedProductionTrafficWeight"] = production
        source["requestedProductionTrafficWeight"] = 100.0 - production
    if test is not None:
        target["requestedTestTrafficWeight"] = test
        source["requestedTestTrafficWeight"] = 100.0 - test
    started = STARTED + timedelta(hours=number)
    deployment: dict[str, Any] = {
        "serviceDeploymentArn": api.arn(number),
        "createdAt": started,
        "startedAt": started,
        "status": status,
        "targetServiceRevision": target,
        "sourceServiceRevisions": [source],
        "deploymentConfiguration": {"strategy": strategy, "bakeTimeInMinutes": 10},
        "alarms": {"status": alarms, "alarmNames": [ALARM], "triggeredAlarmNames": list(triggered)},
    }
    if stage:
        deployment["lifecycleStage"] = stage
    if breaker:
        state, failures, threshold = breaker
        deployment["deploymentCircuitBreaker"] = {"status": state, "failureCount": failures, "threshold": threshold}
    if rollback:
        deployment["rollback"] = {"reason": rollback, "startedAt": started, "serviceRevisionArn": f"{revision}1"}
        deployment["statusReason"] = rollback
    if finished_after is not None:
        deployment["finishedAt"] = started + finished_after
    return deployment


def canary(api: DeploymentApi) -> list[dict[str, Any]]:
    """A canary deployment from scale-up to clean-up, as successive polls see it."""
    return [
        record(api, stage="SCALE_UP", running=0),
        record(api, stage="SCALE_UP", running=2),
        record(api, stage="TEST_TRAFFIC_SHIFT", test=100.0),
        record(api, stage="PRODUCTION_TRAFFIC_SHIFT", test=100.0, production=10.0),
        record(api, stage="PRODUCTION_TRAFFIC_SHIFT", test=100.0, production=10.0),
        record(api, stage="BAKE_TIME", test=100.0, production=10.0),
        record(api, stage="PRODUCTION_TRAFFIC_SHIFT", test=100.0, production=100.0),
        record(api, stage="CLEAN_UP", test=100.0, production=100.0),
        record(
            api,
            status="SUCCESSFUL",
            stage="CLEAN_UP",
            test=100.0,
            production=100.0,
            alarms="MONITORING_COMPLETE",
            finished_after=timedelta(minutes=14, seconds=2),
        ),
    ]


def progress(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("[")]


def test_following_a_canary_prints_each_stage_and_its_traffic_until_it_succeeds(api, run, clock):
    first, *rest = canary(api)
    api.lists(1)
    api.describes(first)
    api.follows(*rest)

    result = run("deployments", "cats", "--follow", "--poll-seconds", "15")

    assert result.code == 0, result.err
    assert progress(result.err) == [
        "[    0s] cats CANARY IN_PROGRESS scale up: 0/2 new tasks running; alarms MONITORING",
        "[   15s] cats CANARY IN_PROGRESS scale up: 2/2 new tasks running; alarms MONITORING",
        "[   30s] cats CANARY IN_PROGRESS test traffic shift: test 100% new, 0% old; 2/2 new tasks running; "
        "alarms MONITORING",
        "[   45s] cats CANARY IN_PROGRESS production traffic shift: production 10% new, 90% old, test 100% new, "
        "0% old; 2/2 new tasks running; alarms MONITORING",
        # The poll at 60s saw nothing new and printed nothing.
        "[   75s] cats CANARY IN_PROGRESS bake time: production 10% new, 90% old, test 100% new, 0% old; "
        "2/2 new tasks running; alarms MONITORING",
        "[   90s] cats CANARY IN_PROGRESS production traffic shift: production 100% new, 0% old, test 100% new, "
        "0% old; 2/2 new tasks running; alarms MONITORING",
        "[  105s] cats CANARY IN_PROGRESS clean up: production 100% new, 0% old, test 100% new, 0% old; "
        "2/2 new tasks running; alarms MONITORING",
        "[  120s] cats CANARY SUCCESSFUL clean up: production 100% new, 0% old, test 100% new, 0% old; "
        "2/2 new tasks running; alarms MONITORING_COMPLETE",
    ]
    assert result.out.strip() == (
        "cats: deployment deployment1 (CANARY) SUCCESSFUL in 14m02s: production 100% new, 0% old, test 100% new, 0% old"
    )
    assert clock.sleeps == [15.0] * 8


def test_a_rollback_names_the_alarm_and_exits_9(api, run, spy):
    # UpdateService names the deployment it started, as AWS does; moto does not, so the test adds it.
    def update(update_service, **kwargs):
        response = update_service(**kwargs)
        response["service"]["currentServiceDeployment"] = api.arn(2)
        return response

    spy.answers[("ecs", "update_service")] = update
    reason = "Service deployment rolled back because the alarm cats-5xx-rate was triggered."
    api.describes(record(api, 2, stage="PRODUCTION_TRAFFIC_SHIFT", production=10.0))
    api.follows(
        record(api, 2, status="ROLLBACK_IN_PROGRESS", stage="PRODUCTION_TRAFFIC_SHIFT", production=0.0,
               alarms="TRIGGERED", triggered=(ALARM,), rollback=reason),
        record(api, 2, status="ROLLBACK_SUCCESSFUL", stage="CLEAN_UP", production=0.0, alarms="TRIGGERED",
               triggered=(ALARM,), rollback=reason, finished_after=timedelta(minutes=3)),
    )  # fmt: skip

    result = run("restart", "cats", "--wait", "--json")

    assert result.code == 9
    revision = record(api, 2)["sourceServiceRevisions"][0]["arn"]
    assert result.err.splitlines()[-1] == (
        f"error: cats: deployment deployment2 (CANARY) rolled back after alarm {ALARM} fired in 3m00s: {reason}; "
        f"the service runs {revision} again"
    )
    assert "ROLLBACK_IN_PROGRESS production traffic shift: production 0% new, 100% old" in result.err
    assert f"alarms TRIGGERED: {ALARM}" in result.err
    document = result.json()
    assert document["exitCode"] == 9
    assert document["deployment"]["alarms"]["triggered"] == [ALARM]
    assert document["deployment"]["rollback"]["reason"] == reason
    assert spy.called("ecs", "update_service")[0]["forceNewDeployment"] is True


def test_restart_waits_until_the_deployment_it_started_is_described(api, run, spy, clock):
    def update(update_service, **kwargs):
        response = update_service(**kwargs)
        response["service"]["currentServiceDeployment"] = api.arn(2)
        return response

    spy.answers[("ecs", "update_service")] = update
    api.stubber.add_response(
        "describe_service_deployments",
        {"serviceDeployments": [], "failures": [{"arn": api.arn(2), "reason": "MISSING"}]},
        {"serviceDeploymentArns": [api.arn(2)]},
    )
    api.describes(record(api, 2, status="SUCCESSFUL", production=100.0))

    result = run("restart", "cats", "--wait")

    assert result.code == 0, result.err
    assert clock.sleeps == [POLL_SECONDS]
    assert "cats: deployment deployment2 (CANARY) SUCCESSFUL: production 100% new, 0% old" in result.out


def test_restart_finds_the_deployment_it_started_by_its_creation_time(api, run, spy, stack):
    # moto's UpdateService answer has no currentServiceDeployment: the command lists the deployments
    # created since the new primary deployment was, and follows the newest.
    api.lists(3, created_after=True)
    api.describes(record(api, 3, status="SUCCESSFUL", strategy="ROLLING", alarms="DISABLED"))

    result = run("restart", "cats", "--wait")

    assert result.code == 0, result.err
    [listed] = spy.called("ecs", "list_service_deployments")
    service = api.service()
    [described] = stack.client("ecs").describe_services(
        cluster=service["clusterName"], services=[service["serviceName"]]
    )["services"]
    primary = next(d for d in described["deployments"] if d["status"] == "PRIMARY")
    assert listed["createdAt"] == {"after": primary["createdAt"] - timedelta(seconds=5)}
    assert "cats: deployment deployment3 (ROLLING) SUCCESSFUL: 2/2 new tasks running" in result.out


def test_a_rolling_deployment_rolled_back_by_the_circuit_breaker_exits_9(api, run):
    reason = "Service deployment rolled back because the circuit breaker threshold was exceeded."
    api.lists(1)
    api.describes(record(api, strategy="ROLLING", alarms="DISABLED", running=0, breaker=("MONITORING", 1, 3)))
    api.follows(
        record(api, status="ROLLBACK_SUCCESSFUL", strategy="ROLLING", alarms="DISABLED", running=0,
               breaker=("TRIGGERED", 3, 3), rollback=reason),
    )  # fmt: skip

    result = run("deployments", "cats", "--wait")

    assert result.code == 9
    assert progress(result.err) == [
        "[    0s] cats ROLLING IN_PROGRESS: 0/2 new tasks running; circuit breaker MONITORING (1 of 3 tasks failed)",
        # The second poll comes after the default interval.
        f"[{POLL_SECONDS:5.0f}s] cats ROLLING ROLLBACK_SUCCESSFUL: 0/2 new tasks running; circuit breaker TRIGGERED "
        "(3 of 3 tasks failed)",
    ]
    assert "rolled back after the circuit breaker tripped (3 tasks failed): " + reason in result.err


def test_following_gives_up_at_the_timeout_without_sleeping_past_it(api, run, clock):
    api.lists(1)
    api.describes(record(api, stage="BAKE_TIME", production=100.0))
    api.follows(*[record(api, stage="BAKE_TIME", production=100.0)] * 3)

    result = run("deployments", "cats", "--follow", "--poll-seconds", "10", "--timeout", "25")

    assert result.code == 8
    assert clock.sleeps == [10.0, 10.0, 5.0]
    assert result.err.splitlines()[-1] == (
        "error: gave up after 25s: deployment deployment1 of cats is IN_PROGRESS; it goes on in AWS, "
        "follow it with `ecs-workloads deployments cats --follow`"
    )
    assert len(progress(result.err)) == 1


def test_deployments_lists_the_newest_first(api, run):
    api.lists(1, 2)
    api.describes(
        record(api, 2, stage="BAKE_TIME", production=100.0, test=100.0),
        record(api, 1, status="ROLLBACK_SUCCESSFUL", stage="CLEAN_UP", production=0.0, alarms="TRIGGERED",
               triggered=(ALARM,), rollback="rolled back", finished_after=timedelta(minutes=2)),
    )  # fmt: skip

    result = run("deployments", "cats")

    assert result.code == 0, result.err
    header, *rows = result.out.splitlines()
    assert header.split() == ["DEPLOYMENT", "STRATEGY", "STATUS", "STAGE", "STARTED", "NEW", "TRAFFIC", "ALARMS"]
    assert [" ".join(row.split()) for row in rows] == [
        "deployment2 CANARY IN_PROGRESS bake time 2026-03-02 11:00:00Z 100%, test 100% MONITORING",
        f"deployment1 CANARY ROLLBACK_SUCCESSFUL clean up 2026-03-02 10:00:00Z 0% {ALARM}",
    ]


def test_deployments_json_has_the_records(api, run):
    api.lists(1)
    api.describes(record(api, status="SUCCESSFUL", production=100.0))

    result = run("deployments", "cats", "--json")

    assert result.code == 0
    [deployment] = result.json()["deployments"]
    assert deployment["serviceDeploymentArn"] == api.arn(1)
    assert (deployment["strategy"], deployment["status"]) == ("CANARY", "SUCCESSFUL")
    assert deployment["target"]["productionTraffic"] == 100.0
    assert deployment["sources"][0]["productionTraffic"] == 0.0


def test_a_service_without_deployments_says_so(api, run):
    api.lists()

    assert run("deployments", "cats").out.strip() == "(no service deployments)"


def test_follow_needs_a_deployment(api, run):
    api.lists()

    result = run("deployments", "cats", "--follow")

    assert result.code == 2
    assert result.err.strip() == "error: cats has no service deployment to follow"


def test_a_service_under_another_deployment_controller_is_refused(api, run, spy):
    def update(update_service, **kwargs):
        response = update_service(**kwargs)
        response["service"]["deploymentController"] = {"type": "CODE_DEPLOY"}
        return response

    spy.answers[("ecs", "update_service")] = update

    result = run("restart", "cats", "--wait")

    assert result.code == 2
    assert "cats uses the CODE_DEPLOY deployment controller: ECS records no service deployments" in result.err


def test_unknown_service_lists_the_valid_ones(api, run):
    result = run("deployments", "dogs")

    assert result.code == 2
    assert result.err.strip() == "error: 'dogs' — unknown service; allowed: cats, jsonl"


def test_progress_is_coloured_on_a_terminal_only(api, run, monkeypatch):
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    triggered = record(api, status="ROLLBACK_SUCCESSFUL", alarms="TRIGGERED", triggered=(ALARM,), rollback="alarm")
    for _ in range(2):
        api.lists(1)
        api.describes(triggered)

    piped = run("deployments", "cats", "--follow").err
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = run("deployments", "cats", "--follow").err

    assert "\x1b[" not in piped
    assert f"\x1b[1;31m: {ALARM}" in coloured
    assert "\x1b[1;31mROLLBACK_SUCCESSFUL" in coloured


def test_an_endpoint_without_service_deployments_gets_one_line_saying_what_to_use(run):
    # moto in process raises NotImplementedError for both operations (moto_server's answer:
    # tests/reliability/test_local_deployments.py).
    for args in (("deployments", "cats"), ("restart", "cats", "--wait")):
        result = run(*args)

        assert result.code == 1
        assert result.err.splitlines() == [f"error: {UNSUPPORTED}"]

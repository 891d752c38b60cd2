"""`services`, `restart` and `scale`: counts, deployments, a forced deployment, the desired count and the
warnings when autoscaling will move it again (`restart --wait`: test_deployments.py)."""

from __future__ import annotations

from typing import Any


def described(stack, name: str) -> dict[str, Any]:
    service = stack.outputs["services"][name]
    ecs = stack.client("ecs")
    return ecs.describe_services(cluster=service["clusterName"], services=[service["serviceName"]])["services"][0]


def test_services_shows_counts_scaling_range_and_deployments(stack, cli):
    result = cli("services", "--json")

    assert result.code == 0, result.err
    rows = {row["service"]: row for row in result.json()["services"]}
    cats = rows["cats"]
    assert cats["serviceName"] == stack.outputs["services"]["cats"]["serviceName"]
    assert (cats["status"], cats["desired"]) == ("ACTIVE", 1)
    assert cats["running"] + cats["pending"] == 1
    assert cats["autoscaling"] == {"min": 1, "max": 4}
    assert rows["jsonl"]["autoscaling"] == {"min": 0, "max": 10}
    [deployment] = cats["deployments"]
    assert deployment["status"] == "PRIMARY"
    assert deployment["taskDefinition"] == "cats-service:1"
    assert isinstance(cats["events"], list)


def test_services_table_has_a_row_per_service(cli):
    result = cli("services")

    assert result.code == 0
    header, *rows = result.out.splitlines()
    assert header.split() == ["SERVICE", "STATUS", "DESIRED", "RUNNING", "PENDING", "SCALING", "DEPLOYMENTS"]
    assert [row.split()[:3] for row in rows[:2]] == [["cats", "ACTIVE", "1"], ["jsonl", "ACTIVE", "1"]]
    assert rows[0].split()[5] == "1-4"


def test_a_service_missing_from_the_cluster_is_reported_not_fatal(stack, cli):
    stack.rewrite(lambda outputs: outputs["services"]["cats"].update(serviceName="deleted-service"))

    result = cli("services", "--json")

    assert result.code == 0
    rows = {row["service"]: row for row in result.json()["services"]}
    assert rows["cats"]["status"] == "MISSING"
    assert rows["jsonl"]["status"] == "ACTIVE"


def test_restart_forces_a_new_deployment(stack, cli, spy):
    result = cli("restart", "cats", "--json", session=spy)

    assert result.code == 0, result.err
    service = stack.outputs["services"]["cats"]
    assert spy.called("ecs", "update_service") == [
        {"cluster": service["clusterName"], "service": service["serviceName"], "forceNewDeployment": True}
    ]
    primary = next(d for d in described(stack, "cats")["deployments"] if d["status"] == "PRIMARY")
    assert result.json()["deploymentId"] == primary["id"]


def test_scale_to_zero_sets_the_desired_count_and_warns_below_the_minimum(stack, cli):
    result = cli("scale", "cats", "0")

    assert result.code == 0, result.err
    assert described(stack, "cats")["desiredCount"] == 0
    assert "cats: desired count 1 -> 0" in result.out
    assert "warning: cats is autoscaled between 1 and 4 tasks" in result.err
    assert "0 is below the minimum 1" in result.err


def test_scale_within_the_range_warns_only_that_autoscaling_may_move_it(stack, cli):
    result = cli("scale", "jsonl", "3", "--json")

    assert result.code == 0
    assert described(stack, "jsonl")["desiredCount"] == 3
    document = result.json()
    assert (document["previousDesired"], document["desired"]) == (1, 3)
    assert document["autoscaling"] == {"min": 0, "max": 10}
    [warning] = document["warnings"]
    assert "within [0, 10]" in warning


def test_scale_above_the_maximum_says_so(stack, cli):
    result = cli("scale", "cats", "9")

    assert result.code == 0
    assert described(stack, "cats")["desiredCount"] == 9
    assert "9 is above the maximum 4" in result.err


def test_scale_of_a_service_without_scalable_target_has_no_warning(stack, cli):
    service = stack.outputs["services"]["jsonl"]
    stack.client("application-autoscaling").deregister_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{service['clusterName']}/{service['serviceName']}",
        ScalableDimension="ecs:service:DesiredCount",
    )
    stack.rewrite(lambda outputs: outputs["services"]["jsonl"].update(autoscaled=False))

    result = cli("scale", "jsonl", "2")

    assert result.code == 0
    assert result.err == ""
    assert described(stack, "jsonl")["desiredCount"] == 2


def test_unknown_service_lists_the_valid_ones(cli):
    result = cli("scale", "dogs", "1")

    assert result.code == 2
    assert result.err.strip() == "error: 'dogs' — unknown service; allowed: cats, jsonl"

"""`instances`, `status` and `drain` on a cluster with EC2 container instances (moto's ECS)."""

from __future__ import annotations

import json


def _registered(stack, name: str) -> int:
    """What ECS itself reports as the first instance's registered `name` (CPU or MEMORY)."""
    ecs = stack.client("ecs")
    cluster = stack.outputs["clusterName"]
    arn = ecs.list_container_instances(cluster=cluster)["containerInstanceArns"][0]
    instance = ecs.describe_container_instances(cluster=cluster, containerInstances=[arn])["containerInstances"][0]
    return next(r["integerValue"] for r in instance["registeredResources"] if r["name"] == name)


def _run_on_instances(stack, count: int) -> None:
    ecs = stack.client("ecs")
    ecs.register_task_definition(
        family="on-ec2",
        requiresCompatibilities=["EC2"],
        containerDefinitions=[{"name": "app", "image": "busybox", "cpu": 512, "memory": 1024}],
    )
    ecs.run_task(cluster=stack.outputs["clusterName"], taskDefinition="on-ec2", count=count, launchType="EC2")


def _register_instances(stack, count: int = 2) -> list[str]:
    ec2, ecs = stack.client("ec2"), stack.client("ecs")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    ids = [
        i["InstanceId"]
        for i in ec2.run_instances(ImageId="ami-12c6146b", MinCount=count, MaxCount=count, SubnetId=subnet)["Instances"]
    ]
    for instance_id in ids:
        ecs.register_container_instance(
            cluster=stack.outputs["clusterName"],
            instanceIdentityDocument=json.dumps({"instanceId": instance_id}),
        )
    return sorted(ids)


def test_a_fargate_only_cluster_shows_no_instances_section(cli):
    assert "Instances" not in cli("status").out
    assert cli("instances").out.strip() == "(none)"


def test_instances_show_registered_and_reserved_cpu_and_memory(stack, cli):
    ids = _register_instances(stack, count=1)
    _run_on_instances(stack, count=2)
    cpu, memory = _registered(stack, "CPU"), _registered(stack, "MEMORY")

    result = cli("instances", "--json")

    assert result.code == 0, result.err
    rows = result.json()
    assert [row["ec2InstanceId"] for row in rows] == ids
    assert (rows[0]["status"], rows[0]["runningTasks"]) == ("ACTIVE", 2)
    assert rows[0]["cpu"] == {"registered": cpu, "reserved": 1024}
    assert rows[0]["memory"] == {"registered": memory, "reserved": 2048}
    status = cli("status")
    section = status.out.split("\n\n")[-1].splitlines()
    assert section[0] == "Instances"
    assert section[1].split()[:3] == ["PROVIDER", "INSTANCE", "STATUS"]
    assert section[2].split()[1:] == [ids[0], "ACTIVE", "2", f"1024/{cpu}", f"2048/{memory}"]
    assert set(cli("status", "--json").json()) == {"cluster", "schedules", "services", "queues", "instances"}


def test_drain_sets_one_instance_draining_by_its_ec2_id(stack, cli):
    ids = _register_instances(stack)

    result = cli("drain", ids[1])

    assert result.code == 0, result.err
    assert f"{ids[1]} is DRAINING" in result.out
    states = {row["ec2InstanceId"]: row["status"] for row in cli("instances", "--json").json()}
    assert states == {ids[0]: "ACTIVE", ids[1]: "DRAINING"}


def test_drain_of_an_unknown_instance_names_the_ones_there_are(stack, cli):
    ids = _register_instances(stack, count=1)

    result = cli("drain", "i-0123456789abcdef0")

    assert result.code == 2
    assert f"no EC2 instance i-0123456789abcdef0 in cluster {stack.outputs['clusterName']}; instances: {ids[0]}" in (
        result.err
    )

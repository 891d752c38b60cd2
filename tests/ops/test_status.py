"""`status`: schedules, services and queues on one screen, or in one JSON document."""

from __future__ import annotations


def test_status_shows_the_three_sections(stack, cli):
    cli("pause", "image-assessor")

    result = cli("status")

    assert result.code == 0, result.err
    sections = result.out.split("\n\n")
    assert sections[0] == f"Cluster {stack.outputs['clusterName']}"
    titles = [section.splitlines()[0] for section in sections[1:4]]
    assert titles == ["Schedules", "Services", "Queues"]
    schedules = sections[1].splitlines()
    assert schedules[2].split()[0] == "image-assessor"
    assert "DISABLED" in schedules[2]
    assert sections[2].splitlines()[2].split()[0] == "cats"
    assert sections[3].splitlines()[2].split()[0] == "jsonl"


def test_status_json_has_every_section(cli):
    result = cli("status", "--json")

    assert result.code == 0
    document = result.json()
    assert set(document) == {"cluster", "schedules", "services", "queues"}
    assert [row["job"] for row in document["schedules"]] == ["image-assessor", "nightly-report"]
    assert [row["service"] for row in document["services"]] == ["cats", "jsonl"]
    assert [row["queue"] for row in document["queues"]] == ["jsonl"]


def test_a_schedule_deleted_outside_the_stack_shows_as_missing(stack, cli):
    job = stack.job("nightly-report")
    stack.client("scheduler").delete_schedule(Name=job["scheduleName"], GroupName=job["scheduleGroup"])

    result = cli("status", "--json")

    assert result.code == 0, result.err
    rows = {row["job"]: row for row in result.json()["schedules"]}
    assert (rows["nightly-report"]["state"], rows["nightly-report"]["nextRunText"]) == ("MISSING", "schedule not found")
    assert rows["image-assessor"]["state"] == "ENABLED"

"""`status`: schedules, services and queues on one screen, or in one JSON document."""

from __future__ import annotations

from datetime import UTC, datetime

from ecs_workloads.ops.cli import Context


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


def test_status_is_coloured_on_a_terminal_and_plain_with_no_color(cli, monkeypatch):
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    # One clock for the three runs, so the next-run texts ("in 21h23m") agree.
    now = datetime.now(UTC)
    monkeypatch.setattr(Context, "now", staticmethod(lambda: now))
    piped = cli("status").out
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = cli("status").out
    monkeypatch.setenv("NO_COLOR", "1")
    no_color = cli("status").out

    assert "\x1b[" not in piped
    assert "\x1b[32mENABLED" in coloured and "\x1b[1mSchedules" in coloured
    # NO_COLOR on a terminal is the piped text, escape for escape (there are none).
    assert no_color == piped
    assert max(len(line) for line in piped.splitlines()) <= 120

"""Each stack's plan matches its golden snapshot, and the snapshot is a stable, readable rendering."""

from __future__ import annotations

import dataclasses
import random

import pytest

from harness.program import PROJECT_DIR, list_stacks, run_program
from harness.recording import Recording
from plan import snapshot

_recordings: dict[str, Recording] = {}


def _recording(stack: str) -> Recording:
    if stack not in _recordings:
        _recordings[stack] = run_program(stack)
    return _recordings[stack]


@pytest.mark.parametrize("stack", list_stacks())
def test_plan_matches_its_snapshot(stack):
    changes = snapshot.compare(stack, snapshot.render(_recording(stack), stack))
    if changes:
        pytest.fail(
            f"the plan of stack {stack!r} differs from its snapshot:\n{changes}\n"
            f"If the change is intended, refresh: {snapshot.REFRESH}",
            pytrace=False,
        )


def test_every_stack_has_a_snapshot_and_no_snapshot_outlives_its_stack():
    stored = sorted(p.stem for p in snapshot.SNAPSHOT_DIR.glob("*.txt"))
    assert stored == list_stacks()


def test_json_documents_are_expanded_and_keys_sorted():
    text = snapshot.render(_recording("dev"), "dev")
    task = text[text.index("+ aws:ecs/taskDefinition:TaskDefinition  cats-task") :]
    task = task[: task.index("\n    + ")]
    assert "        containerDefinitions: (JSON)\n          - environment:\n" in task
    assert '              - name: "BUCKET_NAME"\n                value: "cats-pictures-' in task
    keys = [line.strip().split(":")[0] for line in task.splitlines() if line.startswith("        ") and line[8] != " "]
    assert keys == sorted(keys)
    assert "      policy: (JSON)\n        Statement:\n" in text


def test_options_are_shown_with_the_inputs():
    text = snapshot.render(_recording("prod"), "prod")
    queue = text[text.index("+ aws:sqs/queue:Queue  batch-jsonl-queue") :]
    queue = queue[: queue.index("\n  + ")]
    assert "\n      @protect: true\n      @retainOnDelete: true\n" in queue
    assert '      @dependsOn:\n        - "batch-jsonl-dlq"\n' in queue
    service = text[text.index("+ aws:ecs/service:Service  cats-service") :]
    assert '      @ignoreChanges:\n        - "desiredCount"\n' in service[: service.index("\n  + ")]


def test_paths_are_relative_to_the_repository():
    text = snapshot.render(_recording("dev"), "dev")
    assert str(PROJECT_DIR) not in text
    assert '      context: "apps/cats"\n' in text


def test_rendering_does_not_depend_on_registration_order():
    recording = _recording("dev")
    shuffled = list(recording.registrations)
    random.Random(7).shuffle(shuffled)
    reordered = dataclasses.replace(recording, registrations=shuffled)
    assert snapshot.render(reordered, "dev") == snapshot.render(recording, "dev")


def test_command_updates_then_reports_a_change_as_a_diff(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(snapshot, "run_program", lambda stack, project_dir: _recording(stack))
    assert snapshot.main(["dev", "--update", "--dir", str(tmp_path)]) == 0
    assert snapshot.main(["dev", "--dir", str(tmp_path)]) == 0
    stored = tmp_path / "dev.txt"
    stored.write_text(stored.read_text().replace("retentionInDays: 14", "retentionInDays: 30", 1))
    capsys.readouterr()
    assert snapshot.main(["dev", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    changed = [line[0] + line[1:].strip() for line in out.splitlines() if line.startswith(("-  ", "+  "))]
    assert changed == ["-retentionInDays: 30", "+retentionInDays: 14"]
    assert "python -m plan.snapshot --update" in out

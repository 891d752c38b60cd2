"""Stack files are read whole: what the Pulumi CLI would silently drop stops every entry point with one line
naming the file, line and column; a key without a namespace is read as the CLI reads it, with a warning."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

import local.system
from harness.program import EXIT_BAD_CONFIG, PROJECT_DIR, run_program, stack_config
from harness.recording import Recording
from local.__main__ import main as local_main
from stack.config import StackConfigError
from stack.stack_file import NAMESPACES, STACK_FILE_KEYS, read_stack

TAGS = "  aws:defaultTags:\n    tags:\n      project: ecs-workloads\n      stack: {stack}\n      environment: test\n"


def _project(tmp_path: Path, stack: str, config: str, *, head: str = "config:\n") -> Path:
    """A project directory with the repository's Pulumi.yaml and program and one stack file whose config is
    `config` after valid default tags (so the tags are on lines 2-6 and `config` starts at line 7)."""
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "__main__.py").write_text((PROJECT_DIR / "__main__.py").read_text())
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(head + TAGS.format(stack=stack) + config)
    return tmp_path


def _refused(tmp_path: Path, config: str, **kwargs) -> str:
    project = _project(tmp_path, "broken", config, **kwargs)
    with pytest.raises(StackConfigError) as caught:
        read_stack("broken", project)
    return str(caught.value)


UNKNOWN_NAMESPACE = (
    'Pulumi.broken.yaml:7:3: ecs-workload:cats — unknown config namespace "ecs-workload"; '
    'did you mean "ecs-workloads"? allowed: aws, ecs-workloads, pulumi'
)

REFUSED = [
    pytest.param(
        "  ecs-workload:cats:\n    desiredCount: 2\n",
        {},
        UNKNOWN_NAMESPACE,
        id="misspelt namespace",
    ),
    pytest.param(
        "  harness:offlinePlan: false\n",
        {},
        'Pulumi.broken.yaml:7:3: harness:offlinePlan — unknown config namespace "harness"; '
        "allowed: aws, ecs-workloads, pulumi",
        id="namespace nothing reads from a stack file",
    ),
    pytest.param(
        "  ecs-workloads:protectData: true\n",
        {"head": "configs:\n"},
        'Pulumi.broken.yaml:1:1: configs — unknown top-level key; did you mean "config"? allowed: config, '
        "encryptedkey, encryptionsalt, environment, mainEnvironment, secretsprovider",
        id="top-level typo",
    ),
    pytest.param(
        "  ecs-workloads:cats:\n    desiredCount: 2\n  ecs-workloads:cats:\n    desiredCount: 3\n",
        {},
        "Pulumi.broken.yaml:9:3: ecs-workloads:cats — duplicate key (first at line 7); only one value would count",
        id="duplicate key",
    ),
    pytest.param(
        "  ecs-workloads:cats:\n    desiredCount: 2\n    pathPattern: /cats*\n    desiredCount: 3\n",
        {},
        "Pulumi.broken.yaml:10:5: desiredCount — duplicate key (first at line 8); only one value would count",
        id="duplicate nested key",
    ),
    pytest.param(
        "  cats:\n    desiredCount: 2\n  ecs-workloads:cats:\n    desiredCount: 3\n",
        {},
        "Pulumi.broken.yaml:9:3: ecs-workloads:cats — duplicate key (line 7 sets ecs-workloads:cats too); "
        "only one value would count",
        id="duplicate once the namespace is added",
    ),
    pytest.param(
        "  ecs-workloads:cats:\n    desiredCount: 2\n   pathPattern: /cats*\n",
        {},
        "Pulumi.broken.yaml:9:4: YAML syntax error: expected <block end>, but found '<block mapping start>' "
        "(while parsing a block mapping)",
        id="yaml syntax error",
    ),
]


@pytest.mark.parametrize(("config", "kwargs", "expected"), REFUSED)
def test_what_the_cli_would_drop_is_refused_in_one_located_line(tmp_path, config, kwargs, expected):
    assert _refused(tmp_path, config, **kwargs) == expected


def test_a_stack_file_that_is_no_mapping_is_refused(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.broken.yaml").write_text("- config\n")
    with pytest.raises(StackConfigError) as caught:
        read_stack("broken", tmp_path)
    assert str(caught.value) == (
        f"Pulumi.broken.yaml:1:1: ['config'] — a stack file is a mapping with keys from: {', '.join(STACK_FILE_KEYS)}"
    )


def test_the_project_file_is_checked_whole_too(tmp_path):
    project = _project(tmp_path, "dev", "")
    (project / "Pulumi.yaml").write_text("name: ecs-workloads\nconfig:\n  aws:region: us-east-1\n  aws:region: x\n")
    with pytest.raises(StackConfigError, match=r"^Pulumi\.yaml:4:3: aws:region — duplicate key \(first at line 3\)"):
        stack_config("dev", project)


def test_project_file_keys_without_namespace_are_the_project_s_without_a_warning(tmp_path):
    # In Pulumi.yaml the project's own keys are declared without a namespace: that is its usual form.
    project = _project(tmp_path, "dev", "")
    (project / "Pulumi.yaml").write_text(
        "name: ecs-workloads\nconfig:\n  protectData:\n    default: true\n  aws:region: us-west-2\n"
    )
    config = read_stack("dev", project)
    assert config.values["ecs-workloads:protectData"] is True
    assert config.values["aws:region"] == "us-west-2"
    assert config.warnings == []
    assert str(config.location(("ecs-workloads:protectData",))) == "Pulumi.yaml:3:3"


def test_the_allowed_namespaces_are_the_program_s_its_provider_s_and_the_engine_s():
    assert NAMESPACES == ("aws", "ecs-workloads", "pulumi")


def test_the_engine_s_own_keys_pass(tmp_path):
    project = _project(tmp_path, "engine", "  pulumi:tags:\n    team: platform\n")
    assert read_stack("engine", project).values["pulumi:tags"] == {"team": "platform"}


def test_the_repository_s_stacks_pass_the_check():
    for stack in ("dev", "prod"):
        assert read_stack(stack, PROJECT_DIR).warnings == []


def test_a_key_without_namespace_is_the_project_s_as_the_cli_reads_it_with_a_warning(tmp_path):
    project = _project(tmp_path, "bare", "  cats:\n    desiredCount: 3\n  ecs-workloads:config:protectData: false\n")
    config = stack_config("bare", project)
    assert config["ecs-workloads:cats"] == {"desiredCount": 3}
    assert config["ecs-workloads:protectData"] is False
    recording = run_program("bare", project_dir=project)
    service = next(r for r in recording.of_type("aws:ecs/service:Service") if r.name.startswith("cats"))
    assert service.inputs["desiredCount"] == 3
    assert recording.warnings[:2] == [
        "Pulumi.bare.yaml:7:3: cats — read as ecs-workloads:cats, as the Pulumi CLI does; write ecs-workloads:cats",
        "Pulumi.bare.yaml:9:3: ecs-workloads:config:protectData — read as ecs-workloads:protectData, as the Pulumi "
        "CLI does; write ecs-workloads:protectData",
    ]


def test_the_program_checks_its_stack_file_itself_as_under_pulumi_up(tmp_path):
    # The CLI drops the misspelt section and hands the program no config of it: the program reads the file
    # from its project root (pulumi.get_root_directory()) and refuses it before any resource exists.
    project = _project(tmp_path, "broken", "  ecs-workload:cats:\n    desiredCount: 2\n")
    recording = Recording()
    with pytest.raises(StackConfigError) as caught:
        run_program("broken", config={}, project_dir=project, recording=recording)
    assert str(caught.value) == UNKNOWN_NAMESPACE
    assert recording.registrations == []


def test_settings_errors_name_the_line_of_a_value_from_the_file(tmp_path):
    project = _project(tmp_path, "broken", "  ecs-workloads:cats:\n    desiredCount: many\n    cpuu: 1\n")
    with pytest.raises(StackConfigError) as caught:
        run_program("broken", project_dir=project)
    assert str(caught.value).splitlines() == [
        "invalid stack config:",
        '  Pulumi.broken.yaml:8:5: ecs-workloads:cats.desiredCount: "many" — must be an integer',
        "  Pulumi.broken.yaml:9:5: ecs-workloads:cats.cpuu: 1 — unknown key; allowed: allowedCidrs, autoscaling, "
        "certificateArn, deployment, desiredCount, domainName, healthCheckPath, hostHeader, hostedZoneId, "
        "pathPattern, rulePriority, scheduledScaling, sourceCidrs, telemetry, workload",
    ]


def test_a_value_that_did_not_come_from_the_file_has_no_line(tmp_path):
    project = _project(tmp_path, "broken", "  ecs-workloads:cats:\n    desiredCount: 1\n")
    config = {**stack_config("broken", project), "ecs-workloads:cats": {"desiredCount": -1}}
    with pytest.raises(StackConfigError) as caught:
        run_program("broken", config=config, project_dir=project)
    assert str(caught.value).splitlines()[1] == (
        "  ecs-workloads:cats.desiredCount: -1 — must be an integer from 0 to 1000"
    )


# --- every entry point: exit 2, the one line on stderr, no traceback ------------------------------------


def _command(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "command",
    [
        ("plan", "broken"),
        ("policy.evaluate", "broken"),
        ("plan.snapshot", "broken", "--dir", "{tmp}/snapshots"),
    ],
    ids=lambda command: command[0],
)
def test_every_command_exits_2_with_the_one_line(tmp_path, command):
    project = _project(tmp_path, "broken", "  ecs-workload:cats:\n    desiredCount: 2\n")
    module, *args = command
    result = _command(module, *(arg.format(tmp=tmp_path) for arg in args), "--project-dir", str(project))
    assert result.returncode == EXIT_BAD_CONFIG
    assert result.stderr == f"error: {UNKNOWN_NAMESPACE}\n"


def test_local_exits_2_with_the_one_line(tmp_path, monkeypatch, capsys):
    project = _project(tmp_path, "broken", "  ecs-workload:cats:\n    desiredCount: 2\n")
    monkeypatch.setattr(
        local.system, "read_stack_config", functools.partial(local.system.read_stack_config, project_dir=project)
    )
    assert local_main(["--stack", "broken"]) == EXIT_BAD_CONFIG
    assert capsys.readouterr().err == f"python -m local: {UNKNOWN_NAMESPACE}\n"

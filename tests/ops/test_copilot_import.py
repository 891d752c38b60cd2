"""`ecs-workloads import copilot`: Copilot's own sample and test manifests (tests/ops/fixtures/copilot, each
case's SOURCE.md names its origin) convert, every field is reported, overrides merge as Copilot merges them,
and bad input gets exit 2 with one exact line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ecs_workloads.ops.cli import main
from ecs_workloads.ops.copilot.conversion import convert
from ecs_workloads.ops.copilot.manifests import apply_override, leaf_paths, read_application, show_path
from ecs_workloads.ops.copilot.rules import RULES, Outcome
from ecs_workloads.ops.copilot.stack_writer import KEY_ORDER

FIXTURES = Path(__file__).with_name("fixtures") / "copilot"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f"
# Copilot's docs sample "Shared file system" of the Backend Service page spells its type "Backend Serivce".
MISTYPED = "docs-backend-shared-file-system"
CASES = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir() and path.name != MISTYPED)
STACK_WORKLOADS = FIXTURES / "stack-workloads"


def _environments(case: str) -> list[str | None]:
    """The environments a case can be imported for: its environment manifests', else each one its workloads'
    overrides name, or none."""
    application = read_application(FIXTURES / case, None)
    if application.environment_names:
        return list(application.environment_names)
    names = {name for manifest in application.workloads for name in manifest.environments}
    return sorted(names) or [None]


CASE_ENVIRONMENTS = [(case, env) for case in CASES for env in _environments(case)]


def test_the_fixtures_are_copilot_s_own_with_their_source_and_licence():
    assert len(CASES) + 1 >= 29
    for case in [*CASES, MISTYPED]:
        source = (FIXTURES / case / "SOURCE.md").read_text()
        assert "aws/copilot-cli" in source
        assert "Apache-2.0" in source
        for manifest in (FIXTURES / case).rglob("manifest.yml"):
            assert str(manifest.relative_to(FIXTURES / case)) in source


@pytest.mark.parametrize(("case", "env"), CASE_ENVIRONMENTS)
def test_every_field_of_every_manifest_is_reported(case, env):
    conversion = convert(FIXTURES / case, env, None)
    application = read_application(FIXTURES / case, env)
    expected = set()
    for manifest in application.workloads:
        expected |= {(manifest.file, show_path(path)) for path in leaf_paths(manifest.fields)}
        expected |= {(manifest.file, f"environments.{name}") for name in manifest.environments}
    if application.environment is not None:
        environment = application.environment
        expected |= {(environment.file, show_path(path)) for path in leaf_paths(environment.fields)}
    reported = [(row.file, row.path) for row in conversion.findings]
    assert sorted(reported) == sorted(expected)
    assert len(reported) == len(set(reported))
    for row in conversion.findings:
        if row.outcome is not Outcome.MAPPED:
            assert row.note, row


@pytest.mark.parametrize(("case", "env"), CASE_ENVIRONMENTS)
def test_each_fixture_converts_to_a_stack_file_with_the_fixed_keys(case, env):
    conversion = convert(FIXTURES / case, env, "imported")
    document = YAML(typ="safe").load(conversion.text)
    assert set(document) == {"config"}
    config = document["config"]
    assert config == conversion.config
    assert config["ecs-workloads:referenceSystem"] is False
    assert set(config) <= set(KEY_ORDER)
    # The same input gives the same file.
    assert convert(FIXTURES / case, env, "imported").text == conversion.text


def test_the_stack_file_names_each_entry_s_manifest_and_keeps_a_fixed_key_order():
    text = convert(FIXTURES / "testdata-app", None, "dev").text
    keys = [
        line.split(":")[0] + ":" + line.split(":")[1]
        for line in text.splitlines()
        if line.startswith("  ") and not line.startswith("   ") and not line.strip().startswith("#")
    ]
    assert keys == [
        "  aws:region",
        "  aws:defaultTags",
        "  ecs-workloads:referenceSystem",
        "  ecs-workloads:loadBalancer",
        "  ecs-workloads:topics",
        "  ecs-workloads:webServices",
        "  ecs-workloads:backends",
        "  ecs-workloads:workers",
        "  ecs-workloads:jobs",
    ]
    assert "    # from copilot/frontend/manifest.yml\n    frontend:\n" in text
    assert "    # from copilot/cuteness-aggregator/manifest.yml\n    - name: cuteness-aggregator\n" in text


def test_overrides_merge_mappings_replace_lists_and_scalars_and_keep_unset_fields():
    base = {
        "variables": {"A": "1", "B": "2"},
        "http": {"allowed_source_ips": ["10.0.0.0/8"], "path": "api"},
        "cpu": 256,
    }
    override = {"variables": {"B": "3"}, "http": {"allowed_source_ips": ["192.0.2.0/24"]}, "cpu": None}
    assert apply_override(base, override) == {
        "variables": {"A": "1", "B": "3"},
        "http": {"allowed_source_ips": ["192.0.2.0/24"], "path": "api"},
        "cpu": 256,
    }


@pytest.mark.parametrize(
    ("base", "override", "merged"),
    [
        # imageTransformer: location clears build, build clears location.
        (
            {"image": {"build": "./Dockerfile", "port": 80}},
            {"image": {"location": "nginx"}},
            {"image": {"location": "nginx", "port": 80}},
        ),
        (
            {"image": {"location": "nginx"}},
            {"image": {"build": {"dockerfile": "x"}}},
            {"image": {"build": {"dockerfile": "x"}}},
        ),
        # countTransformer: a number replaces the advanced count and back.
        ({"count": {"range": "1-10", "cpu_percentage": 70}}, {"count": 2}, {"count": 2}),
        ({"count": 2}, {"count": {"spot": 3}}, {"count": {"spot": 3}}),
        # advancedCountTransformer: spot clears the autoscaling fields, autoscaling clears spot.
        (
            {"count": {"range": "1-10", "cpu_percentage": 70, "cooldown": {"in": "30s"}}},
            {"count": {"spot": 5}},
            {"count": {"spot": 5}},
        ),
        (
            {"count": {"spot": 5}},
            {"count": {"range": {"min": 3, "max": 12}}},
            {"count": {"range": {"min": 3, "max": 12}}},
        ),
        # rangeTransformer: a string range replaces the min/max form.
        (
            {"count": {"range": {"min": 1, "max": 2, "spot_from": 2}}},
            {"count": {"range": "2-10"}},
            {"count": {"range": "2-10"}},
        ),
        # efsVolumeConfigurationTransformer: uid/gid clear id/root_dir/auth.
        (
            {"storage": {"volumes": {"v": {"efs": {"id": "fs-1", "root_dir": "/a"}, "path": "/m"}}}},
            {"storage": {"volumes": {"v": {"efs": {"uid": 1, "gid": 1}}}}},
            {"storage": {"volumes": {"v": {"efs": {"uid": 1, "gid": 1}, "path": "/m"}}}},
        ),
        # efsConfigOrBool, secret, alias: a scalar replaces a mapping.
        (
            {"secrets": {"DB": {"secretsmanager": "db"}}},
            {"secrets": {"DB": "DB_PARAM"}},
            {"secrets": {"DB": "DB_PARAM"}},
        ),
    ],
)
def test_overrides_clear_the_other_form_as_copilot_s_transformers_do(base, override, merged):
    assert apply_override(base, override) == merged


def test_an_environment_s_overrides_reach_the_stack_file():
    staging = convert(STACK_WORKLOADS, "staging", None).config
    prod = convert(STACK_WORKLOADS, "prod", None).config
    web_staging, web_prod = staging["ecs-workloads:webServices"]["fe"], prod["ecs-workloads:webServices"]["fe"]
    # staging: image.location replaces image.build; count.spot replaces the range and its autoscaling.
    assert web_staging["workload"]["image"] == "123456789000.dkr.ecr.us-east-1.amazonaws.com/vault/e2e:${TAG}"
    assert web_staging["desiredCount"] == 5
    assert "autoscaling" not in web_staging
    assert web_staging["workload"]["capacity"] == {"fargate": 0, "fargateSpot": 1, "base": 0}
    # prod: the range mapping replaces the 2-10 string; the base cpu_percentage stays (maps merge).
    assert web_prod["autoscaling"] == {"minTasks": 3, "maxTasks": 12, "cpuTargetPercent": 70}
    assert web_prod["workload"]["capacity"] == {"fargate": 1, "fargateSpot": 1, "base": 5}
    assert web_prod["workload"]["environment"] == {"LOG_LEVEL": "info"}
    assert staging["aws:defaultTags"]["tags"]["stack"] == "staging"
    # test: a worker's image.location replaces its (absent) build.
    test = convert(STACK_WORKLOADS, "test", None).config
    assert test["ecs-workloads:workers"]["dogworker"]["workload"]["image"] == "amazon/ecs-example"


def test_the_other_environments_overrides_are_reported_not_dropped():
    rows = {(row.file, row.path): row for row in convert(STACK_WORKLOADS, "prod", None).findings}
    assert rows["copilot/fe/manifest.yml", "environments.prod"].outcome is Outcome.MAPPED
    other = rows["copilot/fe/manifest.yml", "environments.test"]
    assert other.outcome is Outcome.UNSUPPORTED
    assert other.note == "another environment's overrides; import it with --env test into its own stack"


def test_value_dependent_outcomes():
    rows = {(row.file, row.path): row for row in convert(FIXTURES / "testdata-app", None, None).findings}
    port = rows["copilot/frontend/manifest.yml", "image.port"]
    assert (port.outcome, port.note) == (
        Outcome.APPROXIMATED,
        "80 needs root and the containers run as non-root: written as 8080; make the app listen there",
    )
    assert rows["copilot/subscribers/manifest.yml", "image.port"].outcome is Outcome.MAPPED
    subscription = rows["copilot/testers/manifest.yml", "subscribe.topics[0].service"]
    assert subscription.outcome is Outcome.APPROXIMATED


def test_secrets_become_arns():
    config = convert(FIXTURES / "docs-worker-single-queue", None, None).config
    secrets = config["ecs-workloads:workers"]["cost-analyzer"]["workload"]["secrets"]
    assert secrets == {"DB": "arn:aws:secretsmanager:us-east-1:123456789012:secret:mysql"}
    job = convert(FIXTURES / "docs-job", None, None, region="eu-west-1").config["ecs-workloads:jobs"][0]
    assert job["workload"]["secrets"] == {"GITHUB_TOKEN": "arn:aws:ssm:eu-west-1:123456789012:parameter/GITHUB_TOKEN"}
    assert job["schedule"] == "@daily"
    assert (job["target"], job["retries"]) == ("workflow", 3)


def test_queue_delay_becomes_messages_per_task():
    worker = convert(FIXTURES / "docs-worker-spot-autoscaling", None, None).config["ecs-workloads:workers"]
    # 10 minutes of latency at 250 ms a message: 2400 messages a task.
    assert worker["cost-analyzer"]["messagesPerTask"] == 2400
    assert (worker["cost-analyzer"]["minTasks"], worker["cost-analyzer"]["maxTasks"]) == (1, 10)


def test_the_environment_manifest_becomes_network_and_load_balancer(tmp_path):
    # testdata-placement's environment with ids and a certificate as AWS issues them (its own are placeholders).
    shutil.copytree(FIXTURES / "testdata-placement", tmp_path / "app")
    manifest = tmp_path / "app" / "copilot" / "environments" / "test" / "manifest.yml"
    text = manifest.read_text()
    for placeholder, real in {
        "mock-vpc-id": "vpc-0abc1234",
        "mock-subnet-id-1": "subnet-0aaa1111",
        "mock-subnet-id-2": "subnet-0bbb2222",
        "mock-subnet-id-3": "subnet-0ccc3333",
        "mock-subnet-id-4": "subnet-0ddd4444",
        "mock-cert-1": CERTIFICATE,
    }.items():
        text = text.replace(placeholder, real)
    manifest.write_text(text)
    config = convert(tmp_path / "app", None, None).config
    assert config["ecs-workloads:network"] == {
        "vpcId": "vpc-0abc1234",
        "publicSubnetIds": ["subnet-0aaa1111", "subnet-0bbb2222"],
        "privateSubnetIds": ["subnet-0ccc3333", "subnet-0ddd4444"],
    }
    assert config["ecs-workloads:loadBalancer"] == {"allowedCidrs": ["0.0.0.0/0"], "certificateArn": CERTIFICATE}


def test_every_rule_says_why_when_it_is_not_a_plain_mapping():
    for rule in RULES:
        if rule.outcome is not Outcome.MAPPED:
            assert rule.note, rule.pattern


# --- the command -------------------------------------------------------------------------------------------


def test_exit_0_when_every_field_mapped(capsys):
    assert main(["import", "copilot", str(FIXTURES / "docs-env-basic"), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("# Imported from the Copilot application in docs-env-basic/copilot")
    assert "3 fields: 3 mapped, 0 approximated, 0 unsupported" in captured.err


def test_exit_3_with_the_report_when_anything_is_approximated(capsys):
    assert main(["import", "copilot", str(FIXTURES / "docs-job"), "--dry-run"]) == 3
    err = capsys.readouterr().err
    assert err.splitlines()[0].split() == ["FILE", "FIELD", "OUTCOME", "TARGET", "NOTE"]
    assert "timeout" in err and "unsupported" in err
    assert "12 fields: 7 mapped, 2 approximated, 3 unsupported" in err


def test_without_dry_run_it_writes_the_stack_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["import", "copilot", str(STACK_WORKLOADS), "--env", "prod", "--stack", "migrated"]) == 3
    written = (tmp_path / "Pulumi.migrated.yaml").read_text()
    assert written == convert(STACK_WORKLOADS, "prod", "migrated").text
    assert "wrote Pulumi.migrated.yaml" in capsys.readouterr().err


def _error(capsys, argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err


def test_a_missing_directory(capsys, tmp_path):
    assert _error(capsys, ["import", "copilot", str(tmp_path / "nope")]) == (
        2,
        f"error: {tmp_path}/nope: no such directory\n",
    )


def test_a_directory_without_copilot(capsys, tmp_path):
    assert _error(capsys, ["import", "copilot", str(tmp_path)]) == (
        2,
        f"error: {tmp_path}: no copilot/ directory (a Copilot application keeps its manifests there)\n",
    )


def test_bad_yaml_names_file_and_line(capsys, tmp_path):
    manifest = tmp_path / "copilot" / "api" / "manifest.yml"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("name: api\ntype: Backend Service\nimage:\n  location: [nginx\ncpu: 256\n")
    code, err = _error(capsys, ["import", "copilot", str(tmp_path)])
    assert code == 2
    assert err == "error: copilot/api/manifest.yml:5: bad YAML: expected ',' or ']', but got ':'\n"


def test_an_unknown_workload_type_names_file_line_and_the_known_types(capsys):
    assert _error(capsys, ["import", "copilot", str(FIXTURES / MISTYPED)]) == (
        2,
        "error: copilot/sync/manifest.yml:3: type: 'Backend Serivce' — unknown workload type; this importer "
        "converts Load Balanced Web Service, Backend Service, Worker Service, Scheduled Job\n",
    )


def test_an_unknown_environment(capsys):
    code, err = _error(capsys, ["import", "copilot", str(FIXTURES / "testdata-app"), "--env", "prod"])
    assert code == 2
    assert err == (
        f"error: {FIXTURES / 'testdata-app' / 'copilot' / 'environments'}: no environment 'prod'; environments: test\n"
    )


# --- the converted stack file under the real program ---------------------------------------------------------


def _environments(case: str) -> list[str | None]:
    """No --env (the only environment, or none), then each environment the case has."""
    directory = FIXTURES / case / "copilot" / "environments"
    return [None, *sorted(path.name for path in directory.iterdir())] if directory.is_dir() else [None]


@pytest.mark.parametrize(("case", "env"), [(case, env) for case in CASES for env in _environments(case)])
def test_the_converted_stack_file_evaluates_with_no_aws_conformance_problem(case, env):
    from harness.program import run_program
    from plan import conformance

    config = convert(FIXTURES / case, env, "imported").config
    report = conformance.check(run_program("imported", config=config))
    assert report.requests
    assert [str(problem) for problem in report.problems] == []


def test_placeholder_ids_of_an_imported_vpc_become_a_new_vpc_and_say_so():
    conversion = convert(FIXTURES / "docs-env-imported-vpc", None, "imported")
    assert "ecs-workloads:network" not in conversion.config
    rows = {row.path: row for row in conversion.findings if row.file.startswith("copilot/environments")}
    assert rows["network.vpc.id"].outcome is Outcome.APPROXIMATED
    assert rows["network.vpc.id"].note.startswith("not ids EC2 issues (vpc-12345, subnet-11111, subnet-22222")
    assert rows["network.vpc.subnets.public[0].id"].outcome is Outcome.APPROXIMATED


def test_a_placeholder_cidr_leaves_the_new_vpc_its_default():
    conversion = convert(FIXTURES / "testdata-adjust-vpc", None, "imported")
    assert "cidrBlock" not in conversion.config.get("ecs-workloads:network", {})
    (row,) = [row for row in conversion.findings if row.path == "network.vpc.cidr"]
    assert row.outcome is Outcome.APPROXIMATED
    assert row.note == (
        "'mock-cidr-0' is not an IPv4 CIDR block from /16 to /24 such as 10.0.0.0/16: the new VPC takes the "
        "default 10.0.0.0/16"
    )


def test_a_managed_efs_volume_runs_the_container_as_copilots_access_point_user():
    import zlib

    config = convert(FIXTURES / "docs-web-shared-file-system", None, "imported").config
    workload = config["ecs-workloads:webServices"]["frontend"]["workload"]
    checksum = zlib.crc32(b"frontend")
    assert workload["user"] == f"{checksum}:{checksum}"
    assert workload["efsVolumes"][0]["create"] == {"rootDirectory": "/frontend"}


def test_a_backend_without_a_port_is_approximated_on_its_type():
    conversion = convert(FIXTURES / "testdata-placement", None, "imported")
    assert conversion.config["ecs-workloads:backends"]["subscribers"]["workload"]["port"] == 8080
    (row,) = [
        row for row in conversion.findings if row.file == "copilot/subscribers/manifest.yml" and row.path == "type"
    ]
    assert row.outcome is Outcome.APPROXIMATED


def test_a_converted_job_evaluates_beside_the_reference_system():
    """Without referenceSystem: false the imported job joins the catsndogs system."""
    from harness.program import run_program
    from plan import conformance

    config = convert(FIXTURES / "docs-job", None, "imported").config
    config.pop("ecs-workloads:referenceSystem")
    recording = run_program("imported", config=config)
    report = conformance.check(recording)
    assert [str(problem) for problem in report.problems] == []
    assert any(registration.name == "job-report-generator" for registration in recording.registrations)


def test_the_main_containers_health_check_maps_and_a_refused_retries_keeps_the_default():
    conversion = convert(FIXTURES / "testdata-app", None, "imported")
    workload = conversion.config["ecs-workloads:backends"]["subscribers"]["workload"]
    assert workload["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -f http://localhost:8080 || exit 1"],
        "interval": 6,
        "timeout": 20,
        "startPeriod": 15,
    }
    rows = {row.path: row for row in conversion.findings if row.file == "copilot/subscribers/manifest.yml"}
    assert rows["image.healthcheck.retries"].outcome is Outcome.APPROXIMATED
    assert rows["image.healthcheck.retries"].note == "0 is not an integer from 1 to 10: the default 3 is used"
    assert rows["image.healthcheck.command"].outcome is Outcome.MAPPED


def test_command_entrypoint_and_readonly_fs_reach_the_service_workload(tmp_path):
    service = tmp_path / "app" / "copilot" / "api"
    service.mkdir(parents=True)
    (service / "manifest.yml").write_text(
        "name: api\ntype: Backend Service\nimage:\n  location: public.ecr.aws/nginx/nginx:1.27\n  port: 8080\n"
        "command: serve --port 8080\nentrypoint: [/bin/app]\nstorage:\n  readonly_fs: false\n"
    )
    conversion = convert(tmp_path / "app", None, "imported")
    workload = conversion.config["ecs-workloads:backends"]["api"]["workload"]
    assert workload["command"] == ["serve", "--port", "8080"]
    assert workload["entryPoint"] == ["/bin/app"]
    assert workload["readonlyRootFilesystem"] is False
    outcomes = {row.path: row.outcome for row in conversion.findings}
    assert {outcomes[path] for path in ("command", "entrypoint", "storage.readonly_fs")} == {Outcome.MAPPED}

"""Static checks of every apps/*/Dockerfile (no Docker engine needed): base images pinned by digest, only
hash-pinned dependencies from a lock that covers requirements.txt, no pip in the image that runs, a numeric
non-root user, nothing fetched by ADD. Each rule is a function returning its problems, so the same rule is
shown to pass on the apps and to catch a bad definition."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from fnmatch import fnmatch
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

APPS_DIR = Path(__file__).resolve().parents[2] / "apps"
APP_DIRS = sorted(path.parent for path in APPS_DIR.glob("*/Dockerfile"))
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
SLIM_PYTHON = re.compile(r"^python:\d+\.\d+\.\d+-slim-[a-z]+@sha256:[0-9a-f]{64}$")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}(?=\s|$)")
REMOTE = re.compile(r"^(https?|ftp|git)://|^git@")
SEPARATORS = {"&&", "||", ";", "|"}
# Images known to ship pip, so a final stage built on them must remove it.
IMAGES_WITH_PIP = {"python", "docker.io/library/python", "library/python"}


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class LockEntry:
    requirement: Requirement
    hashes: list[str]


def parse_stages(instructions: list[tuple[str, str]]) -> list[Stage]:
    stages: list[Stage] = []
    for instruction, args in instructions:
        if instruction == "FROM":
            words = [word for word in shlex.split(args) if not word.startswith("--")]
            name = words[2].lower() if len(words) == 3 and words[1].lower() == "as" else None
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append((instruction, args))
    return stages


def commands(run: str) -> list[list[str]]:
    """The simple commands of a RUN line (shell form), split on && || ; and |."""
    result, current = [], []
    for word in shlex.split(run, comments=False):
        if word in SEPARATORS:
            result.append(current)
            current = []
        elif word.endswith(";"):
            current.append(word[:-1])
            result.append(current)
            current = []
        else:
            current.append(word)
    result.append(current)
    return [command for command in result if command]


def pip_arguments(command: list[str]) -> list[str] | None:
    """What follows `pip`, `pip3` or `python -m pip` in the command, or None when it does not run pip."""
    for i, word in enumerate(command):
        if Path(word).name in ("pip", "pip3") or re.fullmatch(r"pip3\.\d+", Path(word).name):
            return command[i + 1 :]
        if word == "-m" and i + 1 < len(command) and command[i + 1] == "pip":
            return command[i + 2 :]
    return None


def runs(stage: Stage) -> list[list[str]]:
    return [command for instruction, args in stage.instructions if instruction == "RUN" for command in commands(args)]


def pip_subcommand(arguments: list[str]) -> str | None:
    skip_value = {"--python", "--cache-dir", "--log", "--proxy", "--cert", "--timeout"}
    words = iter(arguments)
    for word in words:
        if word in skip_value:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def option_values(arguments: list[str], *flags: str) -> list[str]:
    """The values given to any of `flags`, as `-r x`, `--requirement x` or `--requirement=x`."""
    values = []
    for i, word in enumerate(arguments):
        if word in flags and i + 1 < len(arguments):
            values.append(arguments[i + 1])
        elif any(word.startswith(flag + "=") for flag in flags if flag.startswith("--")):
            values.append(word.split("=", 1)[1])
    return values


def copied_sources(stage: Stage, destination: str) -> list[str]:
    """Context files a plain COPY of this stage put at `destination`."""
    found = []
    for instruction, args in stage.instructions:
        if instruction != "COPY":
            continue
        words = shlex.split(args)
        if any(word.startswith("--from") for word in words):
            continue
        paths = [word for word in words if not word.startswith("--")]
        *sources, target = paths
        for source in sources:
            placed = target + Path(source).name if target.endswith("/") else target
            if placed == destination:
                found.append(source)
    return found


def pinning_problems(stages: list[Stage]) -> list[str]:
    problems, names = [], set()
    for stage in stages:
        if stage.base.lower() not in names and not DIGEST.search(stage.base):
            problems.append(f"FROM {stage.base} is not pinned by @sha256:<64 hex digits>")
        if stage.name:
            names.add(stage.name)
    return problems


def install_problems(stages: list[Stage], context: Path) -> tuple[list[str], list[Path]]:
    """Every pip install takes only hash-checked lock files copied from the build context; returns those."""
    problems, locks = [], []
    for stage in stages:
        for command in runs(stage):
            arguments = pip_arguments(command)
            if arguments is None or pip_subcommand(arguments) != "install":
                continue
            shown = " ".join(command)
            for flag in ("--require-hashes", "--no-deps"):
                if flag not in arguments:
                    problems.append(f"{shown}: no {flag}")
            requirement_files = option_values(arguments, "-r", "--requirement")
            if not requirement_files:
                problems.append(f"{shown}: installs without a lock file (-r)")
            named = [word for word in arguments[arguments.index("install") + 1 :] if not word.startswith("-")]
            if set(named) - set(requirement_files) - set(option_values(arguments, "--python")):
                problems.append(f"{shown}: names packages outside the lock")
            for path in requirement_files:
                sources = copied_sources(stage, path)
                if not sources:
                    problems.append(f"{shown}: {path} is not copied from the build context")
                locks.extend(context / source for source in sources)
    if not locks and not problems:
        problems.append("no pip install from a lock file")
    return problems, locks


def read_lock(path: Path) -> tuple[list[LockEntry], list[str]]:
    entries, problems, logical = [], [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        line, logical = logical.strip(), ""
        if not line or line.startswith("#"):
            continue
        hashes = HASH.findall(line)
        text = line.split(" --hash=")[0].strip()
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            problems.append(f"{path.name}: {text!r} is not a requirement")
            continue
        pins = [spec for spec in requirement.specifier if spec.operator == "=="]
        if len(pins) != 1 or len(requirement.specifier) != 1 or "*" in pins[0].version:
            problems.append(f"{path.name}: {text!r} is not pinned with one exact ==")
        if not hashes:
            problems.append(f"{path.name}: {text!r} has no --hash=sha256:")
        entries.append(LockEntry(requirement, hashes))
    if not entries:
        problems.append(f"{path.name}: no requirements")
    return entries, problems


def pinned_version(entry: LockEntry) -> str:
    return next(iter(entry.requirement.specifier)).version


def coverage_problems(lock: list[LockEntry], requirements_txt: Path) -> list[str]:
    pinned = {canonicalize_name(entry.requirement.name): pinned_version(entry) for entry in lock}
    problems = []
    for raw in requirements_txt.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            wanted = Requirement(line)
        except InvalidRequirement:
            problems.append(f"{requirements_txt.name}: {line!r} is not a requirement")
            continue
        name = canonicalize_name(wanted.name)
        if name not in pinned:
            problems.append(f"{wanted.name} from {requirements_txt.name} is missing from the lock")
        elif not wanted.specifier.contains(pinned[name], prereleases=True):
            problems.append(f"the lock pins {wanted.name}=={pinned[name]}, outside {requirements_txt.name}'s {line!r}")
    return problems


def chain(stages: list[Stage], stage: Stage) -> list[Stage]:
    """The stage and the earlier stages it is built FROM, base first."""
    by_name = {s.name: s for s in stages if s.name}
    found = [stage]
    while found[0].base.lower() in by_name:
        found.insert(0, by_name[found[0].base.lower()])
    return found


def repository(reference: str) -> str:
    without_digest = reference.split("@", 1)[0]
    name, _, tag = without_digest.rpartition(":")
    return (name if name and "/" not in tag else without_digest).lower()


def final_pip_problems(stages: list[Stage]) -> list[str]:
    final = stages[-1]
    lineage = chain(stages, final)
    commands_in_order = [command for stage in lineage for command in runs(stage)]
    problems = []
    removed_at = None
    for i, command in enumerate(commands_in_order):
        arguments = pip_arguments(command)
        if arguments and pip_subcommand(arguments) == "uninstall":
            packages = [word for word in arguments if not word.startswith("-") and word != "uninstall"]
            if "pip" in packages and ({"-y", "--yes"} & set(arguments)):
                removed_at = i
    if repository(lineage[0].base) in IMAGES_WITH_PIP and removed_at is None:
        problems.append(f"the final stage keeps the pip of {lineage[0].base} (no `pip uninstall --yes pip`)")
    for command in commands_in_order[0 if removed_at is None else removed_at + 1 :]:
        arguments = pip_arguments(command)
        if (arguments and pip_subcommand(arguments) == "install") or "ensurepip" in command:
            problems.append(f"the final stage runs pip or ensurepip after the last pip removal: {' '.join(command)}")
    for instruction, args in final.instructions:
        words = shlex.split(args)
        source_stage = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
        if instruction != "COPY" or source_stage is None:
            continue
        origin = next((s for s in stages if s.name == source_stage.lower()), None)
        if origin is None:
            problems.append(f"COPY {args}: copies from an image, which this check cannot see into")
            continue
        sources = [w for w in words if not w.startswith("--")][:-1]
        for command in runs(origin):
            if "venv" in command and "--without-pip" not in command and set(sources) & set(command):
                problems.append(f"COPY {args}: that venv was made with pip in it (use --without-pip)")
    return problems


def user_problems(stages: list[Stage]) -> list[str]:
    final = stages[-1].instructions
    users = [(i, args) for i, (instruction, args) in enumerate(final) if instruction == "USER"]
    if not users:
        return ["the final stage has no USER, so it runs as root"]
    position, user = users[-1]
    problems = []
    uid = user.split(":")[0]
    if not uid.isdigit() or int(uid) == 0:
        problems.append(f"USER {user}: not a numeric non-root UID (a name cannot be checked without the image)")
    if any(instruction == "RUN" for instruction, _ in final[position + 1 :]):
        problems.append(f"USER {user} comes before a RUN, which then runs as that user")
    return problems


def remote_add_problems(stages: list[Stage]) -> list[str]:
    return [
        f"ADD {args}: fetches from the network at build time, unpinned"
        for stage in stages
        for instruction, args in stage.instructions
        if instruction == "ADD" and any(REMOTE.match(word) for word in shlex.split(args))
    ]


def build_context(app_dir: Path) -> Path:
    """The directory the Dockerfile's first line names (`# Build context: <path>`, from the repository root),
    or the app's own directory."""
    first = (app_dir / "Dockerfile").read_text().splitlines()[:1]
    match = re.fullmatch(r"# Build context: (\S+)", first[0]) if first else None
    return (APPS_DIR.parent / match[1]).resolve() if match else app_dir


def _ignored(path: str, patterns: list[str]) -> str | None:
    """The pattern that leaves `path` out of the context, or None: the last pattern matching the path or a
    folder above it decides, and one starting with `!` brings it back (Docker's .dockerignore rules)."""
    parts = path.split("/")
    decided = None
    for pattern in patterns:
        keep = pattern.startswith("!")
        glob = pattern.removeprefix("!").strip("/")
        if any(fnmatch("/".join(parts[:end]), glob) for end in range(1, len(parts) + 1)):
            decided = None if keep else pattern
    return decided


def ignored_problems(app_dir: Path, context: Path, copied: list[Path]) -> list[str]:
    """A lock that the ignore file leaves out of the build context would fail the COPY. BuildKit reads
    `<Dockerfile>.dockerignore` beside the Dockerfile before the context's `.dockerignore`."""
    ignore = next(
        (path for path in (app_dir / "Dockerfile.dockerignore", context / ".dockerignore") if path.is_file()), None
    )
    lines = [line.strip() for line in ignore.read_text().splitlines()] if ignore else []
    patterns = [line for line in lines if line and not line.startswith("#")]
    return [
        f"{path.name} is left out of the build context by {ignore.name}'s {pattern!r}"
        for path in copied
        if ignore and (pattern := _ignored(path.relative_to(context).as_posix(), patterns))
    ]


def image_problems(app_dir: Path, read) -> list[str]:
    """Every rule's problems for one app directory."""
    stages = parse_stages(read(app_dir / "Dockerfile"))
    context = build_context(app_dir)
    problems, locks = install_problems(stages, context)
    problems += pinning_problems(stages) + final_pip_problems(stages) + user_problems(stages)
    problems += remote_add_problems(stages)
    problems += ignored_problems(app_dir, context, locks)
    for lock in locks:
        if not lock.is_file():
            problems.append(f"{lock.name} does not exist")
            continue
        entries, lock_problems = read_lock(lock)
        problems += lock_problems + coverage_problems(entries, app_dir / "requirements.txt")
    return problems


def test_every_app_has_an_image_definition():
    assert {path.name for path in APP_DIRS} >= {"cats", "image_assessor", "batch_worker", "job_api"}


@pytest.mark.parametrize("app_dir", APP_DIRS, ids=lambda path: path.name)
def test_image_definition_meets_every_rule(app_dir, read_dockerfile):
    assert image_problems(app_dir, read_dockerfile) == []


@pytest.mark.parametrize("app_dir", APP_DIRS, ids=lambda path: path.name)
def test_the_lock_pins_the_versions_the_tests_ran_with(app_dir):
    entries, problems = read_lock(app_dir / "requirements.lock")
    assert problems == []
    for entry in entries:
        if entry.requirement.marker is None or entry.requirement.marker.evaluate():
            assert version(entry.requirement.name) == pinned_version(entry), entry.requirement.name


def test_every_app_builds_on_the_same_slim_python_base(read_dockerfile):
    # One digest to refresh: an app left on an older base would be missed.
    bases = {stage.base for app_dir in APP_DIRS for stage in parse_stages(read_dockerfile(app_dir / "Dockerfile"))}
    assert len(bases) == 1, bases
    assert SLIM_PYTHON.match(bases.pop())


# The rules against definitions that break them, so none of them passes whatever it is given.

OLD_STYLE = """\
FROM python:3.11.11-slim-bookworm
COPY requirements.txt /app/requirements.txt
RUN pip install --no-cache-dir --requirement /app/requirements.txt
COPY . /app/
CMD ["python", "-m", "app"]
"""
GOOD = """\
FROM python:3.11.11-slim-bookworm@sha256:{digest} AS build
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv --without-pip /opt/venv \\
    && python -m pip --python /opt/venv/bin/python install --require-hashes --no-deps -r /tmp/requirements.lock
FROM python:3.11.11-slim-bookworm@sha256:{digest}
RUN python -m pip uninstall --yes setuptools wheel pip
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
""".replace("{digest}", "a" * 64)
LOCK = "demo==1.0 \\\n    --hash=sha256:" + "b" * 64 + "\n    # via -r requirements.txt\n"


@pytest.fixture
def app(tmp_path):
    def make(dockerfile: str, lock: str | None = LOCK, requirements: str = "demo>=1,<2\n") -> Path:
        (tmp_path / "Dockerfile").write_text(dockerfile)
        (tmp_path / "requirements.txt").write_text(requirements)
        if lock is not None:
            (tmp_path / "requirements.lock").write_text(lock)
        return tmp_path

    return make


def test_a_definition_that_meets_every_rule_passes(app, read_dockerfile):
    assert image_problems(app(GOOD), read_dockerfile) == []


def test_the_old_single_stage_definition_breaks_every_rule(app, read_dockerfile):
    problems = "\n".join(image_problems(app(OLD_STYLE, lock=None), read_dockerfile))
    assert "FROM python:3.11.11-slim-bookworm is not pinned" in problems
    assert "no --require-hashes" in problems
    assert "no --no-deps" in problems
    assert "requirements.txt: 'demo>=1,<2' has no --hash=sha256:" in problems
    assert "keeps the pip of python:3.11.11-slim-bookworm" in problems
    assert "no USER" in problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("@sha256:" + "a" * 64 + " AS build", " AS build"), "is not pinned by @sha256"),
        (("@sha256:" + "a" * 64 + "\nRUN", "@sha256:" + "a" * 63 + "\nRUN"), "is not pinned by @sha256"),
        (("--require-hashes ", ""), "no --require-hashes"),
        (("--no-deps ", ""), "no --no-deps"),
        (("-r /tmp/requirements.lock", "-r /tmp/requirements.lock flask"), "names packages outside the lock"),
        (("COPY requirements.lock /tmp/requirements.lock", "COPY requirements.lock /tmp/other.lock"), "not copied"),
        (("RUN python -m pip uninstall --yes setuptools wheel pip", "RUN true"), "keeps the pip"),
        (("uninstall --yes setuptools", "uninstall setuptools"), "keeps the pip"),
        (("uninstall --yes setuptools wheel pip", "uninstall --yes setuptools wheel"), "keeps the pip"),
        (("USER 10001:10001", "USER 10001:10001\nRUN python -m ensurepip"), "after the last pip removal"),
        (("USER 10001:10001", "RUN pip3 install --require-hashes --no-deps -r x\nUSER 1"), "last pip removal"),
        (("venv --without-pip /opt/venv", "venv /opt/venv"), "made with pip in it"),
        (("COPY --from=build", "COPY --from=python:3.12"), "cannot see into"),
        (("USER 10001:10001", "USER root"), "not a numeric non-root UID"),
        (("USER 10001:10001", "USER 0:0"), "not a numeric non-root UID"),
        (("USER 10001:10001", "USER 10001:10001\nRUN true"), "comes before a RUN"),
        (("USER 10001:10001", ""), "no USER"),
        (("USER 10001", "ADD https://example.com/tool.tgz /opt/\nUSER 10001"), "fetches from the network"),
    ],
)
def test_each_rule_catches_a_definition_that_breaks_it(app, read_dockerfile, change, expected):
    old, new = change
    assert old in GOOD
    problems = image_problems(app(GOOD.replace(old, new, 1)), read_dockerfile)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("lock", "requirements", "expected"),
    [
        ("demo==1.0\n", "demo\n", "has no --hash=sha256:"),
        ("demo==1.0 --hash=sha256:abc\n", "demo\n", "has no --hash=sha256:"),
        ("demo>=1.0 --hash=sha256:" + "b" * 64 + "\n", "demo\n", "is not pinned with one exact =="),
        ("--index-url x\n" + LOCK, "demo\n", "is not a requirement"),
        ("", "demo\n", "no requirements"),
        (LOCK, "demo\nother-package\n", "other-package from requirements.txt is missing from the lock"),
        (LOCK, "demo>=2\n", "outside requirements.txt's 'demo>=2'"),
    ],
)
def test_lock_rules_catch_a_bad_lock(app, read_dockerfile, lock, requirements, expected):
    problems = image_problems(app(GOOD, lock=lock, requirements=requirements), read_dockerfile)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize("pattern", ["requirements.lock", "*.lock", "/requirements.*"])
def test_a_lock_left_out_of_the_build_context_is_caught(app, read_dockerfile, pattern):
    app_dir = app(GOOD)
    (app_dir / ".dockerignore").write_text(f"# build context\n__pycache__/\n{pattern}\n")
    problems = image_problems(app_dir, read_dockerfile)
    assert problems == [f"requirements.lock is left out of the build context by .dockerignore's {pattern!r}"]


def test_names_are_compared_normalised(app, read_dockerfile):
    lock = LOCK.replace("demo==", "Demo_Package==")
    assert image_problems(app(GOOD, lock=lock, requirements="demo.package==1.0\n"), read_dockerfile) == []


def test_an_ignore_file_beside_the_dockerfile_and_its_exceptions_decide(app, read_dockerfile):
    app_dir = app(GOOD)
    (app_dir / "Dockerfile.dockerignore").write_text("*\n!requirements.lock\n")
    assert image_problems(app_dir, read_dockerfile) == []
    (app_dir / "Dockerfile.dockerignore").write_text("*\n!requirements.lock\nrequirements.*\n")
    problems = image_problems(app_dir, read_dockerfile)
    assert problems == [
        "requirements.lock is left out of the build context by Dockerfile.dockerignore's 'requirements.*'"
    ]


def test_a_context_named_on_the_first_line_is_where_copies_come_from(tmp_path, read_dockerfile):
    # The job API's context is the repository root: its lock is copied as apps/job_api/requirements.lock.
    job_api = APPS_DIR / "job_api"
    assert build_context(job_api) == APPS_DIR.parent
    _, locks = install_problems(parse_stages(read_dockerfile(job_api / "Dockerfile")), build_context(job_api))
    assert locks == [job_api / "requirements.lock"]

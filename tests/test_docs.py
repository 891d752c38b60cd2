"""The code blocks and links of README.md and docs/: what the pages show runs, and what they link exists.

Every fenced block carries an info string saying what it is and how it is checked (docs/README.md,
"Code blocks in these docs"):

- `sh`: shell commands that run offline from the repository root; run with `bash -e`, venv/bin first on PATH.
- `console`: `$ command` lines with the output they print; each command runs offline and must exit 0, and
  the output lines shown must appear in its output in that order (a `...` line stands for lines left out;
  runs of spaces compare as one).
- `python`: program fragments declaring components; a page's blocks run in order, in one namespace, under
  the Pulumi mocks (harness.program.run_callable).
- `yaml`: must parse; a stack-file fragment (`ecs-workloads:` keys, at the top or under `config:`) must
  pass the settings models. `json`: must parse.
- Not run, each reported as a skipped case with its page and line so nothing is dropped silently:
  `sh aws` / `console aws` (need the Pulumi CLI, AWS credentials or a deployed stack), `sh local` (run in
  order, in one shell, against a started local system by tests/reliability/test_local_cli.py), `sh manual` (offline,
  but minutes long, on the network or writing into the repository: `make test`, benchmarks, `pip install`),
  `text` (output, messages, sketches), `mermaid` and `typescript` (programs using the package from TypeScript;
  tests/package/test_examples.py checks examples/typescript against the package's schema).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from harness.program import run_callable
from stack.config import NAMESPACE, settings_from_raw
from tests.docs_blocks import PAGES, ROOT, Block, blocks, tokens

NOT_RUN = {
    "sh aws": "needs the Pulumi CLI, AWS credentials or a deployed stack",
    "console aws": "needs the Pulumi CLI, AWS credentials or a deployed stack",
    "sh local": "runs against a started local system: tests/reliability/test_local_cli.py runs docs/local.md's",
    "sh manual": "minutes long, on the network or writing into the repository (make test, benchmarks): run by hand",
    "text": "shown, not run",
    "mermaid": "a diagram",
    "typescript": "another language's program: examples/typescript is checked against the schema by tests/package",
}
RUN = ("sh", "console", "python", "yaml", "json")
BLOCKS = blocks()


def _environment() -> dict[str, str]:
    return {**os.environ, "PATH": f"{ROOT / 'venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}


def test_every_block_says_what_it_is():
    unknown = [f"{b.where}: {b.info!r}" for b in BLOCKS if b.info not in RUN and b.info not in NOT_RUN]
    assert unknown == [], f"fenced blocks need one of {[*RUN, *NOT_RUN]} as info string"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.info in NOT_RUN], ids=lambda b: b.where)
def test_blocks_that_are_not_run(block: Block):
    pytest.skip(f"{block.info}: {NOT_RUN[block.info]}")


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.info == "sh"], ids=lambda b: b.where)
def test_shell_block_runs(block: Block):
    done = subprocess.run(
        ["bash", "-e", "-c", block.code], cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{block.where}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.info == "console"], ids=lambda b: b.where)
def test_console_block_prints_what_it_shows(block: Block):
    for command, shown in _console_steps(block.code):
        done = subprocess.run(
            ["bash", "-e", "-c", command], cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{block.where}: `{command}` exit {done.returncode}\n{done.stderr}"
        # Compared with runs of spaces collapsed: a page shows what a command prints, not its column widths.
        printed = [" ".join(line.split()) for line in (done.stdout + done.stderr).splitlines()]
        position = 0
        for line in (" ".join(line.split()) for line in shown):
            if line == "...":
                continue
            assert line in printed[position:], f"{block.where}: `{command}` did not print {line!r}\n{done.stdout}"
            position = printed.index(line, position) + 1


def _console_steps(code: str) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line.rstrip())
        else:
            raise AssertionError(f"a console block starts with a `$ ` command, not {line!r}")
    return steps


@pytest.mark.parametrize(
    "page", sorted({b.page for b in BLOCKS if b.info == "python"}), ids=lambda p: str(p.relative_to(ROOT))
)
def test_python_blocks_run_under_the_mocks(page: Path):
    blocks = [b for b in BLOCKS if b.page == page and b.info == "python"]
    namespace: dict = {}

    def program() -> None:
        for block in blocks:
            exec(compile(block.code, block.where, "exec"), namespace)

    recording = run_callable(program)
    assert recording.registrations, f"{page}: the examples declare nothing"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.info == "yaml"], ids=lambda b: b.where)
def test_yaml_block_parses_and_stack_config_is_valid(block: Block):
    document = YAML(typ="safe").load(block.code)
    if isinstance(document, dict) and isinstance(document.get("config"), dict):
        document = document["config"]
    prefix = f"{NAMESPACE}:"
    if isinstance(document, dict) and any(str(key).startswith(prefix) for key in document):
        settings_from_raw({key[len(prefix) :]: value for key, value in document.items() if key.startswith(prefix)})


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.info == "json"], ids=lambda b: b.where)
def test_json_block_parses(block: Block):
    json.loads(block.code)


def _links(page: Path) -> list[str]:
    found = []
    for token in tokens(page):
        for child in token.children or []:
            if child.type == "link_open":
                found.append(str(child.attrs["href"]))
    return found


@cache
def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered."""
    anchors: set[str] = set()
    parsed = tokens(page)
    for index, token in enumerate(parsed):
        if token.type != "heading_open":
            continue
        text = "".join(child.content for child in parsed[index + 1].children or [])
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        anchor, repeat = slug, 0
        while anchor in anchors:
            repeat += 1
            anchor = f"{slug}-{repeat}"
        anchors.add(anchor)
    return anchors


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path):
    broken = []
    for href in _links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):
            continue
        path, _, anchor = href.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(f"{href}: no {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
        elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
            broken.append(f"{href}: no heading #{anchor} in {target.relative_to(ROOT)}")
    assert broken == [], f"{page.relative_to(ROOT)}: broken links"


def test_every_docs_page_is_linked_from_the_readme_or_the_docs_index():
    linked = {
        (source.parent / href.partition("#")[0]).resolve()
        for source in (ROOT / "README.md", ROOT / "docs" / "README.md")
        for href in _links(source)
        if href.partition("#")[0]
    }
    pages = {page for page in (ROOT / "docs").glob("*.md") if page.name != "README.md"}
    pages.add(ROOT / "docs" / "components" / "README.md")
    assert sorted(str(p.relative_to(ROOT)) for p in pages - linked) == []


def test_the_readme_stays_a_front_door():
    # What it is, the two commands, deploy and destroy, the layout and links; the reference lives in docs/.
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250

"""No import cycles among the first-party packages, read from the source with `ast`.

Every import counts, wherever it is written: at module level, inside a function, and under
`if TYPE_CHECKING:`, because a type-checking import is how a cycle is usually hidden rather than removed.

`ecs_workloads/__init__.py` is a facade that loads nothing at import time: `from ecs_workloads import X`
loads the one module its `_EXPORTS` table names for `X`, so such an import is an edge to that module, not
to the package. The facade's own `TYPE_CHECKING` imports of every declaring module are edges too; a
component importing its own facade would therefore show up as the cycle it is for type checkers.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository folders whose installed name differs from the folder's (components/ is `ecs_workloads`).
INSTALLED_AS = {
    folder: package
    for package, folder in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ].items()
}
# Every package at the repository root (the library, its CLI, and stack, harness, plan, policy, local), by the
# name it imports as. Left out: the container apps under apps/, which import nothing of the repository's, and
# the bench/ scripts, which nothing imports; neither can close a cycle.
FOLDERS = {
    init.parent.name: INSTALLED_AS.get(init.parent.name, init.parent.name) for init in ROOT.glob("*/__init__.py")
}
LAZY_EXPORTS = "_EXPORTS"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    where: str  # path:line of the import, for the failure message


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool


def modules(root: Path, folders: dict[str, str]) -> dict[str, Module]:
    """Every module under `folders` (repository folder -> dotted name it imports as)."""
    found = {}
    for folder, package in folders.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = path.relative_to(root / folder).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            name = ".".join([package, *(parts[:-1] if is_package else parts)])
            found[name] = Module(name, path, is_package)
    return found


def _lazy_exports(tree: ast.Module) -> dict[str, str]:
    """A facade package's `_EXPORTS = {"Name": "submodule", ...}` table, if it has one."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == LAZY_EXPORTS for t in node.targets):
            return ast.literal_eval(node.value)
    return {}


def _imported(module: Module, tree: ast.Module) -> Iterator[tuple[str, str | None, int]]:
    """(module named, name imported from it or None, line) for every import statement in the file."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.name.split(".")
                if not module.is_package:
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(filter(None, [*package, base]))
            for alias in node.names:
                yield base, alias.name, node.lineno


def import_graph(root: Path, folders: dict[str, str]) -> list[Edge]:
    found = modules(root, folders)
    trees = {name: ast.parse(module.path.read_text(), str(module.path)) for name, module in found.items()}
    exports = {name: _lazy_exports(tree) for name, tree in trees.items() if found[name].is_package}
    edges = []
    for name, tree in trees.items():
        for base, imported, line in _imported(found[name], tree):
            if imported is not None and f"{base}.{imported}" in found:
                target = f"{base}.{imported}"
            elif imported is not None and imported in exports.get(base, {}):
                target = f"{base}.{exports[base][imported]}"
            else:
                # `import a.b.c` or `from a.b import name`: the longest first-party module the name starts with.
                parts = base.split(".")
                candidates = [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
                target = next((c for c in candidates if c in found), None)
            if target is not None and target != name:
                edges.append(Edge(name, target, f"{found[name].path.relative_to(root)}:{line}"))
    return edges


def cycles(edges: list[Edge]) -> list[list[Edge]]:
    """One cycle through each strongly connected group of modules (Tarjan's algorithm, then a walk)."""
    graph: dict[str, list[Edge]] = {}
    for edge in edges:
        graph.setdefault(edge.source, []).append(edge)
        graph.setdefault(edge.target, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for edge in graph[node]:
            if edge.target not in index:
                connect(edge.target)
                low[node] = min(low[node], low[edge.target])
            elif edge.target in stack:
                low[node] = min(low[node], index[edge.target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_cycle_within(graph, group) for group in groups]


def _cycle_within(graph: dict[str, list[Edge]], group: set[str]) -> list[Edge]:
    """The shortest way from the group's first module back to itself, staying inside the group."""
    start = min(group)
    paths: dict[str, list[Edge]] = {start: []}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for edge in graph[node]:
                if edge.target == start:
                    return [*paths[node], edge]
                if edge.target in group and edge.target not in paths:
                    paths[edge.target] = [*paths[node], edge]
                    following.append(edge.target)
        frontier = following
    raise AssertionError(f"no cycle within {group}")


def between_packages(edges: list[Edge], packages: list[str]) -> list[Edge]:
    """The edges between the top-level packages (`ecs_workloads.ops` is one apart from `ecs_workloads`)."""

    def owner(module: str) -> str:
        return max((p for p in packages if module == p or module.startswith(f"{p}.")), key=len)

    return [Edge(owner(e.source), owner(e.target), e.where) for e in edges if owner(e.source) != owner(e.target)]


def _describe(cycle: list[Edge]) -> str:
    return " -> ".join([cycle[0].source, *(f"{e.target} ({e.where})" for e in cycle)])


def test_first_party_packages_import_without_cycles() -> None:
    found = cycles(import_graph(ROOT, FOLDERS))
    assert not found, "import cycles:\n" + "\n".join(_describe(c) for c in found)


def test_top_level_packages_import_without_cycles() -> None:
    """Modules may avoid a cycle while their packages form one (plan -> policy -> plan): layers stay layers."""
    found = cycles(between_packages(import_graph(ROOT, FOLDERS), list(FOLDERS.values())))
    assert not found, "import cycles between packages:\n" + "\n".join(_describe(c) for c in found)


def test_the_graph_holds_the_imports_that_matter() -> None:
    """The check above sees real edges: absolute, relative, from the facade, and the harness's users."""
    edges = {(e.source, e.target) for e in import_graph(ROOT, FOLDERS)}
    assert {
        ("plan.__main__", "harness.program"),
        ("policy.evaluate", "harness.program"),
        ("stack.system", "stack.foundation"),
        ("stack.system", "ecs_workloads.alarm_topic"),  # `from ecs_workloads import AlarmTopic`
        ("ecs_workloads.ops.cli", "ecs_workloads.ops.api_token"),  # `from . import api_token`
        ("ecs_workloads", "ecs_workloads.alb_web_service"),  # under TYPE_CHECKING
    } <= edges


def test_a_cycle_hidden_under_type_checking_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text('_EXPORTS = {"Builder": "builder"}\n')
    (package / "settings.py").write_text("from .builder import build\n")
    (package / "builder.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.system import System\n"
    )
    (package / "system.py").write_text("from pkg import Builder\nfrom . import settings\n")
    found = cycles(import_graph(tmp_path, {"pkg": "pkg"}))
    assert [[(e.source, e.target) for e in cycle] for cycle in found] == [
        [("pkg.builder", "pkg.system"), ("pkg.system", "pkg.builder")]
    ]
    assert _describe(found[0]) == "pkg.builder -> pkg.system (pkg/builder.py:3) -> pkg.builder (pkg/system.py:1)"

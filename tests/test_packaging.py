"""The installed library is one namespaced package, and its CLI starts without the Pulumi provider SDKs."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
# The repository folders that are installed, and the names they are installed under.
INSTALLED = {folder: package for package, folder in PYPROJECT["package-dir"].items()}
GENERIC = {"components", "ops"}


def _package_folders() -> set[str]:
    found = set()
    for folder in INSTALLED:
        for init in (ROOT / folder).rglob("__init__.py"):
            found.add(str(init.parent.relative_to(ROOT)))
    return found


def test_every_package_folder_is_installed() -> None:
    """A subpackage missing from pyproject's list would import in the repository and be absent when installed."""

    def installed_name(folder: str) -> str:
        top, _, rest = folder.partition("/")
        return ".".join(filter(None, [INSTALLED[top], rest.replace("/", ".")]))

    assert sorted(installed_name(folder) for folder in _package_folders()) == sorted(PYPROJECT["packages"])


def test_no_source_imports_the_repository_folder_names() -> None:
    """`components`/`ops` exist only in the repository: an import of them works here and breaks when installed."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        if {"venv", ".venv", "build"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names if n.split(".")[0] in GENERIC]
    assert offenders == []


def test_the_wheel_holds_only_the_namespaced_package(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ecs_workloads-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"ecs_workloads"}
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    # -S: no .pth files, so the repository's editable install cannot answer the import instead of the wheel.
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    probe = (
        "import ecs_workloads, sys;"
        "from ecs_workloads import AlbWebService, QueueBackedBatchService, ScheduledEcsTask;"
        "print(ecs_workloads.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        env={"PYTHONPATH": f"{target}:{site_packages}"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == str(target / "ecs_workloads" / "__init__.py")


def test_the_cli_does_not_load_the_provider_sdks() -> None:
    probe = (
        "import sys; import ecs_workloads.ops.cli;"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi_aws', 'pulumi_awsx', 'pulumi'));"
        "print(','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == ""


def test_the_lazy_exports_match_what_type_checkers_see() -> None:
    """`__getattr__` serves `_EXPORTS`; type checkers read the TYPE_CHECKING imports: both must name the same."""
    import ecs_workloads

    tree = ast.parse((ROOT / "components" / "__init__.py").read_text())
    guarded = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    seen = {
        alias.name: node.module for node in guarded.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    assert seen == ecs_workloads._EXPORTS
    assert all(getattr(ecs_workloads, name).__name__ == name for name in ecs_workloads.__all__)

"""A stage's code deps are its import closure (stages/code_deps.py): what counts as an import, how dvc.yaml's
deps are checked against it, that `code_version` keys follow it, and that `dvc status` then sees exactly the
edits to code a stage runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stages import code_deps
from stages.common import code_version

ROOT = Path(__file__).resolve().parents[1]
DVC = Path(sys.prefix) / "bin" / "dvc"


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small stages/ package with one edge of each kind, and modules that nothing imports."""
    return tree(
        tmp_path,
        {
            "stages/__init__.py": "",
            "stages/stage_a.py": (
                "from typing import TYPE_CHECKING\n"
                "from stages.lib import helper\n"
                "if TYPE_CHECKING:\n    from stages import typed_only\n"
                "def run():\n    from stages.pkg.lazy import f\n    return f()\n"
                "PLUGINS = {'x': 'stages.plugin:Plugin'}\n"
                "WORKER = ['-m', 'stages.worker']\n"
            ),
            "stages/lib.py": "from . import leaf\nhelper = 1\n",
            "stages/leaf.py": "",
            "stages/typed_only.py": "",
            "stages/plugin.py": "",
            "stages/worker.py": "",
            "stages/pkg/__init__.py": "",
            "stages/pkg/lazy.py": "def f():\n    return 1\n",
            "stages/pkg/data/conf.yaml": "a: 1\n",
            "stages/unused.py": "import stages.stage_a\n",
        },
    )


def test_closure_counts_top_level_lazy_registry_and_module_name_imports_but_not_type_checking(project):
    assert code_deps.closure("stages.stage_a", root=project) == [
        "stages/__init__.py",
        "stages/leaf.py",  # relative import, through lib
        "stages/lib.py",
        "stages/pkg/__init__.py",  # the package a lazily imported module lives in runs first
        "stages/pkg/data/conf.yaml",  # a package's data files count with it
        "stages/pkg/lazy.py",
        "stages/plugin.py",  # "module:attribute", a registry target
        "stages/stage_a.py",
        "stages/worker.py",  # run by name: python -m stages.worker
    ]


def test_coverage_names_missing_files_and_deps_outside_the_closure(project):
    files = code_deps.closure("stages.stage_a", root=project)
    assert code_deps.coverage(code_deps.as_deps(files, project), files, project) == ([], [])
    assert code_deps.as_deps(files, project)[3] == "stages/pkg"  # the whole directory is in the closure
    missing, extra = code_deps.coverage(
        ["stages/stage_a.py", "stages/lib.py", "stages/unused.py"], files, project
    )
    assert "stages/pkg/lazy.py" in missing and "stages/plugin.py" in missing
    assert extra == ["stages/unused.py"]
    # a directory is a dep only when every file in it is in the closure
    (project / "stages/pkg/other.py").write_text("")
    files = code_deps.closure("stages.stage_a", root=project)
    assert "stages/pkg" not in code_deps.as_deps(files, project)
    assert code_deps.coverage(["stages/pkg"], files, project)[1] == ["stages/pkg"]


def test_refresh_rewrites_only_the_code_deps_of_each_stage(project):
    dvc_yaml = (
        "stages:\n"
        "  stage_a:\n"
        "    cmd: scripts/stage stage_a\n"
        "    deps:\n"
        "      - stages/stage_a.py\n"
        "      - stages/unused.py\n"
        "      - data/in  # data stays\n"
        "    outs:\n"
        "      - data/out\n"
    )
    out = code_deps.refresh(dvc_yaml, project)
    files = code_deps.closure("stages.stage_a", root=project)
    deps = [line.strip()[2:] for line in out.splitlines() if line.strip().startswith("- stages/")]
    assert deps == code_deps.as_deps(files, project)
    assert "      - data/in  # data stays\n    outs:\n      - data/out\n" in out
    assert code_deps.refresh(out, project) == out


def test_code_version_changes_exactly_when_code_the_module_runs_changes(project):
    before = code_version("stages.stage_a", root=project)
    (project / "stages/unused.py").write_text("import stages.stage_a  # edited\n")
    assert code_version("stages.stage_a", root=project) == before
    (project / "stages/pkg/lazy.py").write_text("def f():\n    return 2\n")
    changed = code_version("stages.stage_a", root=project)
    assert changed != before
    (project / "stages/pkg/data/conf.yaml").write_text("a: 2\n")
    assert code_version("stages.stage_a", root=project) != changed


def test_the_stages_cache_keys_hash_their_stage_closure():
    """Each code_version caller keys its cache on its own stage module's closure (the dvc.yaml code deps)."""
    for module in ("generate_tests", "evaluate", "train", "lintseq"):
        source = (ROOT / "stages" / f"{module}.py").read_text()
        assert f"code_version('stages.{module}')" in source or f'code_version("stages.{module}")' in source


def dvc(cwd: Path, *args: str) -> str:
    proc = subprocess.run([str(DVC), *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"dvc {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout


PLACEHOLDERS = """
from pathlib import Path
from dvc.repo import Repo

for stage in Repo(".").index.stages:
    for entry in [*stage.deps, *stage.outs]:
        rel = Path(entry.def_path)
        if rel.parts[0] == "stages" or hasattr(entry, "params") or rel.exists():
            continue
        if rel.suffix in (".json", ".jsonl", ".md", ".png"):
            rel.parent.mkdir(parents=True, exist_ok=True)
            rel.write_text("{}")
        else:
            rel.mkdir(parents=True, exist_ok=True)
            (rel / "placeholder").write_text("")
"""


@pytest.mark.slow
def test_dvc_status_sees_an_edit_to_code_a_stage_runs_and_nothing_else(tmp_path):
    """In a copy of the graph, committed over placeholder data: an edit to a module no stage imports changes
    nothing, and an edit to stages/languages/oracle.py (which translation runs) changes translate@lua."""
    shutil.copytree(ROOT / "stages", tmp_path / "stages", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("dvc.yaml", "params.yaml", ".dvcignore"):
        shutil.copy(ROOT / name, tmp_path / name)
    dvc(tmp_path, "init", "--no-scm", "-q")
    subprocess.run([sys.executable, "-c", PLACEHOLDERS], cwd=tmp_path, check=True)
    dvc(tmp_path, "commit", "--force", "-q")

    unused = "stages/readme.py"
    assert all(unused not in code_deps.closure(f"stages.{s}") for s in ("translate", "evaluate", "report"))
    with (tmp_path / unused).open("a") as f:
        f.write("# edited\n")
    assert json.loads(dvc(tmp_path, "status", "--json")) == {"input_manifest": ["always changed"]}

    oracle = "stages/languages/oracle.py"
    with (tmp_path / oracle).open("a") as f:
        f.write("# edited\n")
    status = json.loads(dvc(tmp_path, "status", "--json"))
    assert status["translate@lua"] == [{"changed deps": {"stages/languages": "modified"}}]
    committed = yaml.safe_load((tmp_path / "dvc.lock").read_text())["stages"]
    runs_oracle = {
        name
        for name in committed
        if oracle in code_deps.closure(f"stages.{name.partition('@')[0]}", root=tmp_path)
    }
    assert {"translate@lua", "build_benchmark"} <= runs_oracle
    assert set(status) - {"input_manifest"} == runs_oracle, "exactly the stages whose closure holds oracle.py"

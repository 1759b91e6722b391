"""A user's clone of the project, set up and run as the README says, for the e2e tests.

A tree is the tracked and untracked-but-not-ignored files (what `git clone` gives), the tiny preset applied and
committed, and `.venv` pointing at the environment `make setup` built (a clone's set-up would build the same
one). Commands run from a fresh shell: PATH without the virtual environment, nothing activated.

SmolLM2 (the embedded default) writes the tree's data and is evaluated as the base model; the experiments
fine-tune tests/tiny_model.py's random Llama instead, a second entry of `model.models` (source `local`). Training
SmolLM2 four times cost most of the run's minutes and ~20 GB of checkpoints and model copies; the tiny model runs
the same stages (prepare_model, build_sft, train, evaluate) in seconds and a few megabytes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
DVC = ".venv/bin/dvc"
POLYFORGE = ".venv/bin/polyforge"


def fresh_shell_env(cache: Path, **extra: str) -> dict[str, str]:
    """The environment of a new terminal: the venv is not on PATH and not activated."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHASHSEED")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if Path(p) != VENV / "bin")
    env["POLYFORGE_CACHE"] = str(cache)
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "polyforge-test"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "test@polyforge.invalid"
    env.update(extra)
    return env


def sh(cmd: list[str] | str, cwd: Path, env: dict[str, str], timeout: int = 1500) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, shell=isinstance(cmd, str)
    )
    if proc.returncode != 0:
        shown = cmd if isinstance(cmd, str) else " ".join(cmd)
        raise AssertionError(
            f"{shown} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc.stdout + proc.stderr


def copy_project(dest: Path) -> None:
    """The project as a user's clone holds it: tracked and untracked-but-not-ignored files."""
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


def make_tree(dest: Path, env: dict[str, str], params: dict[str, object] | None = None) -> Path:
    """A clone with the tiny preset (and `params`, dotted keys) applied and committed; nothing run yet."""
    dest.mkdir(parents=True, exist_ok=True)
    copy_project(dest)
    (dest / ".venv").symlink_to(VENV)
    sh(["git", "init", "-q", "-b", "main"], dest, env)
    sh([POLYFORGE, "preset", "params/tiny.yaml"], dest, env)
    train_tiny_model(dest)
    if params:
        set_params(dest, params)
    sh(["git", "add", "-A"], dest, env)
    sh(["git", "commit", "-qm", "tiny run"], dest, env)
    return dest


TINY_MODEL = "tiny-model"  # the folder, relative to the tree, that model.models.tiny copies


def train_tiny_model(repo: Path) -> None:
    """Add tests/tiny_model.py's model as `model.models.tiny` and make every experiment fine-tune it. The folder
    lives in the tree under a relative path, so two trees prepare byte-identical models (the build is
    deterministic) and their identities agree."""
    from tests.tiny_model import build_tiny_model

    # 4096 positions: the tiny tokenizer spends many tokens on a benchmark prompt
    build_tiny_model(repo / TINY_MODEL, max_positions=4096)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["model"]["models"]["tiny"] = {"source": "local", "name": "tiny-llama", "path": TINY_MODEL}
    for experiment in params["training"]["experiments"].values():
        experiment["model"] = "tiny"
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def set_params(repo: Path, values: dict[str, object]) -> None:
    params = yaml.safe_load((repo / "params.yaml").read_text())
    for key, value in values.items():
        node = params
        *parents, leaf = key.split(".")
        for part in parents:
            node = node[part]
        assert leaf in node, f"{key} is not in params.yaml"
        node[leaf] = value
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def ran_stages(output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", output))


def out_hashes(repo: Path, env: dict[str, str]) -> dict[str, str]:
    """Every out of every stage dvc.yaml defines and the lock holds (a partial repro locks only what it ran), from
    dvc.lock: path -> md5 (a directory's md5 covers its files). The lock also keeps entries of stages no longer
    defined (languages the tiny preset does not list)."""
    defined = set(sh([DVC, "stage", "list", "--name-only"], repo, env).split())
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
    return {out["path"]: out["md5"] for name in defined for out in lock.get(name, {}).get("outs", [])}


def dir_listing(repo: Path, md5: str) -> dict[str, str]:
    """relpath -> md5 of a directory out, from the `.dir` manifest DVC keeps in the tree's cache."""
    if not md5.endswith(".dir"):
        return {}
    manifest = repo / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    if not manifest.exists():
        return {}
    return {entry["relpath"]: entry["md5"] for entry in json.loads(manifest.read_text())}


def explain_differences(mine: tuple[Path, dict[str, str]], theirs: tuple[Path, dict[str, str]]) -> str:
    """Which outs differ and, inside a differing directory, which files: a failure names the file to look at."""
    (repo_a, a), (repo_b, b) = mine, theirs
    lines = []
    for path in sorted(set(a) | set(b)):
        if a.get(path) == b.get(path):
            continue
        lines.append(f"{path}: {a.get(path)} != {b.get(path)}")
        files_a, files_b = dir_listing(repo_a, a.get(path, "")), dir_listing(repo_b, b.get(path, ""))
        for name in sorted(set(files_a) | set(files_b)):
            if files_a.get(name) != files_b.get(name):
                lines.append(f"    {name}: {files_a.get(name)} != {files_b.get(name)}")
    return "\n".join(lines)


def generation_record(repo: Path, stage: str) -> dict:
    return json.loads((repo / "logs" / "generation" / f"{stage}.json").read_text())


def completions(db: Path) -> int:
    """Completions committed to a completion cache file so far (0 before the stage creates it)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM completions").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0

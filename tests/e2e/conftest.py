"""One real `dvc repro` of the tiny preset per test session, shared by every e2e test.

Under pytest-xdist (`--dist loadfile`) the tests of test_pipeline.py run on one worker while the reproducibility
check makes a second tree of its own on another and only then asks for this one; a file lock in the session's
shared temp dir makes whichever worker asks first build the tree, and the other wait for it and reuse it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from tests.e2e.tree import DVC, fresh_shell_env, make_tree, out_hashes, sh


@dataclass(frozen=True)
class E2ETree:
    repo: Path
    env: dict[str, str]
    first_output: str  # what the first `dvc repro` printed
    first_hashes: dict[str, str]  # dvc.lock's outs after the first repro (later tests may change the tree)


def shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker_id != "master" else base


@pytest.fixture(scope="session")
def e2e_tree(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> E2ETree:
    root = shared_dir(tmp_path_factory, worker_id) / "e2e-shared"
    root.mkdir(exist_ok=True)
    env = fresh_shell_env(root / "polyforge-cache")
    done = root / "first-repro.json"
    with FileLock(str(root / "build.lock")):
        if not done.exists():
            repo = make_tree(root / "project", env)
            output = sh([DVC, "repro"], repo, env)
            done.write_text(json.dumps({"output": output, "hashes": out_hashes(repo, env)}))
    first = json.loads(done.read_text())
    return E2ETree(root / "project", env, first["output"], first["hashes"])

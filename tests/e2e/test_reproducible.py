"""Outputs reproduce byte for byte: a second run from an empty cache, with one worker and another hash seed,
killed in the middle of test generation and resumed, writes exactly the outputs of the shared uninterrupted run.
It reproduces the data half of the graph (every stage up to the SFT datasets): training and evaluation take most
of the shared run's minutes, and the shared run's own no-op repro covers their locks.

Its module runs on another xdist worker than the shared run (`--dist loadfile`), and asks for that run only
at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from stages.llm.cache import CACHE_FILE
from tests.e2e.tree import (
    DVC,
    completions,
    explain_differences,
    fresh_shell_env,
    generation_record,
    make_tree,
    out_hashes,
    ran_stages,
    sh,
)

pytestmark = pytest.mark.e2e

BATCH = 10  # llm.hf.batch_size of the embedded default
GENERATE_TESTS_REQUESTS = 12 * 3  # the tiny preset: 12 functions, 3 samples each
TARGETS = ["build_sft"]  # every build_sft@EXPERIMENT and everything upstream of them


def test_a_resumed_run_with_other_workers_and_hash_seed_writes_the_same_bytes(tmp_path: Path, request):
    cache = tmp_path / "cache"
    env = fresh_shell_env(cache, PYTHONHASHSEED="12345")
    repo = make_tree(tmp_path / "project", env, {"common.workers": 1})
    # Without the committed lock, this tree's lock holds exactly the stages this partial repro ran.
    (repo / "dvc.lock").unlink()
    db = cache / "completions" / CACHE_FILE

    log = tmp_path / "repro.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [DVC, "repro", *TARGETS],
            cwd=repo,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 900
    while completions(db) < 2 * BATCH and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    # A repro that ended by itself before the kill failed: show why rather than the kill's ProcessLookupError.
    assert proc.poll() is None, (
        f"dvc repro exited ({proc.returncode}) before the kill:\n{log.read_text()[-3000:]}"
    )
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = completions(db)
    assert 2 * BATCH <= at_kill < GENERATE_TESTS_REQUESTS, f"the kill should land mid-generation ({at_kill})"
    assert not (repo / "data/tested").exists()

    resumed = sh([DVC, "repro", *TARGETS], repo, env)
    assert "generate_tests" in ran_stages(resumed)
    stats = generation_record(repo, "generate_tests")["stats"]
    assert stats["cached"] == at_kill and stats["generated"] == GENERATE_TESTS_REQUESTS - at_kill

    shared = request.getfixturevalue("e2e_tree")
    mine = out_hashes(repo, env)
    assert {"data/tested", "data/translated/lua", "data/lintseq"} <= set(mine)
    assert any(path.startswith("data/sft/") for path in mine)
    theirs = {path: shared.first_hashes[path] for path in mine}
    assert mine == theirs, explain_differences((repo, mine), (shared.repo, theirs))

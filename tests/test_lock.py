"""The committed dvc.lock matches the committed tree: every code dependency, command and parameter it records
is what a fresh clone holds. A change to `stages/` or params.yaml without a regenerated lock (`make lock`) fails
here, in seconds, instead of surfacing as a stale graph later."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.e2e.tree import copy_project

ROOT = Path(__file__).resolve().parents[1]
DVC = Path(sys.prefix) / "bin" / "dvc"


@pytest.fixture(scope="module")
def clone_status(tmp_path_factory: pytest.TempPathFactory) -> dict:
    clone = tmp_path_factory.mktemp("clone")
    copy_project(clone)
    subprocess.run(["git", "init", "-q"], cwd=clone, check=True)
    out = subprocess.run(
        [str(DVC), "status", "--json"], cwd=clone, capture_output=True, text=True, check=True, timeout=300
    )
    return json.loads(out.stdout)


def stale_entries(status: dict) -> dict[str, list]:
    """What `dvc status` reports beyond outputs a fresh clone has not pulled ("deleted", "not in cache")."""
    stale: dict[str, list] = {}
    for stage, reasons in status.items():
        for reason in reasons:
            if reason == "always changed":
                continue
            if isinstance(reason, dict) and set(reason) <= {"changed deps", "changed outs"}:
                changes = {
                    path: change
                    for group in reason.values()
                    for path, change in group.items()
                    if change not in ("deleted", "not in cache")
                }
                if changes:
                    stale.setdefault(stage, []).append(changes)
                continue
            stale.setdefault(stage, []).append(reason)
    return stale


def test_every_stage_of_the_graph_is_in_the_lock():
    lock = yaml.safe_load((ROOT / "dvc.lock").read_text())["stages"]
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    graph = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    expected = {name for name, stage in graph.items() if "matrix" not in stage and "foreach" not in stage} | {
        f"translate@{lang}" for lang in params["translate"]["languages"]
    }
    assert expected <= set(lock), f"stages missing from dvc.lock (run `make lock`): {expected - set(lock)}"


def test_the_lock_records_the_committed_code_commands_and_params(clone_status):
    stale = stale_entries(clone_status)
    assert stale == {}, f"dvc.lock does not match the tree; regenerate it with `make lock`:\n{stale}"

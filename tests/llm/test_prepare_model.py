"""A prepared model folder is the same bytes whatever the environment of the process that prepared it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stages.prepare_model import load_gguf, smollm2_gguf_path
from tests.tiny_model import build_tiny_model

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]

PREPARE = """
import sys
from stages.prepare_model import ModelSpec, materialise
materialise(ModelSpec(source="local", name="tiny", path=sys.argv[1]), sys.argv[2])
"""


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_hub_offline_mode_does_not_change_the_prepared_folder(tmp_path: Path):
    # transformers records in tokenizer_config.json whether the loading process was offline; the tokenizer files
    # key the completion cache, so a user's HF_HUB_OFFLINE would otherwise change every generation's key.
    source = build_tiny_model(tmp_path / "source")
    prepared = {}
    for offline in ("1", None):
        env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
        if offline:
            env["HF_HUB_OFFLINE"] = offline
        out = tmp_path / f"offline-{offline}"
        subprocess.run([sys.executable, "-c", PREPARE, str(source), str(out)], cwd=ROOT, env=env, check=True)
        prepared[offline] = files(out)
    assert b"local_files_only" not in prepared["1"]["tokenizer_config.json"]
    assert prepared["1"] == prepared[None]


def test_loading_a_gguf_leaves_the_environment_as_it_was(monkeypatch: pytest.MonkeyPatch):
    # The loader needs HF_HUB_OFFLINE only while it loads; leaked, it reaches every process started afterwards.
    import torch

    try:
        gguf = smollm2_gguf_path()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    load_gguf(gguf, torch.float32)
    assert "HF_HUB_OFFLINE" not in os.environ

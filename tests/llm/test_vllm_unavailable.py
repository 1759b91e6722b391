from __future__ import annotations

from pathlib import Path

import pytest

from stages.llm import BackendUnavailable, LLMParams, make_generator
from stages.params import build


def test_missing_vllm_environment_names_the_install_command(tiny_model: Path, tmp_path: Path) -> None:
    raw = {"backend": "vllm", "vllm": {"mode": "worker", "python": str(tmp_path / "nowhere" / "python")}}
    with pytest.raises(BackendUnavailable, match=r"does not exist: .*make vllm-env"):
        make_generator(build(LLMParams, raw, "llm"), tiny_model, tmp_path / "cache")

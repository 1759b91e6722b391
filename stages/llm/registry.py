"""The explicit backend registry: name -> "module:Class". Adding a backend is one module and one line here."""

from __future__ import annotations

from pathlib import Path

from stages.llm.base import Backend
from stages.llm.config import BACKEND_NAMES, LLMParams
from stages.registry import Registry

BACKENDS: Registry[type[Backend]] = Registry(
    "llm backend",
    {
        "hf": "stages.llm.hf:HFBackend",
        "vllm": "stages.llm.vllm:VLLMBackend",
        "openai": "stages.llm.openai:OpenAIBackend",
    },
)
if set(BACKENDS) != set(BACKEND_NAMES):  # config validates the name before any backend module is imported
    raise ImportError("stages.llm.config.BACKEND_NAMES and the registry must list the same backends")


def backend_class(name: str) -> type[Backend]:
    return BACKENDS.load(name)


def load_backend(params: LLMParams, model_dir: str, cache_dir: Path | None = None) -> Backend:
    """Start the configured backend on the model in `model_dir` (loading weights, a worker or a client). The hf
    backend keeps its int8-quantised models in `cache_dir`/int8."""
    if params.backend == "hf" and cache_dir is not None:
        return backend_class("hf")(params, model_dir, int8_cache=cache_dir / "int8")  # type: ignore[call-arg]
    return backend_class(params.backend)(params, model_dir)

"""The explicit backend registry: name -> "module:Class". Adding a backend is one module and one line here."""

from __future__ import annotations

import importlib

from stages.llm.base import Backend
from stages.llm.config import BACKEND_NAMES, LLMParams

BACKENDS: dict[str, str] = {
    "hf": "stages.llm.hf:HFBackend",
    "vllm": "stages.llm.vllm:VLLMBackend",
    "openai": "stages.llm.openai:OpenAIBackend",
}
assert set(BACKENDS) == set(BACKEND_NAMES), (
    "config.BACKEND_NAMES and the registry must list the same backends"
)


def backend_class(name: str) -> type[Backend]:
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ValueError(
            f"unknown llm backend {name!r}; known backends: {', '.join(sorted(BACKENDS))}"
        ) from None
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)


def load_backend(params: LLMParams, model_dir: str) -> Backend:
    """Start the configured backend on the model in `model_dir` (loading weights, a worker or a client)."""
    return backend_class(params.backend)(params, model_dir)

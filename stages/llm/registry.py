"""The explicit backend registry: name -> "module:Class". Adding a backend is one module and one line here."""

from __future__ import annotations

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


def load_backend(params: LLMParams, model_dir: str) -> Backend:
    """Start the configured backend on the model in `model_dir` (loading weights, a worker or a client)."""
    return backend_class(params.backend)(params, model_dir)

"""The generation layer: one call, three backends (hf, vllm, openai), a content-addressed completion cache.

gen = make_generator(llm_params, model_dir, cache_dir)
completions = gen.generate(prompts, n, sampling, stop, chat, template_version, first_index=0)
"""

from stages.llm.base import Backend, BackendError, BackendUnavailable, Completion
from stages.llm.config import LLMParams, Sampling
from stages.llm.generator import Generator, make_generator

__all__ = [
    "Backend",
    "BackendError",
    "BackendUnavailable",
    "Completion",
    "Generator",
    "LLMParams",
    "Sampling",
    "make_generator",
]

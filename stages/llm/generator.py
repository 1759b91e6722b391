"""The one generation call: prompts in, n completions each out, through the cache and a backend.

The generator owns what every backend shares: cache keys and look-ups, chat or raw prompting, code extraction
from chatty replies, stop strings, batching (each batch committed to the cache as it finishes), progress with
tokens/s, and the record of backend, model identity, versions and device written beside a stage's outputs.
"""

from __future__ import annotations

import hashlib
import logging
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stages.environment import generation_runtime
from stages.llm.base import Backend, Completion, RawOutput, Request
from stages.llm.cache import CompletionCache, Entry, PromptSpec, digest
from stages.llm.config import LLMParams, Sampling
from stages.llm.identity import IDENTITY_FILE, read_identity
from stages.llm.text import cut_at_stop, extract_code
from stages.records.io import write_json

log = logging.getLogger(__name__)

# Tokenizer files whose content decides how prompts are tokenised and templated: hashed into the identity, since
# prepare_model's identity pins the weights only.
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "special_tokens_map.json",
)


def model_identity(params: LLMParams, model_dir: str) -> dict[str, Any]:
    """The identity the cache keys on: prepare_model's identity.json plus a digest of the tokenizer files.

    For the `openai` backend with an explicit `llm.openai.model` and no prepared folder, the served model's name
    and the server's URL stand in for it.
    """
    folder = Path(model_dir) if model_dir else None
    if folder is not None and (folder / IDENTITY_FILE).exists():
        identity = dict(read_identity(folder))
        # The transformers version that wrote the folder does not change what the model generates.
        identity.pop("transformers", None)
        present = [name for name in TOKENIZER_FILES if (folder / name).exists()]
        identity["tokenizer_sha256"] = digest({name: (folder / name).read_text() for name in present})
        if params.backend == "hf" and params.hf.numerics:
            # Computed in another dtype or quantised, the same weights write other completions.
            identity["hf_numerics"] = params.hf.numerics
        return identity
    if params.backend == "openai" and params.openai.model:
        return {"served_model": params.openai.model, "base_url": params.openai.base_url}
    return read_identity(model_dir or ".")  # raises FileNotFoundError naming the missing identity.json


@dataclass
class Stats:
    requested: int = 0
    cached: int = 0
    generated: int = 0
    tokens: int = 0
    seconds: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "tokens_per_s": round(self.tokens_per_s, 2)}


class Generator:
    """Draws completions through a backend, reusing and filling the completion cache."""

    def __init__(
        self,
        backend: Backend | Callable[[], Backend],
        identity: dict[str, Any],
        cache: CompletionCache,
        progress: bool = True,
        batch_size: int | None = None,
        runtime: dict[str, Any] | None = None,
    ) -> None:
        # A backend, or a factory called the first time something is not in the cache: a rerun whose
        # completions are all cached never loads the model (vLLM takes a minute or more to start). Batches are
        # cut before the backend loads, so a factory comes with the batch size its backend will use.
        self._backend = backend if isinstance(backend, Backend) else None
        self._factory = None if isinstance(backend, Backend) else backend
        if batch_size is None:
            if self._backend is None:
                raise ValueError(
                    "a backend factory needs batch_size (the loaded backend's is used otherwise)"
                )
            batch_size = self._backend.batch_size
        self.batch_size = batch_size
        self.identity = identity
        self.model_key = digest(identity)
        # The software and device that generate (stages.environment.generation_runtime): part of where a
        # completion is stored, not of the request, so seeds and the keys rows carry as lineage stay the same
        # everywhere while a completion is reused only where the same software would generate it again.
        self.runtime = runtime or {}
        self._runtime_key = digest(self.runtime) if runtime else ""
        self.cache = cache
        self.progress = progress
        self.stats = Stats()

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            assert self._factory is not None
            self._backend = self._factory()
        return self._backend

    def generate(
        self,
        prompts: Sequence[str],
        n: int,
        sampling: Sampling,
        stop: Sequence[str] = (),
        chat: bool = False,
        template_version: str = "",
        first_index: int = 0,
    ) -> list[list[Completion]]:
        """Samples [first_index, first_index + n) of every prompt, in prompt order then sample order.

        `chat` sends each prompt as a user message through the model's chat template and takes the code from a
        fenced block when the reply has one; stop strings are then applied to that code. Raw prompts are
        continued as they are, and the backend stops at the stop strings itself. `template_version` names the
        version of the prompt template that produced `prompts`; it is part of every cache key.
        """
        if isinstance(prompts, str):
            raise TypeError("prompts must be a list of strings, not one string")
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        if first_index < 0:
            raise ValueError(f"first_index must be >= 0, got {first_index}")
        stop = [s for s in stop if s]
        backend_stop = () if chat else tuple(stop)
        indices = range(first_index, first_index + n)

        # One (key, request) per (prompt, index); repeated prompts share keys and are generated once.
        keys: list[list[str]] = []
        requests: dict[str, tuple[Request, int]] = {}
        for prompt in prompts:
            spec = PromptSpec(self.model_key, prompt, chat, template_version, sampling, backend_stop)
            base = spec.base
            row = []
            for index in indices:
                key = spec.key(index, base)
                row.append(key)
                requests.setdefault(key, (Request(prompt, chat, spec.seed(index, base)), index))
            keys.append(row)

        slots = {self._slot(key): key for key in requests}
        found = {slots[slot]: raw for slot, raw in self.cache.get_many(slots).items()}
        order = list(requests)
        batches = [order[at : at + self.batch_size] for at in range(0, len(order), self.batch_size)]
        todo = [batch for batch in batches if any(key not in found for key in batch)]
        self.stats.requested += len(requests)
        self.stats.cached += len(requests) - sum(len(batch) for batch in todo)
        fresh = self._run(todo, requests, sampling, list(backend_stop))

        out: list[list[Completion]] = []
        for row in keys:
            completions = []
            for key in row:
                raw = fresh.get(key) or found[key]
                completions.append(self._completion(key, requests[key][1], raw, key not in fresh, chat, stop))
            out.append(completions)
        return out

    def _run(
        self,
        batches: list[list[str]],
        requests: dict[str, tuple[Request, int]],
        sampling: Sampling,
        stop: list[str],
    ) -> dict[str, RawOutput]:
        from tqdm import tqdm

        fresh: dict[str, RawOutput] = {}
        if not batches:
            return fresh
        tokens = 0
        start = time.perf_counter()
        bar = tqdm(
            total=sum(len(batch) for batch in batches),
            unit="sample",
            desc=f"generate[{self.backend.name}]",
            disable=None if self.progress else True,  # None: shown on a terminal only
            dynamic_ncols=True,
        )
        try:
            for batch in batches:
                outputs = self.backend.generate([requests[k][0] for k in batch], sampling, stop)
                if len(outputs) != len(batch):
                    raise RuntimeError(
                        f"backend {self.backend.name} returned {len(outputs)} outputs for {len(batch)} requests"
                    )
                self.cache.put_many(
                    (
                        Entry(self._slot(k), self.model_key, requests[k][1], o)
                        for k, o in zip(batch, outputs, strict=True)
                    ),
                    backend=self.backend.name,
                )
                fresh.update(zip(batch, outputs, strict=True))
                tokens += sum(o.tokens for o in outputs)
                elapsed = time.perf_counter() - start
                bar.update(len(batch))
                bar.set_postfix_str(f"{tokens / elapsed:.1f} tok/s", refresh=False)
        finally:
            bar.close()
            elapsed = time.perf_counter() - start
            self.stats.generated += len(fresh)
            self.stats.tokens += tokens
            self.stats.seconds += elapsed
        log.info(
            "%s: generated %d samples, %d tokens in %.1f s (%.1f tok/s)",
            self.backend.name,
            len(fresh),
            tokens,
            elapsed,
            tokens / elapsed if elapsed > 0 else 0.0,
        )
        return fresh

    def _slot(self, key: str) -> str:
        """Where the completion of request `key` is stored for this runtime."""
        if not self._runtime_key:
            return key
        return hashlib.sha256(f"{key}@{self._runtime_key}".encode()).hexdigest()

    @staticmethod
    def _completion(
        key: str, index: int, raw: RawOutput, cached: bool, chat: bool, stop: list[str]
    ) -> Completion:
        code = extract_code(raw.text) if chat else raw.text
        text, stopped = cut_at_stop(code, stop)
        finish = "stop" if stopped else raw.finish_reason
        return Completion(
            text=text,
            raw=raw.text,
            finish_reason=finish,
            index=index,
            cached=cached,
            tokens=raw.tokens,
            key=key,
        )

    def describe(self) -> dict[str, Any]:
        """Backend, model identity, library versions, device and this run's figures."""
        backend = self._backend
        return {
            "backend": backend.name if backend else "(not loaded: every completion came from the cache)",
            "model_identity": self.identity,
            "model_key": self.model_key,
            "runtime": self.runtime,
            "cache": str(self.cache.path),
            "python": platform.python_version(),
            **(backend.describe() if backend else {}),
            "stats": self.stats.as_dict(),
        }

    def write_record(self, path: str | Path) -> Path:
        """Write `describe()` as JSON beside a stage's outputs (atomically)."""
        path = Path(path)
        write_json(path, self.describe())
        return path

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
        self.cache.close()

    def __enter__(self) -> Generator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_generator(llm_params: LLMParams, model_dir: str | Path, cache_dir: str | Path) -> Generator:
    """A generator for the model in `model_dir` with the configured backend; its caches (completions, the hf
    backend's int8 models) live in `cache_dir`."""
    from stages.llm.registry import backend_class, load_backend

    model_dir = str(model_dir)
    identity = model_identity(llm_params, model_dir)
    backend_class(llm_params.backend).preflight(llm_params)  # a missing dependency fails now, not mid-stage
    cache = CompletionCache(cache_dir)
    return Generator(
        lambda: load_backend(llm_params, model_dir, Path(cache_dir)),
        identity,
        cache,
        progress=llm_params.progress,
        batch_size=llm_params.batch_size,
        runtime=generation_runtime(llm_params),
    )

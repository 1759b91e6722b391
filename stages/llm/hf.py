"""The `hf` backend: transformers `generate`, batched, on CPU (the embedded default) or CUDA.

Each batch is seeded from its requests' own seeds. Unlike vLLM's per-request seeds, a sampled completion here
depends on which requests share its batch; the generator cuts batches the same way in every run (whatever the
cache holds), and the thread count is fixed (`llm.hf.threads`), so a run's bytes repeat on the same machine.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from stages.llm.base import Backend, BackendUnavailable, RawOutput, Request
from stages.llm.config import LLMParams, Sampling

log = logging.getLogger(__name__)


class HFBackend(Backend):
    name = "hf"

    def __init__(self, params: LLMParams, model_dir: str) -> None:
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
        if p.quantize == "int8":  # dynamic int8 quantises float32 Linear layers (a bf16 folder is cast up)
            dtype: Any = torch.float32
        elif p.dtype == "auto":
            dtype = torch.bfloat16 if self.device == "cuda" else "auto"
        else:
            dtype = getattr(torch, p.dtype)
        self.batch_size = p.batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.tokenizer.padding_side = "left"  # decoder-only: new tokens follow every prompt directly
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).to(self.device).eval()
        if p.quantize == "int8":
            if self.device != "cpu":
                raise BackendUnavailable(
                    "llm.hf.quantize 'int8' (the CPU default) is torch's CPU dynamic quantisation: on a GPU set "
                    "llm.hf.quantize: none, or use the vllm backend (`polyforge preset params/gpu.yaml`)"
                )
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            self.model = quantize_dynamic(self.model, {torch.nn.Linear: per_channel_dynamic_qconfig})
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
        from transformers import GenerationConfig

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
                do_sample=not sampling.greedy,
                eos_token_id=sorted(self.eos_ids) or None,
                pad_token_id=self.pad_id,
                stop_strings=list(stop) or None,
                # top_k=0: transformers would otherwise apply top-k 50, which vLLM and OpenAI servers do not.
                **(
                    {}
                    if sampling.greedy
                    else {"temperature": sampling.temperature, "top_p": sampling.top_p, "top_k": 0}
                ),
            )
            seed = hashlib.sha256(",".join(str(requests[i].seed) for i in group).encode()).hexdigest()
            torch.manual_seed(int(seed[:8], 16))
            with torch.inference_mode():
                out = self.model.generate(**enc, generation_config=config, tokenizer=self.tokenizer)
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

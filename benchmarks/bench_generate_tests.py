"""Test generation speed: executing asserts, and functions per second end to end.

1. Asserts executed per second on the functions and asserts of a `generate_tests` run (data/tested: passing and
   failed asserts alike): the sandbox's Python fast path (one interpreter per function, a fork per assert)
   against one sandboxed process per assert (MultiPL-T's way), same snippets, same interpreter; the verdicts
   must agree.
2. Functions per second of the judging step (`check_function`: asserts, coverage, observed types) and of
   generation, from the stage's generation record (logs/generation/generate_tests.json).

    .venv/bin/python -m stages.generate_tests     # once, so data/tested exists
    .venv/bin/python benchmarks/bench_generate_tests.py [--functions 12]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from stages.records import read_rows
    from stages.sandbox import SandboxParams, sandbox_for
    from stages.sandbox.pyfast import run_snippets, run_snippets_isolated
    from stages.testgen.check import check_function, prelude_of

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tested", default=str(ROOT / "data/tested"))
    parser.add_argument("--functions", type=int, default=12, help="functions to time (default 12)")
    args = parser.parse_args()

    rows = list(read_rows(args.tested))[: args.functions]
    if not rows:
        sys.exit(f"no tested functions in {args.tested}: run `python -m stages.generate_tests` first")
    jobs = [
        (prelude_of(r), r["name"], list(r["tests"]) + [f["test"] for f in r["failed_tests"]]) for r in rows
    ]
    n_asserts = sum(len(a) for _, _, a in jobs)
    limits = sandbox_for().params.limits.override(wall_s=5.0)

    start = time.perf_counter()
    fast = [run_snippets(p, a, limits) for p, _, a in jobs]
    fast_s = time.perf_counter() - start
    start = time.perf_counter()
    alone = [run_snippets_isolated(p, a, limits) for p, _, a in jobs]
    alone_s = time.perf_counter() - start
    agree = all([r.status for r in f] == [r.status for r in s] for f, s in zip(fast, alone, strict=True))

    start = time.perf_counter()
    for prelude, name, asserts in jobs:
        check_function(
            {"prelude": prelude, "name": name, "asserts": asserts, "assert_wall_s": 5.0},
            dataclasses.asdict(SandboxParams()),
        )
    check_s = time.perf_counter() - start

    print(
        f"{len(jobs)} functions, {n_asserts} asserts (passing and failed), sandbox: {sandbox_for().isolation}"
    )
    print()
    print("| path | seconds | asserts/s | ratio |")
    print("|---|---|---|---|")
    print(f"| one process per assert | {alone_s:.2f} | {n_asserts / alone_s:.1f} | 1.0x |")
    print(f"| fast path | {fast_s:.2f} | {n_asserts / fast_s:.1f} | {alone_s / fast_s:.1f}x |")
    print(f"\nverdicts identical: {agree}")
    print()
    print("| step | functions/s |")
    print("|---|---|")
    print(f"| judge (asserts + coverage + observed types) | {len(jobs) / check_s:.2f} |")
    record = ROOT / "logs/generation/generate_tests.json"
    if record.exists():
        from stages.params import load_section

        stats = json.loads(record.read_text())["stats"]
        n = load_section("generate_tests", path=ROOT / "params.yaml").n
        if stats.get("generated") and stats.get("seconds"):
            samples_per_s = stats["generated"] / stats["seconds"]
            print(
                f"| generation ({n} samples a function; last fresh run: {stats['generated']} samples, "
                f"{stats['tokens_per_s']} tok/s) | {samples_per_s / n:.2f} |"
            )


if __name__ == "__main__":
    main()

"""Test generation speed: executing asserts, and functions per second end to end.

1. Asserts executed per second on the functions and asserts of a `generate_tests` run (data/tested: passing and
   failed asserts alike): the sandbox's Python fast path (one interpreter per function, a fork per assert)
   against one sandboxed process per assert (MultiPL-T's way), same snippets, same interpreter; the verdicts
   must agree.
2. Mutants judged per second (stages/testgen/mutation.py: the kill pass, then the equivalence pass for the
   survivors) through the fast path against one sandboxed process per snippet; the verdicts (which mutants
   were killed, which presumed equivalent) must agree. Target: >= 5x.
3. Functions per second of the judging step (`check_function`: asserts, coverage, observed types), with and
   without mutation analysis: the share of judging time mutation analysis adds (target: <= 50%), and of
   generation, from the stage's generation record (logs/generation/generate_tests.json).

    .venv/bin/python -m stages.generate_tests     # once, so data/tested exists (with generate_tests.mutation_min
                                                  # 0 it holds every function with a passing assert)
    .venv/bin/python benchmarks/bench_generate_tests.py [--functions 12]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from stages.records import read_rows
    from stages.sandbox import SandboxParams, sandbox_for
    from stages.sandbox.pyfast import run_snippets, run_snippets_isolated
    from stages.testgen.check import check_function, observe_types, prelude_of
    from stages.testgen.mutation import analyse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tested", default=str(ROOT / "data/tested"))
    parser.add_argument("--functions", type=int, default=12, help="functions to time (default 12)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each judging variant (median)")
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

    sb = sandbox_for()
    mutation = {"max_mutants": 50, "equivalence_inputs": 200, "mutant_wall_s": 1.0}
    passing = [(p, n, list(r["tests"])) for (p, n, _), r in zip(jobs, rows, strict=True)]
    observed = [observe_types(p, n, t, limits, sb) for p, n, t in passing]  # (.., .., args, returned)
    timed: dict[bool, list[dict]] = {False: [], True: []}
    seconds: dict[bool, list[float]] = {False: [], True: []}  # per function
    for (p, n, t), seen in zip(passing, observed, strict=True):
        for isolated in (False, True):
            start = time.perf_counter()
            found = analyse(p, n, t, seen[2], limits, sb, returned=seen[3], isolated=isolated, **mutation)
            timed[isolated].append(found)
            seconds[isolated].append(time.perf_counter() - start)
    n_mutants = sum(m["mutants"] for m in timed[False])
    big = [i for i, m in enumerate(timed[False]) if m["mutants"] >= 10]
    same_verdicts = all(
        (a["killed"], a["equivalent"], a["survived"]) == (b["killed"], b["equivalent"], b["survived"])
        for a, b in zip(timed[False], timed[True], strict=True)
    )

    def judge_s(with_mutation: bool) -> float:
        start = time.perf_counter()
        for prelude, name, asserts in jobs:
            item = {"prelude": prelude, "name": name, "asserts": asserts, "assert_wall_s": 5.0}
            if with_mutation:
                item["mutation"] = mutation
            check_function(item, dataclasses.asdict(SandboxParams()))
        return time.perf_counter() - start

    runs: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.repeat):  # interleaved, so machine load falls on both alike
        for with_mutation in (False, True):
            runs[with_mutation].append(judge_s(with_mutation))
    check_s, full_s = statistics.median(runs[False]), statistics.median(runs[True])

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
    print(f"{n_mutants} mutants of the passing asserts ({sum(m['killed'] for m in timed[False])} killed)")
    print()
    print("| mutation analysis | functions | mutants | seconds | mutants/s | ratio |")
    print("|---|---|---|---|---|---|")
    for label, chosen in (("all", range(len(jobs))), (">= 10 mutants", big)):
        count = sum(timed[False][i]["mutants"] for i in chosen)
        alone_t, fast_t = (sum(seconds[iso][i] for i in chosen) for iso in (True, False))
        if not count:
            continue
        print(
            f"| {label}: one process per snippet | {len(chosen)} | {count} | {alone_t:.2f} | "
            f"{count / alone_t:.1f} | 1.0x |"
        )
        print(
            f"| {label}: fast path | {len(chosen)} | {count} | {fast_t:.2f} | {count / fast_t:.1f} | "
            f"{alone_t / fast_t:.1f}x |"
        )
    print(f"\nmutation verdicts identical: {same_verdicts}")
    print()
    print("| step | functions/s |")
    print("|---|---|")
    print(f"| judge (asserts + coverage + observed types) | {len(jobs) / check_s:.2f} |")
    print(
        f"| judge + mutation analysis (adds {100 * (full_s - check_s) / check_s:.0f}% to judging) | "
        f"{len(jobs) / full_s:.2f} |"
    )
    record = ROOT / "logs/generation/generate_tests.json"
    if record.exists():
        from stages.catalog import load_section

        stats = json.loads(record.read_text())["stats"]
        n = load_section("generate_tests", ROOT / "params.yaml").n
        if stats.get("generated") and stats.get("seconds"):
            samples_per_s = stats["generated"] / stats["seconds"]
            print(
                f"| generation ({n} samples a function; last fresh run: {stats['generated']} samples, "
                f"{stats['tokens_per_s']} tok/s) | {samples_per_s / n:.2f} |"
            )


if __name__ == "__main__":
    main()

"""Adaptive sampling against MultiPL-T's fixed-n schedule, replayed from one cached large draw.

    .venv/bin/python benchmarks/bench_translate.py                    # Lua, 10 tiny functions, n=16
    .venv/bin/python benchmarks/bench_translate.py --languages lua r --n 20 --keep 1 --give-up 3

The fixed-n run draws all n candidates of every function (through the completion cache: the first run
generates, later runs read) and runs each against its compiled tests. Every adaptive schedule then runs the
same stage code (`stages.translation.pipeline.translate`) on the same functions: because the cache is keyed by
global sample index, its rounds read exactly the samples the fixed-n run drew, and the executor's cache holds
their verdicts, so nothing is generated or executed twice (the "generated" column proves it).

Kept counts are compared as sum over functions of min(fixed-n kept, keep_per_function): what fixed-n would
deliver under the same per-function cap. The functions are hand-picked one-liners that SmolLM2-135M translates
now and then, so the comparison is not 0 = 0.

Measured here (SmolLM2-135M on 2 shared CPU cores, Lua, 10 functions, n=16, T=0.8, 48 tokens; 89 of 160
candidates pass, 8 functions get a translation): fixed-n draws 160 for 8 kept (20 per kept); rounds of 2 with
keep 1 draw 54 (0.34 of fixed-n) for the same 8; adding give-up after 3 rounds draws 34 (0.21), losing none.
Rounds of 1: 47 draws (0.29), and 21 (0.13) with give-up after 4 rounds, which loses 1 of the 8. The two
functions that never pass cost 32 of the 54 draws without give-up. The large draw took 200 s; replays take
no generation at all.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (name, params, body, docstring, asserts): tiny tested functions in the shape of data/tested rows.
FUNCTIONS = [
    ("add", "a, b", "return a + b", "Return the sum of a and b.", ["add(1, 2) == 3", "add(-1, 1) == 0"]),
    ("sub", "a, b", "return a - b", "Return a minus b.", ["sub(5, 3) == 2", "sub(0, 4) == -4"]),
    ("mul", "a, b", "return a * b", "Return the product of a and b.", ["mul(3, 4) == 12", "mul(0, 9) == 0"]),
    ("neg", "a", "return -a", "Return the negation of a.", ["neg(3) == -3", "neg(-2) == 2"]),
    ("square", "x", "return x * x", "Return x squared.", ["square(3) == 9", "square(-4) == 16"]),
    ("double", "x", "return 2 * x", "Return twice x.", ["double(4) == 8", "double(0) == 0"]),
    ("inc", "n", "return n + 1", "Return n plus one.", ["inc(1) == 2", "inc(-1) == 0"]),
    (
        "max2",
        "a, b",
        "return a if a > b else b",
        "Return the larger of a and b.",
        ["max2(1, 2) == 2", "max2(5, 3) == 5"],
    ),
    (
        "is_even",
        "n",
        "return n % 2 == 0",
        "Return True when n is even.",
        ["is_even(4) == True", "is_even(7) == False"],
    ),
    (
        "first",
        "xs",
        "return xs[0]",
        "Return the first element of a list.",
        ["first([3, 4]) == 3", "first([9]) == 9"],
    ),
]


def tested_rows() -> list[dict[str, Any]]:
    from stages.records import Source, new_row

    rows = []
    for name, params, body, doc, asserts in FUNCTIONS:
        prompt = f'def {name}({params}):\n    """{doc}"""\n'
        payload = {
            "name": name,
            "code": f"{prompt}    {body}\n",
            "prompt": prompt,
            "imports": [],
            "tests": [f"assert {a}" for a in asserts],
            "param_types": [],
            "return_type": "",
        }
        rows.append(new_row(payload, stage="bench_translate", source=Source(dataset="bench_translate")))
    return rows


def schedules(args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    out = [
        ("fixed-n (MultiPL-T)", {"round_size": args.n, "keep_per_function": 0, "give_up_rounds": 0}),
        (
            f"adaptive r={args.round_size} k={args.keep}",
            {"round_size": args.round_size, "keep_per_function": args.keep, "give_up_rounds": 0},
        ),
    ]
    if args.give_up:
        out.append(
            (
                f"adaptive + give up after {args.give_up} rounds",
                {
                    "round_size": args.round_size,
                    "keep_per_function": args.keep,
                    "give_up_rounds": args.give_up,
                },
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", nargs="+", default=["lua"])
    parser.add_argument("--n", type=int, default=16, help="candidates per function in the large draw")
    parser.add_argument("--round-size", type=int, default=2)
    parser.add_argument("--keep", type=int, default=1, help="keep_per_function of the adaptive schedules")
    parser.add_argument(
        "--give-up", type=int, default=3, help="give_up_rounds of the third schedule (0: none)"
    )
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=16, help="hf batch size of the large draw")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

    from stages import languages
    from stages.catalog import load_section
    from stages.common import CommonParams
    from stages.executors import make_executor
    from stages.llm import LLMParams, make_generator
    from stages.params import build
    from stages.sandbox import SandboxParams
    from stages.translate import TranslateParams
    from stages.translation.pipeline import translate
    from stages.translation.runner import check_runtime

    common: CommonParams = load_section("common")
    llm: LLMParams = load_section("llm")
    llm = dataclasses.replace(llm, progress=False, hf=dataclasses.replace(llm.hf, batch_size=args.batch_size))
    sandbox: SandboxParams = load_section("sandbox")
    rows = tested_rows()
    print(f"{len(rows)} functions, n={args.n}, T=0.8, top_p=0.95, max_tokens={args.max_tokens}")
    with (
        make_generator(llm, "models/base", common.cache_path("completions")) as gen,
        make_executor(common) as executor,
    ):
        for name in args.languages:
            lang = languages.get(name)
            check_runtime(lang, sandbox)
            results = []
            for label, policy in schedules(args):
                raw = {
                    "languages": [name],
                    "per_language": {name: {}},
                    "shared": {"n": args.n, "sampling": {"max_tokens": args.max_tokens}, **policy},
                }
                settings = build(TranslateParams, raw, "translate").for_language(name)
                before, start = gen.stats.generated, time.perf_counter()
                out = translate(lang, rows, settings, gen, executor, sandbox)
                seconds = time.perf_counter() - start
                kept = [len(d.kept) for d in out.draws]
                results.append((label, out, kept, gen.stats.generated - before, seconds))
            report(name, args, results)


def report(language: str, args: argparse.Namespace, results: list) -> None:
    fixed_label, fixed, fixed_kept, _, _ = results[0]
    capped = sum(min(k, args.keep) for k in fixed_kept)
    fixed_drawn = fixed.funnel.extra["candidates_generated"]
    passing = fixed.funnel.extra["passing"]
    print(f"\n{language}: {passing} of {fixed_drawn} candidates pass ({passing / max(fixed_drawn, 1):.1%})")
    print(
        f"functions with a kept translation under fixed-n: {sum(1 for k in fixed_kept if k)} of {len(fixed_kept)}"
    )
    header = f"{'schedule':34} {'drawn':>6} {'kept':>5} {'min(fixed,k)':>12} {'drawn/kept':>10} {'draws vs fixed':>14} {'generated':>9} {'s':>6}"
    print(header)
    print("-" * len(header))
    for label, out, kept, generated, seconds in results:
        drawn = out.funnel.extra["candidates_generated"]
        total = sum(kept)
        per_kept = f"{drawn / total:.2f}" if total else "-"
        compare = str(capped) if label != fixed_label else f"({capped})"
        print(
            f"{label:34} {drawn:6d} {total:5d} {compare:>12} {per_kept:>10} {drawn / fixed_drawn:>14.3f} "
            f"{generated:9d} {seconds:6.1f}"
        )
    for label, out, kept, _, _ in results[1:]:
        lost = sum(min(f, args.keep) - a for f, a in zip(fixed_kept, kept, strict=True))
        saved = fixed_drawn - out.funnel.extra["candidates_generated"]
        print(
            f"{label}: {saved} draws saved, {lost} kept translations lost against min(fixed-n kept, {args.keep})"
        )


if __name__ == "__main__":
    main()

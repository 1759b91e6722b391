"""Seconds per program for every executable language, and the choices behind the slow ones.

    .venv/bin/python benchmarks/bench_languages.py [--rounds 3] [--programs 6]

1. Per language: the median wall time of one sandboxed run (compile included) of its right fixture programs
   (tests/languages/fixtures), one at a time, programs/s on one core, and how many resident bwraps had to be
   started for those runs (a run that leaves something behind, a file in /tmp say, costs a fresh one).
2. TypeScript: types stripped by the long-lived compiler process then `node` in the sandbox, against `tsc` on
   each program (the compile MultiPL-E runs) then `node`, outside the sandbox: s/program and the ratio.
3. Java: javac + java with polyforge's JVM flags against the JVM's defaults, outside the sandbox: the ratio.
The methods of 2 and 3 run interleaved, round after round; each figure is the median over rounds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "languages"))

from language_helpers import compiled, program, read_fixtures, runtime_problem  # noqa: E402

from stages.languages import get  # noqa: E402
from stages.languages.execute import execute  # noqa: E402
from stages.languages.java import JVM_FLAGS  # noqa: E402
from stages.languages.typescript import typescript_dir  # noqa: E402
from stages.sandbox import sandbox_for  # noqa: E402

LANGUAGES = ["python", "lua", "racket", "r", "ocaml", "javascript", "typescript", "c", "cpp", "java", "go"]


def right_programs(name: str, limit: int) -> list[str]:
    fixtures = read_fixtures(name)
    keys = sorted(key for key, kind in fixtures if kind == "right")[:limit]
    return [program(compiled(name, key), fixtures[key, "right"]) for key in keys]


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def per_language(rounds: int, limit: int) -> None:
    stats = sandbox_for().resident_stats
    print(f"{'language':<12}{'s/program':>10}{'programs/s':>12}{'bwraps started/run':>20}")
    for name in LANGUAGES:
        why = runtime_problem(name)
        if why is not None:
            print(f"{name:<12}{'skipped: ' + why[:60]:>22}")
            continue
        lang, programs = get(name), right_programs(name, limit)
        before = stats.copy()
        times = [timed(lambda p=p, lang=lang: execute(lang, p)) for _ in range(rounds) for p in programs]
        median = statistics.median(times)
        delta = stats - before
        started = sum(n for key, n in delta.items() if key.startswith("started:"))
        # resident sandbox: a run that leaves files in /tmp (say) costs a fresh bwrap before the next one
        reuse = f"{started}/{delta['runs']}" if delta["runs"] else "n/a (per-run bwrap)"
        print(f"{name:<12}{median:>10.3f}{1 / median:>12.1f}{reuse:>20}")


def typescript_strip_vs_tsc(rounds: int, limit: int) -> None:
    tsc = typescript_dir()
    if tsc is None:
        print("typescript: skipped (compiler not installed; run scripts/setup.sh)")
        return
    lang, programs = get("typescript"), right_programs("typescript", limit)
    strip, full = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for text in programs:
                strip.append(timed(lambda t=text: execute(lang, t)))
                Path(tmp, "main.ts").write_text(text)

                def compile_and_run() -> None:
                    subprocess.run(
                        ["node", str(tsc / "lib" / "tsc.js"), "--target", "es2020", "main.ts"], cwd=tmp
                    )
                    subprocess.run(["node", "main.js"], cwd=tmp, capture_output=True)

                full.append(timed(compile_and_run))
    s, f = statistics.median(strip), statistics.median(full)
    print(f"typescript: strip + sandboxed node {s:.3f} s/program, tsc + node {f:.3f} s/program: {f / s:.1f}x")


def java_flags(rounds: int, limit: int) -> None:
    programs = right_programs("java", limit)
    tuned, default = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for text in programs:
                Path(tmp, "Problem.java").write_text(text)
                for flags, out in ((JVM_FLAGS, tuned), ((), default)):
                    javac = ["javac", *(f"-J{f}" for f in flags), "Problem.java"]
                    java = ["java", "-ea", *flags, "-cp", ".", "Problem"]
                    out.append(
                        timed(
                            lambda c=javac, j=java: (subprocess.run(c, cwd=tmp), subprocess.run(j, cwd=tmp))
                        )
                    )
    t, d = statistics.median(tuned), statistics.median(default)
    print(
        f"java: javac + java with JVM_FLAGS {t:.3f} s/program, default flags {d:.3f} s/program: {d / t:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--programs", type=int, default=6, help="right fixtures per language")
    args = parser.parse_args()
    per_language(args.rounds, args.programs)
    typescript_strip_vs_tsc(args.rounds, args.programs)
    java_flags(args.rounds, args.programs)


if __name__ == "__main__":
    main()

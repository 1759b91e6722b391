"""Programs/s of evaluate@RUN's execution against MultiPL-E's method and against bare spawns, per language.

    .venv/bin/python benchmarks/bench_evaluate.py [--programs 300] [--compiled-programs 60] [--languages lua,go]
        [--rounds 3] [--reference]

The same completion set per language: the right and wrong fixture completions (tests/languages/fixtures)
cycled to N programs (each made distinct by trailing newlines, so no cache folds them), all run with the same
number of workers (one per core):
  (a) ours: the executor mapping evaluate's `run_program` (sandboxed, classified; a fresh result cache);
  (b) MultiPL-E's method: one process per program in a new session, its end found by polling every 0.1 s;
  (c) bare spawns: the same commands run with subprocess.run, no sandbox: the ceiling.
(b) and (c) compile first where the language compiles (the reference command: `compile_argv`, each program
alone), with the same polling in (b). `--reference` adds (r): ours with each program compiled alone in the
sandbox (what (a) was before the faster builds of `stages/languages/builds.py`), and counts programs whose
status differs between (a) and (r) (must be 0). Verdict mismatches count programs whose status (a) differs from
what the fixture says (right: OK, wrong: any failure). The machine may be shared: each round measures every
method in turn, and the table shows the median rate over `--rounds` rounds and the median of the per-round
ratios. Targets on 2 cores: interpreted languages (a) >= 60% of (c); Python and Lua also >= 5x (b); Java, Go,
C++ and TypeScript >= 3x (b). TypeScript's (b) and (c) compile with MultiPL-E's `tsc --target esnext` per program.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "languages"))

from language_helpers import compiled, program, read_fixtures, runtime_problem  # noqa: E402

from stages.common import CommonParams  # noqa: E402
from stages.executors import make_executor  # noqa: E402
from stages.languages import get  # noqa: E402
from stages.languages.execute import run_program  # noqa: E402
from stages.sandbox import SandboxParams  # noqa: E402
from stages.sandbox.engine import PYTHON  # noqa: E402

LANGUAGES = ["python", "lua", "racket", "r", "ocaml", "javascript", "typescript", "c", "cpp", "java", "go"]
COMPILED = {"typescript", "c", "cpp", "java", "go"}
POLL_S = 0.1
WORKERS = os.cpu_count() or 1


def completion_set(name: str, count: int) -> list[tuple[str, bool]]:
    """(program, is right) cycled from the language's fixture pairs to `count` distinct programs."""
    fixtures = read_fixtures(name)
    base = [
        (program(compiled(name, key), fixtures[key, kind]), kind == "right") for key, kind in sorted(fixtures)
    ]
    return [
        (text + "\n" * (i // len(base)), right)
        for i, (text, right) in enumerate(base * (count // len(base) + 1))
    ][:count]


def ours(name: str, programs: list[str], cache: Path, fast: bool = True) -> tuple[float, list[str]]:
    common = CommonParams(cache_dir=str(cache), workers=WORKERS)
    runner = functools.partial(run_program, sandbox=dataclasses.asdict(SandboxParams()), fast=fast)
    items = [{"language": name, "program": p} for p in programs]
    start = time.perf_counter()
    with make_executor(common) as executor:
        results = list(executor.map(runner, items, cache="bench-evaluate"))
    return time.perf_counter() - start, [r["status"] for r in results]


def _polled(argv: list[str], cwd: str, env: dict[str, str], timeout: float) -> int:
    """MultiPL-E's safe_subprocess: a new session, the end found by polling every 0.1 s."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    waited = 0.0
    while proc.poll() is None and waited < timeout:
        time.sleep(POLL_S)
        waited += POLL_S
    if proc.poll() is None:
        proc.kill()
    proc.communicate()
    return proc.returncode


def _bare(argv: list[str], cwd: str, env: dict[str, str], timeout: float) -> int:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=timeout).returncode


def spawned(name: str, programs: list[str], spawn) -> float:  # type: ignore[no-untyped-def]
    lang = get(name)
    env = {**os.environ, **lang.env()}
    python = SandboxParams().python

    def argv(args: list[str]) -> list[str]:  # the sandbox's placeholder for its Python, resolved as it does
        return [python if a == PYTHON else a for a in args]

    def one(text: str) -> int:
        with tempfile.TemporaryDirectory() as work:
            for rel, content in lang.program_files(text).items():
                (Path(work) / rel).write_text(content)
            compile_argv = lang.compile_argv(lang.program_file)
            if compile_argv and spawn(argv(compile_argv), work, env, 60.0) != 0:
                return 1
            return spawn(argv(lang.run_argv(lang.program_file)), work, env, 15.0)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(one, programs))
    return time.perf_counter() - start


def ratio(rates: dict[str, list[float]], top: str, bottom: str) -> float:
    """The median over rounds of one method's rate over another's, each pair measured in the same round."""
    return statistics.median(x / y for x, y in zip(rates[top], rates[bottom], strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--programs", type=int, default=300, help="programs per interpreted language")
    parser.add_argument("--compiled-programs", type=int, default=60, help="programs per compiled language")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--rounds", type=int, default=1, help="measure every method this many times")
    parser.add_argument("--reference", action="store_true", help="also (r): compiled languages, each alone")
    args = parser.parse_args()
    print(f"{WORKERS} workers; (a) ours, (b) MultiPL-E's method (0.1 s poll), (c) bare spawns (no sandbox)")
    print(f"medians of {args.rounds} round(s)" + ("; (r) ours, each program compiled alone" * args.reference))
    header = (
        f"{'language':<11}{'programs':>9}{'(a) /s':>9}{'(b) /s':>9}{'(c) /s':>9}{'a/c':>7}{'a/b':>7}"
        f"{'mismatches':>12}"
    )
    if args.reference:
        header += f"{'(r) /s':>9}{'a/r':>7}{'r/b':>7}{'a != r':>8}"
    print(header)
    for name in args.languages.split(","):
        why = runtime_problem(name)
        if why is not None:
            print(f"{name:<11}skipped: {why[:80]}")
            continue
        count = args.compiled_programs if name in COMPILED else args.programs
        pairs = completion_set(name, count)
        programs = [p for p, _ in pairs]
        reference = args.reference and name in COMPILED
        rates: dict[str, list[float]] = {"a": [], "b": [], "c": [], "r": []}
        mismatches = differ = 0
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as cache:
                a_s, statuses = ours(name, programs, Path(cache))
            rates["a"].append(count / a_s)
            mismatches = max(
                mismatches, sum((s == "OK") != right for s, (_, right) in zip(statuses, pairs, strict=True))
            )
            if reference:
                with tempfile.TemporaryDirectory() as cache:
                    r_s, alone = ours(name, programs, Path(cache), fast=False)
                rates["r"].append(count / r_s)
                differ = max(differ, sum(x != y for x, y in zip(statuses, alone, strict=True)))
            rates["b"].append(count / spawned(name, programs, _polled))
            rates["c"].append(count / spawned(name, programs, _bare))
        med = {key: statistics.median(values) for key, values in rates.items() if values}
        line = (
            f"{name:<11}{count:>9}{med['a']:>9.1f}{med['b']:>9.1f}{med['c']:>9.1f}{ratio(rates, 'a', 'c'):>7.2f}"
            f"{ratio(rates, 'a', 'b'):>7.2f}{mismatches:>12}"
        )
        if reference:
            line += f"{med['r']:>9.1f}{ratio(rates, 'a', 'r'):>7.2f}{ratio(rates, 'r', 'b'):>7.2f}{differ:>8}"
        print(line, flush=True)


if __name__ == "__main__":
    main()

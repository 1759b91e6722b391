"""LintSeq throughput: programs per second, edits and linter calls per program, by linter mode.

    .venv/bin/python benchmarks/bench_lintseq.py                # >= 200 stdlib functions, s = 1
    .venv/bin/python benchmarks/bench_lintseq.py --programs 300 --subprocess-programs 20

Rows, on the same stdlib functions (the embedded extraction's), one sequence each:
- pyflakes mode, one process and the stage's executor on every core;
- pylint mode (in-process, one configured linter per worker), one process and every core;
- pylint as a subprocess per call (how a script that shells out to pylint works), on a subset: it is slow.
The anchor is the reference implementation measured on this machine kind: 3.84 programs/s (pylint in-process,
8.6 linter calls per program, one process). Targets: pyflakes >= 20x the anchor, pylint >= 3x, on 2 cores.
"""

from __future__ import annotations

import argparse
import functools
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANCHOR = 3.84  # programs/s, the reference (pylint in-process, one process), measured on this machine kind


class SubprocessPylint:
    """pylint started as a process for every lint, with the same flags and filter as the in-process one."""

    name = "pylint-subprocess"

    def __init__(self) -> None:
        from stages.editseq.linters import PYLINT_ARGS

        self.dir = Path(tempfile.mkdtemp())
        (self.dir / "pylintrc").write_text("")
        self.args = [
            *PYLINT_ARGS,
            f"--rcfile={self.dir / 'pylintrc'}",
            "--msg-template={msg_id}|{line}|{msg}",
        ]

    def error_lines(self, source: str) -> set[int]:
        from stages.editseq.linters import PYLINT_KEPT_WARNINGS

        path = self.dir / "program.py"
        path.write_text(source)
        out = subprocess.run(
            [sys.executable, "-m", "pylint", *self.args, str(path)], capture_output=True, text=True
        ).stdout
        lines = set()
        for row in out.splitlines():
            code, _, rest = row.partition("|")
            if "|" not in rest or (code.startswith("W") and code not in PYLINT_KEPT_WARNINGS):
                continue
            lines.add(max(1, int(rest.split("|")[0])))
        return lines


def functions(count: int) -> list[str]:
    from stages.extract.dedup import DedupParams
    from stages.extract.filters import FilterParams
    from stages.extract.pipeline import extract
    from stages.extract.sources import SourceParams, iter_source
    from stages.records import Funnel

    rows = extract(iter_source(SourceParams()), FilterParams(), DedupParams(), Funnel("f"), Funnel("g"))
    return [row["code"] for row in rows][:count]


def one_process(programs: list[str], linter) -> tuple[float, float, float]:
    from stages.editseq import backward_sample, edit_path, state_lines

    edits = calls = 0
    start = time.perf_counter()
    for i, program in enumerate(programs):
        sampled = backward_sample(program, linter, random.Random(i))
        edits += len(edit_path(program.split("\n"), state_lines(program, sampled.deletions)))
        calls += sampled.linter_calls
    seconds = time.perf_counter() - start
    return len(programs) / seconds, edits / len(programs), calls / len(programs)


def pooled(programs: list[str], linter: str, workers: int) -> float:
    """The stage's own path: the executor over work items, one linter per worker process."""
    from stages.common import CommonParams
    from stages.editseq.task import encode
    from stages.executors import make_executor

    settings = {
        "linter": linter,
        "initial_errors": "delete",
        "s": 1,
        "seed": 0,
        "max_steps": 512,
        "max_lines": 10**6,
    }
    items = [{"id": str(i), "program": p, "instruction": ""} for i, p in enumerate(programs)]
    with (
        tempfile.TemporaryDirectory() as cache,
        make_executor(CommonParams(cache_dir=cache, workers=workers)) as ex,
    ):
        list(ex.map(functools.partial(encode, settings=settings), items[:workers]))  # start the workers
        start = time.perf_counter()
        list(ex.map(functools.partial(encode, settings=settings), items))
        return len(programs) / (time.perf_counter() - start)


def main() -> None:
    import os

    from stages.editseq import linter_for

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--programs", type=int, default=300)
    parser.add_argument("--subprocess-programs", type=int, default=15)
    args = parser.parse_args()
    programs = functions(args.programs)
    cores = os.cpu_count() or 1
    print(f"\n{len(programs)} stdlib functions, one sequence each; anchor {ANCHOR} programs/s")
    print("| mode | processes | programs/s | x anchor | edits/program | linter calls/program |")
    print("|---|---|---|---|---|---|")
    for name in ("pyflakes", "pylint"):
        rate, edits, calls = one_process(programs, linter_for(name))
        print(f"| {name} in-process | 1 | {rate:.1f} | {rate / ANCHOR:.1f} | {edits:.2f} | {calls:.2f} |")
        rate = pooled(programs, name, cores)
        print(f"| {name} in-process | {cores} | {rate:.1f} | {rate / ANCHOR:.1f} | | |")
    subset = programs[: args.subprocess_programs]
    rate, edits, calls = one_process(subset, SubprocessPylint())
    print(
        f"| pylint subprocess per call ({len(subset)} programs) | 1 | {rate:.2f} | {rate / ANCHOR:.2f} | {edits:.2f} | {calls:.2f} |"
    )


if __name__ == "__main__":
    main()

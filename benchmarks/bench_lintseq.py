"""LintSeq throughput against the reference itself: programs/s, edits and linter calls per program, by mode.

    .venv/bin/python benchmarks/bench_lintseq.py                  # 200 stdlib functions, chunks of 20
    .venv/bin/python benchmarks/bench_lintseq.py --programs 100 --chunk 10 --pooled

The reference is PyPI `pylintseq` 0.0.2 (upiterbarg's LintSeq as a CLI, pylint in-process), run in its own venv
that this script builds once from pinned versions (`REFERENCE_PINS`, pylint 3.2.6 / astroid 3.2.4 as the paper
pins them) at `.venv-pylintseq` (or `--reference-venv`), by benchmarks/lintseq_reference.py in a worker process
that lives for the whole run, in a temp working directory (no pylintrc around). When it cannot be installed
(no network), one line says so and only our rows are printed.

The same stdlib functions (the embedded extraction's), one sequence each, in one process per implementation,
interleaved in chunks: for each chunk the reference, our pyflakes mode and our pylint mode run in turn (the
order rotates), so a load change on a shared machine hits all of them alike. Ratios: total time over all chunks,
and the median of the per-chunk ratios. Targets: pyflakes >= 20x, pylint >= 3x the reference (same machine,
same run). `--pooled` adds our modes on the stage's executor with every core.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The reference's venv, exactly (pylint and astroid decide its output; the rest is what pylintseq imports).
REFERENCE_PINS = (
    "pylintseq==0.0.2",
    "pylint==3.2.6",
    "astroid==3.2.4",
    "dill==0.4.1",
    "isort==5.13.2",
    "mccabe==0.7.0",
    "platformdirs==4.14.9",
    "tomlkit==0.15.3",
    "numpy==2.4.6",
    "pandas==3.1.1",
    "python-dateutil==4.0.0",
    "tzdata==2026.6",
    "jsonlines==4.0.0",
    "attrs==26.1.0",
    "joblib==1.6.0",
    "tqdm==4.70.1",
    "psutil==7.2.2",
)
TARGETS = {"pyflakes": 20.0, "pylint": 3.0}
INSTALL_TIMEOUT_S = 900


class NoReference(RuntimeError):
    """The reference could not be installed or started (the message says why)."""


def reference_python(venv: Path) -> Path:
    """The reference venv's interpreter, built from REFERENCE_PINS unless a venv with exactly those pins is
    there already (its pin list is kept beside it)."""
    python, pins = venv / "bin" / "python", venv / "polyforge-pins.txt"
    wanted = "\n".join(REFERENCE_PINS) + "\n"
    if python.exists() and pins.exists() and pins.read_text() == wanted:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--no-input", *REFERENCE_PINS],
    ]
    print(
        f"building the reference's venv at {venv} ({REFERENCE_PINS[0]}, {REFERENCE_PINS[1]}) ...", flush=True
    )
    for argv in steps:
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(venv, ignore_errors=True)
            raise NoReference(f"{argv[2]} failed: {exc}") from None
        if done.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            tail = [line for line in done.stderr.splitlines() if line and not line.startswith("WARNING")][-1:]
            raise NoReference(f"{' '.join(argv[1:4])} failed: {' '.join(tail) or done.returncode}")
    pins.write_text(wanted)
    return python


class Reference:
    """benchmarks/lintseq_reference.py in the reference's venv: one chunk of programs per request."""

    def __init__(self, python: Path, seed: int) -> None:
        self.workdir = tempfile.mkdtemp(prefix="polyforge-pylintseq-")
        self.process = subprocess.Popen(
            [str(python), str(ROOT / "benchmarks" / "lintseq_reference.py"), str(seed)],
            cwd=self.workdir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def run(self, programs: list[str]) -> tuple[float, list[int | None], list[int]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(programs) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise NoReference(f"the reference's worker exited ({self.process.wait()})")
        reply = json.loads(answer)
        return reply["seconds"], reply["edits"], reply["calls"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass
class Tally:
    seconds: list[float] = field(default_factory=list)  # per chunk
    edits: list[int] = field(default_factory=list)  # per program with a path
    calls: list[int] = field(default_factory=list)
    programs: int = 0

    def add(self, seconds: float, edits: list[int | None], calls: list[int]) -> None:
        self.seconds.append(seconds)
        self.edits.extend(e for e in edits if e is not None)
        self.calls.extend(calls)
        self.programs += len(edits)

    @property
    def rate(self) -> float:
        return self.programs / sum(self.seconds)


def ours(programs: list[str], linter, offset: int) -> tuple[float, list[int | None], list[int]]:  # type: ignore[no-untyped-def]
    """One sequence per program in this process (the stage's sampling and diffs), seeded by its index."""
    from stages.editseq import backward_sample, edit_path, state_lines

    edits: list[int | None] = []
    calls: list[int] = []
    start = time.perf_counter()
    for i, program in enumerate(programs):
        sampled = backward_sample(program, linter, random.Random(offset + i))
        edits.append(len(edit_path(program.split("\n"), state_lines(program, sampled.deletions))))
        calls.append(sampled.linter_calls)
    return time.perf_counter() - start, edits, calls


def functions(count: int) -> list[str]:
    from stages.extract.dedup import DedupParams
    from stages.extract.filters import FilterParams
    from stages.extract.pipeline import extract
    from stages.extract.sources import SourceParams, iter_source
    from stages.records import Funnel

    rows = extract(iter_source(SourceParams()), FilterParams(), DedupParams(), Funnel("f"), Funnel("g"))
    return [row["code"] for row in rows][:count]


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


def similarity(tallies: dict[str, Tally]) -> str:
    """Two-sample Kolmogorov-Smirnov p-values of ours against the reference's edits per program (scipy, when
    installed: a high p means no evidence that the distributions differ)."""
    try:
        from scipy.stats import ks_2samp
    except ImportError:
        return "(scipy not installed: no KS test)"
    base = tallies["reference"].edits
    return "; ".join(f"{name} KS p = {ks_2samp(tallies[name].edits, base).pvalue:.2f}" for name in TARGETS)


def main() -> None:
    from stages.editseq import linter_for

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--chunk", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reference-venv", type=Path, default=ROOT / ".venv-pylintseq")
    parser.add_argument("--pooled", action="store_true", help="also our modes on the executor, every core")
    args = parser.parse_args()
    programs = functions(args.programs)
    reference: Reference | None = None
    try:
        reference = Reference(reference_python(args.reference_venv), args.seed)
    except NoReference as exc:
        print(f"reference skipped: pylintseq 0.0.2 could not be installed ({exc}); our rows only")
    linters = {name: linter_for(name) for name in TARGETS}
    for linter in linters.values():  # pylint configures itself once: not part of any chunk
        linter.error_lines("x = 1\n")
    tallies = (
        {name: Tally() for name in ["reference", *TARGETS]} if reference else {n: Tally() for n in TARGETS}
    )
    chunks = [programs[i : i + args.chunk] for i in range(0, len(programs), args.chunk)]
    try:
        for index, chunk in enumerate(chunks):
            offset = index * args.chunk
            order = list(tallies)
            order = order[index % len(order) :] + order[: index % len(order)]
            for name in order:
                if name == "reference":
                    assert reference is not None
                    tallies[name].add(*reference.run(chunk))
                else:
                    tallies[name].add(*ours(chunk, linters[name], args.seed + offset))
            print(f"  chunk {index + 1}/{len(chunks)} done", file=sys.stderr, flush=True)
    finally:
        if reference is not None:
            reference.close()

    base = tallies.get("reference")
    print(f"\n{len(programs)} stdlib functions, one sequence each, chunks of {args.chunk}, one process each")
    print(
        "| implementation | programs/s | x reference (total) | x reference (median of chunks) | edits/program (mean, median) | linter calls/program |"
    )
    print("|---|---|---|---|---|---|")
    for name, tally in tallies.items():
        label = "reference pylintseq 0.0.2 (pylint)" if name == "reference" else f"ours, {name}"
        total = chunked = "-"
        if base is not None:
            total = f"{tally.rate / base.rate:.1f}"
            chunked = (
                f"{statistics.median(b / s for s, b in zip(tally.seconds, base.seconds, strict=True)):.1f}"
            )
        edits = f"{statistics.fmean(tally.edits):.2f}, {statistics.median(tally.edits):g}"
        print(
            f"| {label} | {tally.rate:.2f} | {total} | {chunked} | {edits} | {statistics.fmean(tally.calls):.2f} |"
        )
    if base is not None:
        missing = base.programs - len(base.edits)
        if missing:
            print(f"(the reference returned no path for {missing} program(s))")
        verdicts = []
        for name, target in TARGETS.items():
            ratio = tallies[name].rate / base.rate
            verdicts.append(
                f"{name} {ratio:.1f}x (target {target:g}x: {'met' if ratio >= target else 'MISSED'})"
            )
        print("targets: " + "; ".join(verdicts))
        print("edits per program against the reference's: " + similarity(tallies))
    if args.pooled:
        cores = os.cpu_count() or 1
        for name in TARGETS:
            rate = pooled(programs, name, cores)
            ratio = f", {rate / base.rate:.1f}x the reference in one process" if base else ""
            print(f"ours, {name}, executor with {cores} workers: {rate:.2f} programs/s{ratio}")


if __name__ == "__main__":
    main()

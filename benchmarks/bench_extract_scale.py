"""Extraction at scale: the in-process engine against `extract.engine: datatrove` on synthetic Stack corpora.

For each corpus size (benchmarks/stack_corpus.py, generated here into --out, never committed): files/s and peak
RSS of the in-process path, of DataTrove with 1 task / 1 worker and with 2 tasks / 2 workers (local executor;
`--runs datatrove:2:10` gives 10 tasks to 2 workers), near-duplicate recall / precision on the planted pairs,
and the seed functions no kept row comes from. Each run is its own process; peak RSS per worker is the largest
peak (VmHWM) of the processes that ran tasks: the run's own process with 1 worker, DataTrove's pool workers with
2 (sampled from /proc every 0.2 s, as they are forked by a fork server, not by the run's process); the
coordinator's peak is printed beside it. The 1-minute load average is printed before each run: on a shared
machine a busy moment shows as a low rate, not as a different result.

    .venv/bin/python benchmarks/bench_extract_scale.py --sizes 20000 50000 200000 --out /tmp/stack-bench
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found.extend(int(c) for c in children)
        todo.extend(int(c) for c in children)
    return found


def _forked_by_server(pid: int) -> bool:
    try:
        ppid = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
        return b"forkserver" in Path(f"/proc/{ppid}/cmdline").read_bytes()
    except (OSError, IndexError):
        return False


class PeakSampler(threading.Thread):
    """Peak RSS (VmHWM) of every descendant process, sampled until stopped: pid -> KB."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, int] = {}
        self.workers: set[int] = set()  # children of the fork server: DataTrove's pool workers
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.2):
            for pid in _descendants(me):
                self.peaks[pid] = max(self.peaks.get(pid, 0), _peak_kb(pid))
                if pid not in self.workers and _forked_by_server(pid):
                    self.workers.add(pid)


def child(config: dict) -> dict:
    sys.path.insert(0, str(ROOT))
    from stages.extract.dedup import DedupParams
    from stages.extract.engine import run_datatrove
    from stages.extract.filters import FilterParams
    from stages.extract.options import EngineParams
    from stages.extract.pipeline import extract
    from stages.extract.sources import FilesSource, SourceParams, iter_source
    from stages.records import Funnel

    corpus = Path(config["corpus"])
    source = SourceParams(
        kind="files", files=FilesSource(paths=tuple(str(p) for p in sorted(corpus.glob("*.parquet"))))
    )
    functions, files = Funnel("f"), Funnel("files")
    planted = json.loads((corpus / "planted.json").read_text())
    interesting = set(planted) | set(
        planted.values()
    )  # only these shas are held, so the bench adds no growth
    sampler = PeakSampler()
    sampler.start()
    start = time.perf_counter()
    if config["engine"] == "local":
        rows = extract(iter_source(source), FilterParams(), DedupParams(), functions, files)
    else:
        opts = EngineParams(tasks=config["tasks"], workers=config["workers"], work_dir=config["work"])
        rows = run_datatrove(source, FilterParams(), DedupParams(), functions, files, kind="local", opts=opts)
    kept, n_kept, kept_per_seed = set(), 0, Counter()
    for row in rows:
        n_kept += 1
        source = row["lineage"]["source"]
        kept_per_seed[source["path"].split("/")[1]] += 1
        if source["sha"] in interesting:
            kept.add(source["sha"])
    seconds = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    # A planted pair is caught when one of its two members is kept and the other dropped, whichever: with
    # several tasks DataTrove may keep the copy and drop the original. Pairs with neither kept (dropped by
    # another filter or with a third near copy) are not judged.
    judged = [pair for pair in planted.items() if kept & set(pair)]
    caught = sum(len(kept & set(pair)) == 1 for pair in judged)
    near = functions.dropped.get("duplicate_near", 0)
    # A false near match makes a distinct function vanish when every file made from its seed is dropped: count
    # the seeds (stdlib functions) the corpus holds that no kept row comes from.
    per_seed = json.loads((corpus / "seeds.json").read_text())
    lost = sum(1 for seed in per_seed if not kept_per_seed[f"s{seed}"])
    own = _peak_kb(os.getpid())
    # Pool workers are the processes that ran tasks (with 1 worker DataTrove runs them in this process); the
    # fork server and DataTrove's queue manager hold no rows.
    workers = [sampler.peaks[pid] for pid in sampler.workers] if config["workers"] > 1 else []
    return {
        "files": files.rows_in,
        "seconds": seconds,
        "files_per_s": files.rows_in / seconds,
        "kept": n_kept,
        "rss_mb": (max(workers) if workers else own) / 1024,
        "coordinator_mb": own / 1024,
        "recall": caught / max(len(judged), 1),
        "precision": caught / near if near else 1.0,
        "seeds_lost": f"{lost}/{len(per_seed)}",
    }


def measure(config: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(config)], capture_output=True, text=True, check=False
    )
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20000, 50000, 200000])
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["local:1", "datatrove:1", "datatrove:2"],
        help="engine:workers[:tasks] of each run (DataTrove's tasks default to its workers)",
    )
    parser.add_argument("--out", default="/tmp/stack-bench")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    out = Path(args.out)
    print(
        "| files | engine | workers | tasks | load before | s | files/s | files/s per worker | peak RSS MB per worker "
        "| coordinator MB | kept | near recall | near precision | seeds lost |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        corpus = out / f"corpus-{size}"
        if not (corpus / "planted.json").exists():
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "benchmarks/stack_corpus.py"),
                    "--files",
                    str(size),
                    "--out",
                    str(corpus),
                ],
                check=True,
            )
        for run in args.runs:
            engine, *numbers = run.split(":")
            workers = int(numbers[0])
            tasks = int(numbers[1]) if len(numbers) > 1 else workers
            work = str(out / f"work-{size}-{engine}-{workers}-{tasks}")
            subprocess.run(["rm", "-rf", work], check=True)
            load = Path("/proc/loadavg").read_text().split()[0]
            r = measure(
                {"corpus": str(corpus), "engine": engine, "workers": workers, "tasks": tasks, "work": work}
            )
            print(
                f"| {r['files']} | {engine} | {workers} | {tasks} | {load} | {r['seconds']:.1f} | {r['files_per_s']:.0f} | "
                f"{r['files_per_s'] / workers:.0f} | {r['rss_mb']:.0f} | {r['coordinator_mb']:.0f} | {r['kept']} | "
                f"{r['recall']:.3f} | {r['precision']:.3f} | {r['seeds_lost']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Extraction at scale: the in-process engine against `extract.engine: datatrove` on synthetic Stack corpora.

For each corpus size (benchmarks/stack_corpus.py, generated here into --out, never committed): files/s and peak
RSS of the in-process path, of DataTrove with 1 task / 1 worker and with 2 tasks / 2 workers (local executor),
and near-duplicate recall / precision on the planted pairs. Each run is its own process; peak RSS is the
largest of that process and its worker processes (ru_maxrss of self and children).

    .venv/bin/python benchmarks/bench_extract_scale.py --sizes 5000 10000 20000 --out /tmp/stack-bench
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    start = time.perf_counter()
    if config["engine"] == "local":
        rows = extract(iter_source(source), FilterParams(), DedupParams(), functions, files)
    else:
        opts = EngineParams(tasks=config["tasks"], workers=config["tasks"], work_dir=config["work"])
        rows = run_datatrove(source, FilterParams(), DedupParams(), functions, files, kind="local", opts=opts)
    kept = {row["lineage"]["source"]["sha"] for row in rows}
    seconds = time.perf_counter() - start
    planted = json.loads((corpus / "planted.json").read_text())
    judged = [copy for copy, original in planted.items() if original in kept]
    caught = sum(copy not in kept for copy in judged)
    near = functions.dropped.get("duplicate_near", 0)
    rss = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "files": files.rows_in,
        "seconds": seconds,
        "files_per_s": files.rows_in / seconds,
        "kept": len(kept),
        "rss_mb": rss / 1024,
        "recall": caught / max(len(judged), 1),
        "precision": caught / near if near else 1.0,
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
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000])
    parser.add_argument("--out", default="/tmp/stack-bench")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    out = Path(args.out)
    print(
        "| files | engine | tasks=workers | s | files/s | peak RSS MB | kept | near recall | near precision |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
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
        for engine, tasks in (("local", 1), ("datatrove", 1), ("datatrove", 2)):
            work = str(out / f"work-{size}-{engine}-{tasks}")
            subprocess.run(["rm", "-rf", work], check=True)
            r = measure({"corpus": str(corpus), "engine": engine, "tasks": tasks, "work": work})
            print(
                f"| {r['files']} | {engine} | {tasks} | {r['seconds']:.1f} | {r['files_per_s']:.0f} | "
                f"{r['rss_mb']:.0f} | {r['kept']} | {r['recall']:.3f} | {r['precision']:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Extraction speed and memory.

1. The standard library of the running Python (the embedded default): files/s, candidate functions/s, rows
   kept/s and peak RSS of the whole extraction.
2. Memory against corpus size: every function kept from the stdlib, written K times into a JSONL corpus,
   (a) renamed uniquely each time (distinct rows; near-dedup off, so every copy is kept) and (b) as exact
   copies (one unique row each; full dedup). Streaming must make peak RSS grow with unique rows kept, not with
   the corpus read: (a) grows by a bounded amount per kept row, (b) stays flat as K grows.

Each measurement runs in its own process, so peak RSS (ru_maxrss) is that run's alone.

    .venv/bin/python benchmarks/bench_extract.py [--copies 1 10] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(config: dict) -> dict:
    """Run one extraction in this process and report its figures."""
    sys.path.insert(0, str(ROOT))
    from stages.extract.dedup import DedupParams
    from stages.extract.filters import FilterParams
    from stages.extract.pipeline import extract
    from stages.extract.sources import FilesSource, SourceParams, iter_source
    from stages.records import Funnel, write_rows

    if config["kind"] == "local":
        source = SourceParams()
    else:
        source = SourceParams(kind="files", files=FilesSource(paths=(config["corpus"],)))

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    functions, files = Funnel("bench"), Funnel("bench.files")
    start = time.perf_counter()
    rows = extract(
        iter_source(source), FilterParams(), DedupParams(near_threshold=config["near"]), functions, files
    )
    kept = write_rows(config["out"], rows, shard_rows=5000)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "files": files.rows_in,
        "candidates": functions.rows_in,
        "kept": kept,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_after_imports_mb": baseline / 1024,
    }


def measure(config: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(config)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def build_corpus(functions_dir: Path, path: Path, copies: int, rename: bool) -> int:
    """JSONL corpus: each kept stdlib function, `copies` times, as one document per copy."""
    sys.path.insert(0, str(ROOT))
    from stages.records import read_rows

    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for copy in range(copies):
            for row in read_rows(functions_dir):
                code = row["code"]
                if rename:
                    code = re.sub(rf"\b{re.escape(row['name'])}\b", f"{row['name']}_v{copy}", code)
                handle.write(
                    json.dumps({"content": code, "max_stars_repo_path": f"copy{copy}/{row['name']}.py"})
                    + "\n"
                )
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--out", default="", help="working directory (default: a temp dir)")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return

    work = Path(args.out or tempfile.mkdtemp(prefix="bench-extract-"))
    work.mkdir(parents=True, exist_ok=True)
    stdlib = measure({"kind": "local", "near": 0.7, "out": str(work / "stdlib")})
    print(f"## extraction over the standard library ({sys.version.split()[0]})\n")
    print(
        "| files | candidates | kept | seconds | files/s | candidates/s | kept/s | peak RSS MB | RSS at start MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    s = stdlib
    print(
        f"| {s['files']} | {s['candidates']} | {s['kept']} | {s['seconds']:.2f} | {s['files'] / s['seconds']:.0f} | "
        f"{s['candidates'] / s['seconds']:.0f} | {s['kept'] / s['seconds']:.0f} | {s['peak_rss_mb']:.0f} | "
        f"{s['rss_after_imports_mb']:.0f} |"
    )

    print("\n## memory against corpus size (JSONL corpus of the kept stdlib functions, K copies)\n")
    print(
        "| corpus | K | documents | kept | seconds | docs/s | peak RSS MB | RSS over K=1 MB | KB per extra kept row |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, rename, near in (
        ("renamed (distinct), near-dedup off", True, 0.0),
        ("exact copies, full dedup", False, 0.7),
    ):
        first = None
        for copies in args.copies:
            corpus = work / f"corpus-{'renamed' if rename else 'copies'}-{copies}.jsonl"
            docs = build_corpus(work / "stdlib", corpus, copies, rename)
            r = measure(
                {
                    "kind": "files",
                    "corpus": str(corpus),
                    "near": near,
                    "out": str(work / f"out-{corpus.stem}"),
                }
            )
            first = first or r
            extra_rows = r["kept"] - first["kept"]
            extra_mb = r["peak_rss_mb"] - first["peak_rss_mb"]
            per_row = f"{extra_mb * 1024 / extra_rows:.1f}" if extra_rows > 0 else "-"
            print(
                f"| {label} | {copies} | {docs} | {r['kept']} | {r['seconds']:.2f} | {docs / r['seconds']:.0f} | "
                f"{r['peak_rss_mb']:.0f} | {extra_mb:+.1f} | {per_row} |"
            )
    print(f"\nwork dir: {work}")


if __name__ == "__main__":
    main()

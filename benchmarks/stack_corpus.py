"""A synthetic corpus in The Stack's Parquet schema, with planted near-duplicates at a known rate.

Each file holds one stdlib function that passes the default filters, its local names (function, arguments,
assigned names) renamed with a per-file suffix, so files are distinct under 5-token shingles. With probability
`--near-rate` a file is instead a near copy of an earlier file: the same renamed function plus one added
statement (its id is recorded as a planted pair). Each file's path names the stdlib function it was made from
(`pkg/s<seed>/m<i>.py`), and `seeds.json` counts the files of each seed, so a benchmark can tell a drop that has
a renamed sibling kept from one that lost a function altogether. Not committed; regenerate with

    .venv/bin/python benchmarks/stack_corpus.py --files 20000 --out /tmp/stack-20k
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Rename(ast.NodeTransformer):
    def __init__(self, names: set[str], suffix: str) -> None:
        self.names, self.suffix = names, suffix

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.names:
            node.id += self.suffix
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        if node.arg in self.names:
            node.arg += self.suffix
        return node


def local_names(function: ast.FunctionDef) -> set[str]:
    args = function.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    names.update(n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return names | {function.name}


def variant(code: str, suffix: str, near: bool) -> str:
    tree = ast.parse(code)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    Rename(local_names(function), suffix).visit(function)
    function.name += suffix
    if near:  # one added statement after the docstring
        function.body.insert(1, ast.parse(f"unused{suffix} = {len(suffix)}").body[0])
    return ast.unparse(tree) + "\n"


def seeds() -> list[str]:
    """The code of every function the default filters keep from the running stdlib."""
    sys.path.insert(0, str(ROOT))
    from stages.extract.dedup import DedupParams
    from stages.extract.filters import FilterParams
    from stages.extract.pipeline import extract
    from stages.extract.sources import SourceParams, iter_source
    from stages.records import Funnel

    rows = extract(iter_source(SourceParams()), FilterParams(), DedupParams(), Funnel("a"), Funnel("b"))
    return [row["code"] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--near-rate", type=float, default=0.05)
    parser.add_argument("--shard-files", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(args.seed)
    pool = seeds()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    made: list[tuple[int, str]] = []  # (seed index, suffix) of every original file
    per_seed: dict[int, int] = {}  # seed index -> files made from it
    planted: dict[str, str] = {}  # near-copy hexsha -> original hexsha
    batch: list[dict] = []
    shard = 0

    def flush() -> None:
        nonlocal batch, shard
        if batch:
            pq.write_table(pa.Table.from_pylist(batch), out / f"train-{shard:05d}.parquet")
            shard, batch = shard + 1, []

    for i in range(args.files):
        if made and rng.random() < args.near_rate:
            seed, suffix = made[rng.randrange(len(made))]
            content = variant(pool[seed], suffix, near=True)
            original = hashlib.sha1(variant(pool[seed], suffix, near=False).encode()).hexdigest()
        else:
            seed, suffix = rng.randrange(len(pool)), f"_{i}"
            made.append((seed, suffix))
            content, original = variant(pool[seed], suffix, near=False), ""
        per_seed[seed] = per_seed.get(seed, 0) + 1
        sha = hashlib.sha1(content.encode()).hexdigest()
        if original:
            planted[sha] = original
        batch.append(
            {
                "hexsha": sha,
                "size": len(content),
                "ext": "py",
                "lang": "Python",
                "max_stars_repo_path": f"pkg/s{seed}/m{i}.py",
                "max_stars_repo_name": f"synthetic/repo{i % 997}",
                "max_stars_repo_head_hexsha": "0" * 40,
                "max_stars_repo_licenses": ["MIT"],
                "max_stars_count": 1,
                "content": content,
            }
        )
        if len(batch) == args.shard_files:
            flush()
    flush()
    (out / "planted.json").write_text(json.dumps(planted))
    (out / "seeds.json").write_text(json.dumps(per_seed))
    print(f"{args.files} files, {len(planted)} planted near copies, {shard} shards in {out}")


if __name__ == "__main__":
    main()

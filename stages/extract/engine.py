"""`extract.engine: datatrove`: the same extraction as pipeline.py, run as DataTrove pipelines.

Our source is a DataTrove reader, our filters one step (the same `build_filters`, so no filter is written twice),
exact dedup is DataTrove's disk-sharded ExactDedup on the normalised code (the row's dedup_key text), and
near-dedup is DataTrove's four MinHash passes with our token shingling and a band split matching our threshold.
Every pass runs on the chosen executor (local, slurm, ray) with `tasks` and `workers`; DataTrove's completion
markers under `work_dir` make a rerun skip finished tasks. Drops are counted as DataTrove stats named after our
funnel reasons and folded back into the two funnels afterwards.

Passes (T = tasks): 1 read+filter (T) -> 2 exact find (1) -> 3 exact filter + MinHash signatures (T) ->
4 buckets (num_buckets) -> 5 clusters (1) -> 6 near filter + row writer (T). The kept rows are then written as
our Parquet shards by `write_rows` in rank order. Which copy of a duplicate survives follows DataTrove (exact:
the lowest index within a task; near: a cluster's union-find root), so with tasks > 1 the kept set can differ
from the in-process path by which member of a duplicate group is kept.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from datatrove.data import Document as DtDocument
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup.exact_dedup import (
    ExactDedupConfig,
    ExactDedupFilter,
    ExactDedupSignature,
    ExactFindDedups,
)
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupFilter,
    MinhashDedupSignature,
)

from stages.checks import ParamsError, check_choice
from stages.extract.dedup import DUPLICATE_EXACT, DUPLICATE_NEAR, DedupParams, NearIndex, exact_key, normalise
from stages.extract.filters import FilterParams, build_filters, first_failure
from stages.extract.functions import Unparseable, candidates
from stages.extract.options import EXECUTORS, EngineParams
from stages.extract.pipeline import UNPARSEABLE, function_row
from stages.extract.sources import Document, Shard, SourceParams, iter_source
from stages.records import Funnel

log = logging.getLogger(__name__)

# Stat-name prefixes that route a DataTrove stat into one of our two funnels.
FILES, FUNCS = "files.", "functions."


def band_split(threshold: float, num_perm: int) -> tuple[int, int]:
    """(buckets, hashes per bucket): the split datasketch's MinHashLSH uses for this threshold in the local path."""
    from datasketch.lsh import _optimal_param

    buckets, per_bucket = _optimal_param(threshold, num_perm, 0.5, 0.5)
    return int(buckets), int(per_bucket)


def _text(doc: DtDocument) -> bytes:
    return doc.text.encode()


class SourceReader(PipelineStep):
    """Our `extract.source` as a DataTrove reader: task `rank` reads its shard of the source (every
    `world_size`-th file, Parquet record batch or hub shard), skipping the other tasks' parts undecoded."""

    name = "polyforge source"
    type = "📖 - READER"

    def __init__(self, source: SourceParams) -> None:
        super().__init__()
        self.source = source

    def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> Iterator[DtDocument]:
        for item in iter_source(self.source, Shard(rank, world_size)):
            self.stat_update(FILES + "seen")
            if not isinstance(item, Document):
                self.stat_update(FILES + item.reason)
                continue
            yield DtDocument(text=item.content, id=item.ident, metadata={"item": item})


class FunctionRows(PipelineStep):
    """Documents in, one document per function that passes our filters out (text: its normalised code)."""

    name = "polyforge functions"
    type = "🔻 - FILTER"

    def __init__(self, filters: FilterParams, stage: str) -> None:
        super().__init__()
        if filters.pyright:
            raise ParamsError("extract.filters.pyright is not available with extract.engine: datatrove")
        self.filters, self.stage = filters, stage

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[DtDocument]:
        checks = build_filters(self.filters)
        for doc in data:
            item: Document = doc.metadata.pop("item")
            try:
                found = candidates(item.content)
            except Unparseable:
                self.stat_update(FILES + UNPARSEABLE)
                continue
            self.stat_update(FILES + "kept")
            for candidate in found:
                self.stat_update(FUNCS + "seen")
                row = function_row(candidate, item, self.stage)
                reason = first_failure(checks, candidate, item.licenses)
                if reason is not None:
                    self.stat_update(FUNCS + reason)
                    continue
                normalised = normalise(candidate.code)
                row["dedup_key"] = exact_key(normalised)
                yield DtDocument(text=normalised, id=row["id"], metadata={"row": json.dumps(row)})


class RankJsonl(PipelineStep):
    """Writes (or reads back) one gzipped JSONL file per task, so a later pass sees exactly this task's stream."""

    name = "polyforge rank jsonl"
    type = "💽 - WRITER"

    def __init__(self, folder: str, mode: str) -> None:
        super().__init__()
        self.folder, self.mode = folder, mode

    def _path(self, rank: int) -> Path:
        return Path(self.folder) / f"{rank:05d}.jsonl.gz"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[DtDocument]:
        path = self._path(rank)
        if self.mode == "read":
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                for line in handle:
                    record = json.loads(line)
                    yield DtDocument(text=record["text"], id=record["id"], metadata=record["metadata"])
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8") as handle:
            for doc in data:
                handle.write(json.dumps({"text": doc.text, "id": doc.id, "metadata": doc.metadata}) + "\n")
                yield doc
        os.replace(tmp, path)


class CodeMinhashSignature(MinhashDedupSignature):
    """DataTrove's MinHash signature pass on our signatures (dedup.NearIndex: our shingles, our hash family).

    The bucket files are DataTrove's, banded as datasketch bands the in-process index, so both engines meet the
    same candidate pairs. Each document's whole signature also goes to `full/RANK.sig` (uint64 rows, stream
    order), so `GreedyCluster` confirms a bucket match by estimated Jaccard, as the in-process index does.
    """

    def __init__(self, output_folder: str, config: MinhashConfig, dedup: DedupParams) -> None:
        # DataTrove's own __init__ loads a natural-language word tokenizer (spaCy) that our shingles do not use.
        PipelineStep.__init__(self)
        self.output_folder = get_datafolder(output_folder)
        self.config = config
        self.num_hashes = config.num_buckets * config.hashes_per_bucket
        self.dedup = dedup
        self.skip_existing_sigs = False
        self._index: Any = None
        self._full: Any = None

    def get_shingles(self, text: str) -> np.ndarray:
        # DataTrove calls get_shingles then get_signature; ours are one step, so this returns the signature.
        if self._index is None:
            self._index = NearIndex(self.dedup.near_threshold, self.dedup.num_perm, self.dedup.ngram)
        return np.asarray(self._index.values(text), dtype=np.uint64).reshape((-1, 1))

    def get_signature(self, shingles: np.ndarray) -> list[list[int]]:
        values = shingles.reshape(-1)
        self._full.write(values.tobytes())
        return [band.tolist() for band in np.split(values[: self.num_hashes], self.config.num_buckets)]

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
        with self.output_folder.open(f"full/{rank:05d}.sig", mode="wb") as self._full:
            return super().run(data, rank, world_size)


class GreedyCluster(PipelineStep):
    """Near duplicates as the in-process path decides them, from DataTrove's bucket matches.

    Bucket matches join documents into groups (as DataTrove's clustering does); inside a group, in stream order,
    a document is removed when it shares a band with an earlier kept document and their whole signatures agree
    on >= threshold of their hashes: what the in-process LSH index (kept rows only, confirmed by Jaccard) decides.
    Memory holds the matched documents only; signatures are read one document at a time.
    """

    name = "polyforge near-duplicate clusters"
    type = "🫂 - DEDUP"

    def __init__(
        self,
        buckets: str,
        signatures: str,
        output: str,
        threshold: float,
        num_hashes: int,
        config: MinhashConfig,
    ) -> None:
        super().__init__()
        self.bands, self.band_hashes = config.num_buckets, config.hashes_per_bucket
        self.buckets, self.signatures = get_datafolder(buckets), Path(signatures)
        self.output, self.threshold, self.num_hashes = get_datafolder(output), threshold, num_hashes

    def duplicates(self, values: np.ndarray, kept: np.ndarray) -> bool:
        """Whether the in-process index reports `values` against any kept row (one row of `kept` each): one equal
        band (an LSH hit), then estimated Jaccard >= threshold. One array operation over the whole group."""
        if not len(kept):
            return False
        equal = kept == values
        width = self.bands * self.band_hashes
        hit = equal[:, :width].reshape(len(kept), self.bands, self.band_hashes).all(axis=2).any(axis=1)
        return bool((hit & (equal.mean(axis=1) >= self.threshold)).any())

    def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> Any:
        from datatrove.utils.binaryio import read_tuples_from_file

        row_bytes = self.num_hashes * 8
        files: dict[int, int] = {}

        def signature(task: int, doc: int) -> np.ndarray:
            # One read per matched document, not a memory map: a map's touched pages count in this process's
            # RSS, which then grew with the corpus (the signatures of every matched document, ~1 KB each).
            if task not in files:
                files[task] = os.open(self.signatures / f"{task:05d}.sig", os.O_RDONLY)
            return np.frombuffer(os.pread(files[task], row_bytes, doc * row_bytes), dtype=np.uint64)

        # DataTrove's bucket pass emits chains (consecutive equal bands), not every pair: join them into groups
        # first, then decide inside each group, in stream order, as the in-process LSH index would.
        parent: dict[tuple[int, int], tuple[int, int]] = {}

        def root(x: tuple[int, int]) -> tuple[int, int]:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for name in self.buckets.list_files(glob_pattern="*.dups"):
            with self.buckets.open(name, "rb") as handle:
                for f1, d1, f2, d2 in read_tuples_from_file(handle, "4I"):
                    self.stat_update("bucket_matches")
                    a, b = root((f1, d1)), root((f2, d2))
                    if a != b:
                        parent[max(a, b)] = min(a, b)
        groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for node in parent:
            groups.setdefault(root(node), []).append(node)
        removed: list[tuple[int, int]] = []
        for members in groups.values():
            kept = np.empty((len(members), self.num_hashes), dtype=np.uint64)
            n = 0
            for node in sorted(members):
                values = signature(*node)
                if self.duplicates(values, kept[:n]):
                    removed.append(node)
                else:
                    kept[n], n = values, n + 1
        for fd in files.values():
            os.close(fd)
        with self.output.get_output_file_manager(mode="wb") as out:
            for task, doc in sorted(removed):
                out.write(f"{task:06d}.remove", struct.pack("<I", doc))
                self.stat_update("to_remove")
        return iter(())


class Renamed(PipelineStep):
    """Wraps a DataTrove filter so that its drops count under our funnel reason."""

    type = "🔻 - FILTER"

    def __init__(self, inner: PipelineStep, reason: str) -> None:
        super().__init__()
        self.inner, self.reason = inner, reason
        self.name = f"{inner.name} ({reason})"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[DtDocument]:
        seen = kept = 0

        def counted() -> Iterator[DtDocument]:
            nonlocal seen
            for doc in data:
                seen += 1
                yield doc

        for doc in self.inner.run(counted(), rank, world_size):
            kept += 1
            yield doc
        self.stat_update(FUNCS + self.reason, value=seen - kept)


class RowsOut(PipelineStep):
    """The kept rows of this task, one JSON row a line (read back in rank order into our Parquet shards)."""

    name = "polyforge rows"
    type = "💽 - WRITER"

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[DtDocument]:
        path = Path(self.folder) / f"{rank:05d}.jsonl.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8") as handle:
            for doc in data:
                self.stat_update(FUNCS + "kept")
                handle.write(doc.metadata["row"] + "\n")
                yield doc
        os.replace(tmp, path)


def passes(
    source: SourceParams, filters: FilterParams, dedup: DedupParams, work: Path, tasks: int, stage: str
) -> list[tuple[str, list[PipelineStep], int]]:
    """(name, steps, tasks) of each pass, in order."""
    exact = ExactDedupConfig(content_getter=_text)
    buckets, per_bucket = band_split(dedup.near_threshold or 1.0, dedup.num_perm)
    minhash = MinhashConfig(n_grams=dedup.ngram, num_buckets=buckets, hashes_per_bucket=per_bucket)
    cand, unique, rows = str(work / "candidates"), str(work / "unique"), str(work / "rows")
    first: list[PipelineStep] = [SourceReader(source), FunctionRows(filters, stage), RankJsonl(cand, "write")]
    if dedup.exact:
        first.append(ExactDedupSignature(str(work / "exact_sigs"), exact, finder_workers=1))
    out = [("1-functions", first, tasks)]
    third: list[PipelineStep] = [RankJsonl(cand, "read")]
    if dedup.exact:
        out.append(
            ("2-exact-find", [ExactFindDedups(str(work / "exact_sigs"), str(work / "exact_dups"), exact)], 1)
        )
        third.append(Renamed(ExactDedupFilter(str(work / "exact_dups"), exact), DUPLICATE_EXACT))
    third.append(RankJsonl(unique, "write"))
    last: list[PipelineStep] = [RankJsonl(unique, "read")]
    if dedup.near_threshold > 0:
        third.append(CodeMinhashSignature(str(work / "mh_sigs"), minhash, dedup))
        out.append(("3-exact-filter", third, tasks))
        out.append(
            (
                "4-buckets",
                [MinhashDedupBuckets(str(work / "mh_sigs"), str(work / "mh_buckets"), config=minhash)],
                buckets,
            )
        )
        out.append(
            (
                "5-clusters",
                [
                    GreedyCluster(
                        str(work / "mh_buckets"),
                        str(work / "mh_sigs" / "full"),
                        str(work / "mh_remove"),
                        dedup.near_threshold,
                        dedup.num_perm,
                        minhash,
                    )
                ],
                1,
            )
        )
        last.append(Renamed(MinhashDedupFilter(str(work / "mh_remove")), DUPLICATE_NEAR))
    else:
        out.append(("3-exact-filter", third, tasks))
    last.append(RowsOut(rows))
    out.append(("6-rows", last, tasks))
    return out


def executor(
    kind: str,
    steps: list[PipelineStep],
    tasks: int,
    workers: int,
    logs: Path,
    depends: Any,
    opts: EngineParams,
    name: str,
) -> Any:
    """One pass on the chosen DataTrove executor, after `depends`."""
    if kind == "local":
        import multiprocess
        from datatrove.executor import LocalPipelineExecutor

        # Every pass opens its own pool. With "spawn" each worker of each pass re-imported DataTrove, numpy and
        # our stages, and the signature pass datasketch (with scipy): ~1 CPU-s a worker, 8 of the 14 CPU-s of a
        # 1,000-file run with 2 workers (measured). A fork server that imported them once hands each pool worker
        # a fork of itself: one start-up for the whole run, and still no fork of this (threaded) process.
        context = multiprocess.get_context("forkserver")
        context.set_forkserver_preload([__name__, "datasketch"])
        return LocalPipelineExecutor(
            steps,
            tasks=tasks,
            workers=min(workers, tasks),
            logging_dir=str(logs),
            depends=depends,
            start_method="forkserver",
        )
    if kind == "ray":
        from datatrove.executor.ray import RayPipelineExecutor

        return RayPipelineExecutor(
            steps, tasks=tasks, workers=min(workers, tasks), logging_dir=str(logs), depends=depends
        )
    from datatrove.executor import SlurmPipelineExecutor

    return SlurmPipelineExecutor(
        steps,
        tasks=tasks,
        workers=workers,
        time=opts.slurm_time,
        partition=opts.slurm_partition,
        cpus_per_task=opts.slurm_cpus_per_task,
        job_name=f"polyforge-extract-{name}",
        logging_dir=str(logs),
        depends=depends,
        sbatch_args=dict(arg.split("=", 1) for arg in opts.slurm_sbatch_args) or None,
        venv_path=str(Path(os.sys.prefix) / "bin" / "activate"),
    )


def completed(logs: Path, tasks: int) -> bool:
    return all((logs / "completions" / f"{rank:05d}").exists() for rank in range(tasks))


def wait_for_slurm(logs: Path, tasks: int, job_ids: list[str], poll_s: float = 30.0) -> None:
    """Block until the last pass completed; fail when its jobs left the queue without completing."""
    import subprocess

    while not completed(logs, tasks):
        queued = subprocess.run(
            ["squeue", "-h", "-o", "%i", "-j", ",".join(job_ids)], capture_output=True, text=True, check=False
        ).stdout.split()
        if not queued and not completed(logs, tasks):
            raise RuntimeError(
                f"slurm extraction jobs {job_ids} ended without completing every task: see {logs}"
            )
        time.sleep(poll_s)


def fold_stats(logs: Path, tasks: int, functions: Funnel, files: Funnel) -> None:
    """Our named stats from every task's DataTrove stats file, into the two funnels."""
    for rank in range(tasks):
        path = logs / "stats" / f"{rank:05d}.json"
        if not path.exists():
            continue
        for step in json.loads(path.read_text()):
            for key, value in step.get("stats", {}).items():
                n = int(value["total"] if isinstance(value, dict) else value)
                for prefix, funnel in ((FILES, files), (FUNCS, functions)):
                    if not key.startswith(prefix):
                        continue
                    reason = key[len(prefix) :]
                    if reason == "seen":
                        funnel.seen(n)
                    elif reason == "kept":
                        funnel.kept(n)
                    elif n:
                        funnel.drop(reason, None, n)


def work_dir(
    source: SourceParams, filters: FilterParams, dedup: DedupParams, opts: EngineParams, stage: str
) -> Path:
    """A folder per configuration: completion markers let a rerun resume, never reuse another config's work."""
    key = repr((source, filters, dedup, opts.tasks, stage)).encode()
    return Path(opts.work_dir).resolve() / hashlib.sha256(key).hexdigest()[:16]


def launch(
    source: SourceParams,
    filters: FilterParams,
    dedup: DedupParams,
    *,
    kind: str,
    opts: EngineParams,
    stage: str = "extract_functions",
) -> tuple[list[tuple[str, list[PipelineStep], int]], Any]:
    """Build every pass on the executor and run (local, ray: to the end) or submit (slurm) the chain."""
    work = work_dir(source, filters, dedup, opts, stage)
    plan = passes(source, filters, dedup, work, opts.tasks, stage)
    previous = None
    for name, steps, tasks in plan:
        previous = executor(kind, steps, tasks, opts.workers, work / "logs" / name, previous, opts, name)
    assert previous is not None
    previous.run()  # runs (or submits) every pass after the ones it depends on
    return plan, previous


def run_datatrove(
    source: SourceParams,
    filters: FilterParams,
    dedup: DedupParams,
    functions: Funnel,
    files: Funnel,
    *,
    kind: str,
    opts: EngineParams,
    stage: str = "extract_functions",
) -> Iterator[dict[str, Any]]:
    """Run every pass (blocking), fold the stats into the funnels, then yield the kept rows in rank order."""
    check_choice("extract.executor", kind, EXECUTORS)
    work = work_dir(source, filters, dedup, opts, stage)
    plan, last = launch(source, filters, dedup, kind=kind, opts=opts, stage=stage)
    if kind == "slurm":
        ids = [str(e.job_id) for e in _chain(last) if getattr(e, "job_id", None)]
        wait_for_slurm(work / "logs" / plan[-1][0], plan[-1][2], ids)
    for name, _, tasks in plan:
        if not completed(work / "logs" / name, tasks):
            raise RuntimeError(
                f"extraction pass {name} did not complete every task: see {work / 'logs' / name}"
            )
    fold_stats(work / "logs" / plan[0][0], plan[0][2], functions, files)
    for name, _, tasks in plan[1:]:
        fold_stats(work / "logs" / name, tasks, functions, Funnel("unused"))
    for rank in range(opts.tasks):
        path = work / "rows" / f"{rank:05d}.jsonl.gz"
        if path.exists():
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                for line in handle:
                    yield json.loads(line)


def _chain(last: Any) -> list[Any]:
    chain = []
    while last is not None:
        chain.append(last)
        last = getattr(last, "depends", None)
    return chain[::-1]

"""Stage `extract_functions`: top-level Python functions with a docstring, filtered and de-duplicated.

Reads the configured source (default: the running interpreter's standard library), writes sharded rows to
`data/functions/` and two funnels: `extract_functions` (candidate functions, drops by reason) and
`extract_functions.files` (files read, skipped by reason).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from stages.checks import check_choice
from stages.extract.dedup import DedupParams
from stages.extract.filters import FilterParams
from stages.extract.options import ENGINES, EXECUTORS, EngineParams
from stages.extract.sources import SourceParams, iter_source, python_identity
from stages.records import Funnel, write_rows
from stages.stage import Context

log = logging.getLogger(__name__)

STAGE = "extract_functions"


@dataclass(frozen=True)
class ExtractParams:
    # Where the Python files come from (local dirs / the stdlib, The Stack, JSONL/Parquet files).
    source: SourceParams = field(default_factory=SourceParams)
    # Per-function filters, each a named funnel reason.
    filters: FilterParams = field(default_factory=FilterParams)
    # Exact and MinHash near-duplicate removal.
    dedup: DedupParams = field(default_factory=DedupParams)
    # Output directory of sharded function rows.
    out_dir: str = "data/functions"
    # Funnels of candidate functions and of files read.
    funnel: str = "reports/funnel/extract_functions.json"
    files_funnel: str = "reports/funnel/extract_functions.files.json"
    # The input manifest that fingerprints the source (input_manifest's output).
    manifest: str = "data/manifest/extract.json"
    # local: the in-process pipeline (default); datatrove: the same filters and dedup as DataTrove passes.
    engine: str = "local"
    # Where the datatrove passes run: local processes, a Slurm cluster (sbatch) or a Ray cluster.
    executor: str = "local"
    # Tasks, workers, work_dir and Slurm options of the datatrove engine.
    datatrove: EngineParams = field(default_factory=EngineParams)

    def __post_init__(self) -> None:
        check_choice("extract.engine", self.engine, ENGINES)
        check_choice("extract.executor", self.executor, EXECUTORS)

    def reads(self) -> list[str]:
        return [self.manifest]

    def writes(self) -> list[str]:
        return [self.out_dir, self.funnel, self.files_funnel]


def run(params: ExtractParams, ctx: Context) -> tuple[Funnel, Funnel]:
    from stages.extract.pipeline import extract

    functions, files = Funnel(STAGE, params.funnel), Funnel(f"{STAGE}.files", params.files_funnel)
    if params.engine == "datatrove":
        from stages.extract.engine import run_datatrove

        rows = run_datatrove(
            params.source,
            params.filters,
            params.dedup,
            functions,
            files,
            kind=params.executor,
            opts=params.datatrove,
            stage=STAGE,
        )
    else:
        rows = extract(
            iter_source(params.source), params.filters, params.dedup, functions, files, stage=STAGE
        )
    write_rows(params.out_dir, rows, ctx.common.shard_rows)
    for funnel in (functions, files):
        funnel.note("source", params.source.kind)
        funnel.note("python", python_identity())
    if functions.rows_out == 0:
        log.warning("no function passed the filters: check extract.source and extract.filters")
    log.info("%d functions from %d files into %s", functions.rows_out, files.rows_out, params.out_dir)
    return functions, files

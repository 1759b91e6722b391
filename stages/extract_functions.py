"""Stage `extract_functions`: top-level Python functions with a docstring, filtered and de-duplicated.

Reads the configured source (default: the running interpreter's standard library), writes sharded rows to
`data/functions/` and two funnels: `extract_functions` (candidate functions, drops by reason) and
`extract_functions.files` (files read, skipped by reason).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from stages.common import CommonParams
from stages.extract.dedup import DedupParams
from stages.extract.filters import FilterParams
from stages.extract.sources import SourceParams, iter_source, python_identity
from stages.params import load_section
from stages.records import Funnel, write_rows

log = logging.getLogger("extract_functions")

STAGE = "extract_functions"


@dataclass(frozen=True)
class ExtractParams:
    # Where the Python files come from (local dirs / the stdlib, The Stack, JSONL/Parquet files).
    source: SourceParams = field(default_factory=SourceParams)
    # Per-function filters, each a named funnel reason.
    filters: FilterParams = field(default_factory=FilterParams)
    # Exact and MinHash near-duplicate removal.
    dedup: DedupParams = field(default_factory=DedupParams)
    # Output directory of sharded function rows (also a dvc.yaml out).
    out_dir: str = "data/functions"


def run(params: ExtractParams, shard_rows: int) -> tuple[Funnel, Funnel]:
    from stages.extract.pipeline import extract

    functions, files = Funnel(STAGE), Funnel(f"{STAGE}.files")
    rows = extract(iter_source(params.source), params.filters, params.dedup, functions, files, stage=STAGE)
    write_rows(params.out_dir, rows, shard_rows)
    for funnel in (functions, files):
        funnel.note("source", params.source.kind)
        funnel.note("python", python_identity())
    if functions.rows_out == 0:
        log.warning("no function passed the filters: check extract.source and extract.filters")
    return functions, files


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    params: ExtractParams = load_section("extract")
    common: CommonParams = load_section("common")
    functions, files = run(params, common.shard_rows)
    functions.write()
    files.write()
    log.info("%d functions from %d files into %s", functions.rows_out, files.rows_out, params.out_dir)


if __name__ == "__main__":
    main()

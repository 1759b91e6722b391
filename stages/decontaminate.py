"""Stage `decontaminate`: drop extracted rows that overlap the evaluation benchmarks, keeping the evidence.

Each input directory (functions, instructions) is filtered into `data/clean/<name>/`; rows pass through
unchanged (same id and lineage). Every drop is listed with its benchmark, task id, method and matched span in
`reports/decontamination/extract.json`; the funnel is `reports/funnel/decontaminate.json`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from stages.checks import ParamsError
from stages.decont.core import Decontaminator, DecontConfig, DecontReport
from stages.records import Funnel, read_rows, write_rows
from stages.stage import Context

log = logging.getLogger(__name__)

STAGE = "decontaminate"


@dataclass(frozen=True)
class DecontParams(DecontConfig):
    # Row directories to check; each is written to out_root/<its name>/.
    inputs: tuple[str, ...] = ("data/functions", "data/instructions")
    # Parent of the clean outputs (data/clean/functions, data/clean/instructions).
    out_root: str = "data/clean"
    # The evidence report and the funnel.
    report: str = "reports/decontamination/extract.json"
    funnel: str = "reports/funnel/decontaminate.json"
    # The input manifest that fingerprints the benchmark sources (input_manifest's output).
    manifest: str = "data/manifest/decontaminate.json"

    def reads(self) -> list[str]:
        benchmark_dirs = sorted({str(Path(p).parent) for p in self.benchmarks.multipl_e})
        return [*self.inputs, *benchmark_dirs, self.manifest]

    def writes(self) -> list[str]:
        return [*(str(Path(self.out_root) / Path(p).name) for p in self.inputs), self.report, self.funnel]

    def __post_init__(self) -> None:
        super().__post_init__()
        names = [Path(p).name for p in self.inputs]
        if len(set(names)) != len(names):
            raise ParamsError(
                f"decontaminate.inputs: {list(self.inputs)!r} share a directory name; outputs would clash"
            )


def run(params: DecontParams, ctx: Context) -> Funnel:
    decontaminator = Decontaminator.from_config(params)
    report = DecontReport(Path(params.report).stem, decontaminator)
    funnel = Funnel(STAGE, params.funnel)
    for input_dir in params.inputs:
        name = Path(input_dir).name
        out = Path(params.out_root) / name
        kept = write_rows(out, report.filter(read_rows(input_dir), name, funnel), ctx.common.shard_rows)
        log.info("%s: %d clean rows -> %s", input_dir, kept, out)
    funnel.note("benchmarks", decontaminator.summary()["benchmarks"])
    report.write(params.report)
    return funnel

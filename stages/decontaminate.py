"""Stage `decontaminate`: drop extracted rows that overlap the evaluation benchmarks, keeping the evidence.

Each input directory (functions, instructions) is filtered into `data/clean/<name>/`; rows pass through
unchanged (same id and lineage). Every drop is listed with its benchmark, task id, method and matched span in
`reports/decontamination/extract.json`; the funnel is `reports/funnel/decontaminate.json`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from stages.common import CommonParams
from stages.decont.core import Decontaminator, DecontConfig, DecontReport
from stages.params import ParamsError, load_section
from stages.records import Funnel, read_rows, write_rows

log = logging.getLogger("decontaminate")

STAGE = "decontaminate"


@dataclass(frozen=True)
class DecontParams(DecontConfig):
    # Row directories to check; each is written to out_root/<its name>/ (also dvc.yaml deps).
    inputs: tuple[str, ...] = ("data/functions", "data/instructions")
    # Parent of the clean outputs (data/clean/functions, data/clean/instructions are dvc.yaml outs).
    out_root: str = "data/clean"
    # The evidence report (a dvc.yaml out).
    report: str = "reports/decontamination/extract.json"

    def __post_init__(self) -> None:
        super().__post_init__()
        names = [Path(p).name for p in self.inputs]
        if len(set(names)) != len(names):
            raise ParamsError(
                f"decontaminate.inputs: {list(self.inputs)!r} share a directory name; outputs would clash"
            )


def run(params: DecontParams, shard_rows: int) -> tuple[Funnel, DecontReport]:
    decontaminator = Decontaminator.from_config(params)
    report = DecontReport(Path(params.report).stem, decontaminator)
    funnel = Funnel(STAGE)
    for input_dir in params.inputs:
        name = Path(input_dir).name
        out = Path(params.out_root) / name
        kept = write_rows(out, report.filter(read_rows(input_dir), name, funnel), shard_rows)
        log.info("%s: %d clean rows -> %s", input_dir, kept, out)
    funnel.note("benchmarks", decontaminator.summary()["benchmarks"])
    return funnel, report


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    params: DecontParams = load_section("decontaminate")
    common: CommonParams = load_section("common")
    funnel, report = run(params, common.shard_rows)
    report.write(params.report)
    funnel.write()


if __name__ == "__main__":
    main()

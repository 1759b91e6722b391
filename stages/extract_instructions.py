"""Stage `extract_instructions`: instruction/response pairs for CodeM-style instruction tuning.

Two kinds, one schema: CodeAlpaca records whose output is Python (hub or a local JSON file; off in the
embedded default, which has no network) and instructions derived from the extracted functions (docstring +
signature -> the function). Writes sharded rows to `data/instructions/` and the `extract_instructions` funnel.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field

from stages.common import CommonParams
from stages.extract.instructions import CodeAlpacaParams, codealpaca_rows, deduplicated, docstring_rows
from stages.params import load_section
from stages.records import Funnel, write_rows

log = logging.getLogger("extract_instructions")

STAGE = "extract_instructions"


@dataclass(frozen=True)
class InstructionParams:
    # CodeAlpaca (Chaudhary 2023), the instruction set CodeM's Python split starts from.
    codealpaca: CodeAlpacaParams = field(default_factory=CodeAlpacaParams)
    # Derive one instruction per extracted function from its docstring and signature.
    from_functions: bool = True
    # The extract_functions output read when from_functions is on (also a dvc.yaml dep).
    functions_dir: str = "data/functions"
    # Output directory of sharded instruction rows (also a dvc.yaml out).
    out_dir: str = "data/instructions"


def run(params: InstructionParams, shard_rows: int) -> Funnel:
    funnel = Funnel(STAGE)
    sources = [codealpaca_rows(params.codealpaca, funnel, STAGE)]
    if params.from_functions:
        sources.append(docstring_rows(params.functions_dir, funnel, STAGE))
    write_rows(params.out_dir, deduplicated(itertools.chain(*sources), funnel), shard_rows)
    funnel.note("codealpaca_source", params.codealpaca.source)
    if funnel.rows_out == 0:
        log.warning("no instruction rows: enable instructions.codealpaca or instructions.from_functions")
    return funnel


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    params: InstructionParams = load_section("instructions")
    common: CommonParams = load_section("common")
    funnel = run(params, common.shard_rows)
    funnel.write()
    log.info("%d instruction rows into %s", funnel.rows_out, params.out_dir)


if __name__ == "__main__":
    main()

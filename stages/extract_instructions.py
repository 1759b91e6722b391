"""Stage `extract_instructions`: instruction/response pairs for CodeM-style instruction tuning.

Two kinds, one schema: CodeAlpaca records whose output is Python (hub or a local JSON file; off in the
embedded default, which has no network) and instructions derived from the extracted functions (docstring +
signature -> the function). Writes sharded rows to `data/instructions/` and the `extract_instructions` funnel.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field

from stages.extract.instructions import CodeAlpacaParams, codealpaca_rows, deduplicated, docstring_rows
from stages.records import Funnel, write_rows
from stages.stage import Context

log = logging.getLogger(__name__)

STAGE = "extract_instructions"


@dataclass(frozen=True)
class InstructionParams:
    # CodeAlpaca (Chaudhary 2023), the instruction set CodeM's Python split starts from.
    codealpaca: CodeAlpacaParams = field(default_factory=CodeAlpacaParams)
    # Derive one instruction per extracted function from its docstring and signature.
    from_functions: bool = True
    # The extract_functions output read when from_functions is on.
    functions_dir: str = "data/functions"
    # Output directory of sharded instruction rows, and the funnel.
    out_dir: str = "data/instructions"
    funnel: str = "reports/funnel/extract_instructions.json"
    # The input manifest that fingerprints a local CodeAlpaca file (input_manifest's output).
    manifest: str = "data/manifest/instructions.json"

    def reads(self) -> list[str]:
        return [self.functions_dir, self.manifest]

    def writes(self) -> list[str]:
        return [self.out_dir, self.funnel]


def run(params: InstructionParams, ctx: Context) -> Funnel:
    funnel = Funnel(STAGE, params.funnel)
    sources = [codealpaca_rows(params.codealpaca, funnel, STAGE)]
    if params.from_functions:
        sources.append(docstring_rows(params.functions_dir, funnel, STAGE))
    write_rows(params.out_dir, deduplicated(itertools.chain(*sources), funnel), ctx.common.shard_rows)
    funnel.note("codealpaca_source", params.codealpaca.source)
    if funnel.rows_out == 0:
        log.warning("no instruction rows: enable instructions.codealpaca or instructions.from_functions")
    log.info("%d instruction rows into %s", funnel.rows_out, params.out_dir)
    return funnel

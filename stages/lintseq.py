"""Stage `lintseq`: programs rewritten as LintSeq edit sequences (Piterbarg et al., ICLR 2025).

Each program of the configured row directories is taken apart by backward sampling (stages/editseq/sampling.py)
`s` times, and each pass is written forward as insert-only diffs: one output row per (program, sample) with the
edit path, its training text (instruction + "\\n<|diff|>" + edits + two empty diffs) and the lineage of the
program's row. The funnel counts programs; the plot shows edits per sequence.

`linter: pyflakes` (the embedded default) deletes only what would fail at run time; `linter: pylint` is the
paper's mode (its flags and message filter; no module outside the standard library is imported, so installed
packages do not matter). A program or instruction field that is not text is a named drop (stages/editseq/task.py).

Each source names its programs' language (default python). Lua and OCaml programs (validated translations, or
real code the runtimes ship) have a fixed linter each, their real checker as the dependency oracle: `luacheck`
(`luac5.4 -p`, then luacheck's run-time errors) and `ocaml` (`ocamlc`'s errors), see stages/editseq/linters.py.
Rows record the language and the linter used.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from stages.checks import check_choice, check_range
from stages.common import code_version
from stages.editseq import INITIAL_ERRORS
from stages.editseq.languages import edit_languages
from stages.editseq.linters import PYTHON_LINTERS
from stages.editseq.task import NO_INSTRUCTION, NO_PROGRAM, text_field
from stages.records import Funnel, child_row, read_rows, write_rows
from stages.records.io import write_json
from stages.stage import Context

log = logging.getLogger(__name__)
STAGE = "lintseq"


@dataclass(frozen=True)
class LintSeqSource:
    # A row directory, the field holding each row's program and the field holding its instruction ("": none).
    rows: str = "data/clean/instructions"
    program: str = "output"
    instruction: str = "instruction"
    # The programs' language: python (linted by `linter`), lua (luacheck) or ocaml (ocamlc).
    language: str = "python"

    def __post_init__(self) -> None:
        check_choice("lintseq.sources.language", self.language, edit_languages())


@dataclass(frozen=True)
class LintSeqParams:
    # Rows with programs: instruction/response pairs (the embedded default's hundreds), tested functions,
    # validated translations (with their `language`), ...
    sources: tuple[LintSeqSource, ...] = (LintSeqSource(),)
    # Python's linter: "pyflakes" (fast; deletes only what would fail: not the paper's data) or "pylint" (the
    # paper's mode).
    linter: str = "pyflakes"
    # "delete": errors already in a program drive deletions too (the reference); "ignore": they are subtracted
    # from every lint.
    initial_errors: str = "delete"
    # Edit sequences per program (the reference's fine-tuning scripts: 5), each seeded from `seed` and the row id.
    s: int = 5
    seed: int = 0
    # Most backward edits per sequence (the reference: 512); a program with candidates left is dropped.
    max_steps: int = 512
    # Longer programs are dropped before any linting.
    max_lines: int = 200
    # The runtime manifest (pyflakes' and pylint's versions decide the output; input_manifest writes it).
    runtime_manifest: str = "data/manifest/runtime.json"
    # Output rows, the funnel (programs) and the plot of edits per sequence.
    out_dir: str = "data/lintseq"
    funnel: str = "reports/funnel/lintseq.json"
    plot: str = "reports/plots/lintseq.json"

    def __post_init__(self) -> None:
        check_choice("lintseq.linter", self.linter, PYTHON_LINTERS)
        check_choice("lintseq.initial_errors", self.initial_errors, INITIAL_ERRORS)
        check_range("lintseq.s", self.s, 1)
        check_range("lintseq.max_steps", self.max_steps, 1)
        check_range("lintseq.max_lines", self.max_lines, 1)

    def reads(self) -> list[str]:
        return [*(source.rows for source in self.sources), self.runtime_manifest]

    def writes(self) -> list[str]:
        return [self.out_dir, self.funnel, self.plot]


def programs(params: LintSeqParams) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(source row, work item) for every row of every source."""
    for source in params.sources:
        for row in read_rows(source.rows):
            # A field that is not text (null, bytes that are not UTF-8) is a named drop, never its repr.
            program, bad = text_field(row.get(source.program), NO_PROGRAM)
            instruction, bad_instruction = (
                text_field(row.get(source.instruction), NO_INSTRUCTION) if source.instruction else ("", None)
            )
            item = {
                "id": row["id"],
                "program": program,
                "instruction": instruction,
                "language": source.language,
            }
            if bad or bad_instruction:
                item["drop"] = bad or bad_instruction
            yield row, item


def run(params: LintSeqParams, ctx: Context) -> Funnel:
    from stages.editseq.task import encode
    from stages.executors import make_executor

    funnel = Funnel(STAGE, params.funnel)
    settings = {
        "linter": params.linter,
        "initial_errors": params.initial_errors,
        "s": params.s,
        "seed": params.seed,
        "max_steps": params.max_steps,
        "max_lines": params.max_lines,
    }
    pairs = list(programs(params))
    with make_executor(ctx.common) as executor:
        cache = f"lintseq-{code_version('stages.lintseq')}"
        results = list(
            executor.map(functools.partial(encode, settings=settings), [i for _, i in pairs], cache=cache)
        )

    edits: Counter[int] = Counter()
    calls = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal calls
        judged = zip(pairs, results, strict=True)
        for (parent, item), result in funnel.sift(
            judged, lambda p: p[1].get("drop"), lambda p: p[0][1]["id"]
        ):
            for sequence in result["sequences"]:
                edits[len(sequence["edit_path"])] += 1
                calls += sequence["linter_calls"]
                payload = {
                    **sequence,
                    "n_edits": len(sequence["edit_path"]),
                    "instruction": item["instruction"],
                    "program": item["program"],
                    "source_id": item["id"],
                }
                yield child_row(parent, payload, stage=STAGE)

    written = write_rows(params.out_dir, rows(), ctx.common.shard_rows)
    funnel.note("sequences_written", written)
    funnel.note("mean_edits", round(sum(k * n for k, n in edits.items()) / written, 2) if written else 0.0)
    funnel.note("mean_linter_calls", round(calls / written, 2) if written else 0.0)
    funnel.note("settings", {k: v for k, v in dataclasses.asdict(params).items() if k not in ("sources",)})
    write_json(params.plot, [{"edits": k, "sequences": n} for k, n in sorted(edits.items())])
    log.info("%d programs -> %d edit sequences in %s", funnel.rows_out, written, params.out_dir)
    return funnel

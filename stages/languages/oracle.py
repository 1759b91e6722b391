"""The oracle: proof that every compiled problem can be passed, and a check of solutions written by people.

For a compiled problem the oracle's completion is a lookup table: when the arguments equal a test's arguments
it returns that test's expected value, as the harness writes both. Run through the real runtime against the
compiled tests, it fails only when no program could pass them: two tests that ask one call for different
values, a signature the assertions do not type-check against, a harness that does not compile. Each language
writes the lookup (`Language.lookup_body`). A lookup passes whatever the sandbox lacks, so a problem with a
runtime need (`needs.py`, e.g. HumanEval/162's md5) also runs a reference completion that uses it
(`reference_programs`); `build_benchmark` drops the problem as `reference_failed` when that fails.

`check_solutions` runs completions from a folder (held-out human solutions, kept out of the repository) against
the compiled benchmark, so a reviewer can measure the share of correct programs our tests accept:

    .venv/bin/python -m stages.languages.oracle --solutions DIR [--benchmark data/benchmark] [--languages go,js]

DIR holds `<language>/<problem>.<ext>`, each file the completion that follows the prompt (MultiPL-E's unit),
`<problem>` the row's name (`HumanEval_10_make_palindrome`) or its `HumanEval_10` prefix.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from stages.languages.base import Language, OracleCase, Status
from stages.languages.benchmark import CompiledProblem
from stages.languages.needs import Need, need_of
from stages.languages.translate import render
from stages.records.io import read_jsonl

if TYPE_CHECKING:
    from stages.sandbox import Sandbox

log = logging.getLogger(__name__)


def oracle_completion(lang: Language, compiled: CompiledProblem) -> str:
    """The lookup-table completion of a compiled problem (not for the verbatim source language)."""
    sig = compiled.signature
    if sig is None:
        raise ValueError(f"{lang.name}: the verbatim source language has no oracle")
    types = [p.type for p in sig.params]
    cases = [
        OracleCase(
            args=tuple(
                render(lang, v, types[i] if i < len(types) else None) for i, v in enumerate(case.args)
            ),
            values=case.args,
            expected=render(lang, case.expected, sig.returns),
        )
        for case in compiled.cases
    ]
    return lang.lookup_body(sig, cases)


def program(row: dict[str, object], completion: str) -> str:
    """What MultiPL-E runs: prompt + completion + "\\n" + tests."""
    return f"{row['prompt']}{completion}\n{row['tests']}"


def oracle_program(lang: Language, compiled: CompiledProblem) -> str:
    return program(compiled.payload, oracle_completion(lang, compiled))


def reference_programs(lang: Language, compiled: Sequence[CompiledProblem]) -> list[tuple[str, str, Need]]:
    """(row name, program, need) for each problem with a runtime need (`needs.py`): its reference completion,
    which the lookup table cannot stand in for (it passes whether or not the sandbox meets the need)."""
    out = []
    for problem in compiled:
        name = str(problem.payload["name"])
        need = need_of(lang.name, name)
        if need is not None:
            out.append((name, program(problem.payload, need.completion), need))
    return out


@dataclass(frozen=True)
class Verdict:
    name: str  # the row's name
    status: Status
    detail: str  # the end of the runtime's output, for a failure


def run_programs(
    lang: Language, named: Sequence[tuple[str, str]], *, sandbox: Sandbox | None = None, workers: int = 0
) -> list[Verdict]:
    """Run (name, program) pairs in `lang`'s runtime, in the sandbox; one verdict each, in order."""
    from stages.languages.execute import execute_many

    results = execute_many(lang, [p for _, p in named], sandbox=sandbox, workers=workers)
    return [
        Verdict(name, r.status, "" if r.status == Status.OK else (r.raw.stdout + r.raw.stderr)[-600:])
        for (name, _), r in zip(named, results, strict=True)
    ]


# --- held-out solutions ------------------------------------------------------------------------------------


def rows_by_name(path: Path) -> dict[str, dict[str, object]]:
    """A compiled benchmark file (`data/benchmark/<language>.jsonl`) by row name."""
    return {str(row["name"]): row for row in read_jsonl(path)}


def _short(name: str) -> str:
    """`HumanEval_10_make_palindrome` -> `HumanEval_10`."""
    parts = name.split("_")
    return "_".join(parts[:2]) if len(parts) >= 2 and parts[1].isdigit() else name


def solution_programs(
    rows: dict[str, dict[str, object]], folder: Path
) -> tuple[list[tuple[str, str]], list[str]]:
    """(row name, program) for each completion in `folder` whose problem is compiled, and the names of the
    completions whose problem is not (dropped by our translation: they count against us, so they are listed)."""
    by_short = {_short(name): name for name in rows}
    found: list[tuple[str, str]] = []
    missing: list[str] = []
    for file in sorted(folder.iterdir()):
        if not file.is_file():
            continue
        name = file.stem if file.stem in rows else by_short.get(_short(file.stem))
        if name is None:
            missing.append(file.stem)
            continue
        found.append((name, program(rows[name], file.read_text(encoding="utf-8"))))
    return found, missing


def check_solutions(
    lang: Language, benchmark: Path, folder: Path, *, sandbox: Sandbox | None = None, workers: int = 0
) -> tuple[list[Verdict], list[str]]:
    """Every completion in `folder` run against `benchmark`'s compiled tests for `lang`; the verdicts, and the
    completions whose problem the benchmark lacks."""
    named, missing = solution_programs(rows_by_name(benchmark), folder)
    return run_programs(lang, named, sandbox=sandbox, workers=workers), missing


def main(argv: list[str] | None = None) -> int:
    from stages import languages

    parser = argparse.ArgumentParser(
        prog="python -m stages.languages.oracle", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--solutions", type=Path, required=True, help="DIR/<language>/<problem>.<ext> completions"
    )
    parser.add_argument(
        "--benchmark", type=Path, default=Path("data/benchmark"), help="compiled benchmark dir"
    )
    parser.add_argument(
        "--languages", default="", help="comma-separated registry names (default: every subdir)"
    )
    parser.add_argument("--workers", type=int, default=0, help="programs at a time (0: one per core)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    chosen = [n for n in args.languages.split(",") if n] or sorted(
        d.name for d in args.solutions.iterdir() if d.is_dir() and d.name in languages.names()
    )
    failed_any = False
    print("| language | solutions | pass | share | not compiled by us |")
    print("|---|---|---|---|---|")
    for name in chosen:
        lang = languages.get(name)
        verdicts, missing = check_solutions(
            lang, args.benchmark / f"{name}.jsonl", args.solutions / name, workers=args.workers
        )
        passed = sum(v.status == Status.OK for v in verdicts)
        share = f"{passed / len(verdicts):.1%}" if verdicts else "-"
        print(f"| {name} | {len(verdicts)} | {passed} | {share} | {len(missing)} |")
        for v in verdicts:
            if v.status != Status.OK:
                failed_any = True
                log.info("%s %s: %s\n%s", name, v.name, v.status, v.detail)
    return 1 if failed_any else 0


if __name__ == "__main__":
    sys.exit(main())

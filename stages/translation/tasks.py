"""One tested Python function as a translation task in a target language: the prompt the model continues, the
prompt a training row keeps, and the compiled tests every candidate runs against.

The prompt follows MultiPL-T (MultiPL-E's `--add-canonical-to-prompt --prompt-terminology reworded --doctests
transform`): the language's prompt for the function, whose comment starts with `## Canonical Python Solution ##`
and the Python body, one `# `-prefixed line each. Unlike MultiPL-E, the canonical lines are not reworded: "None"
in Python code stays "None" (MultiPL-E rewords the whole docstring, code included). The docstring's prose is
reworded and its doctests translated by the language toolkit.

Tests are the function's passing asserts, compiled by the toolkit (type-directed for typed targets, with the
argument and return types observed when the asserts ran); each untranslatable assert is dropped with its reason.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stages.languages.base import Language, Param, Signature, Untranslatable
from stages.languages.benchmark import CompiledProblem
from stages.languages.oracle import oracle_program
from stages.languages.translate import (
    CANDIDATE,
    ParsedPrompt,
    compile_tests,
    parse_prompt,
    refine,
    translate_description,
    with_types,
)
from stages.languages.types import PyType, TypeSyntaxError, parse_annotation

CANONICAL_HEADER = "## Canonical Python Solution ##"
# Part of every completion's cache key: bump it when the prompt text a task produces changes.
TEMPLATE_VERSION = "multipl-t-translate-v1"


@dataclass(frozen=True)
class TranslationTask:
    function_id: str  # id of the tested Python function (the parent row)
    name: str  # the Python entry point
    language: str
    prompt: str  # what the model continues: the LANG prompt with the canonical Python in its comment
    clean_prompt: str  # the same prompt without the canonical Python (what training rows keep)
    header: str  # the prompt without any comment: with a completion, the text de-duplication compares
    tests: str  # the compiled harness appended after prompt + completion
    tests_kept: tuple[str, ...]  # the Python asserts the harness checks
    tests_dropped: tuple[tuple[str, str], ...]  # (Python assert, reason) for each one left out
    # The oracle: the header + a lookup-table body (each test's arguments -> its expected value) + the tests. It
    # passes unless no program could (`stages/languages/oracle.py`).
    oracle: str = ""

    def program(self, completion: str) -> str:
        """The program a candidate runs as: prompt + completion + "\\n" + tests (MultiPL-E's layout)."""
        return f"{self.prompt}{completion}\n{self.tests}"


def check_source(name: str, asserts: Sequence[str], return_type: PyType | None) -> tuple[str, list[str]]:
    """The asserts as a HumanEval-style `def check(candidate)` (calls of `name` renamed), and the asserts that
    do not parse. With a known return type, a literal that Python's `==` equates only loosely is written as the
    value the function really returns: `assert lt(1, 2) == 1` passed because True == 1, and becomes
    `... == True`, which a target with strict equality can check."""
    lines: list[str] = []
    broken: list[str] = []
    for text in asserts:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            broken.append(text)
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == name:
                node.id = CANDIDATE
        for stmt in tree.body:
            if return_type is not None and isinstance(stmt, ast.Assert):
                _tighten_expected(stmt, return_type)
        lines.extend(f"    {line}" for line in ast.unparse(tree).splitlines())
    body = "\n".join(lines) if lines else "    pass"
    return f"def check({CANDIDATE}):\n{body}\n", broken


def _tighten_expected(stmt: ast.Assert, return_type: PyType) -> None:
    test = stmt.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return
    right = test.comparators[0]
    if not isinstance(right, ast.Constant) or isinstance(right.value, bool):
        return
    value = right.value
    if return_type.name == "bool" and isinstance(value, int | float) and value in (0, 1):
        test.comparators[0] = ast.Constant(bool(value))
    elif return_type.name == "int" and isinstance(value, float) and value.is_integer():
        test.comparators[0] = ast.Constant(int(value))


def canonical_body(code: str, name: str) -> list[str]:
    """The body of function `name` in `code` without its docstring, de-indented: the lines MultiPL-T puts in
    the prompt after `## Canonical Python Solution ##`."""
    try:
        module = ast.parse(code)
    except SyntaxError:
        raise Untranslatable("code_does_not_parse", name) from None
    target = next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == name), None)
    if target is None:
        raise Untranslatable("code_lacks_entry_point", name)
    body = target.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body:
        raise Untranslatable("empty_body", name)
    lines = code.splitlines()[body[0].lineno - 1 : target.end_lineno]
    return textwrap.dedent("\n".join(lines)).rstrip().splitlines()


def observed_types(row: dict[str, Any]) -> tuple[list[PyType | None], PyType | None]:
    """The argument and return types recorded when the function's asserts ran ("" or unparsable: unknown)."""

    def parse(text: str | None) -> PyType | None:
        if not text:
            return None
        try:
            return parse_annotation(text)
        except (TypeSyntaxError, SyntaxError):
            return None

    return [parse(t) for t in row.get("param_types") or []], parse(row.get("return_type"))


def build_task(
    lang: Language,
    row: dict[str, Any],
    *,
    doctests: str = "transform",
    terminology: str = "reworded",
    canonical: bool = True,
) -> TranslationTask:
    """The task for one tested function (a `data/tested` row). Raises Untranslatable (reason counted by the
    stage) when the prompt cannot be translated or no assert survives compilation."""
    name = row["name"]
    parsed = parse_prompt(row["prompt"], name)
    seen_args, seen_return = observed_types(row)
    annotated = [p.type for p in parsed.signature.params]
    arg_hints = [refine(a, seen_args[i] if i < len(seen_args) else None) for i, a in enumerate(annotated)]
    return_hint = refine(parsed.signature.returns, seen_return)
    check, broken = check_source(name, row.get("tests") or [], return_hint)
    compiled = compile_tests(lang, name, check, param_types=arg_hints, return_type=return_hint)
    # The types the asserts were rendered with: the prompt declares exactly those (one typing decision).
    typed = ParsedPrompt(
        with_types(parsed.signature, compiled.arg_types, compiled.ret_type), parsed.docstring, parsed.helpers
    )
    sig = Signature(
        lang.safe_name(name),
        tuple(Param(lang.safe_name(p.name), p.type) for p in typed.signature.params),
        typed.signature.returns,
    )
    description = translate_description(
        lang, typed.docstring, typed.signature, doctests=doctests, terminology=terminology
    )
    clean = lang.prompt(sig, description)
    if canonical:
        solution = [CANONICAL_HEADER, *(f"# {line}".rstrip() for line in canonical_body(row["code"], name))]
        prompt = lang.prompt(sig, [*solution, *description])
    else:
        prompt = clean
    dropped = [(text, "assert_does_not_parse") for text in broken]
    dropped += [(d.source, d.reason) for d in compiled.dropped]
    header = lang.prompt(sig, [])
    lookup = CompiledProblem(
        {"prompt": header, "tests": compiled.text}, len(compiled.kept), [], sig, compiled.kept
    )
    return TranslationTask(
        function_id=row["id"],
        name=name,
        language=lang.name,
        prompt=prompt,
        clean_prompt=clean,
        header=header,
        tests=compiled.text,
        tests_kept=tuple(case.source for case in compiled.kept),
        tests_dropped=tuple(dropped),
        oracle=oracle_program(lang, lookup),
    )

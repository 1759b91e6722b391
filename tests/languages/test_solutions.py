"""Right/wrong solution pairs per language: the compiled HumanEval tests pass the right one and fail the
subtly wrong one, on the real runtime. Python also runs all 164 canonical solutions."""

from __future__ import annotations

import pytest
from language_helpers import compiled, humaneval, program, read_fixtures, require_runtime

from stages.languages import Status, get, names
from stages.languages.execute import execute_many
from stages.languages.translate import compile_tests

pytestmark = [pytest.mark.runtime]

# Every registered language: a new one without fixtures fails here, naming the missing file.
LANGUAGES = names()


@pytest.mark.parametrize("name", LANGUAGES)
def test_fixture_pairs_cover_at_least_twelve_problems(name: str) -> None:
    fixtures = read_fixtures(name)
    problems = {key for key, _ in fixtures}
    assert len(problems) >= 12
    assert all((key, kind) in fixtures for key in problems for kind in ("right", "wrong"))


@pytest.mark.parametrize("name", LANGUAGES)
def test_right_solutions_pass_and_wrong_ones_fail(name: str) -> None:
    lang = require_runtime(name)
    fixtures = read_fixtures(name)
    keys = sorted(fixtures)
    programs = [program(compiled(name, key), fixtures[key, kind]) for key, kind in keys]
    results = execute_many(lang, programs, workers=2)
    verdicts = {key: r.status for key, r in zip(keys, results, strict=True)}
    for (key, kind), result in zip(keys, results, strict=True):
        expected = Status.OK if kind == "right" else Status.ASSERTION_ERROR
        assert result.status == expected, (
            f"{name} {key} {kind}: {result.status}\n{result.raw.stdout}{result.raw.stderr}"
        )
    assert sum(v == Status.OK for v in verdicts.values()) == len(keys) // 2


def test_all_canonical_solutions_pass_their_python_tests() -> None:
    """All 164 HumanEval programs (prompt + canonical solution + compiled tests) in one sandboxed driver that
    forks a child per program, and the walker's own Python rendering of the same tests."""
    require_runtime("python")
    from stages.sandbox.pyfast import run_snippets

    python = get("python")
    problems = list(humaneval().values())
    assert len(problems) == 164
    verbatim = [program(compiled("python", key), p.canonical_solution) for key, p in humaneval().items()]
    walked = []
    for p in problems:
        if p.task_id in ("HumanEval/32", "HumanEval/38", "HumanEval/50"):  # no test survives translation
            continue
        tests = compile_tests(python, p.entry_point, p.tests).text
        walked.append(p.prompt + p.canonical_solution + "\n" + tests)
    results = run_snippets("", verbatim + walked)
    failed = [(i, r.status, r.error) for i, r in enumerate(results) if r.status != "ok"]
    assert not failed
    assert len(walked) == 161


def test_julia_fixture_programs_parse_with_the_julia_grammar() -> None:
    """Julia is not installed here: every right and wrong program (prompt + completion + harness) must parse
    with tree-sitter's Julia grammar, and a broken one must not."""
    pytest.importorskip("tree_sitter_julia", reason="tree-sitter-julia is not installed (the dev extra)")
    from stages.languages.julia import syntax_errors

    fixtures = read_fixtures("julia")
    for (key, kind), completion in sorted(fixtures.items()):
        source = program(compiled("julia", key), completion)
        assert syntax_errors(source) == [], f"{key} {kind}:\n{source}"
    broken = program(compiled("julia", "HumanEval_55"), "    a, b = (0, 1\nend\n")
    assert syntax_errors(broken)


def test_typescript_right_solutions_type_check_in_one_tsc_run() -> None:
    """Runs strip types; type errors are found in bulk: one `tsc --noEmit` over every right program, plus a
    copy with a type error that must be the only one reported."""
    require_runtime("typescript")
    from stages.languages.typescript import typecheck

    fixtures = read_fixtures("typescript")
    keys = sorted(key for key, kind in fixtures if kind == "right")
    programs = [program(compiled("typescript", key), fixtures[key, "right"]) for key in keys]
    ill_typed = program(compiled("typescript", "HumanEval_23"), '  return "five";\n}\n')
    errors = typecheck([*programs, ill_typed])
    assert errors[:-1] == [[] for _ in keys]
    assert len(errors[-1]) == 1 and "TS2322" in errors[-1][0], errors[-1]

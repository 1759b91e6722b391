"""The Python linters against the reference's behaviour (issue 30's reproducers): where a syntax error is blamed,
what only the compiler finds, no-member on the program's own classes, and independence from installed packages."""

from __future__ import annotations

import random
import warnings

import pytest
from sequence_properties import stdlib_as_written

from stages.editseq import backward_sample, linter_for, state_lines, states
from stages.editseq.languages import has_syntax_error
from stages.editseq.linters import Pylint

EMPTIED_IF = "def f(c):\n    if c:\n    y = 2\n    return y"


class FirstPicks(random.Random):
    """Picks the given 0-based lines first (one per edit), then draws as usual."""

    def __init__(self, *lines: int) -> None:
        super().__init__(0)
        self.lines = list(lines)

    def choices(self, population, weights=None, **kwargs):  # type: ignore[no-untyped-def, override]
        if self.lines:
            return [self.lines.pop(0)]
        return super().choices(population, weights=weights, **kwargs)


@pytest.mark.parametrize("linter_name", ["pyflakes", "pylint"])
def test_a_syntax_error_is_blamed_on_the_emptied_block(linter_name):
    assert linter_for(linter_name).error_lines(EMPTIED_IF) == {2}


def test_deleting_a_blocks_only_line_deletes_its_opener_not_the_function():
    program = "def f(c):\n    if c:\n        x = 1\n    y = 2\n    z = 3\n    return y + z"
    sampled = backward_sample(program, linter_for("pyflakes"), FirstPicks(2))
    assert sampled.deletions[0] == [1, 2]
    assert len(sampled.deletions) > 2


NONLOCAL = (
    "def outer():\n    count = 0\n    def inc():\n        nonlocal count\n        count += 1\n"
    "        return count\n    return inc"
)


def _compiles(source: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "state.py", "exec", dont_inherit=True)
        except SyntaxError:
            return False
    return True


@pytest.mark.parametrize("linter_name", ["pyflakes", "pylint"])
def test_what_only_the_compiler_rejects_is_flagged(linter_name):
    unbound = "def outer():\n    def inc():\n        nonlocal count\n    return inc"
    assert linter_for(linter_name).error_lines(unbound) == {3}
    for seed in range(30):
        sampled = backward_sample(NONLOCAL, linter_for(linter_name), random.Random(seed))
        assert all(_compiles(state) for state in states(NONLOCAL, sampled.deletions)), seed


def test_the_syntax_pre_check_compiles():
    assert has_syntax_error("nonlocal x\n", "python")
    assert has_syntax_error("def f():\n    x = 1\n    global x\n", "python")
    assert not has_syntax_error(NONLOCAL, "python")


def test_pylint_reports_no_member_on_the_programs_own_class():
    program = (
        "class P:\n    def __init__(self, x, y):\n        self.y = y\n    def norm(self):\n"
        "        return self.x + self.y\n\nprint(P(1, 2).norm())"
    )
    assert linter_for("pylint").error_lines(program) == {5}
    # ... and on a standard library module (the stdlib is the runtime's, not an installed package).
    assert linter_for("pylint").error_lines("import os\n\nos.no_such_function()\n") == {3}


def test_an_installed_package_does_not_change_pylint(tmp_path, monkeypatch):
    program = (
        "import polyforge_extra_pkg\nfrom polyforge_extra_pkg import thing\n\n"
        "def f():\n    return polyforge_extra_pkg.thing.other + thing.other\n"
    )
    before = linter_for("pylint").messages(program)
    (tmp_path / "polyforge_extra_pkg.py").write_text("thing = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert linter_for("pylint").messages(program) == before == set()
    # An installed package the project depends on is no different.
    assert linter_for("pylint").error_lines("import yaml\n\nyaml.no_such_function()\n") == set()


@pytest.mark.parametrize("linter_name", ["pyflakes", "pylint"])
def test_messages_mask_line_numbers_and_name_what_is_wrong(linter_name):
    linter = linter_for(linter_name)
    one = linter.messages("def f(x):\n    z = undefined_name + y\n")
    two = linter.messages("\n\ndef f(x):\n    z = undefined_name + y\n")
    assert {text for _, text in one} == {text for _, text in two}
    assert {line for line, _ in one} == {2} and {line for line, _ in two} == {4}
    assert len(one) == 2 and sum("'y'" in text for _, text in one) == 1


def test_pylint_with_reused_checkers_reports_what_pylints_own_check_does():
    fast = linter_for("pylint")
    plain = Pylint()
    del plain._linter._astroid_module_checker  # pylint's own: checkers and walker built for every check
    pragma = "def f():\n    return undefined_a  # pylint: disable=undefined-variable\n"
    short = [p for p in stdlib_as_written()[::40] if p.count("\n") < 25][:8]
    programs = [pragma, EMPTIED_IF, NONLOCAL, *short]
    compared = 0
    for i, program in enumerate(programs):
        lines = program.split("\n")
        sampled = backward_sample(program, fast, random.Random(i))
        for state in state_lines(program, sampled.deletions[:1])[::-1]:
            source = "\n".join(lines[j] for j in state)
            assert fast.messages(source) == plain.messages(source), source
            compared += 1
    # A program's own pragma silences only its own lines: the next program's errors still count.
    assert fast.error_lines(pragma) == set()
    assert fast.error_lines("def f():\n    return undefined_a\n") == {2}
    assert compared > 10

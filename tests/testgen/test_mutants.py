"""Mutation operators and the extra inputs of the equivalence rule: pure Python, no sandbox (fast tier)."""

import ast

from stages.generate_tests import verdict
from stages.testgen.inputs import extra_inputs
from stages.testgen.mutants import mutants_of

LEAP = '''def isleap(year):
    """Return True for leap years, False for non-leap years."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
'''


def test_leap_year_mutants_cover_every_operator_class_once_per_site():
    mutants = mutants_of(LEAP, "isleap")
    changes = {(m.operator, m.col, m.before, m.after) for m in mutants}
    assert ("const", 56, "400", "401") in changes  # the one only a century year such as 2000 kills
    assert ("ror", 49, "year % 400 == 0", "year % 400 != 0") in changes
    assert ("aor", 30, "year % 100", "year // 100") in changes
    assert (
        "return",
        4,
        "return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)",
        "return None",
    ) in changes
    assert sum(m.operator == "lcr" for m in mutants) == 2 and sum(m.operator == "const" for m in mutants) == 6
    assert len(mutants) == 15 and all(m.line == 3 for m in mutants)
    for m in mutants:  # each is a whole def that compiles and differs from the original
        tree = ast.parse(m.source)
        assert isinstance(tree.body[0], ast.FunctionDef) and tree.body[0].name == "isleap"
        assert m.source != ast.unparse(ast.parse(LEAP).body[0])


def test_ordering_comparisons_get_boundary_and_negation_and_strings_are_not_mutated_into_type_errors():
    code = (
        "import functools\n\n"
        "@functools.cache\n"
        "def f(x, s):\n"
        '    """Doc 1."""\n'
        "    if not x < 3:\n"
        '        s += "!"\n'
        '    return s + "?" if -x else s % 2\n'
    )
    mutants = mutants_of(code, "f")
    found = {(m.operator, m.line, m.after) for m in mutants}
    # Lines count from the decorator, the function's first line in the row's code.
    assert ("ror", 4, "x <= 3") in found and ("ror", 4, "x >= 3") in found and ("const", 4, "4") in found
    assert ("not", 4, "x < 3") in found and ("neg", 6, "x") in found
    assert ("aor", 6, "s // 2") in found  # `%` with no string literal beside it is fair game
    # `s += "!"` and `s + "?"` would only raise TypeError: not mutated; the docstring's "1" is no int.
    assert not any(m.line == 5 for m in mutants) and not any(m.after.startswith("s - ") for m in mutants)
    assert len(mutants) == 8 and all(m.source.startswith("@functools.cache") for m in mutants)


def test_max_mutants_spreads_the_sample_over_the_body():
    code = "def f(x):\n" + "".join(f"    x = x + {i}\n" for i in range(20)) + "    return x\n"
    every = mutants_of(code, "f")
    some = mutants_of(code, "f", max_mutants=10)
    assert len(every) == 41 and len(some) == 10
    assert some[0].line == 2 and some[-1].line >= 19
    assert mutants_of(code, "g") == []


def test_extra_inputs_keep_each_arguments_type_and_shape_and_are_reproducible():
    examples = [(2020, "ab", [1, 2], {"k": 1.5}), (1999, "", [3], {"j": 0.0})]
    inputs = extra_inputs(examples, 200, seed="f")
    assert inputs == extra_inputs(examples, 200, seed="f") and inputs != extra_inputs(examples, 200, seed="g")
    assert len(inputs) == 200 and len({repr(i) for i in inputs}) == 200
    assert not set(map(repr, inputs)) & set(map(repr, examples))
    for year, text, items, table in inputs:
        assert type(year) is int and type(text) is str and type(items) is list and type(table) is dict
        assert all(type(i) is int for i in items) and all(type(k) is str for k in table)
        assert ast.literal_eval(repr((year, text, items, table))) == (year, text, items, table)
    years = [i[0] for i in inputs]
    assert any(y % 100 == 0 and y % 400 for y in years)  # round numbers: a century year turns up
    assert extra_inputs([], 10, seed="f") == [] and extra_inputs(examples, 0, seed="f") == []


def test_low_mutation_score_is_the_last_reason_a_function_is_dropped():
    judged = {"passing": ["assert f(1) == 1"], "coverage": 100.0, "mutation": {"score": 0.6}}
    assert verdict(judged, 90.0, 0.8) == "low_mutation_score"
    assert verdict(judged, 90.0, 0.6) is None
    assert verdict({**judged, "coverage": 50.0}, 90.0, 0.8) == "low_coverage"

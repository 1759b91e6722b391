"""Mutation operators and the extra inputs of the equivalence rule: pure Python, no sandbox (fast tier)."""

import ast

from stages.generate_tests import verdict
from stages.testgen.inputs import extra_inputs
from stages.testgen.mutants import Seen, mutants_of, returns_constant

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
    # Nothing observed: the returned test becomes True and False (the `constant` operator's default for tests).
    assert {(m.operator, m.after) for m in mutants if m.operator == "constant"} == {
        ("constant", "return True"),
        ("constant", "return False"),
    }
    assert len(mutants) == 17 and all(m.line == 3 for m in mutants)
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
    # `s += "!"` and `s + "?"` would only raise TypeError: no `aor` there, their literals respelled instead;
    # the docstring's "1" is no int and the docstring is never respelled.
    assert not any(m.line == 5 and m.operator != "string" for m in mutants)
    assert not any(m.after.startswith("s - ") for m in mutants)
    assert ("string", 5, "''") in found and ("string", 6, "''") in found
    assert ("constant", 6, "return 0") in found  # nothing observed, not a test: 0
    assert len(mutants) == 12 and all(m.source.startswith("@functools.cache") for m in mutants)


def test_max_mutants_spreads_the_sample_over_the_body():
    code = "def f(x):\n" + "".join(f"    x = x + {i}\n" for i in range(20)) + "    return x\n"
    every = mutants_of(code, "f")
    some = mutants_of(code, "f", max_mutants=10)
    assert len(every) == 43 and len(some) == 10  # 40 aor/const, return None, return 0, abs
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
    mutation = {"score": 0.6, "killed": 3, "survived": [{}, {}]}
    judged = {"passing": ["assert f(1) == 1", "assert f(2) == 2"], "coverage": 100.0, "mutation": mutation}
    assert verdict(judged, 90.0, 0.8) == "low_mutation_score"
    assert verdict(judged, 90.0, 0.6) is None
    assert verdict({**judged, "coverage": 50.0}, 90.0, 0.8) == "low_coverage"
    # A score counts only over enough distinct asserts and mutants left to count (5 here, equivalent ones out).
    assert verdict(judged, 90.0, 0.6, min_asserts=3) == "few_asserts"
    same = {**judged, "passing": ["assert f(1) == 1", "assert f(1)==1", "assert f( 1 ) == 1"]}
    assert verdict(same, 90.0, 0.6, min_asserts=2) == "few_asserts"  # one assert, three layouts
    assert verdict(judged, 90.0, 0.6, min_mutants=6) == "few_mutants"
    assert verdict(judged, 90.0, 0.6, min_asserts=2, min_mutants=5) is None


NEG = 'def neg(a):\n    """Same as -a."""\n    return -a\n'


def test_a_suite_that_asks_one_question_leaves_the_constant_it_saw_alive_and_abs_wraps_numbers():
    mutants = mutants_of(NEG, "neg", seen=Seen((-1,)))  # what `assert neg(1) == -1` saw
    found = {(m.operator, m.after) for m in mutants}
    assert found == {
        ("neg", "a"),
        ("return", "return None"),
        ("constant", "return -1"),
        ("abs", "return abs(-a)"),
    }
    # Seen values that are not numbers: no abs; a returned test gets the values seen, not True/False twice.
    table = "def has(d, k):\n    return k in d\n"
    ops = {(m.operator, m.after) for m in mutants_of(table, "has", seen=Seen((False, False)))}
    assert ("constant", "return False") in ops and ("constant", "return True") not in ops
    assert not any(op == "abs" for op, _ in ops)
    words = 'def greet(name):\n    return "Hi, " + name.title()\n'
    ops = {(m.operator, m.after) for m in mutants_of(words, "greet", seen=Seen(("Hi, Bo",)))}
    assert ("string", "'hI, '") in ops and ("constant", "return 'Hi, Bo'") in ops
    assert not any(op == "abs" for op, _ in ops)


def test_swap_exchanges_a_calls_first_two_positional_arguments_and_f_strings_stay():
    code = 'def f(a, b):\n    return pow(a, b) + g(a, a) + len(f"{a}-{b}")\n'
    ops = [(m.operator, m.after) for m in mutants_of(code, "f", seen=Seen((8,)))]
    assert ("swap", "pow(b, a)") in ops
    assert not any(op == "swap" and "g(" in after for op, after in ops)  # the same argument twice
    assert not any(op == "string" for op, _ in ops)  # the f-string's "-" is left alone


def test_a_body_that_returns_a_constant_is_trivial():
    door = 'def S_ISDOOR(mode):\n    """Return True if mode is from a door."""\n    return False\n'
    assert returns_constant(door, "S_ISDOOR")
    assert returns_constant("def f(x):\n    return (1, -2, 'a')\n", "f")
    assert not returns_constant(NEG, "neg")
    assert not returns_constant("def f(x):\n    y = 1\n    return 1\n", "f")
    assert not returns_constant("def f(x):\n    return FLAG\n", "f") and not returns_constant(door, "g")

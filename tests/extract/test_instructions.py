import json

import pytest

from stages.extract.instructions import (
    EMPTY_OUTPUT,
    NOT_PYTHON,
    TRIVIAL_OUTPUT,
    CodeAlpacaParams,
    codealpaca_rows,
    deduplicated,
    docstring_rows,
    python_reason,
)
from stages.params import ParamsError
from stages.records import Funnel, Source, new_row, write_rows


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("def add(a, b):\n    return a + b", None),
        ("print('hi')", None),
        ("SELECT * FROM users WHERE id = 1;", NOT_PYTHON),
        ("function f() { return 1; }", NOT_PYTHON),
        ("Hello", TRIVIAL_OUTPUT),
        ("42", TRIVIAL_OUTPUT),
        ("   ", EMPTY_OUTPUT),
    ],
)
def test_python_reason(output, expected):
    assert python_reason(output) == expected


def test_codealpaca_local_keeps_python_outputs_with_lineage(tmp_path):
    records = [
        {"instruction": "Add two numbers.", "input": "", "output": "def add(a, b):\n    return a + b"},
        {"instruction": "Query users.", "input": "", "output": "SELECT * FROM users;"},
        {"instruction": "Name a colour.", "input": "", "output": "Blue"},
        {"instruction": "", "input": "", "output": "x = 1"},
        "not a record",
        {"instruction": "Add two numbers.", "input": "", "output": "def add(a, b):\n    return a+b  # same"},
    ]
    path = tmp_path / "code_alpaca_20k.json"
    path.write_text(json.dumps(records))
    funnel = Funnel("extract_instructions")
    rows = list(
        deduplicated(codealpaca_rows(CodeAlpacaParams(source="local", path=str(path)), funnel, "s"), funnel)
    )
    assert [r["instruction"] for r in rows] == ["Add two numbers."]
    assert rows[0]["kind"] == "codealpaca"
    assert rows[0]["lineage"]["source"]["path"] == f"{path}#0"
    assert len(rows[0]["lineage"]["source"]["sha"]) == 64
    assert funnel.rows_in == 6 and funnel.rows_out == 1
    assert dict(funnel.dropped) == {NOT_PYTHON: 1, TRIVIAL_OUTPUT: 1, "bad_record": 2, "duplicate_exact": 1}


def test_codealpaca_params_are_checked():
    with pytest.raises(ParamsError, match="'web'"):
        CodeAlpacaParams(source="web")
    with pytest.raises(ParamsError, match="path is required"):
        CodeAlpacaParams(source="local")


def test_docstring_instructions_are_children_of_their_functions(tmp_path):
    function = new_row(
        {
            "name": "clamp",
            "code": 'def clamp(x, lo, hi):\n    """Clamp x."""\n    return max(lo, min(x, hi))\n',
            "signature": "def clamp(x, lo, hi):",
            "docstring": "Clamp x into [lo, hi].",
            "imports": [],
        },
        stage="extract_functions",
        source=Source(dataset="stdlib", path="m.py"),
    )
    write_rows(tmp_path / "functions", [function])
    funnel = Funnel("extract_instructions")
    rows = list(docstring_rows(str(tmp_path / "functions"), funnel, "extract_instructions"))
    assert len(rows) == 1
    row = rows[0]
    assert row["lineage"]["parent_id"] == function["id"]
    assert row["lineage"]["source"]["path"] == "m.py"
    assert row["instruction"].startswith("Clamp x into [lo, hi].")
    assert "`def clamp(x, lo, hi):`" in row["instruction"]
    assert row["output"] == function["code"] and row["kind"] == "docstring"


def test_codealpaca_jsonl_reads_records_and_fails_on_a_bad_line_naming_it(tmp_path):
    from stages.records.io import RecordError

    good = {"instruction": "Add two numbers.", "input": "", "output": "def add(a, b):\n    return a + b"}
    path = tmp_path / "code_alpaca.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(good | {"instruction": "Sum."}) + "\n")
    params = CodeAlpacaParams(source="local", path=str(path))
    rows = list(codealpaca_rows(params, Funnel("extract_instructions"), "s"))
    assert [r["instruction"] for r in rows] == ["Add two numbers.", "Sum."]
    one = tmp_path / "one.jsonl"  # a one-record JSONL file parses whole as an object: still JSONL
    one.write_text(json.dumps(good) + "\n")
    assert len(list(codealpaca_rows(CodeAlpacaParams(source="local", path=str(one)), Funnel("e"), "s"))) == 1
    path.write_text(json.dumps(good) + "\n{broken\n")
    with pytest.raises(RecordError, match=r"code_alpaca.jsonl:2: not valid JSON"):
        list(codealpaca_rows(params, Funnel("extract_instructions"), "s"))

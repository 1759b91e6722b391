"""codem_data@LANG: validated translations become instructions from their docstrings, every drop named; the
published CodeM data is read by the schema it has, and fails naming what it found otherwise."""

from __future__ import annotations

import json

import pytest

from stages.codem.instructions import NO_DOCSTRING, NO_PARENT, instruction_rows
from stages.codem.published import CodemDataError, PublishedParams, published_rows, schema
from stages.codem_data import CodemParams, run
from stages.records import Funnel, child_row, new_row, read_rows, write_rows
from stages.records.lineage import walk
from stages.records.schema import Source
from stages.stage import Context


def make_tested(name: str, docstring: str) -> dict:
    source = Source(dataset="stdlib", path=f"{name}.py")
    function = new_row(
        {"name": name, "code": f"def {name}(x):\n    return x\n"}, stage="extract_functions", source=source
    )
    return child_row(
        function,
        {"name": name, "docstring": docstring, "tests": ["assert f(1) == 1"]},
        stage="generate_tests",
    ), function


def translation(parent: dict, program: str) -> dict:
    return child_row(
        parent,
        {"name": parent["name"], "language": "lua", "program": program, "prompt": "", "completion": ""},
        stage="translate@lua",
    )


def test_translations_become_instructions_and_drops_are_named():
    good, _ = make_tested("double", "Return x doubled.")
    bare, _ = make_tested("bare", "  ")
    rows = [
        translation(good, "local function double(x)\n  return 2 * x\nend\n"),
        translation(bare, "x"),
        child_row({"id": "orphan", "lineage": {"source": {}}}, {"name": "o", "program": "p"}, stage="t"),
    ]
    funnel = Funnel("codem")
    out = list(instruction_rows(rows, {good["id"]: good, bare["id"]: bare}, "lua", funnel, "codem_data@lua"))
    assert len(out) == 1 and dict(funnel.dropped) == {NO_DOCSTRING: 1, NO_PARENT: 1}
    row = out[0]
    assert row["instruction"] == "Return x doubled.\n\nWrite this as a function in Lua, named `double`."
    assert row["output"].startswith("local function double") and row["language"] == "lua"
    assert row["lineage"]["parent_id"] == rows[0]["id"] and row["lineage"]["source"]["path"] == "double.py"


def test_the_stage_writes_rows_that_walk_back_to_their_source_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    good, function = make_tested("double", "Return x doubled.")
    write_rows("data/functions", [function], 100)
    write_rows("data/tested", [good], 100)
    write_rows(
        "data/translated/lua/rows", [translation(good, "local function double(x) return 2*x end\n")], 100
    )
    funnel = run(CodemParams(languages=("lua",)), Context(), "lua")
    assert (funnel.rows_in, funnel.rows_out) == (1, 1) and funnel.extra["rows_translations"] == 1
    (row,) = read_rows("data/codem/lua")
    stages = [r["lineage"]["stage"] for _, r in walk(row["id"], "data")]
    assert stages == ["codem_data@lua", "translate@lua", "generate_tests", "extract_functions"]


def test_a_language_without_translations_fails_naming_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_rows("data/tested", [], 100)
    with pytest.raises(FileNotFoundError, match="list go in translate.languages"):
        run(CodemParams(languages=("go",)), Context(), "go")


def test_published_schema_is_found_not_assumed(tmp_path):
    assert schema(["instruction", "output"]) == ("instruction", "output", None)
    assert schema(["Prompt", "Completion", "input"]) == ("Prompt", "Completion", "input")
    with pytest.raises(CodemDataError, match=r"columns \['content', 'lang'\] hold no instruction"):
        schema(["content", "lang"])
    folder = tmp_path / "codem"
    folder.mkdir()
    records = [
        {"instruction": "Sum a list in JavaScript.", "output": "function sum(xs) { return 0; }"},
        {"instruction": "", "output": "x"},
    ]
    (folder / "js.json").write_text("\n".join(json.dumps(r) for r in records))
    funnel = Funnel("codem")
    rows = list(
        published_rows(PublishedParams(dataset=str(folder)), "javascript", funnel, "codem_data@javascript")
    )
    assert [r["instruction"] for r in rows] == ["Sum a list in JavaScript."]
    assert dict(funnel.dropped) == {"empty_record": 1}
    assert rows[0]["lineage"]["source"]["path"] == "js.json#0"
    with pytest.raises(CodemDataError, match="no 'lua' file; it has: c, cpp, go"):
        list(published_rows(PublishedParams(dataset=str(folder)), "lua", funnel, "x"))
    with pytest.raises(CodemDataError, match="cannot load go.json"):
        list(published_rows(PublishedParams(dataset=str(folder)), "go", funnel, "x"))


class ScriptedGenerator:
    """A stand-in for the model in this test only: each call returns the next scripted reply per prompt."""

    def __init__(self, *calls: list[str]) -> None:
        self.calls = list(calls)
        self.prompts: list[list[str]] = []

    def generate(self, prompts, n, sampling, stop=(), chat=False, template_version="", first_index=0):
        from stages.llm.base import Completion

        assert chat and n == 1 and sampling.greedy
        self.prompts.append(list(prompts))
        replies = self.calls.pop(0)
        assert len(replies) == len(prompts)
        return [[Completion(text, text, "stop", 0, False, 1, f"key-{i}")] for i, text in enumerate(replies)]


@pytest.mark.runtime  # the answers run in Lua inside the sandbox
def test_evolved_answers_that_do_not_load_in_the_runtime_are_dropped(tmp_path):
    from stages.codem.evolve import (
        DOES_NOT_LOAD,
        EVOLVE_EMPTY,
        KIND,
        NO_CODE,
        NO_INSTRUCTION,
        EvolveParams,
        evolved_rows,
    )
    from stages.common import CommonParams
    from stages.executors import make_executor

    source = Source(dataset="stdlib", path="m.py")
    seeds = [
        new_row(
            {"instruction": text, "output": "def f(x):\n    return x\n"},
            stage="extract_instructions",
            source=source,
        )
        for text in (
            "Return x doubled.",
            "Return the sum of a list.",
            "Reverse a string.",
            "Count vowels.",
            " ",
        )
    ]
    write_rows(tmp_path / "seeds", seeds, 100)
    params = EvolveParams(seeds_dir=str(tmp_path / "seeds"), max_seeds=5)
    chosen = sorted(seeds, key=lambda r: r["id"])
    blank = next(i for i, r in enumerate(chosen) if not r["instruction"].strip())
    asked = [i for i in range(5) if i != blank]
    # Evolved tasks for the four seeds with text (one too short to be a task), then answers for the other three.
    tasks = [
        "Return x doubled, and reject nil with an error, in Lua.",
        "ok",
        "Reverse a UTF-8 string in Lua, in place.",
        "Count vowels in Lua, ignoring case.",
    ]
    answers = [
        "local function double(x)\n  if x == nil then error('nil') end\n  return 2 * x\nend\n",
        "local function rev(s) return s:reverse( end\n",
        "",
    ]
    generator = ScriptedGenerator(tasks, answers)
    funnel = Funnel("codem_data@lua:evolved")
    with make_executor(CommonParams(workers=1)) as executor:
        rows = list(
            evolved_rows(
                params, "lua", "Lua", generator, executor, Context().sandbox, funnel, "codem_data@lua"
            )
        )
    assert (funnel.rows_in, funnel.rows_out) == (5, 1)
    assert dict(funnel.dropped) == {NO_INSTRUCTION: 1, EVOLVE_EMPTY: 1, DOES_NOT_LOAD: 1, NO_CODE: 1}
    (row,) = rows
    assert row["instruction"] == tasks[0] and row["output"].startswith("local function double")
    assert row["kind"] == KIND and row["language"] == "lua"
    assert row["lineage"]["parent_id"] == chosen[asked[0]]["id"]
    # The model was asked to evolve in Lua, then to answer the evolved task in a lua block.
    assert "harder task to be solved in Lua" in generator.prompts[0][0]
    assert generator.prompts[1][0].startswith(tasks[0]) and "```lua" in generator.prompts[1][0]

"""Stage build_benchmark: HumanEval in every language (MultiPL-E format, counts, drops with reasons), MBPP from
a local file, MultiPL-E's published prompt files loaded as they are, and bad params or input failing clearly."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from stages.build_benchmark import BenchmarkParams, run
from stages.languages.benchmark import MULTIPL_E_FIELDS, BenchmarkSourceError
from stages.params import ParamsError
from stages.params import build as build_params
from stages.records import Funnel
from stages.stage import Context


def build(params: BenchmarkParams, funnel_path) -> Funnel:
    """The stage as its entry point runs it: run, then the funnel written where the params say."""
    funnel = run(dataclasses.replace(params, funnel=str(funnel_path)), Context())
    funnel.write()
    return funnel


def rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_humaneval_in_every_language(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    funnel = build(BenchmarkParams(out_dir=str(out), oracle=False), tmp_path / "funnel.json")
    metrics = json.loads((tmp_path / "funnel.json").read_text())
    assert metrics["problems"] == {"python": 164, "lua": 161, "racket": 161, "r": 161}  # MultiPL-E: 161 each
    assert sorted(p.name for p in out.iterdir()) == ["lua.jsonl", "python.jsonl", "r.jsonl", "racket.jsonl"]
    # Their loops unroll (issue 16), but every unrolled test uses random inputs (MultiPL-E drops them too).
    dropped = {
        "HumanEval/32": "no_translatable_tests: free_name, unsupported_assert_form",
        "HumanEval/38": "no_translatable_tests: free_name",
        "HumanEval/50": "no_translatable_tests: call_in_value",
    }
    assert metrics["dropped_problems"] == {"python": {}, "lua": dropped, "racket": dropped, "r": dropped}
    assert metrics["dropped"] == {"no_translatable_tests": 9}
    assert funnel.rows_in == 4 * 164 and funnel.rows_out == 164 + 3 * 161
    lua = rows(out / "lua.jsonl")
    assert all(set(MULTIPL_E_FIELDS) <= set(r) for r in lua)
    first = lua[0]
    assert first["name"] == "HumanEval_0_has_close_elements" and first["language"] == "lua"
    assert first["stop_tokens"] == ["\nlocal", "\nfunction", "\n--", "\n\n"]
    assert first["prompt"].endswith("local function has_close_elements(numbers, threshold)\n")
    assert first["lineage"]["source"]["path"] == "HumanEval/0"
    racket = rows(out / "racket.jsonl")
    assert racket[0]["language"] == "rkt" and racket[0]["prompt"].startswith("#lang racket\n")
    python = rows(out / "python.jsonl")
    assert python[0]["tests"].rstrip().endswith("check(has_close_elements)\n\ntest_check()")


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    params = BenchmarkParams(out_dir=str(tmp_path / "b"), languages=("racket",), oracle=False)
    build(params, tmp_path / "f.json")
    first = (tmp_path / "b" / "racket.jsonl").read_bytes()
    build(params, tmp_path / "f.json")
    assert (tmp_path / "b" / "racket.jsonl").read_bytes() == first


MBPP = [
    {
        "task_id": 2,
        "text": "Write a function to find the shared elements from the given two lists.",
        "code": "def similar_elements(a, b):\n    return tuple(sorted(set(a) & set(b)))\n",
        "test_list": [
            "assert similar_elements((3, 4, 5, 6), (5, 7, 4, 10)) == (4, 5)",
            "assert set(similar_elements((1, 2), (2, 3))) == set((2,))",
        ],
    },
    {"task_id": 3, "text": "Broken.", "code": "def f(:\n", "test_list": ["assert f(1) == 1"]},
]


def test_mbpp_from_a_local_file(tmp_path: Path) -> None:
    source = tmp_path / "mbpp.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in MBPP))
    params = BenchmarkParams(
        source="mbpp", path=str(source), out_dir=str(tmp_path / "b"), languages=("python", "r"), oracle=False
    )
    build(params, tmp_path / "f.json")
    metrics = json.loads((tmp_path / "f.json").read_text())
    assert metrics["problems"] == {"python": 1, "r": 1}
    assert metrics["source_rejected"] == {"mbpp/3": "mbpp_code_does_not_parse"}
    assert metrics["dropped_tests"]["r"] == {"lhs_not_a_call_of_the_function": 1}
    (r_row,) = rows(tmp_path / "b" / "r.jsonl")
    assert r_row["name"] == "mbpp_2_similar_elements"
    assert r_row["prompt"].startswith(
        "# Write a function to find the shared elements from the given two vectors.\n"
    )
    assert (
        "stopifnot(isTRUE(all.equal(candidate(list(3, 4, 5, 6), list(5, 7, 4, 10)), list(4, 5))))"
        in r_row["tests"]
    )


def test_multipl_e_prompt_files_are_loaded_as_they_are(tmp_path: Path) -> None:
    published = tmp_path / "prompts"
    published.mkdir()
    row = {
        "name": "HumanEval_0_x",
        "language": "lua",
        "prompt": "local function x()\n",
        "tests": "T",
        "stop_tokens": ["\nlocal"],
        "doctests": "transform",
        "original": "o",
        "prompt_terminology": "reworded",
    }
    (published / "humaneval-lua-reworded.jsonl").write_text(json.dumps(row) + "\n")
    (published / "humaneval-jl-reworded.jsonl").write_text(json.dumps({**row, "language": "jl"}) + "\n")
    params = BenchmarkParams(
        source="multipl-e", path=str(published), out_dir=str(tmp_path / "b"), languages=("lua",), oracle=False
    )
    build(params, tmp_path / "f.json")
    (loaded,) = rows(tmp_path / "b" / "lua.jsonl")
    assert {k: loaded[k] for k in row} == row
    metrics = json.loads((tmp_path / "f.json").read_text())
    assert metrics["skipped_languages"] == {"jl": 1}


def test_malformed_published_row_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "p.jsonl"
    bad.write_text(json.dumps({"name": "x", "language": "lua"}) + "\n")
    params = BenchmarkParams(
        source="multipl-e", path=str(bad), out_dir=str(tmp_path / "b"), languages=("lua",), oracle=False
    )
    with pytest.raises(
        BenchmarkSourceError, match=r"p.jsonl: row 1: MultiPL-E row lacks prompt, tests, stop_tokens"
    ):
        build(params, tmp_path / "f.json")
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"languages": ["lua", "cobol"]}, "'cobol' is not one of 'python', 'lua', 'racket', 'r'"),
        ({"languages": []}, "benchmark.languages is empty"),
        ({"languages": ["lua", "lua"]}, "lists a language twice"),
        ({"source": "apps"}, "'apps' is not one of 'humaneval', 'mbpp', 'multipl-e'"),
        ({"source": "multipl-e"}, "benchmark.path is required"),
        ({"doctests": "drop"}, "'drop' is not one of 'transform', 'keep', 'remove'"),
        ({"shards": 2}, "unknown key(s) 'shards'"),
    ],
)
def test_bad_params_fail_with_the_alternatives(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ParamsError) as exc:
        build_params(BenchmarkParams, raw, "benchmark")
    assert message in str(exc.value)


@pytest.mark.runtime
def test_the_oracle_runs_inside_the_stage_and_counts_its_failures(tmp_path: Path) -> None:
    """`benchmark.oracle`: every compiled Lua problem's lookup-table completion passes its tests (Lua is the
    fastest runtime: 161 programs in ~1 s); the verbatim Python is not judged."""
    params = BenchmarkParams(out_dir=str(tmp_path / "b"), languages=("python", "lua"), oracle=True)
    build(params, tmp_path / "f.json")
    metrics = json.loads((tmp_path / "f.json").read_text())
    assert metrics["oracle_failed"] == {"lua": 0}
    assert metrics["oracle_skipped"] == []
    assert metrics["problems"] == {"python": 164, "lua": 161}

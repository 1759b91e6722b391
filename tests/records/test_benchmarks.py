"""Benchmarks loaded in one place: both users (decontamination, the multilingual benchmark) see the same."""

import json

import pytest

from stages.records import benchmarks
from stages.records.benchmarks import BenchmarkError
from stages.records.io import RecordError

MBPP_RECORD = {
    "task_id": 11,
    "text": "Write a python function to remove first and last occurrence of a given character from the string.",
    "code": "def remove_Occ(s, ch):\n    return s.replace(ch, '')",
    "test_list": ['assert remove_Occ("hello","l") == "heo"'],
}


def test_humaneval_is_in_task_order_and_shared_by_both_users():
    from stages.decont.benchmarks import humaneval_texts
    from stages.languages.benchmark import humaneval_problems

    problems = benchmarks.humaneval()
    assert len(problems) == 164
    assert [p["task_id"] for p in problems[:3]] == ["HumanEval/0", "HumanEval/1", "HumanEval/2"]
    assert [p.task_id for p in humaneval_problems()] == [p["task_id"] for p in problems]
    assert {t.task_id for t in humaneval_texts()} == {p["task_id"] for p in problems}
    assert benchmarks.humaneval_file().is_file()


def test_mbpp_file_reads_jsonl_and_json_and_names_a_missing_path(tmp_path):
    jsonl = tmp_path / "mbpp.jsonl"
    jsonl.write_text(json.dumps(MBPP_RECORD) + "\n\n")
    listed = tmp_path / "mbpp.json"
    listed.write_text(json.dumps([MBPP_RECORD]))
    assert benchmarks.mbpp_file(jsonl) == benchmarks.mbpp_file(listed) == [MBPP_RECORD]
    with pytest.raises(BenchmarkError, match=r"some.key '.*missing.jsonl' is not a file"):
        benchmarks.mbpp_file(tmp_path / "missing.jsonl", what="some.key")
    listed.write_text("{}")
    with pytest.raises(BenchmarkError, match="expected a JSON list of MBPP records, got dict"):
        benchmarks.mbpp_file(listed)


def test_bad_benchmark_lines_name_file_and_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "x"}\n[1]\n')
    with pytest.raises(BenchmarkError, match=r"p\.jsonl:2: expected a JSON object, got list"):
        list(benchmarks.jsonl_objects(path))
    path.write_text('{"prompt": "x"}\n{"prompt": \n')
    with pytest.raises(RecordError, match=r"p\.jsonl:2: not valid JSON"):
        list(benchmarks.jsonl_objects(path))


def test_multipl_e_files_from_a_file_a_directory_or_globs(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("sub/humaneval-lua.jsonl", "humaneval-r.jsonl"):
        (tmp_path / name).write_text("")
    assert benchmarks.multipl_e_files(tmp_path) == [
        tmp_path / "humaneval-r.jsonl",
        tmp_path / "sub/humaneval-lua.jsonl",
    ]
    assert benchmarks.multipl_e_files(tmp_path / "humaneval-r.jsonl") == [tmp_path / "humaneval-r.jsonl"]
    with pytest.raises(BenchmarkError, match="does not exist"):
        benchmarks.multipl_e_files(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BenchmarkError, match="no \\*.jsonl MultiPL-E prompt files"):
        benchmarks.multipl_e_files(tmp_path / "empty")
    found = benchmarks.multipl_e_globs((str(tmp_path / "*.jsonl"), str(tmp_path / "none-*.jsonl")), "k")
    assert found == [tmp_path / "humaneval-r.jsonl"]

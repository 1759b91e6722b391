"""Stage evaluate@RUN on hand-made completion sets: exact pass@k in every installed language, MultiPL-E's file
format pinned by a golden file, MBPP from a local file, and bad input failing clearly with nothing written."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest

from stages.build_benchmark import BenchmarkParams
from stages.build_benchmark import run as build_benchmark
from stages.common import CommonParams
from stages.evaluate import EvalRun, EvaluateParams, EvaluationError, run
from stages.evaluation.multipl_e import CompletionFileError, export, write_gz
from stages.llm.base import BackendError
from stages.llm.config import LLMParams, OpenAIParams
from stages.params import ParamsError, build
from stages.stage import Context
from tests.languages.language_helpers import read_fixtures, require_runtime

GOLDEN = Path(__file__).parent / "golden"


def benchmark(tmp_path: Path, languages: tuple[str, ...], **source: str) -> Path:
    out = tmp_path / "benchmark"
    params = BenchmarkParams(
        out_dir=str(out), languages=languages, funnel=str(tmp_path / "f.json"), **source, oracle=False
    )
    build_benchmark(params, Context())
    return out


def completion_files(folder: Path, rows: dict[str, dict], completions: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, answers in completions.items():
        row = rows[name]
        data = {k: row[k] for k in ("name", "language", "prompt", "tests", "stop_tokens")}
        write_gz(
            folder / f"{name}.json.gz",
            {**data, "temperature": 0.2, "top_p": 0.95, "max_tokens": 512, "completions": answers},
        )
    return folder


def rows_of(path: Path) -> dict[str, dict]:
    return {r["name"]: r for r in map(json.loads, path.read_text().splitlines())}


STRLEN = "HumanEval_23_strlen"


def strlen_completions(tmp_path: Path) -> tuple[Path, dict[str, dict], Path]:
    """A Python benchmark, its rows, and a MultiPL-E completion file for HumanEval/23: one right, one wrong."""
    require_runtime("python")
    bench = benchmark(tmp_path, ("python",))
    rows = rows_of(bench / "python.jsonl")
    folder = completion_files(tmp_path / "c", rows, {STRLEN: ["    return len(string)\n", "    return 0\n"]})
    return bench, rows, folder


def evaluate(tmp_path: Path, bench: Path, name: str, entry: EvalRun, llm: LLMParams | None = None) -> dict:
    params = EvaluateParams(
        runs={name: entry},
        benchmark_dir=str(bench),
        out_root=str(tmp_path / "eval"),
        metrics_root=str(tmp_path / "metrics"),
    )
    ctx = Context(common=CommonParams(cache_dir=str(tmp_path / "cache"), workers=2), llm=llm or LLMParams())
    run(params, ctx, name)
    return json.loads((tmp_path / "metrics" / f"{name}.json").read_text())


LANGUAGES = ["python", "lua", "racket", "r", "ocaml", "javascript", "typescript", "c", "cpp", "java", "go"]


@pytest.mark.runtime
@pytest.mark.parametrize("language", LANGUAGES)
def test_hand_made_completions_give_the_exact_pass_at_k(tmp_path: Path, language: str) -> None:
    require_runtime(language)
    fixtures = read_fixtures(language)
    first, second = sorted({key for key, _ in fixtures})[:2]
    bench = benchmark(tmp_path, (language,))
    rows = rows_of(bench / f"{language}.jsonl")
    names = {key: next(n for n in rows if n.startswith(key + "_")) for key in (first, second)}
    right = lambda key: fixtures[key, "right"]  # noqa: E731
    wrong = lambda key: fixtures[key, "wrong"]  # noqa: E731
    folder = completion_files(
        tmp_path / "completions",
        rows,
        {
            names[first]: [right(first), wrong(first), right(first)],  # c = 2 of 3
            names[second]: [wrong(second), right(second), wrong(second)],  # c = 1 of 3
        },
    )
    metrics = evaluate(
        tmp_path,
        bench,
        "hand",
        EvalRun(model=str(folder), language=language, source="completions", mode="pass@1"),
    )
    assert metrics["per_problem"] == {names[first]: {"n": 3, "c": 2}, names[second]: {"n": 3, "c": 1}}
    assert metrics["pass"]["pass@1"]["estimate"] == pytest.approx(0.5, abs=1e-12)
    assert metrics["pass"]["pass@2"]["estimate"] == pytest.approx((1 + 2 / 3) / 2, abs=1e-12)
    assert metrics["statuses"] == {"AssertionError": 3, "OK": 3}


@pytest.mark.runtime
def test_export_matches_the_golden_multipl_e_files(tmp_path: Path) -> None:
    bench, rows, folder = strlen_completions(tmp_path)
    name = STRLEN
    evaluate(tmp_path, bench, "golden", EvalRun(model=str(folder), language="python", source="completions"))
    from stages.records.io import read_rows

    out = tmp_path / "export"
    export(
        list(read_rows(tmp_path / "eval" / "golden")),
        rows,
        {"temperature": 0.0, "top_p": 1.0, "max_tokens": 512},
        out,
    )
    assert sorted(p.name for p in out.iterdir()) == [f"{name}.json.gz", f"{name}.results.json.gz"]
    with gzip.open(out / f"{name}.results.json.gz", "rt") as f:
        exported = json.load(f)
    for result in exported["results"]:  # the sandbox's messages name no path
        result["stderr"] = result["stderr"].splitlines()[-1] if result["stderr"] else ""
    golden = json.loads((GOLDEN / f"{name}.results.json").read_text())
    assert exported == golden


@pytest.mark.runtime
def test_mbpp_from_a_local_file(tmp_path: Path) -> None:
    require_runtime("python")
    mbpp = tmp_path / "mbpp.jsonl"
    record = {
        "task_id": 2,
        "text": "Write a function to find the shared elements from the given two lists.",
        "code": "def similar_elements(a, b):\n    return tuple(sorted(set(a) & set(b)))\n",
        "test_list": ["assert similar_elements((3, 4, 5, 6), (5, 7, 4, 10)) == (4, 5)"],
        "test_setup_code": "",
    }
    mbpp.write_text(json.dumps(record) + "\n")
    bench = benchmark(tmp_path, ("python",), source="mbpp", path=str(mbpp))
    rows = rows_of(bench / "python.jsonl")
    assert list(rows) == ["mbpp_2_similar_elements"]
    right = "    return tuple(sorted(set(a) & set(b)))\n"
    folder = completion_files(tmp_path / "c", rows, {"mbpp_2_similar_elements": [right, "    return ()\n"]})
    metrics = evaluate(
        tmp_path, bench, "mbpp", EvalRun(model=str(folder), language="python", source="completions")
    )
    assert metrics["per_problem"] == {"mbpp_2_similar_elements": {"n": 2, "c": 1}}


# --- bad input: one clear error naming the thing, nothing half-written ------------------------------------------


def test_unknown_language_and_mode_are_refused_by_name() -> None:
    with pytest.raises(ParamsError, match="'klingon' is not one of"):
        build(EvalRun, {"model": "models/base", "language": "klingon"}, "evaluate.runs.x")
    with pytest.raises(ParamsError, match="'pass@3' is not one of"):
        build(EvalRun, {"model": "models/base", "language": "lua", "mode": "pass@3"}, "evaluate.runs.x")
    with pytest.raises(ParamsError, match="'nope' is not a run"):
        EvaluateParams(runs={"a": EvalRun(model="m", language="lua", reference="nope")})
    with pytest.raises(ParamsError, match="no run named 'b'"):
        EvaluateParams(runs={"a": EvalRun(model="m", language="lua")}).reads("b")


def test_a_completion_file_with_a_missing_field_names_file_and_field(tmp_path: Path) -> None:
    bench = benchmark(tmp_path, ("python",))
    folder = tmp_path / "c"
    folder.mkdir()
    write_gz(
        folder / "HumanEval_23_strlen.json.gz",
        {"name": "HumanEval_23_strlen", "language": "py", "prompt": "", "tests": ""},
    )
    with pytest.raises(
        CompletionFileError, match=r"HumanEval_23_strlen.json.gz: missing field\(s\) completions"
    ):
        evaluate(tmp_path, bench, "bad", EvalRun(model=str(folder), language="python", source="completions"))
    assert not (tmp_path / "eval").exists() and not (tmp_path / "metrics").exists()


def test_completions_for_another_benchmark_are_refused(tmp_path: Path) -> None:
    bench = benchmark(tmp_path, ("python",))
    folder = tmp_path / "c"
    folder.mkdir()
    write_gz(
        folder / "mbpp_9_x.json.gz",
        {"name": "mbpp_9_x", "language": "py", "prompt": "", "tests": "", "completions": []},
    )
    with pytest.raises(EvaluationError, match="not in the benchmark: mbpp_9_x"):
        evaluate(tmp_path, bench, "bad", EvalRun(model=str(folder), language="python", source="completions"))


def test_a_model_folder_without_weights_is_named(tmp_path: Path) -> None:
    bench = benchmark(tmp_path, ("python",))
    folder = tmp_path / "models" / "empty"
    folder.mkdir(parents=True)
    (folder / "identity.json").write_text("{}")
    with pytest.raises(EvaluationError, match=f"model folder {folder} holds no weights"):
        evaluate(tmp_path, bench, "bad", EvalRun(model=str(folder), language="python", limit=1))
    assert not (tmp_path / "eval").exists()


def test_an_endpoint_that_is_down_is_named(tmp_path: Path) -> None:
    bench = benchmark(tmp_path, ("python",))
    folder = tmp_path / "models" / "served"
    folder.mkdir(parents=True)
    (folder / "identity.json").write_text(json.dumps({"name": "served"}))
    down = "http://127.0.0.1:9/v1"  # the discard port: nothing listens
    llm = LLMParams(backend="openai", openai=OpenAIParams(base_url=down, max_retries=0, timeout_s=5.0))
    with pytest.raises(BackendError, match="127.0.0.1:9"):
        evaluate(
            tmp_path,
            bench,
            "down",
            EvalRun(model=str(folder), language="python", source="endpoint", limit=1),
            llm,
        )
    assert not (tmp_path / "eval").exists()


def test_a_missing_benchmark_file_is_named(tmp_path: Path) -> None:
    bench = benchmark(tmp_path, ("python",))
    with pytest.raises(EvaluationError, match=r"benchmark file .*lua.jsonl does not exist"):
        evaluate(tmp_path, bench, "x", EvalRun(model=str(tmp_path), language="lua", source="completions"))


def test_params_section_matches_the_dataclass() -> None:
    from stages.catalog import load_section

    params = load_section("evaluate")
    assert params.runs and all(dataclasses.is_dataclass(r) for r in params.runs.values())


def test_a_skipped_model_is_a_stated_no_data(tmp_path: Path) -> None:
    bench = benchmark(tmp_path, ("python",))
    folder = tmp_path / "models" / "multiplt-lua"
    folder.mkdir(parents=True)
    (folder / "identity.json").write_text(json.dumps({"name": "multiplt-lua", "skipped": "empty_sources"}))
    metrics = evaluate(tmp_path, bench, "skip", EvalRun(model=str(folder), language="python", limit=2))
    assert metrics["skipped"] == "empty_sources" and metrics["pass"] == {} and metrics["problems"] == 0
    from stages.evaluation.summary import table

    assert "no data: empty_sources" in table([metrics])


@pytest.mark.runtime
def test_score_dir_runs_each_files_own_program_and_then_reads_its_results(tmp_path: Path) -> None:
    from stages.evaluation.multipl_e import read_gz, score_dir
    from stages.sandbox import SandboxParams

    bench, rows, folder = strlen_completions(tmp_path)
    name = STRLEN
    sandbox = dataclasses.asdict(SandboxParams())
    scored = score_dir(folder, sandbox)
    assert [r["status"] for r in scored] == ["OK", "AssertionError"]
    results = read_gz(folder / f"{name}.results.json.gz")["results"]
    assert [r["exit_code"] for r in results] == [0, 1]
    assert results[0]["program"] == rows[name]["prompt"] + "    return len(string)\n\n" + rows[name]["tests"]
    assert score_dir(folder, sandbox) == scored  # read back, not rerun

"""`polyforge export multipl-e` writes what MultiPL-E's `pass_k.py` reads: its reading rules, restated below, run on
an exported greedy run and an exported pass@1 run and give our own pass@1."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from stages.evaluation.modes import MODES
from stages.evaluation.multipl_e import CompletionFileError, export
from stages.evaluation.summary import counts, pass_at


def pass_k_py(directory: Path) -> list[tuple[int, float, int]]:
    """MultiPL-E's pass_k.py on one folder, restated: every <name>.results.json(.gz); n = its results, c = those
    with status OK and exit code 0; one temperature per folder; 0.2 reports pass@1, 0.8 pass@10 and pass@100, any
    other temperature raises. Rows are (k, estimate, problems)."""

    def estimator(n: int, c: int, k: int) -> float:
        if n - c < k:
            return 1.0
        return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))

    results = []
    for path in itertools.chain(directory.glob("*.results.json"), directory.glob("*.results.json.gz")):
        with gzip.open(path, "rt") if path.suffix == ".gz" else open(path) as f:
            data = json.load(f)
        n = len(data["results"])
        c = len([True for r in data["results"] if r["status"] == "OK" and r["exit_code"] == 0])
        results.append(
            {"temperature": data["temperature"], **{k: estimator(n, c, k) for k in (1, 10, 100) if k <= n}}
        )
    temperatures = {r["temperature"] for r in results}
    assert len(temperatures) == 1, f"multiple temperatures {temperatures}"
    temperature = temperatures.pop()
    if temperature == 0.2:
        ks = (1,)
    elif temperature == 0.8:
        ks = (10, 100)
    else:
        raise ValueError(f"Unexpected temperature: {temperature}")
    return [(k, float(np.mean([r[k] for r in results])), len(results)) for k in ks]


PROBLEMS = {
    name: {
        "name": name,
        "language": "lua",
        "prompt": "local function f()\n",
        "tests": "\nf()\n",
        "stop_tokens": [],
    }
    for name in ("HumanEval_0_a", "HumanEval_1_b", "HumanEval_2_c")
}


def rows(solved: dict[str, list[bool]]) -> list[dict]:
    """Evaluation rows as the stage writes them: per problem, one row per completion, OK or AssertionError."""
    out = []
    for problem, verdicts in solved.items():
        for index, ok in enumerate(verdicts):
            out.append(
                {
                    "problem": problem,
                    "index": index,
                    "completion": f"  return {index}\nend\n",
                    "program": "...",
                    "stdout": "",
                    "stderr": "" if ok else "assertion failed!",
                    "exit_code": 0 if ok else 1,
                    "status": "OK" if ok else "AssertionError",
                }
            )
    return out


def settings(mode: str) -> dict[str, float]:
    m = MODES[mode]
    return {"temperature": m.temperature, "top_p": m.top_p, "max_tokens": m.max_tokens}


def test_an_exported_greedy_run_is_read_by_pass_k_as_its_pass_at_1(tmp_path: Path) -> None:
    run = rows({"HumanEval_0_a": [True], "HumanEval_1_b": [False], "HumanEval_2_c": [True]})
    assert export(run, PROBLEMS, settings("greedy"), tmp_path / "greedy") == 3
    [(k, estimate, problems)] = pass_k_py(tmp_path / "greedy")
    assert (k, problems) == (1, 3)
    assert estimate == pytest.approx(pass_at(counts(run))["pass@1"]["estimate"]) == pytest.approx(2 / 3)
    # the same files stating the decoding temperature, as exported before: pass_k.py rejects them
    (tmp_path / "raw").mkdir()
    for path in (tmp_path / "greedy").glob("*.results.json.gz"):
        with gzip.open(path, "rt") as f:
            data = json.load(f)
        with gzip.open(tmp_path / "raw" / path.name, "wt") as f:
            json.dump({**data, "temperature": 0.0}, f)
    with pytest.raises(ValueError, match="Unexpected temperature: 0.0"):
        pass_k_py(tmp_path / "raw")
    with gzip.open(tmp_path / "greedy" / "HumanEval_0_a.json.gz", "rt") as f:
        data = json.load(f)
    assert data["temperature"] == 0.2  # what pass_k.py reads ...
    assert data["polyforge_decoding"] == {"temperature": 0.0, "top_p": 1.0}  # ... and how the run decoded


def test_an_exported_pass_at_1_run_is_read_by_pass_k_unchanged(tmp_path: Path) -> None:
    run = rows(
        {
            "HumanEval_0_a": [True, False, True, True],
            "HumanEval_1_b": [False, False, False, True],
            "HumanEval_2_c": [False] * 4,
        }
    )
    export(run, PROBLEMS, settings("pass@1"), tmp_path / "sampled")
    [(k, estimate, problems)] = pass_k_py(tmp_path / "sampled")
    assert (k, problems) == (1, 3)
    assert estimate == pytest.approx(pass_at(counts(run))["pass@1"]["estimate"]) == pytest.approx(1 / 3)
    with gzip.open(tmp_path / "sampled" / "HumanEval_1_b.results.json.gz", "rt") as f:
        data = json.load(f)
    assert data["temperature"] == 0.2 and "polyforge_decoding" not in data


def test_a_temperature_pass_k_cannot_read_is_refused_naming_the_modes(tmp_path: Path) -> None:
    run = rows({"HumanEval_0_a": [True]})
    with pytest.raises(CompletionFileError, match="greedy, pass@1, pass@10 or pass@100"):
        export(run, PROBLEMS, {"temperature": 0.5, "top_p": 0.95, "max_tokens": 512}, tmp_path / "odd")
    assert not (tmp_path / "odd").exists()

"""`polyforge lineage` traces a training row to its source file, and an evaluation result (a run, or one of its
rows) to the model it scored, the dataset that trained it and that dataset's sources."""

from __future__ import annotations

import json
from pathlib import Path

from stages.__main__ import main
from stages.records import child_row, new_row, write_rows
from stages.records.schema import Source

ROOT = Path(__file__).resolve().parents[2]


def tree(tmp_path: Path) -> dict:
    function = new_row(
        {"name": "double", "code": "def double(x):\n    return 2 * x\n"},
        stage="extract_functions",
        source=Source(dataset="stdlib", path="double.py", license="PSF-2.0"),
    )
    instruction = child_row(
        function, {"instruction": "Double x.", "output": "..."}, stage="extract_instructions"
    )
    example = child_row(instruction, {"prompt": "p", "completion": "c"}, stage="build_sft@codem-python")
    write_rows(tmp_path / "data/functions", [function], 10)
    write_rows(tmp_path / "data/clean/instructions", [instruction], 10)
    write_rows(tmp_path / "data/sft/codem-python/train", [example], 10)
    (tmp_path / "data/sft/codem-python/meta.json").write_text(json.dumps({"rows": {"train": 1}}))
    model = tmp_path / "models/codem-python"
    model.mkdir(parents=True)
    identity = {
        "name": "codem-python",
        "made_by": "train@codem-python: TRL SFTTrainer",
        "base_model": {"name": "SmolLM2-135M-Instruct"},
        "data": {"sha256": "f" * 64, "rows": {"train": 1}},
        "recipe": {"source": "CodeM B4"},
        "steps": 10,
    }
    (model / "identity.json").write_text(json.dumps(identity))
    problem = {"id": "problem0", "lineage": {"source": {"dataset": "human-eval"}, "parent_id": None}}
    row = child_row(
        problem, {"run": "codem-python-lua", "problem": "HumanEval_0", "status": "OK"}, stage="evaluate"
    )
    write_rows(tmp_path / "data/eval/codem-python-lua", [row], 10)
    (tmp_path / "reports/eval").mkdir(parents=True)
    metrics = {
        "model": "models/codem-python",
        "language": "lua",
        "mode": "greedy",
        "n": 1,
        "problems": 1,
        "pass": {"pass@1": {"estimate": 1.0, "low": 1.0, "high": 1.0}},
        "benchmark": {"file": "data/benchmark/lua.jsonl", "sha256": "a" * 64},
    }
    (tmp_path / "reports/eval/codem-python-lua.json").write_text(json.dumps(metrics))
    return {"example": example["id"], "eval_row": row["id"]}


def test_a_run_and_its_rows_trace_to_the_model_and_its_data(tmp_path, monkeypatch, capsys):
    ids = tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    params = str(ROOT / "params.yaml")  # declares codem-python with data/clean/instructions

    assert main(["lineage", ids["example"], "--params", params]) == 0
    walked = capsys.readouterr().out
    assert (
        walked.index("build_sft@codem-python")
        < walked.index("extract_instructions")
        < walked.index("double.py")
    )

    assert main(["lineage", "codem-python-lua", "--params", params]) == 0
    traced = capsys.readouterr().out
    for expected in (
        "run codem-python-lua: lua greedy n=1 1 problems, pass@1 1.000",
        "model models/codem-python: train@codem-python",
        "trained on: sha256 " + "f" * 64,
        "source data/clean/instructions (format alpaca",
        "source: dataset=stdlib, path=double.py",
    ):
        assert expected in traced, expected

    assert main(["lineage", ids["eval_row"], "--params", params]) == 0
    from_row = capsys.readouterr().out
    assert "stage=evaluate" in from_row and "trained on: sha256" in from_row

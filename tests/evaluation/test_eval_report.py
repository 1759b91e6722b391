"""eval_report: the table, the picture and the DVC plot of every run, with paired changes against references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stages.eval_report import EvalReportParams, run
from stages.evaluation.summary import summarise
from stages.experiments.runs import read_runs
from stages.stage import Context


def write_run(
    folder: Path, name: str, language: str, passed: dict[str, int], reference: str | None = None
) -> None:
    rows = [
        {"problem": p, "status": "OK" if i < c else "AssertionError", "tokens": 5}
        for p, c in passed.items()
        for i in range(2)
    ]
    metrics = {
        "run": name,
        "model": f"models/{name.split('-')[0]}",
        "language": language,
        "format": "completion",
    }
    metrics |= {"n": 2, "reference": reference, **summarise(rows)}
    (folder / f"{name}.json").write_text(json.dumps(metrics))


def test_report_pairs_runs_with_their_reference(tmp_path: Path) -> None:
    folder = tmp_path / "eval"
    folder.mkdir()
    write_run(folder, "base-lua", "lua", {"a": 0, "b": 1, "c": 2})
    write_run(folder, "tuned-lua", "lua", {"a": 2, "b": 1, "c": 2}, reference="base-lua")
    write_run(folder, "base-python", "python", {"a": 1})
    metrics = {r.name: r.metrics for r in read_runs(folder)}
    paired = metrics["tuned-lua"]["paired"]
    assert paired["problems"] == 3 and paired["difference"] == pytest.approx(1 / 3)
    assert "paired" not in metrics["base-lua"]

    params = EvalReportParams(
        metrics_dir=str(folder),
        table=str(tmp_path / "eval.md"),
        figure=str(tmp_path / "eval.png"),
        plot=str(tmp_path / "plot.json"),
        experiments=str(tmp_path / "experiments.md"),
        transfer_figure=str(tmp_path / "transfer.png"),
        transfer_json=str(tmp_path / "transfer.json"),
        passk_figure=str(tmp_path / "passk.png"),
        before_after_figure=str(tmp_path / "multiplt.png"),
    )
    run(params, Context())
    assert (tmp_path / "experiments.md").read_text().startswith("# Experiments")
    table = (tmp_path / "eval.md").read_text()
    assert "tuned-lua" in table and "+0.333" in table
    assert (tmp_path / "eval.png").stat().st_size > 1000
    plot = json.loads((tmp_path / "plot.json").read_text())
    assert {(p["run"], p["pass@1"]) for p in plot} == {
        ("base-lua", 0.5),
        ("tuned-lua", 5 / 6),
        ("base-python", 0.5),
    }


def test_cli_eval_and_export_fail_clearly_without_their_inputs(tmp_path: Path, monkeypatch, capsys) -> None:
    from stages.__main__ import main

    monkeypatch.chdir(tmp_path)
    assert main(["eval"]) == 1
    assert "no evaluation metrics" in capsys.readouterr().err
    (tmp_path / "params.yaml").write_text(
        "evaluate:\n  runs:\n    base-lua: {model: models/base, language: lua}\n"
    )
    assert main(["export", "multipl-e", "nope", "out"]) == 1
    assert "no run named 'nope'" in capsys.readouterr().err
    assert main(["export", "multipl-e", "base-lua", "out"]) == 1
    assert "data/eval/base-lua: no rows" in capsys.readouterr().err
    assert main(["eval", "--score", "missing"]) == 1
    assert "missing: not a directory" in capsys.readouterr().err

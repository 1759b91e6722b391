"""The transfer matrix and its correlations on synthetic runs: every declared pair has a cell or a stated "no
data", correlations never hold a NaN (constant and near-empty series are left out with a reason), and the
figures and tables name the models, data hashes and n."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from stages.eval_report import EvalReportParams, experiments_report
from stages.experiments.matrix import build_matrix, correlate, correlations
from stages.experiments.runs import read_runs

LANGUAGES = ("python", "lua", "javascript", "go")


def metrics(
    run,
    model,
    language,
    c,
    *,
    n=1,
    problems=4,
    mode="greedy",
    fmt="completion",
    template=None,
    reference=None,
    skipped=None,
    data="ab" * 32,
):
    """A run's metrics as evaluate@RUN writes them: problem i passes iff i < c (each problem sampled n times)."""
    out = {
        "run": run,
        "model": f"models/{model}",
        "language": language,
        "mode": mode,
        "format": fmt,
        "template": template,
        "n": n,
        "reference": reference,
    }
    if skipped:
        return {**out, "skipped": skipped, "problems": 0, "pass": {}, "statuses": {}}
    per = {f"p{i}": {"n": n, "c": n if i < c else 0} for i in range(problems)}
    score = c / problems
    passes = {
        f"pass@{k}": {"estimate": score, "low": max(0.0, score - 0.1), "high": min(1.0, score + 0.1)}
        for k in ([1, 2, 4] if n >= 4 else [1])
    }
    identity = {"weights_sha256": {"model.safetensors": "0" * 64}}
    if model != "base":
        identity["data"] = {"sha256": data}
    return {
        **out,
        "problems": problems,
        "per_problem": per,
        "pass": passes,
        "mean_tokens": 12.0,
        "model_identity": {"identity": identity},
    }


@pytest.fixture
def metrics_dir(tmp_path):
    d = tmp_path / "eval"
    d.mkdir()
    runs = []
    for lang in LANGUAGES:
        runs.append(metrics(f"base-{lang}", "base", lang, 1))
    scores = {"codem-python": (3, 2, 2, 0), "codem-mixed": (4, 3, 1, 0), "codem-go": (2, 1, 3, 0)}
    for model, cs in scores.items():
        for lang, c in zip(LANGUAGES, cs, strict=True):
            runs.append(metrics(f"{model}-{lang}", model, lang, c, reference=f"base-{lang}"))
    runs.append(
        metrics("multiplt-lua-lua", "multiplt-lua", "lua", 0, reference="base-lua", skipped="empty_sources")
    )
    runs.append(
        metrics(
            "lintseq-python",
            "lintseq",
            "python",
            2,
            n=4,
            mode="pass@10",
            fmt="edit_sequence",
            reference="baseline-python",
        )
    )
    runs.append(
        metrics(
            "baseline-python",
            "baseline",
            "python",
            1,
            n=4,
            mode="pass@10",
            fmt="instruction",
            template="plain",
        )
    )
    for m in runs:
        (d / f"{m['run']}.json").write_text(json.dumps(m))
    return d


def test_every_declared_pair_has_a_cell_or_a_stated_no_data(metrics_dir):
    runs = read_runs(metrics_dir)
    matrix = build_matrix(runs)
    declared = {(r.model, r.language) for r in runs if r.mode == "greedy"}
    assert {(row, lang) for row, lang in matrix.cells} == declared
    assert matrix.cells[("multiplt-lua", "lua")].text() == "no data: empty_sources"
    cell = matrix.cells[("codem-python", "python")]
    assert cell.estimate == 0.75 and cell.change["difference"] == pytest.approx(0.5)
    assert "(+0.500)" in cell.text()
    assert matrix.rows[0] == "base" and matrix.languages[0] == "python"
    assert "[data abababababab] n=1 x 4 problems" in matrix.provenance["codem-python"]


def test_correlations_leave_out_constant_and_near_empty_series_and_hold_no_nan(metrics_dir):
    matrix = build_matrix(read_runs(metrics_dir))
    by_languages, by_experiments = correlations(matrix)
    # go is 0 for every experiment but the base: not constant; lua has only 4 scores (multiplt skipped)
    assert not by_languages.frame.isna().to_numpy().any()
    assert not by_experiments.frame.isna().to_numpy().any()
    assert set(by_languages.frame.columns) <= set(LANGUAGES)
    # the multiplt row has no score at all: left out of the experiments' correlation with its reason
    assert by_experiments.dropped["multiplt-lua"].startswith("0 scores")
    assert len(by_experiments.frame) >= 2


def test_a_constant_or_near_empty_column_is_left_out_never_nan():
    frame = pd.DataFrame(
        {
            "python": [0.1, 0.4, 0.3, 0.2],
            "lua": [0.0, 0.0, 0.0, 0.0],  # a 135M model: all zero
            "js": [0.2, None, None, None],  # one score
            "go": [0.3, 0.1, 0.5, 0.35],
        },
        index=["a", "b", "c", "d"],
    )
    assert frame.corr().isna().to_numpy().any()  # what pandas does unaided
    corr = correlate(frame, "languages")
    assert list(corr.frame.columns) == ["python", "go"] and not corr.frame.isna().to_numpy().any()
    assert corr.dropped == {"lua": "constant, 0.000 everywhere", "js": "1 scores, fewer than 3"}
    assert corr.frame.loc["python", "python"] == pytest.approx(1.0)
    # everything zero: nothing to correlate, stated, still no NaN
    empty = correlate(pd.DataFrame({"a": [0.0] * 4, "b": [0.0] * 4}), "languages")
    assert empty.frame.empty and set(empty.dropped) == {"a", "b"}


def test_pairwise_overlap_too_small_drops_a_series():
    frame = pd.DataFrame(
        {
            "x": [0.1, 0.2, 0.3, None, None, None],
            "y": [None, None, None, 0.1, 0.5, 0.2],
            "z": [0.3, 0.1, 0.2, 0.4, 0.0, 0.9],
        }
    )
    corr = correlate(frame, "languages")
    assert not corr.frame.isna().to_numpy().any() and len(corr.dropped) == 1
    assert not math.isnan(float(corr.frame.iloc[0, -1]))


def test_the_report_writes_every_figure_and_table(metrics_dir, tmp_path):
    out = tmp_path / "reports"
    params = EvalReportParams(
        metrics_dir=str(metrics_dir),
        experiments=str(out / "experiments.md"),
        transfer_figure=str(out / "transfer.png"),
        transfer_json=str(out / "transfer.json"),
        passk_figure=str(out / "passk.png"),
        before_after_figure=str(out / "multiplt.png"),
    )
    experiments_report(params)
    for name in ("transfer.png", "passk.png", "multiplt.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (out / "experiments.md").read_text()
    assert "| codem-mixed |" in text and "no data: empty_sources" in text
    assert "Pearson correlation between languages" in text and "between experiments" in text
    assert "lintseq [data abababababab] n=4 x 4 problems" in text  # every table names model, data and n
    assert "| lintseq-python | edit_sequence | 12.0 | 0.500 |" in text
    records = json.loads((out / "transfer.json").read_text())
    frame = pd.DataFrame(records).pivot(index="experiment", columns="language", values="pass@1")
    assert frame.loc["codem-mixed", "python"] == 1.0
    # same bytes when drawn again (the report is a DVC output)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    experiments_report(params)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

"""Stage `eval_report`: every evaluation run as one table, one picture and one DVC plot.

Reads the metrics every `evaluate@RUN` writes (reports/eval/RUN.json). A run with a `reference` (the base
model, same language) gets the paired change in pass@1 over the problems both scored, with a bootstrap interval.
Writes `reports/eval.md` (the table `polyforge eval` prints), `reports/eval.png` (pass@1 per language per
model, with intervals) and `reports/plots/eval.json` (the same figures as a DVC plot).

It also draws the experiments' answers (stages/experiments): CodeM's transfer matrix with its correlations in
both orientations (`reports/transfer.png`, `reports/transfer.json`), the pass@k curves of every run sampled more
than once (LintSeq vs baseline, `reports/passk.png`), MultiPL-T's before/after bars (`reports/multiplt.png`), and
all of them as Markdown tables in `reports/experiments.md`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stages.experiments.runs import Run, read_runs
from stages.records.io import write_json, write_text
from stages.stage import Context

log = logging.getLogger(__name__)
STAGE = "eval_report"


@dataclass(frozen=True)
class EvalReportParams:
    metrics_dir: str = "reports/eval"
    table: str = "reports/eval.md"
    figure: str = "reports/eval.png"
    plot: str = "reports/plots/eval.json"
    seed: int = 0  # of the paired bootstrap
    # The experiments' report: the Markdown tables, the transfer matrix (heatmap + its cells as JSON records,
    # `pandas.read_json` turns them into the DataFrame), the pass@k curves and MultiPL-T's before/after bars.
    experiments: str = "reports/experiments.md"
    transfer_figure: str = "reports/transfer.png"
    transfer_json: str = "reports/transfer.json"
    passk_figure: str = "reports/passk.png"
    before_after_figure: str = "reports/multiplt.png"
    # Runs whose model folder starts with this are MultiPL-T's (before = their reference run, after = theirs).
    before_after_prefix: str = "multiplt-"
    # Fewest scores a series needs to enter a correlation (Pearson on two points is always +-1).
    min_points: int = 3

    def reads(self) -> list[str]:
        return [self.metrics_dir]

    def writes(self) -> list[str]:
        return [
            self.table,
            self.figure,
            self.plot,
            self.experiments,
            self.transfer_figure,
            self.transfer_json,
            self.passk_figure,
            self.before_after_figure,
        ]


def series_name(metrics: dict[str, Any]) -> str:
    """A bar series: the model and, for instruction prompts, the template (one model may be scored both ways)."""
    fmt = metrics.get("format", "completion")
    style = metrics.get("template") if fmt == "instruction" else fmt
    return f"{metrics['model']} ({style})"


def draw(metrics: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scored = [m for m in metrics if "pass@1" in m.get("pass", {})]
    skipped = [m for m in metrics if m.get("skipped")]
    languages = sorted({m["language"] for m in scored})
    names = sorted({series_name(m) for m in scored})
    fig, ax = plt.subplots(figsize=(max(7.0, 0.5 * len(languages) * max(1, len(names)) + 4), 5))
    width = 0.8 / max(1, len(names))
    for j, name in enumerate(names):
        xs, ys, errors = [], [], [[], []]
        for i, language in enumerate(languages):
            found = [m for m in scored if series_name(m) == name and m["language"] == language]
            if not found:
                continue
            p = found[0]["pass"]["pass@1"]
            xs.append(i - 0.4 + width * (j + 0.5))
            ys.append(p["estimate"])
            errors[0].append(p["estimate"] - p["low"])
            errors[1].append(p["high"] - p["estimate"])
        bars = ax.bar(xs, ys, width=width, yerr=errors, capsize=3, label=name)
        # the value on every bar: a score of 0 is a result, and an empty-looking chart hides it
        ax.bar_label(bars, labels=[f"{y:.2f}" for y in ys], fontsize=6, padding=2)
    ax.set_xticks(range(len(languages)), languages)
    ax.set_ylim(0, 1)
    ax.set_ylabel("pass@1 (bootstrap 95% interval over problems)")
    counts = sorted({f"n={m['n']} x {m['problems']} problems" for m in scored})
    ax.set_title(f"pass@1 per language ({'; '.join(counts)})", fontsize=10)
    if names:
        ax.legend(fontsize=7, ncol=2)
    if skipped:
        text = "no data: " + "; ".join(f"{m['run']} ({m['skipped']})" for m in skipped)
        fig.text(0.01, 0.01, text, fontsize=7)
    fig.tight_layout(rect=(0, 0.04 if skipped else 0, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(params: EvalReportParams, ctx: Context) -> list[Any]:
    """Tabulate and draw every evaluation run; it reads metrics and drops no rows, so there is no funnel."""
    from stages.evaluation.summary import table

    runs = read_runs(params.metrics_dir, seed=params.seed)
    metrics = [r.metrics for r in runs]
    text = table(metrics)
    write_text(params.table, "```\n" + text + "\n```\n")
    draw(metrics, Path(params.figure))
    write_json(
        params.plot,
        [
            {
                "run": m["run"],
                "model": m["model"],
                "language": m["language"],
                "pass@1": m["pass"]["pass@1"]["estimate"],
            }
            for m in metrics
            if "pass@1" in m["pass"]
        ],
    )
    log.info("%d evaluation runs\n%s", len(metrics), text)
    experiments_report(params, runs)
    return []


def experiments_report(params: EvalReportParams, runs: list[Run] | None = None) -> None:
    from stages.experiments import figures, markdown
    from stages.experiments.matrix import build_matrix, correlations

    runs = read_runs(params.metrics_dir, seed=params.seed) if runs is None else runs
    matrix = build_matrix(runs)
    corrs = correlations(matrix, params.min_points)
    write_text(params.experiments, markdown.report(matrix, corrs, runs, params.before_after_prefix))
    write_json(
        params.transfer_json,
        [
            {
                "experiment": row,
                "language": lang,
                "run": cell.run,
                "pass@1": cell.estimate,
                "low": cell.low,
                "high": cell.high,
                "change": cell.change["difference"] if cell.change else None,
                "skipped": cell.skipped,
                "provenance": matrix.provenance.get(row),
            }
            for (row, lang), cell in sorted(matrix.cells.items())
        ],
    )
    figures.draw_transfer(matrix, corrs, Path(params.transfer_figure))
    figures.draw_passk(runs, Path(params.passk_figure))
    figures.draw_before_after(runs, params.before_after_prefix, Path(params.before_after_figure))

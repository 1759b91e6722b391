"""The experiments' figures. Each names the models, the hash of the data that trained them and the n behind it.

Nothing is drawn from a NaN: a pair without a score is a grey cell that says why, an undefined correlation is a
panel that says which series were left out and why.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from stages.experiments.matrix import Correlation, TransferMatrix
from stages.experiments.runs import Run


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None})  # no version stamp: same bytes on every run
    _pyplot().close(fig)


def _footer(fig: Any, lines: list[str]) -> None:
    wrapped = [part for line in lines for part in textwrap.wrap(line, 120, subsequent_indent="    ")]
    fig.text(0.01, 0.01, "\n".join(wrapped), fontsize=7, va="bottom", family="monospace")


def _heatmap(
    ax: Any,
    values: list[list[float | None]],
    rows: list[str],
    cols: list[str],
    texts: list[list[str]],
    vmin: float,
    vmax: float,
    cmap: str,
) -> None:
    import numpy as np

    data = np.ma.masked_invalid(
        np.array([[np.nan if v is None else v for v in row] for row in values], float)
    )
    colours = _pyplot().get_cmap(cmap).with_extremes(bad="#dddddd")
    ax.imshow(data, cmap=colours, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(range(len(cols)), cols, fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    for i, row in enumerate(texts):
        for j, text in enumerate(row):
            value = values[i][j]
            dark = value is not None and cmap == "viridis" and value < 0.45  # white on viridis' dark end
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")


def _correlation_panel(ax: Any, corr: Correlation) -> None:
    what, _, over = corr.orientation.partition(", ")
    ax.set_title(f"Pearson r between {what}\n{over}", fontsize=8)
    frame = corr.frame
    if len(frame) >= 2:
        labels = [str(c) for c in frame.columns]
        values = frame.to_numpy().tolist()
        texts = [[f"{v:+.2f}" for v in row] for row in values]
        _heatmap(ax, values, labels, labels, texts, -1, 1, "coolwarm")
    else:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            "undefined:\nfewer than two usable series",
            ha="center",
            fontsize=8,
            transform=ax.transAxes,
        )
    if corr.dropped:
        left_out = "\n".join(textwrap.shorten(f"{k}: {v}", 48) for k, v in corr.dropped.items())
        ax.text(0.0, -0.08, "left out:\n" + left_out, fontsize=6, transform=ax.transAxes, va="top")


def draw_transfer(matrix: TransferMatrix, corrs: list[Correlation], path: Path) -> None:
    plt = _pyplot()
    width = max(8.0, 2.2 * len(matrix.languages) + 7)
    fig = plt.figure(figsize=(width, 4.0 + 0.5 * len(matrix.rows) + 0.15 * len(matrix.provenance)))
    grid = fig.add_gridspec(1, 3, width_ratios=[2, 1, 1], bottom=0.1 + 0.03 * len(matrix.provenance))
    ax = fig.add_subplot(grid[0])
    values, texts = [], []
    for row in matrix.rows:
        values.append([])
        texts.append([])
        for lang in matrix.languages:
            cell = matrix.cells.get((row, lang))
            values[-1].append(cell.estimate if cell else None)
            texts[-1].append(
                cell.text().replace(" (", "\n(").replace(": ", ":\n") if cell else "not declared"
            )
    if matrix.rows:
        _heatmap(ax, values, matrix.rows, matrix.languages, texts, 0.0, 1.0, "viridis")
    ax.set_title("pass@1 [95% CI] (change over the base run)", fontsize=9)
    for panel, corr in zip([grid[1], grid[2]], corrs, strict=True):
        _correlation_panel(fig.add_subplot(panel), corr)
    _footer(fig, [f"{row}: {text}" for row, text in matrix.provenance.items()])
    _save(fig, path)


def draw_passk(runs: list[Run], path: Path) -> None:
    """pass@k against k for every run sampled more than once (LintSeq's pair), one curve each, with intervals."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.8))
    drawn = [r for r in runs if r.n > 1 and not r.skipped and r.metrics.get("pass")]
    for run in drawn:
        points = sorted((int(k.split("@")[1]), v) for k, v in run.metrics["pass"].items())
        ks = [k for k, _ in points]
        ax.errorbar(
            ks,
            [v["estimate"] for _, v in points],
            yerr=[
                [v["estimate"] - v["low"] for _, v in points],
                [v["high"] - v["estimate"] for _, v in points],
            ],
            marker="o",
            capsize=3,
            label=f"{run.name} ({run.style}, {run.metrics.get('mean_tokens', 0):.0f} tokens/sample)",
        )
    skipped = [r for r in runs if r.n > 1 and r.skipped]
    if not drawn:
        ax.text(0.05, 0.5, "no run sampled more than once", transform=ax.transAxes)
    ax.set_xscale("log", base=2)
    ks = sorted({int(k.split("@")[1]) for r in drawn for k in r.metrics["pass"]})
    if ks:
        ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_ylim(-0.02, 1.02)  # a curve at 0 (a 135M model) stays visible
    ax.set_xlabel("k (samples per problem)")
    ax.set_ylabel("pass@k (bootstrap 95% interval over problems)")
    ax.set_title("pass@k as test-time samples grow (LintSeq vs baseline)", fontsize=10)
    if drawn:
        ax.legend(fontsize=7)
    fig.subplots_adjust(bottom=0.16 + 0.035 * (len(drawn) + len(skipped)))
    _footer(fig, [r.provenance() for r in drawn + skipped])
    _save(fig, path)


def draw_before_after(runs: list[Run], prefix: str, path: Path) -> None:
    """For every run of a model named `prefix`* (MultiPL-T's): its reference's pass@1 beside its own."""
    plt = _pyplot()
    by_name = {r.name: r for r in runs}
    chosen = [r for r in runs if r.model.startswith(prefix)]
    fig, ax = plt.subplots(figsize=(max(8.0, 1.6 * len(chosen) + 2), 4.8))
    notes = []
    for i, run in enumerate(chosen):
        reference = by_name.get(str(run.metrics.get("reference") or ""))
        for offset, (label, source) in enumerate((("before (reference)", reference), ("after", run))):
            first = source.pass_at(1) if source and not source.skipped else None
            x = i - 0.2 + 0.4 * offset
            if first is None:
                ax.text(x, 0.02, "no data", rotation=90, ha="center", va="bottom", fontsize=7)
                continue
            ax.text(x, first["high"] + 0.01, f"{first['estimate']:.2f}", ha="center", va="bottom", fontsize=7)
            ax.bar(
                x,
                first["estimate"],
                width=0.4,
                color=("#999999", "#1f77b4")[offset],
                yerr=[[first["estimate"] - first["low"]], [first["high"] - first["estimate"]]],
                capsize=3,
                label=label if i == 0 else None,
            )
        notes.append(run.provenance() + (f"; before: {reference.provenance()}" if reference else ""))
    ax.set_xticks(range(len(chosen)), [f"{r.model}\nin {r.language}" for r in chosen], fontsize=8)
    ax.set_xlim(-0.7, max(1, len(chosen)) - 0.3)
    ax.set_ylim(0, 1)
    ax.set_ylabel("pass@1 (bootstrap 95% interval over problems)")
    ax.set_title("MultiPL-T: pass@1 before and after fine-tuning on validated translations", fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    if not chosen:
        ax.text(0.05, 0.5, f"no run of a {prefix}* model", transform=ax.transAxes)
    fig.subplots_adjust(bottom=0.2 + 0.07 * len(notes))
    _footer(fig, notes)
    _save(fig, path)

"""Stage `report`: every stage's funnel as one picture and one table.

Writes `reports/funnel.png` (rows in, rows out and the drops by reason, per stage, on a log scale: the stdlib
extraction and a 135M model's kept translations differ by orders of magnitude) and `reports/funnel.md`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stages.records.funnel import FUNNEL_DIR, read_funnels
from stages.records.io import write_text
from stages.stage import Context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportParams:
    # Funnel metrics to draw (every stage writes one under reports/funnel/).
    funnel_dir: str = str(FUNNEL_DIR)
    # Outputs: the picture and a Markdown table of the same figures.
    plot: str = "reports/funnel.png"
    table: str = "reports/funnel.md"

    def reads(self) -> list[str]:
        return [self.funnel_dir]

    def writes(self) -> list[str]:
        return [self.plot, self.table]


def graph_order(funnels: list[dict[str, Any]], dvc_yaml: str = "dvc.yaml") -> list[dict[str, Any]]:
    """Funnels in the order their stages appear in dvc.yaml (translate@lua after generate_tests, ...)."""
    import yaml

    names = list(yaml.safe_load(Path(dvc_yaml).read_text())["stages"]) if Path(dvc_yaml).exists() else []

    def rank(funnel: dict[str, Any]) -> tuple[int, str]:
        base = funnel["stage"].split("@")[0].split(".")[0]
        return (names.index(base) if base in names else len(names), funnel["stage"])

    return sorted(funnels, key=rank)


def funnel_table(funnels: list[dict[str, Any]]) -> str:
    lines = ["| stage | rows in | rows out | dropped (reason: count) |", "|---|---|---|---|"]
    for f in funnels:
        drops = ", ".join(f"{k}: {v}" for k, v in f.get("dropped", {}).items()) or "none"
        if f.get("skipped"):  # a stage that had nothing to work on (build_sft@X with empty sources) says why
            drops = f"skipped: {f['skipped']}" + (f"; {drops}" if drops != "none" else "")
        lines.append(f"| {f['stage']} | {f['rows_in']} | {f['rows_out']} | {drops} |")
    return "\n".join(lines) + "\n"


def funnel_plot(funnels: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stages = [f["stage"] for f in funnels]
    fig, ax = plt.subplots(figsize=(11, 0.7 * len(stages) + 1.5))
    y = range(len(stages))
    ax.barh(
        [i - 0.2 for i in y],
        [max(f["rows_in"], 0.8) for f in funnels],
        height=0.4,
        label="rows in",
        color="#9ab",
    )
    ax.barh(
        [i + 0.2 for i in y],
        [max(f["rows_out"], 0.8) for f in funnels],
        height=0.4,
        label="rows out",
        color="#268",
    )
    for i, f in enumerate(funnels):
        top = sorted(f.get("dropped", {}).items(), key=lambda kv: -kv[1])[:3]
        note = ", ".join(f"{k} {v}" for k, v in top)
        ax.text(max(f["rows_in"], 1) * 1.15, i, note, va="center", fontsize=8, color="#555")
    ax.set_yticks(list(y), stages)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(0.7, max([f["rows_in"] for f in funnels] + [1]) * 3000)  # room for the notes
    ax.set_xlabel("rows (log scale); right: the largest drops by reason")
    ax.set_title("polyforge funnel")
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)


def run(params: ReportParams, ctx: Context) -> list:
    """Draw and tabulate every funnel; nothing is dropped here, so there is no funnel of its own."""
    funnels = graph_order([f for f in read_funnels(params.funnel_dir) if "rows_in" in f and "rows_out" in f])
    write_text(params.table, funnel_table(funnels))
    funnel_plot(funnels, Path(params.plot))
    log.info("funnel of %d stages -> %s, %s", len(funnels), params.plot, params.table)
    return []

"""CodeM's transfer matrix: rows = experiment, columns = evaluation language, cells = pass@1 with its interval and
the paired change over the reference (base) run; and `DataFrame.corr()` in both orientations.

A row is a model; a model prompted in two styles among the matrix's runs (the base model in completion and in
Alpaca form) gets one row per style, named `model (style)`. Every declared (row, language) pair has a cell: a
score, or `no data` with the reason train@ gave. Pearson correlation is undefined for a constant or near-empty
series (pandas returns NaN), so such columns are left out of the correlation with a stated reason, and a
correlation that is still undefined for some pair drops the series with the fewest shared points: the frame
returned never holds a NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stages.experiments.runs import Run

# Below this spread a series is constant (scores are multiples of 1/problems; 1e-9 is far below any step).
CONSTANT = 1e-9


@dataclass(frozen=True)
class Cell:
    run: str
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    change: dict[str, Any] | None = None  # the paired difference over the reference run, with its interval
    skipped: str | None = None

    def text(self) -> str:
        if self.skipped:
            return f"no data: {self.skipped}"
        if self.estimate is None:
            return "no data: no pass@1"
        out = f"{self.estimate:.3f} [{self.low:.3f}, {self.high:.3f}]"
        if self.change:
            out += f" ({self.change['difference']:+.3f})"
        return out


@dataclass
class TransferMatrix:
    rows: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)  # row -> model, data hash, n, problems

    def frame(self) -> Any:
        """pass@1 as a DataFrame (rows x languages), NaN where a pair has no score."""
        import pandas as pd

        values = [
            [self.cells[(r, lang)].estimate if (r, lang) in self.cells else None for lang in self.languages]
            for r in self.rows
        ]
        return pd.DataFrame(values, index=self.rows, columns=self.languages, dtype=float)


def build_matrix(runs: list[Run], mode: str = "greedy") -> TransferMatrix:
    """The matrix of every run in `mode` (CodeM's evaluation is greedy pass@1)."""
    chosen = [r for r in runs if r.mode == mode]
    styles: dict[str, set[str]] = {}
    for run in chosen:
        styles.setdefault(run.model, set()).add(run.style)
    matrix = TransferMatrix()
    for run in chosen:
        row = run.model if len(styles[run.model]) == 1 else f"{run.model} ({run.style})"
        first = run.pass_at(1)
        matrix.cells[(row, run.language)] = Cell(
            run=run.name,
            estimate=None if run.skipped or not first else first["estimate"],
            low=None if run.skipped or not first else first["low"],
            high=None if run.skipped or not first else first["high"],
            change=run.paired,
            skipped=run.skipped,
        )
        if row not in matrix.provenance or not run.skipped:
            matrix.provenance[row] = run.provenance()
    matrix.rows = sorted({r for r, _ in matrix.cells}, key=lambda r: (not r.startswith("base"), r))
    matrix.languages = sorted({lang for _, lang in matrix.cells}, key=lambda x: (x != "python", x))
    return matrix


@dataclass(frozen=True)
class Correlation:
    orientation: str  # what is correlated with what, over what
    frame: Any  # a square DataFrame without NaN (possibly empty)
    dropped: dict[str, str]  # series left out -> why


def correlate(frame: Any, orientation: str, min_points: int = 3) -> Correlation:
    """Pearson correlation between the columns of `frame` over its rows, NaN-free, with what was left out."""
    dropped: dict[str, str] = {}
    keep = []
    for column in frame.columns:
        values = frame[column].dropna()
        if len(values) < min_points:
            dropped[str(column)] = f"{len(values)} scores, fewer than {min_points}"
        elif float(values.max() - values.min()) < CONSTANT:
            dropped[str(column)] = f"constant, {float(values.iloc[0]):.3f} everywhere"
        else:
            keep.append(column)
    corr = frame[keep].corr(min_periods=min_points)
    while len(corr) and corr.isna().to_numpy().any():
        worst = corr.isna().sum().idxmax()
        dropped[str(worst)] = f"fewer than {min_points} scores shared with the others"
        corr = corr.drop(index=worst, columns=worst)
    return Correlation(orientation, corr, dropped)


def correlations(matrix: TransferMatrix, min_points: int = 3) -> list[Correlation]:
    """Both orientations: between languages over experiments (CodeM's `df.corr()`), and between experiments over
    languages (`df.T.corr()`)."""
    frame = matrix.frame()
    return [
        correlate(frame, "languages, over experiments (df.corr())", min_points),
        correlate(frame.T, "experiments, over languages (df.T.corr())", min_points),
    ]

"""The experiments' answers as Markdown: the transfer matrix, its correlations, the pass@k curves' points and the
MultiPL-T before/after pairs, each table followed by the models, data hashes and n it came from."""

from __future__ import annotations

from stages.experiments.matrix import Correlation, TransferMatrix
from stages.experiments.runs import Run


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _sources(lines: list[str]) -> list[str]:
    return ["", *(f"- {line}" for line in lines)] if lines else []


def matrix_section(matrix: TransferMatrix, corrs: list[Correlation]) -> list[str]:
    out = [
        "## CodeM transfer matrix",
        "",
        "pass@1 [bootstrap 95% interval over problems] (paired change over the reference run); `not declared`: no",
        "evaluation run names the pair.",
        "",
    ]
    rows = [
        [
            row,
            *(
                matrix.cells[(row, lang)].text() if (row, lang) in matrix.cells else "not declared"
                for lang in matrix.languages
            ),
        ]
        for row in matrix.rows
    ]
    out += _table(["experiment", *matrix.languages], rows) if matrix.rows else ["No greedy evaluation run."]
    out += _sources([f"{row}: {text}" for row, text in matrix.provenance.items()])
    for corr in corrs:
        out += ["", f"### Pearson correlation between {corr.orientation}", ""]
        out += [
            "Every row of the matrix takes part, the base model's included (CodeM's choice is unverified).",
            "",
        ]
        if len(corr.frame) >= 2:
            labels = [str(c) for c in corr.frame.columns]
            out += _table(
                ["", *labels],
                [[a, *(f"{corr.frame.loc[a, b]:+.3f}" for b in labels)] for a in labels],
            )
        else:
            out.append("Undefined: fewer than two usable series.")
        if corr.dropped:
            out += ["", "Left out: " + "; ".join(f"{k} ({v})" for k, v in corr.dropped.items()) + "."]
    return out


def passk_section(runs: list[Run]) -> list[str]:
    chosen = [r for r in runs if r.n > 1]
    out = ["## pass@k against k (LintSeq vs baseline)", ""]
    if not chosen:
        return [*out, "No run sampled more than once."]
    ks = sorted({int(k.split("@")[1]) for r in chosen for k in r.metrics.get("pass", {})})
    rows = []
    for run in chosen:
        passes = run.metrics.get("pass", {})
        cells = [f"{passes[f'pass@{k}']['estimate']:.3f}" if f"pass@{k}" in passes else "-" for k in ks]
        if run.skipped:
            cells = [f"no data: {run.skipped}"] + [""] * (len(ks) - 1)
        rows.append([run.name, run.style, str(run.metrics.get("mean_tokens", "-")), *cells])
    out += _table(["run", "style", "tokens/sample", *(f"pass@{k}" for k in ks)], rows)
    return out + _sources([r.provenance() for r in chosen])


def before_after_section(runs: list[Run], prefix: str) -> list[str]:
    by_name = {r.name: r for r in runs}
    chosen = [r for r in runs if r.model.startswith(prefix)]
    out = ["## MultiPL-T: before and after", ""]
    if not chosen:
        return [*out, f"No run of a {prefix}* model."]
    rows = []
    for run in chosen:
        reference = by_name.get(str(run.metrics.get("reference") or ""))

        def score(r: Run | None) -> str:
            if r is None:
                return "no reference"
            if r.skipped:
                return f"no data: {r.skipped}"
            first = r.pass_at(1)
            return f"{first['estimate']:.3f} [{first['low']:.3f}, {first['high']:.3f}]" if first else "-"

        change = run.paired
        rows.append(
            [
                run.model,
                run.language,
                score(reference),
                score(run),
                f"{change['difference']:+.3f} [{change['low']:+.3f}, {change['high']:+.3f}]"
                if change
                else "-",
            ]
        )
    out += _table(["model", "language", "before (reference)", "after", "paired change"], rows)
    return out + _sources([r.provenance() for r in chosen])


def report(matrix: TransferMatrix, corrs: list[Correlation], runs: list[Run], prefix: str) -> str:
    lines = [
        "# Experiments",
        "",
        "Written by `eval_report` from reports/eval/*.json. Scores near zero are reported as they are.",
        "",
        *matrix_section(matrix, corrs),
        "",
        *passk_section(runs),
        "",
        *before_after_section(runs, prefix),
    ]
    return "\n".join(lines) + "\n"

"""A run's rows -> its metrics (pass@k with intervals, statuses, tokens), and the table `polyforge eval` prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from stages.evaluation.passk import bootstrap_interval, ks_for, pass_at_k, per_problem

OK = "OK"


def counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, int]]:
    """problem -> (n, c): completions and completions whose status is OK (MultiPL-E also asks exit code 0; a
    status of OK implies it in every language module)."""
    n: Counter[str] = Counter()
    c: Counter[str] = Counter()
    for row in rows:
        n[row["problem"]] += 1
        c[row["problem"]] += row["status"] == OK
    return {p: (n[p], c[p]) for p in n}


def pass_at(problem_counts: Mapping[str, tuple[int, int]], seed: int = 0) -> dict[str, dict[str, float]]:
    """pass@k for every k that the smallest n allows, each with a bootstrap 95% interval over problems."""
    if not problem_counts:
        return {}
    values = [problem_counts[p] for p in sorted(problem_counts)]  # problems in one order, whoever read them
    out = {}
    for k in ks_for(min(n for n, _ in values)):
        scores = per_problem(values, k)
        low, high = bootstrap_interval(scores, seed=seed)
        out[f"pass@{k}"] = {"estimate": float(scores.mean()), "low": low, "high": high}
    return out


def per_problem_pass1(problem_counts: Mapping[str, tuple[int, int]]) -> dict[str, float]:
    return {p: pass_at_k(n, c, 1) for p, (n, c) in sorted(problem_counts.items())}


def summarise(rows: Sequence[Mapping[str, Any]], seed: int = 0) -> dict[str, Any]:
    problem_counts = counts(rows)
    return {
        "problems": len(problem_counts),
        "completions": len(rows),
        "pass": pass_at(problem_counts, seed=seed),
        "statuses": dict(sorted(Counter(str(r["status"]) for r in rows).items())),
        "mean_tokens": round(sum(int(r.get("tokens") or 0) for r in rows) / len(rows), 2) if rows else 0.0,
        "per_problem": {p: {"n": n, "c": c} for p, (n, c) in sorted(problem_counts.items())},
    }


def table(metrics: Sequence[Mapping[str, Any]]) -> str:
    """One line per run: model, language, format, n, pass@1 [interval], the other k, paired change if any."""
    header = [
        "run",
        "model",
        "language",
        "format",
        "n",
        "problems",
        "pass@1 [95% CI]",
        "other k",
        "vs reference",
    ]
    lines = [header]
    for m in metrics:
        passes = m.get("pass", {})
        first = passes.get("pass@1")
        cell = f"{first['estimate']:.3f} [{first['low']:.3f}, {first['high']:.3f}]" if first else "-"
        if m.get("skipped"):
            cell = f"no data: {m['skipped']}"
        others = ", ".join(f"{k} {v['estimate']:.3f}" for k, v in passes.items() if k != "pass@1") or "-"
        paired = m.get("paired")
        change = (
            f"{paired['difference']:+.3f} [{paired['low']:+.3f}, {paired['high']:+.3f}]"
            if paired and paired.get("problems")
            else "-"
        )
        lines.append(
            [
                str(m.get("run", "")),
                str(m.get("model", "")),
                str(m.get("language", "")),
                str(m.get("format", "")),
                str(m.get("n", "")),
                str(m.get("problems", "")),
                cell,
                others,
                change,
            ]
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in lines
    )

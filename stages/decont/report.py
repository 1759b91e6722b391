"""`polyforge decontamination`: every stage's decontamination report, merged into one readable listing."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from stages.decont.core import REPORT_DIR


def read_reports(reports_dir: str | os.PathLike[str] = REPORT_DIR) -> list[dict[str, Any]]:
    directory = Path(reports_dir)
    if not directory.is_dir():
        return []
    reports = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            data = {"name": path.stem, "error": f"unreadable report {path}: {exc}"}
        if isinstance(data, dict):
            data.setdefault("name", path.stem)
            reports.append(data)
    return reports


def format_reports(reports_dir: str | os.PathLike[str] = REPORT_DIR) -> str:
    """All reports merged: a total per benchmark and method, then each report's inputs and drops."""
    reports = read_reports(reports_dir)
    if not reports:
        return f"no decontamination reports in {reports_dir}: run `dvc repro decontaminate` first"
    total: Counter[tuple[str, str]] = Counter()
    for report in reports:
        for drop in report.get("drops", []):
            total[(drop.get("benchmark", "?"), drop.get("method", "?"))] += 1
    lines = [f"decontamination: {len(reports)} report(s), {sum(total.values())} row(s) dropped"]
    for (benchmark, method), count in sorted(total.items()):
        lines.append(f"    {benchmark} by {method}: {count}")
    for report in reports:
        lines.append("")
        if "error" in report:
            lines.append(f"[{report['name']}] {report['error']}")
            continue
        benchmarks = ", ".join(f"{k} ({v} tasks)" for k, v in report.get("benchmarks", {}).items()) or "none"
        lines.append(
            f"[{report['name']}] {report.get('rows_in', 0)} rows checked, {report.get('rows_dropped', 0)} dropped; "
            f"benchmarks: {benchmarks}; methods: {', '.join(report.get('methods', []))} "
            f"(n={report.get('ngram_n')}, token_n={report.get('token_n')}); "
            f"{len(report.get('exempt', []))} trivial text(s) exempt from substring"
        )
        for label, counts in report.get("inputs", {}).items():
            lines.append(f"    {label}: {counts.get('rows_in', 0)} in -> {counts.get('rows_out', 0)} out")
        for drop in report.get("drops", []):
            span = str(drop.get("span", "")).replace("\n", " ")
            lines.append(
                f"    - {drop.get('id')} ({drop.get('input')}.{drop.get('field')}): {drop.get('benchmark')} "
                f"{drop.get('task_id')} {drop.get('benchmark_field')} by {drop.get('method')}: "
                f"{span[:120]}{'...' if len(span) > 120 else ''}"
            )
    return "\n".join(lines)

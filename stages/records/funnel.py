"""Per-stage funnel: rows in, rows out, rows dropped per named reason (with one example id each).

Written as a DVC metrics file, `reports/funnel/<stage>.json`, so `dvc metrics show/diff` compare runs and
`polyforge funnel` prints every stage's funnel in graph order.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

from stages.records.io import write_json

log = logging.getLogger(__name__)

FUNNEL_DIR = Path("reports/funnel")


class Funnel:
    """Counts what a stage saw, kept and dropped. Reasons are short snake_case names that say why."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.rows_in = 0
        self.rows_out = 0
        self.dropped: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.extra: dict[str, Any] = {}

    def seen(self, n: int = 1) -> None:
        self.rows_in += n

    def kept(self, n: int = 1) -> None:
        self.rows_out += n

    def drop(self, reason: str, example_id: str | None = None, n: int = 1) -> None:
        self.dropped[reason] += n
        if example_id is not None and reason not in self.examples:
            self.examples[reason] = example_id

    def note(self, key: str, value: Any) -> None:
        """Any other figure worth keeping beside the counts (e.g. pass rate, a version)."""
        self.extra[key] = value

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "dropped": dict(sorted(self.dropped.items())),
            "examples": dict(sorted(self.examples.items())),
            **self.extra,
        }

    def write(self, path: str | os.PathLike[str] | None = None) -> Path:
        path = Path(path) if path else FUNNEL_DIR / f"{self.stage}.json"
        write_json(path, self.to_dict())
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(self.dropped.items())) or "none"
        log.info("%s: %d in, %d out; dropped: %s", self.stage, self.rows_in, self.rows_out, dropped)
        return path


def read_funnels(directory: str | os.PathLike[str] = FUNNEL_DIR) -> list[dict[str, Any]]:
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return [json.loads(p.read_text()) for p in sorted(directory.rglob("*.json"))]


def format_funnels(funnels: list[dict[str, Any]]) -> str:
    if not funnels:
        return "no funnels yet: run `dvc repro` first"
    lines = []
    for f in funnels:
        lines.append(f"{f['stage']}: {f['rows_in']} in -> {f['rows_out']} out")
        for reason, count in f.get("dropped", {}).items():
            example = f.get("examples", {}).get(reason)
            lines.append(f"    - {reason}: {count}" + (f"  (e.g. {example})" if example else ""))
    return "\n".join(lines)

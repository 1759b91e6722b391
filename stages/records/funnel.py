"""Per-stage funnel: rows in, rows out, rows dropped per named reason (with one example id each).

Written as a DVC metrics file, `reports/funnel/<stage>.json`, so `dvc metrics show/diff` compare runs and
`polyforge funnel` prints every stage's funnel in graph order.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from stages.records.io import write_json

log = logging.getLogger(__name__)
T = TypeVar("T")

# Where `polyforge funnel` looks by default; stages write where their params say.
FUNNEL_DIR = Path("reports/funnel")


class Funnel:
    """Counts what a stage saw, kept and dropped. Reasons are short snake_case names that say why.

    `path` is where the stage's params put it (written by the stage entry point, stages/stage.py)."""

    def __init__(self, stage: str, path: str | os.PathLike[str] | None = None) -> None:
        self.stage = stage
        self.path = Path(path) if path is not None else None
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

    def sift(
        self,
        items: Iterable[T],
        verdict: Callable[[T], str | None],
        example: Callable[[T], str | None] = lambda item: item.get("id") if isinstance(item, dict) else None,
    ) -> Iterator[T]:
        """Each item seen, then kept when `verdict` returns None, else dropped under the reason it returns, with
        `example(item)` (a row's id) as the reason's example."""
        for item in items:
            self.seen()
            reason = verdict(item)
            if reason is None:
                self.kept()
                yield item
            else:
                self.drop(reason, example(item))

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
        if path is None and self.path is None:
            raise ValueError(f"funnel {self.stage}: no path to write to (give one, or Funnel(stage, path))")
        path = Path(path) if path is not None else self.path
        assert path is not None
        for error in balance_errors(self.to_dict()):  # a counting bug in the stage; tests assert none
            log.error("funnel does not balance: %s", error)
        write_json(path, self.to_dict())
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(self.dropped.items())) or "none"
        log.info("%s: %d in, %d out; dropped: %s", self.stage, self.rows_in, self.rows_out, dropped)
        return path


def balance_errors(funnel: dict[str, Any]) -> list[str]:
    """What does not add up in a funnel as written (`Funnel.to_dict`): every row that came in went out or was
    dropped under a reason, so rows_in = rows_out + the sum of `dropped`. Empty when it balances."""
    name = funnel.get("stage", "?")
    missing = [key for key in ("rows_in", "rows_out", "dropped") if key not in funnel]
    if missing:
        return [f"{name}: no {', '.join(missing)}"]
    dropped = sum(funnel["dropped"].values())
    errors = [f"{name}: negative count for {reason}" for reason, n in funnel["dropped"].items() if n < 0]
    if funnel["rows_in"] != funnel["rows_out"] + dropped:
        errors.append(
            f"{name}: {funnel['rows_in']} in != {funnel['rows_out']} out + {dropped} dropped "
            f"({funnel['rows_in'] - funnel['rows_out'] - dropped} rows unaccounted for)"
        )
    return errors


def unbalanced(directory: str | os.PathLike[str]) -> list[str]:
    """The balance errors of every funnel file under `directory` (a reports/funnel tree)."""
    files = sorted(Path(directory).rglob("*.json"))
    if not files:
        return [f"no funnels under {directory}"]
    return [error for path in files for error in balance_errors(json.loads(path.read_text()))]


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

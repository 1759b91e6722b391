"""An experiment's SFT dataset: its sources' rows formatted, capped, decontaminated, split and weighted.

Written as `train/` and `validation/` Parquet shards that `datasets.load_dataset(DIR)` loads as two splits (an
empty split is left out: `datasets` cannot read an empty shard), plus
`meta.json` (rows and tokens per split, the sources' licences, edit sequences per program). Each example keeps
the lineage of the row it was made from (`child_row`), so `polyforge lineage` walks it back to its source file.

The split is a hash of each row's split key (its id; for LintSeq rows the id of the program they encode, so a
program's s sequences and its baseline row share a split): adding rows never moves an old one. Weights copy
training rows only, after the split, so a copy never lands in validation.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from stages.records import Funnel, child_row, read_rows
from stages.records.io import shard_paths
from stages.training.config import DataSource
from stages.training.formats import FORMATS, Example

SPLITS = ("train", "validation")
META_FILE = "meta.json"
EMPTY_SOURCES = "empty_sources"


def unit_hash(*parts: str) -> float:
    """A number in [0, 1) from `parts`: the same on every machine and Python (unlike hash())."""
    digest = hashlib.sha256("\0".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_of(key: str, validation_fraction: float) -> str:
    return "validation" if unit_hash("split", key) < validation_fraction else "train"


def copies(row_id: str, weight: float) -> int:
    """Training copies of a row for `weight`: its whole part always, one more with the fractional part's odds."""
    whole = math.floor(weight)
    return whole + (1 if unit_hash("weight", row_id) < weight - whole else 0)


@dataclass
class Built:
    """The examples of one experiment per split, with what the funnel and meta.json report."""

    splits: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {s: [] for s in SPLITS})
    licenses: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    group_sizes: Counter[str] = field(default_factory=Counter)

    def sequences_per_program(self) -> float:
        """Mean examples per split key: LintSeq's s for edit-sequence data, 1 for everything else."""
        return round(sum(self.group_sizes.values()) / len(self.group_sizes), 4) if self.group_sizes else 0.0


def source_rows(source: DataSource) -> list[dict[str, Any]]:
    """The source's rows in file order, capped to the `cap` whose ids hash lowest (stable when rows are added)."""
    if not shard_paths(source.rows):
        return []
    rows = list(read_rows(source.rows))
    if source.cap and len(rows) > source.cap:
        keep = set(sorted(range(len(rows)), key=lambda i: unit_hash("cap", str(rows[i]["id"])))[: source.cap])
        rows = [row for i, row in enumerate(rows) if i in keep]
    return rows


def examples(
    source: DataSource, tokenizer: Any, funnel: Funnel
) -> Iterator[tuple[dict[str, Any], Example, str]]:
    """(source row, example, split key) for each row the format accepts; the others dropped by reason."""
    fmt = FORMATS[source.format]
    columns = source.columns()
    for row in source_rows(source):
        funnel.seen()
        made = fmt.make(row, columns, tokenizer)
        if isinstance(made, str):
            funnel.drop(made, row.get("id"))
            continue
        yield row, made, str(row.get(columns["split_key"]) or row["id"])


def example_row(parent: dict[str, Any], example: Example, source: DataSource, stage: str) -> dict[str, Any]:
    payload = {
        "prompt": example.prompt,
        "completion": example.completion,
        "program": example.program,
        "format": source.format,
        "language": str(parent.get("language") or "python"),
        "source_rows": source.rows,
        "copy": 0,  # weighted copies get 1, 2, ... (and their own ids)
    }
    return child_row(parent, payload, stage=stage)


def license_of(row: dict[str, Any]) -> str:
    return str(((row.get("lineage") or {}).get("source") or {}).get("license") or "unknown")


def token_counts(rows: list[dict[str, Any]], tokenizer: Any) -> int:
    """Tokens of prompt + completion (+ the EOS TRL appends) under the base model's tokenizer."""
    if not rows:
        return 0
    encoded = tokenizer([r["prompt"] + r["completion"] for r in rows], add_special_tokens=False)["input_ids"]
    return sum(len(ids) + 1 for ids in encoded)

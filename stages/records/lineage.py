"""Walk a row back through its parents to the source it came from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from stages.records.io import read_rows, shard_paths


def walk(row_id: str, data_dir: str | os.PathLike[str] = "data") -> list[tuple[Path, dict[str, Any]]]:
    """The chain [row, parent, grandparent, ...] ending at a row with no parent (or a parent not on disk)."""
    index: dict[str, tuple[Path, dict[str, Any]]] = {}
    for shard in shard_paths(data_dir) if Path(data_dir).exists() else []:
        for row in read_rows(shard):
            if "id" in row:
                index.setdefault(row["id"], (shard, row))
    if row_id not in index:
        raise KeyError(f"no row with id {row_id!r} under {data_dir}/")
    chain: list[tuple[Path, dict[str, Any]]] = []
    current: str | None = row_id
    while current is not None and current in index and len(chain) < 64:
        chain.append(index[current])
        current = index[current][1].get("lineage", {}).get("parent_id")
    if current is not None and current not in index:
        chain.append((Path("?"), {"id": current, "lineage": {"stage": "(not found on disk)"}}))
    return chain


def format_chain(chain: list[tuple[Path, dict[str, Any]]]) -> str:
    lines = []
    for depth, (shard, row) in enumerate(chain):
        lineage = row.get("lineage", {})
        lines.append(f"{'  ' * depth}{row['id']}  stage={lineage.get('stage')}  file={shard}")
        preview = {k: v for k, v in row.items() if k not in ("id", "lineage", "dedup_key")}
        for key, value in list(preview.items())[:4]:
            text = str(value).replace("\n", "\\n")
            lines.append(f"{'  ' * depth}    {key}: {text[:100]}{'...' if len(text) > 100 else ''}")
    source = chain[-1][1].get("lineage", {}).get("source")
    if source:
        lines.append("source: " + ", ".join(f"{k}={v}" for k, v in source.items() if v is not None))
    return "\n".join(lines)

"""The shape every row shares: a content id, a lineage, and the stage's own payload fields.

Rows are plain dicts, stored as Parquet shards (see io.py) that `datasets.load_dataset("parquet", ...)` reads as
is. Each field needs one type across rows; a mapping with varying keys comes back with the union of keys (missing
ones None), so store free-form mappings as JSON strings or as lists of records.
Three fields are reserved: `id` (hash of the canonical payload plus the parent id), `dedup_key` (optional, what
de-duplication compares; separate from the id so two rows with the same code but different parents stay
distinct rows) and `lineage`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

RESERVED = ("id", "dedup_key", "lineage")


@dataclass(frozen=True)
class Source:
    """Where the original material came from. Every field is always present (None when unknown) so the
    column has one schema across rows and stages."""

    dataset: str | None = None  # e.g. "bigcode/the-stack-dedup", "stdlib", "human-eval"
    repo: str | None = None  # repository name, or the interpreter for the stdlib
    path: str | None = None  # file path inside the repo / dataset
    license: str | None = None  # SPDX id(s) when the source carries one
    sha: str | None = None  # commit, blob sha or content sha256 of the source file


@dataclass(frozen=True)
class Lineage:
    source: Source
    parent_id: str | None  # id of the row this one was made from (None for rows read from a source)
    stage: str  # the DVC stage that made the row

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lineage:
        return cls(source=Source(**data["source"]), parent_id=data.get("parent_id"), stage=data["stage"])


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def make_id(payload: dict[str, Any], parent_id: str | None) -> str:
    """Content id: sha256 of the canonical payload (reserved fields excluded) and the parent id, 20 hex chars."""
    body = {k: v for k, v in payload.items() if k not in RESERVED}
    digest = hashlib.sha256()
    digest.update(canonical_json(body).encode())
    digest.update(b"\0")
    digest.update((parent_id or "").encode())
    return digest.hexdigest()[:20]


def new_row(
    payload: dict[str, Any],
    *,
    stage: str,
    source: Source,
    parent_id: str | None = None,
    dedup_key: str | None = None,
) -> dict[str, Any]:
    """A complete row: id, dedup_key, lineage, then the payload fields."""
    clash = [k for k in RESERVED if k in payload]
    if clash:
        raise ValueError(f"payload uses reserved field(s) {clash}; reserved: {RESERVED}")
    lineage = Lineage(source=source, parent_id=parent_id, stage=stage)
    return {
        "id": make_id(payload, parent_id),
        "dedup_key": dedup_key,
        "lineage": lineage.to_dict(),
        **payload,
    }


def child_row(
    parent: dict[str, Any], payload: dict[str, Any], *, stage: str, dedup_key: str | None = None
) -> dict[str, Any]:
    """A row derived from `parent`: it inherits the parent's source and points back at the parent's id."""
    source = Source(**parent["lineage"]["source"])
    return new_row(payload, stage=stage, source=source, parent_id=parent["id"], dedup_key=dedup_key)

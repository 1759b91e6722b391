"""A content-addressed store of finished task results, so a killed or re-run stage redoes only what is missing.

Keys are SHA-256 digests of the function's import path and the item (or what the caller's `key` makes of it),
written as canonical JSON: equal content gives an equal key in any process, on any machine, in any order. The
store is one SQLite file per namespace under the resumable-state root (outside DVC outs, which DVC deletes before
a rerun); SQLite makes each batch of writes atomic, so a killed stage leaves every committed result readable.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import sqlite3
import time
from pathlib import Path
from typing import Any

COMMIT_EVERY_S = 1.0
COMMIT_EVERY_ROWS = 256


class UnhashableItem(TypeError):
    """An item cannot be written as canonical JSON for its cache key: pass `key=` to map()."""


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__dataclass__": type(value).__qualname__, **dataclasses.asdict(value)}
    if isinstance(value, set | frozenset):
        return sorted(value, key=lambda v: json.dumps(v, sort_keys=True, default=_canonical))
    if isinstance(value, bytes):
        return {"__bytes__": value.hex()}
    if isinstance(value, Path):
        return str(value)
    raise UnhashableItem(
        f"cannot derive a cache key from a {type(value).__name__} ({value!r:.80}); "
        "pass key=... to map() returning JSON-serialisable content"
    )


def content_key(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=_canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class ResultCache:
    """Pickled results by content key in `<directory>/<namespace>.sqlite`."""

    MISSING = object()

    def __init__(self, directory: Path, namespace: str) -> None:
        if not namespace or "/" in namespace or namespace.startswith("."):
            raise ValueError(
                f"cache namespace {namespace!r} must be a plain non-empty name (no '/', no leading '.')"
            )
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{namespace}.sqlite"
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
        self._pending: list[tuple[str, bytes]] = []
        self._last_commit = time.monotonic()

    def get(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
        return self.MISSING if row is None else pickle.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        self._pending.append((key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))
        if len(self._pending) >= COMMIT_EVERY_ROWS or time.monotonic() - self._last_commit >= COMMIT_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany(
                    "INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", self._pending
                )
            self._pending = []
        self._last_commit = time.monotonic()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        self.flush()
        self._db.close()

"""The content-addressed completion cache.

Key = model identity + prompt + chat or raw + template version + sampling params (not n) + the stop strings the
backend saw + base seed + the sample's global index. Because the index is part of the key and n is not, drawing
50 samples after 10 reuses the first 10, and a schedule of rounds ([0, 10), [10, 20), ...) replays from one large
draw. The backend is not part of the key: the k-th sample of a prompt drawn by vLLM serves a later `hf` run of the
same model.

Storage is one SQLite file in WAL mode under the cache root (outside every DVC out). Each batch is committed as
one transaction, so a SIGKILL loses at most the batch in flight and never leaves a half-written entry; several
processes may read and write it at once (SQLite serialises writers).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stages.llm.base import RawOutput
from stages.llm.config import Sampling

log = logging.getLogger(__name__)

CACHE_FILE = "completions.sqlite3"
# Bump when the meaning of a key changes, so old entries are never misread.
KEY_FORMAT = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    sample_index INTEGER NOT NULL,
    raw TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    backend TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def digest(obj: Any) -> str:
    """sha256 of an object's canonical JSON."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class PromptSpec:
    """Everything but the sample index that decides a completion: its key is `spec.key(index)`."""

    model: str  # digest of the model identity
    prompt: str
    chat: bool
    template_version: str
    sampling: Sampling
    backend_stop: tuple[str, ...]

    @property
    def base(self) -> str:
        return digest(
            {
                "format": KEY_FORMAT,
                "model": self.model,
                "prompt": self.prompt,
                "chat": self.chat,
                "template_version": self.template_version,
                "temperature": self.sampling.temperature,
                "top_p": self.sampling.top_p,
                "max_tokens": self.sampling.max_tokens,
                "stop": list(self.backend_stop),
                "seed": self.sampling.seed,
            }
        )

    def key(self, index: int, base: str | None = None) -> str:
        return hashlib.sha256(f"{base or self.base}:{index}".encode()).hexdigest()

    def seed(self, index: int, base: str | None = None) -> int:
        """The sample's own seed (31 bits: every backend accepts it)."""
        return (
            int(hashlib.sha256(f"seed:{base or self.base}:{index}".encode()).hexdigest()[:8], 16) & 0x7FFFFFFF
        )


@dataclass(frozen=True)
class Entry:
    key: str
    model: str
    index: int
    output: RawOutput


class CompletionCache:
    """Completions by key, in `<root>/completions.sqlite3`."""

    def __init__(self, root: str | Path) -> None:
        self.path = Path(root) / CACHE_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=120.0, isolation_level=None)
        self._enable_wal()
        # FULL: a committed batch survives a power cut too, not only a killed process.
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(_SCHEMA)

    def _enable_wal(self, attempts: int = 200) -> None:
        """Switch to WAL. Two processes opening a new cache at once both try it; the switch needs an exclusive
        lock that SQLite's busy timeout does not wait for, so the loser retries (the winner's switch persists)."""
        for attempt in range(attempts):
            try:
                self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.05)

    def get_many(self, keys: Iterable[str]) -> dict[str, RawOutput]:
        found: dict[str, RawOutput] = {}
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT key, raw, finish_reason, tokens FROM completions WHERE key IN ({marks})", chunk
            )
            for key, raw, finish, tokens in rows:
                found[key] = RawOutput(text=raw, finish_reason=finish, tokens=tokens)
        return found

    def put_many(self, entries: Iterable[Entry], backend: str) -> None:
        """Store a batch in one transaction. An entry already present is replaced: a batch is generated whole,
        so the cache then holds what this run used (another writer of the same batch wrote the same values)."""
        now = time.time()
        rows = [
            (e.key, e.model, e.index, e.output.text, e.output.finish_reason, e.output.tokens, backend, now)
            for e in entries
        ]
        with self._transaction():
            self._conn.executemany("INSERT OR REPLACE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def count(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM completions").fetchone()[0]

    def close(self) -> None:
        self._conn.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")

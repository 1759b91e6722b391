"""Sharded JSONL: the one on-disk format for rows, written atomically.

An output directory holds `shard-00000.jsonl`, `shard-00001.jsonl`, ... which `datasets.load_dataset("json",
data_dir=...)` loads as is. A whole directory is written beside its final place and renamed over it, so a killed
stage leaves either the old output or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

SHARD_GLOB = "shard-*.jsonl"


class RowFormatError(ValueError):
    """A row on disk is not a JSON object: the message names the file and line."""


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.jsonl"


def write_rows(out_dir: str | os.PathLike[str], rows: Iterable[dict[str, Any]], shard_rows: int = 5000) -> int:
    """Stream `rows` into shards under `out_dir`, replacing what was there atomically. Returns the row count.

    Always writes at least one (possibly empty) shard, so downstream stages and `datasets` find the directory.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    count = 0
    try:
        shard_index, in_shard = 0, 0
        handle = open(tmp_dir / shard_name(0), "w", encoding="utf-8")
        try:
            for row in rows:
                if in_shard == shard_rows:
                    handle.close()
                    shard_index += 1
                    in_shard = 0
                    handle = open(tmp_dir / shard_name(shard_index), "w", encoding="utf-8")
                handle.write(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n")
                in_shard += 1
                count += 1
        finally:
            handle.close()
        _replace_dir(tmp_dir, out_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    return count


def _replace_dir(new: Path, target: Path) -> None:
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, old)
        os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(new, target)


def shard_paths(path: str | os.PathLike[str]) -> list[Path]:
    """The JSONL files a path stands for: the file itself, or a directory's shards (recursively, sorted)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(path.rglob(SHARD_GLOB))
    raise FileNotFoundError(f"no rows at {path}: neither a JSONL file nor a directory of {SHARD_GLOB} shards")


def read_rows(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Yield rows from a shard directory or one JSONL file. A malformed line raises RowFormatError naming it."""
    for shard in shard_paths(path):
        with open(shard, encoding="utf-8") as handle:
            for lineno, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise RowFormatError(f"{shard}:{lineno}: not valid JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise RowFormatError(f"{shard}:{lineno}: expected a JSON object, got {type(row).__name__}")
                yield row


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write a JSON file atomically (temp file in the same directory, then rename)."""
    write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_text(path: str | os.PathLike[str], text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

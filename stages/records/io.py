"""Sharded Parquet: the one on-disk format for rows, written atomically.

An output directory holds `shard-00000.parquet`, `shard-00001.parquet`, ... which
`datasets.load_dataset("parquet", data_dir=...)` (or `load_dataset(dir)`) loads as is. Parquet rather than JSONL
because every shard then carries one unified, typed schema: with JSONL, `datasets` infers types from the first
block of the first file, so a field that happens to be null there (a license, an error message) breaks loading of
later shards. Row values must therefore have one type per field; free-form values go in as JSON strings.

A whole directory is written beside its final place and renamed over it, so a killed stage leaves either the
old output or the new one, never half of one. `polyforge show PATH` prints rows as JSON lines for reading.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

SHARD_SUFFIX = ".parquet"
SHARD_GLOB = f"shard-*{SHARD_SUFFIX}"
READ_BATCH = 1024


class RowFormatError(ValueError):
    """Rows cannot be written or read as a table: the message names the file or the field."""


def shard_name(index: int) -> str:
    return f"shard-{index:05d}{SHARD_SUFFIX}"


def write_rows(
    out_dir: str | os.PathLike[str], rows: Iterable[dict[str, Any]], shard_rows: int = 5000
) -> int:
    """Stream `rows` into shards under `out_dir`, replacing what was there atomically. Returns the row count.

    Memory holds one shard of rows at a time. Always writes at least one (possibly empty) shard, so downstream
    stages and `datasets` find the directory.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        count, paths, schemas, buffer = 0, [], [], []
        for row in rows:
            buffer.append(row)
            count += 1
            if len(buffer) == shard_rows:
                paths.append(tmp_dir / shard_name(len(paths)))
                schemas.append(_write_shard(paths[-1], buffer))
                buffer = []
        if buffer or not paths:
            paths.append(tmp_dir / shard_name(len(paths)))
            schemas.append(_write_shard(paths[-1], buffer))
        _unify(paths, schemas)
        _replace_dir(tmp_dir, out_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    return count


def _table(rows: list[dict[str, Any]], schema: Any = None) -> Any:
    import pyarrow as pa

    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise RowFormatError(f"rows do not form a table (each field needs one type): {exc}") from None


def _write_shard(path: Path, rows: list[dict[str, Any]]) -> Any:
    import pyarrow.parquet as pq

    table = _table(rows)
    pq.write_table(table, path)
    return table.schema


def _unify(paths: list[Path], schemas: list[Any]) -> None:
    """Give every shard the same schema (a field null in one shard and typed in another gets the type)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        unified = pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise RowFormatError(f"shards disagree on a field's type: {exc}") from None
    for path, schema in zip(paths, schemas, strict=True):
        if not schema.equals(unified):
            pq.write_table(_table(pq.read_table(path).to_pylist(), schema=unified), path)


def _replace_dir(new: Path, target: Path) -> None:
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, old)
        os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(new, target)


def shard_paths(path: str | os.PathLike[str]) -> list[Path]:
    """The shard files a path stands for: the file itself, or a directory's shards (recursively, sorted)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(path.rglob(SHARD_GLOB))
    raise FileNotFoundError(f"no rows at {path}: neither a shard file nor a directory of {SHARD_GLOB} shards")


def read_rows(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Yield rows from a shard directory or one shard file, a batch at a time (bounded memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for shard in shard_paths(path):
        try:
            handle = pq.ParquetFile(shard)
        except (pa.ArrowInvalid, OSError) as exc:
            raise RowFormatError(f"{shard}: not a readable Parquet shard ({exc})") from None
        for batch in handle.iter_batches(batch_size=READ_BATCH):
            yield from batch.to_pylist()


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


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

"""Sharded Parquet: the one on-disk format for rows, written atomically; and the one JSONL reader.

An output directory holds `shard-00000.parquet`, `shard-00001.parquet`, ... which
`datasets.load_dataset("parquet", data_dir=...)` (or `load_dataset(dir)`) loads as is. Parquet rather than JSONL
because every shard then carries one unified, typed schema: with JSONL, `datasets` infers types from the first
block of the first file, so a field that happens to be null there (a license, an error message) breaks loading of
later shards. Row values must therefore have one type per field; free-form values go in as JSON strings.

A whole directory is written beside its final place and renamed over it, so a killed stage leaves either the
old output or the new one, never half of one (`atomic_dir`, used by every stage that writes a directory).
`polyforge show PATH` prints rows as JSON lines for reading.

Input files in JSONL (benchmarks, CodeAlpaca, corpora) are read by `read_jsonl` alone, so a bad line fails the
same way wherever it is read: a `RecordError` naming the file and the 1-based line.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SHARD_SUFFIX = ".parquet"
SHARD_GLOB = f"shard-*{SHARD_SUFFIX}"
READ_BATCH = 1024


class RowFormatError(ValueError):
    """Rows cannot be written or read as a table: the message names the file or the field."""


class RecordError(ValueError):
    """A JSONL line is not a JSON value: the message names the file and the 1-based line number."""


def shard_name(index: int) -> str:
    return f"shard-{index:05d}{SHARD_SUFFIX}"


def write_rows(
    out_dir: str | os.PathLike[str], rows: Iterable[dict[str, Any]], shard_rows: int = 5000
) -> int:
    """Stream `rows` into shards under `out_dir`, replacing what was there atomically. Returns the row count.

    Memory holds one shard of rows at a time. Always writes at least one (possibly empty) shard, so downstream
    stages and `datasets` find the directory.
    """
    with atomic_dir(out_dir) as tmp_dir:
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


@contextmanager
def atomic_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A new empty directory beside `target` to fill; swapped into `target`'s place when the block ends, and
    removed (leaving `target` as it was) when the block raises.

    The temp directory is a sibling so the swap is a rename on one filesystem. `target` is never half
    written; between the two renames of the swap it is absent for an instant (Python has no atomic exchange
    of two directories), and a failed second rename puts the old one back.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        _replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _replace_dir(new: Path, target: Path) -> None:
    if not target.exists():
        os.rename(new, target)
        return
    # A unique empty directory to rename the old output onto (rename replaces an empty directory), so a
    # leftover from an earlier crash cannot block the swap.
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)  # put the old output back rather than leave nothing
        raise
    shutil.rmtree(old, ignore_errors=True)


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


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[Any]:
    """The JSON value on each non-blank line of a JSONL file (gzip-compressed when the name ends in `.gz`).

    Streams one line at a time. A line that is not UTF-8 JSON, or a corrupt gzip stream, raises `RecordError`
    naming the file and the line: bad input stops the stage with a clear error rather than vanishing. A value
    of the wrong shape (not an object, a missing field) is the caller's to check, with `read_jsonl_lines` when
    its message should name the line. A missing file raises `FileNotFoundError` as `open` does.
    """
    for _, value in read_jsonl_lines(path):
        yield value


def read_jsonl_lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, Any]]:
    """`read_jsonl` with each value's 1-based line number: (line, value)."""
    path = Path(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        lineno = 0
        try:
            for lineno, raw in enumerate(handle, 1):
                if raw.strip():
                    yield lineno, _json_line(raw, path, lineno)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise RecordError(f"{path}:{lineno + 1}: corrupt or truncated gzip data ({exc})") from None


def _json_line(raw: bytes, path: Path, lineno: int) -> Any:
    try:
        # utf-8-sig: a byte-order mark some editors put at the start of a file is not an error.
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise RecordError(f"{path}:{lineno}: not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise RecordError(f"{path}:{lineno}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise RecordError(f"{path}:{lineno}: JSON nested too deeply") from None


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

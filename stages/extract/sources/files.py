"""The files source: JSONL (optionally .gz) or Parquet files, one document per record, and the record -> Document
mapping the hub source shares (a record with a content column and optional metadata columns)."""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stages.extract.sources.base import (
    BAD_RECORD,
    NO_CONTENT,
    TOO_LARGE,
    UNREADABLE,
    WHOLE,
    Item,
    Shard,
    Skipped,
    SourceError,
    decode,
    expand_globs,
)
from stages.records.io import read_jsonl_lines
from stages.records.schema import Source

log = logging.getLogger(__name__)

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz")


@dataclass(frozen=True)
class FilesSource:
    # JSONL (optionally .gz) or Parquet files, globs allowed, one document per record. A line that is not
    # JSON stops the stage naming the file and line (a record of the wrong shape is skipped and counted).
    paths: tuple[str, ...] = ()
    # Column holding the file text; the others are optional metadata carried into the lineage ("" = none).
    # Defaults follow The Stack's schema, so its Parquet shards work as they are.
    content_column: str = "content"
    repo_column: str = "max_stars_repo_name"
    path_column: str = "max_stars_repo_path"
    license_column: str = "max_stars_repo_licenses"
    sha_column: str = "hexsha"


def _licenses(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value)
    return (str(value),)


def _column(record: Mapping[str, Any], name: str) -> Any:
    return record.get(name) if name else None


def record_item(record: Any, columns: FilesSource, dataset: str, ident: str, max_file_bytes: int) -> Item:
    """A Document from one record with a content column and optional metadata columns."""
    if not isinstance(record, Mapping):
        return Skipped(BAD_RECORD, ident)
    content = record.get(columns.content_column)
    if not isinstance(content, str | bytes) or not content:
        return Skipped(NO_CONTENT, ident)
    size = len(content) if isinstance(content, bytes) else len(content.encode("utf-8", "surrogatepass"))
    if size > max_file_bytes:
        return Skipped(TOO_LARGE, ident)
    licenses = _licenses(_column(record, columns.license_column)) if columns.license_column else None
    sha = _column(record, columns.sha_column)
    if sha is None:
        raw = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
        sha = hashlib.sha256(raw).hexdigest()
    repo = _column(record, columns.repo_column)
    path = _column(record, columns.path_column)
    source = Source(
        dataset=dataset,
        repo=None if repo is None else str(repo),
        path=None if path is None else str(path),
        license=",".join(licenses) if licenses else None,
        sha=str(sha),
    )
    return decode(content, source, f"{repo}/{path}" if repo or path else ident, licenses)


def iter_files(params: FilesSource, max_file_bytes: int, shard: Shard = WHOLE) -> Iterator[Item]:
    # A shard's units: Parquet record batches and JSONL records, numbered across all the files, so each task
    # takes every world_size-th unit whatever the number of files; an unreadable file counts once, in task 0.
    unit = itertools.count()
    for path in expand_globs(params.paths, "extract.source.files.paths"):
        name = path.name.lower()
        if name.endswith(".parquet"):
            yield from _iter_parquet(path, params, max_file_bytes, shard, unit)
        elif name.endswith(JSONL_SUFFIXES):
            yield from _iter_jsonl(path, params, max_file_bytes, shard, unit)
        else:
            raise SourceError(f"extract.source.files.paths: {path} is neither .jsonl[.gz] nor .parquet")


def _iter_jsonl(
    path: Path, params: FilesSource, max_file_bytes: int, shard: Shard, unit: Iterator[int]
) -> Iterator[Item]:
    # A line that is not JSON (or a corrupt .gz) raises RecordError naming the file and line: the project's
    # one JSONL reader fails loudly rather than let part of a configured input vanish.
    for lineno, record in read_jsonl_lines(path):
        if shard.mine(next(unit)):
            yield record_item(record, params, str(path), f"{path.name}:{lineno}", max_file_bytes)


def _iter_parquet(
    path: Path, params: FilesSource, max_file_bytes: int, shard: Shard, unit: Iterator[int]
) -> Iterator[Item]:
    import pyarrow.parquet as pq

    try:
        reader = pq.ParquetFile(path)
        batches = reader.iter_batches(batch_size=256)
        index = 0
        for batch in batches:
            if not shard.mine(next(unit)):  # another task's batch: skip it before turning it into records
                index += batch.num_rows
                continue
            for record in batch.to_pylist():
                yield record_item(record, params, str(path), f"{path.name}:{index}", max_file_bytes)
                index += 1
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) on a corrupt file
        log.warning("cannot read %s: %s", path, exc)
        if shard.rank == 0:
            yield Skipped(UNREADABLE, path.name)

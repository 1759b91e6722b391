"""What every source reader yields: a `Document` (decoded text plus its lineage `Source`) or a `Skipped` (a file
that cannot be used, with a named reason), and the helpers the readers share."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stages.records.schema import Source

# File-level skip reasons (the `extract_functions.files` funnel).
UNREADABLE = "unreadable"
NOT_UTF8 = "not_utf8"
NULL_BYTE = "null_byte"
TOO_LARGE = "too_large"
BAD_RECORD = "bad_record"
NO_CONTENT = "no_content"


class SourceError(RuntimeError):
    """A source cannot be opened at all (missing token, missing path): the message says what to do."""


@dataclass(frozen=True)
class Document:
    """One source file's text. `licenses` is None when the source carries no license information."""

    content: str
    source: Source
    ident: str
    licenses: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Skipped:
    """A file or record that was not used, and why."""

    reason: str
    ident: str


Item = Document | Skipped


@dataclass(frozen=True)
class Shard:
    """Which part of a source one task reads: every `world_size`-th unit from `rank` (a file, a Parquet record
    batch, a hub shard), so that a task skips other tasks' units before decoding them."""

    rank: int = 0
    world_size: int = 1

    def mine(self, index: int) -> bool:
        return index % self.world_size == self.rank


WHOLE = Shard()


def decode(data: bytes | str, source: Source, ident: str, licenses: tuple[str, ...] | None) -> Item:
    """Turn raw file content into a Document, or a Skipped naming why it cannot be Python source."""
    if isinstance(data, bytes):
        if b"\0" in data:
            return Skipped(NULL_BYTE, ident)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return Skipped(NOT_UTF8, ident)
    else:
        text = data
        if "\0" in text:
            return Skipped(NULL_BYTE, ident)
    return Document(content=text, source=source, ident=ident, licenses=licenses)


def expand_globs(patterns: Sequence[str], what: str) -> list[Path]:
    """The files each glob matches, in pattern order; a glob that matches nothing fails naming `what`."""
    paths: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(os.path.expanduser(pattern), recursive=True))
        if not matches:
            raise SourceError(f"{what}: {pattern!r} matches no file")
        paths.extend(Path(m) for m in matches)
    return paths

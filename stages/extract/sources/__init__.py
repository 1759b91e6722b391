"""Where Python files come from: one module per source kind, chosen by `extract.source.kind`.

- `local`: directories or globs of .py files; by default the running interpreter's stdlib (local.py).
- `hf`: The Stack through `datasets`, or local Parquet files with its schema (hub.py).
- `files`: JSONL (optionally .gz) or Parquet files, one document per record (files.py).

Every reader yields, in a stable order, either a `Document` (decoded text plus its lineage `Source`) or a
`Skipped` (a file that cannot be used, with a named reason; base.py), so a bad file is counted and never
crashes the stage or vanishes silently; a bad JSONL line stops it naming the file and line. Readers stream:
nothing holds more than one file or one record batch at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from stages.checks import ParamsError, check_choice, check_range
from stages.extract.sources.base import (
    BAD_RECORD,
    NO_CONTENT,
    NOT_UTF8,
    NULL_BYTE,
    TOO_LARGE,
    UNREADABLE,
    WHOLE,
    Document,
    Item,
    Shard,
    Skipped,
    SourceError,
    decode,
    expand_globs,
)
from stages.extract.sources.files import FilesSource, iter_files, record_item
from stages.extract.sources.hub import THE_STACK, TOKEN_VARIABLES, HubSource, hub_token, iter_hub
from stages.extract.sources.local import (
    GLOB_CHARS,
    STDLIB,
    STDLIB_LICENSE,
    LocalSource,
    iter_local,
    local_files,
    python_identity,
    stdlib_root,
)

# kind -> reader; each reader takes the SourceParams field of the same name, the file size bound and its Shard.
READERS: dict[str, Callable[[Any, int, Shard], Iterator[Item]]] = {
    "local": iter_local,
    "hf": iter_hub,
    "files": iter_files,
}


@dataclass(frozen=True)
class SourceParams:
    # Which reader: "local" (directories; default the stdlib), "hf" (The Stack via `datasets`), "files".
    kind: str = "local"
    local: LocalSource = field(default_factory=LocalSource)
    hf: HubSource = field(default_factory=HubSource)
    files: FilesSource = field(default_factory=FilesSource)
    # Stop after this many documents (0 = all): streaming The Stack needs a bound.
    max_documents: int = 0
    # Files larger than this are skipped as `too_large` before they are read (The Stack's files are <= 1 MB).
    max_file_bytes: int = 1_000_000

    def __post_init__(self) -> None:
        check_choice("extract.source.kind", self.kind, READERS)
        check_range("extract.source.max_documents", self.max_documents, 0)
        check_range("extract.source.max_file_bytes", self.max_file_bytes, 1)
        if self.kind == "files" and not self.files.paths:
            raise ParamsError("extract.source.files.paths is empty but extract.source.kind is 'files'")


def iter_source(params: SourceParams, shard: Shard = WHOLE) -> Iterator[Item]:
    """The configured reader, bounded by `max_documents` (Skipped items count towards it too).

    With a `shard` of several tasks the reader yields only this task's part and skips the others' before
    decoding them; with `max_documents` the bound is on the whole stream, so each task reads the bounded stream
    and keeps every world_size-th item.
    """
    if shard.world_size > 1 and params.max_documents:
        for index, item in enumerate(iter_source(params)):
            if shard.mine(index):
                yield item
        return
    items = READERS[params.kind](getattr(params, params.kind), params.max_file_bytes, shard)
    for count, item in enumerate(items, 1):
        yield item
        if params.max_documents and count >= params.max_documents:
            return


__all__ = [
    "BAD_RECORD",
    "GLOB_CHARS",
    "NOT_UTF8",
    "NO_CONTENT",
    "NULL_BYTE",
    "READERS",
    "STDLIB",
    "STDLIB_LICENSE",
    "WHOLE",
    "THE_STACK",
    "TOKEN_VARIABLES",
    "TOO_LARGE",
    "UNREADABLE",
    "Document",
    "FilesSource",
    "HubSource",
    "Item",
    "LocalSource",
    "Skipped",
    "SourceError",
    "Shard",
    "SourceParams",
    "decode",
    "expand_globs",
    "hub_token",
    "iter_files",
    "iter_hub",
    "iter_local",
    "iter_source",
    "local_files",
    "python_identity",
    "record_item",
    "stdlib_root",
]

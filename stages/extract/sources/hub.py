"""The hub source: The Stack (deduplicated, Python) streamed through `datasets`, or local Parquet files with its
schema (offline runs and tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from stages.extract.sources.base import WHOLE, Item, Shard, SourceError, expand_globs
from stages.extract.sources.files import FilesSource, record_item

THE_STACK = "bigcode/the-stack-dedup"
TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")


@dataclass(frozen=True)
class HubSource:
    # The Stack (deduplicated), Python subset, streamed with `datasets`. Gated: the token comes from $HF_TOKEN
    # or `hf auth login`.
    dataset: str = THE_STACK
    data_dir: str = "data/python"
    # Pinned dataset revision (a tag or commit of the hub repository), so a rerun reads the same files.
    revision: str = "v1.2"
    # Local Parquet files with the hub dataset's schema, streamed through `datasets` instead of the hub
    # (offline runs and tests). Empty: the hub.
    data_files: tuple[str, ...] = ()


def hub_token() -> str | None:
    for name in TOKEN_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    try:
        from huggingface_hub import get_token
    except ImportError:
        return None
    return get_token()


def iter_hub(params: HubSource, max_file_bytes: int, shard: Shard = WHOLE) -> Iterator[Item]:
    """Stream The Stack (or local Parquet files with its schema) through `datasets`; a task of several streams
    its part (`split_dataset_by_node`: whole hub files when they divide evenly), not the whole dataset."""
    from datasets import load_dataset
    from datasets.distributed import split_dataset_by_node

    if params.data_files:
        files = [str(p) for p in expand_globs(params.data_files, "extract.source.hf.data_files")]
        stream = load_dataset("parquet", data_files=files, split="train", streaming=True)
    else:
        token = hub_token()
        if not token:
            raise SourceError(
                f"{params.dataset} is gated: accept its terms on huggingface.co, then set $HF_TOKEN or run "
                "`hf auth login` (or use extract.source.kind: local)."
            )
        stream = load_dataset(
            params.dataset,
            data_dir=params.data_dir,
            revision=params.revision,
            split="train",
            streaming=True,
            token=token,
        )
    if shard.world_size > 1:
        stream = split_dataset_by_node(stream, rank=shard.rank, world_size=shard.world_size)
    columns = FilesSource()  # The Stack's own column names are FilesSource's defaults
    for index, record in enumerate(stream):
        ident = (
            f"{params.dataset}:{index}" if shard.world_size == 1 else f"{params.dataset}:{shard.rank}.{index}"
        )
        yield record_item(record, columns, params.dataset, ident, max_file_bytes)

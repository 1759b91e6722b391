"""Rows, their lineage, sharded JSONL I/O and per-stage funnels."""

from stages.records.funnel import Funnel
from stages.records.io import read_rows, write_rows
from stages.records.schema import Lineage, Source, child_row, make_id, new_row

__all__ = ["Funnel", "Lineage", "Source", "child_row", "make_id", "new_row", "read_rows", "write_rows"]

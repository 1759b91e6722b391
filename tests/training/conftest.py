"""Fixtures for the training stages: a tiny Llama (built from a config, no download) and small row folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def instruction_rows(n: int, license: str = "MIT") -> list[dict[str, Any]]:
    """n instruction/response pairs with lineage, like data/clean/instructions."""
    from stages.records import Source, new_row

    rows = []
    for i in range(n):
        payload = {
            "instruction": f"Write a function add_{i}(x) that returns x plus {i}.",
            "input": "",
            "output": f"def add_{i}(x):\n    y = x + {i}\n    return y\n",
        }
        rows.append(
            new_row(payload, stage="test", source=Source(dataset="test", path=f"f{i}.py", license=license))
        )
    return rows


def lintseq_rows(parents: list[dict[str, Any]], s: int = 2) -> list[dict[str, Any]]:
    """s edit-sequence rows per instruction row, in the lintseq stage's shape."""
    from stages.editseq.diffs import training_text
    from stages.records import child_row

    rows = []
    for parent in parents:
        lines = parent["output"].splitlines()
        edits = [f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)]
        for sample in range(s):
            payload = {
                "sample": sample,
                "edit_path": edits,
                "text": training_text(parent["instruction"], edits),
                "instruction": parent["instruction"],
                "program": parent["output"],
                "source_id": parent["id"],
            }
            rows.append(child_row(parent, payload, stage="lintseq"))
    return rows

"""Stage `build_sft@EXPERIMENT`: an experiment's data recipe as a dataset `datasets.load_dataset` loads.

Each source's rows go through its formatter (stages/training/formats.py) into prompt-completion examples that keep
their lineage; every example is checked against the benchmarks (stages/decont: HumanEval, MBPP where configured,
the compiled multilingual benchmark) and dropped with its evidence on a match; a hash of the split key puts it in
`train` or `validation`; weights copy training examples. The funnel counts source rows and names every drop,
and notes rows and tokens per split and the sources' licences.

An experiment whose sources hold no usable rows (a small model validated nothing in that language) is skipped,
not failed: its dataset is empty, the funnel says `skipped` with the reason, and train@EXPERIMENT skips too.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from stages.records import Funnel, write_rows
from stages.records.io import atomic_dir, write_json
from stages.stage import Context
from stages.training.config import SFTStage
from stages.training.dataset import (
    EMPTY_SOURCES,
    META_FILE,
    Built,
    copies,
    example_row,
    examples,
    license_of,
    split_of,
    token_counts,
)

log = logging.getLogger(__name__)
STAGE = "build_sft"
NO_EXAMPLES = "no_examples"
NO_TRAINING_ROWS = "no_training_rows"


def build(params: SFTStage, name: str, funnel: Funnel, tokenizer: Any) -> tuple[Built, Any]:
    from stages.decont.core import Decontaminator, DecontReport, reason

    experiment = params.experiment(name)
    report = DecontReport(f"{STAGE}-{name}", Decontaminator.from_config(params.settings.decontaminate))
    built = Built()
    for source in experiment.data:
        made = [
            (example_row(row, example, source, f"{STAGE}@{name}"), key, row)
            for row, example, key in examples(source, tokenizer, funnel)
        ]
        keys = {example["id"]: (key, row) for example, key, row in made}
        checked = report.filter((example for example, _, _ in made), source.rows, Funnel(source.rows))
        for example in checked:
            key, parent = keys[example["id"]]
            split = split_of(key, params.settings.validation_fraction)
            n = 1 if split == "validation" else copies(example["id"], source.weight)
            for copy in range(n):
                built.splits[split].append(example if copy == 0 else example_row_copy(example, parent, copy))
            built.licenses[license_of(parent)] += 1
            built.languages[example["language"]] += 1
            built.group_sizes[key] += 1
            funnel.kept()
    for drop in report.drops:
        funnel.drop(reason(drop["method"]), drop["id"])
    return built, report


def example_row_copy(example: dict[str, Any], parent: dict[str, Any], copy: int) -> dict[str, Any]:
    """A weighted copy: the same example under its own id (ids stay unique within a dataset)."""
    from stages.records.schema import make_id

    row = {**example, "copy": copy}
    row["id"] = make_id(row, parent["id"])
    return row


def run(params: SFTStage, ctx: Context, name: str) -> Funnel:
    from transformers import AutoTokenizer

    funnel = Funnel(f"{STAGE}@{name}", params.funnel(name))
    tokenizer = AutoTokenizer.from_pretrained(params.model_dir(name))
    built, report = build(params, name, funnel, tokenizer)
    skipped = None
    if funnel.rows_in == 0:
        skipped = EMPTY_SOURCES
    elif funnel.rows_out == 0:
        skipped = NO_EXAMPLES
    elif not built.splits["train"]:
        skipped = NO_TRAINING_ROWS
    meta: dict[str, Any] = {
        "experiment": name,
        "model": params.experiment(name).model,
        "skipped": skipped,
        "rows": {split: len(rows) for split, rows in built.splits.items()},
        "tokens": {split: token_counts(rows, tokenizer) for split, rows in built.splits.items()},
        "licenses": dict(sorted(built.licenses.items())),
        "languages": dict(sorted(built.languages.items())),
        "formats": dict(sorted(Counter(r["format"] for rows in built.splits.values() for r in rows).items())),
        "sequences_per_program": built.sequences_per_program(),
        "validation_fraction": params.settings.validation_fraction,
    }
    with atomic_dir(params.out_dir(name)) as tmp:
        for split, rows in built.splits.items():
            if rows:  # `datasets` cannot read an empty Parquet shard: an empty split is left out
                write_rows(tmp / split, rows, ctx.common.shard_rows)
        write_json(tmp / META_FILE, meta)
    report.write(params.decontamination(name))
    for key in ("skipped", "rows", "tokens", "licenses", "languages", "sequences_per_program"):
        funnel.note(key, meta[key])
    if skipped:
        log.warning("build_sft@%s: skipped (%s): train@%s will skip too", name, skipped, name)
    return funnel

"""build_sft@EXPERIMENT on small row folders: formats, split, weights, decontamination, skipping, lineage."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import instruction_rows, lintseq_rows

from stages.params import build
from stages.records import read_rows, write_rows
from stages.stage import Context
from stages.training.config import TrainingParams


def params_for(tmp: Path, model: Path, experiments: dict) -> TrainingParams:
    raw = {
        "experiments": {name: {"model": "tiny", **exp} for name, exp in experiments.items()},
        "sft": {
            "out_root": str(tmp / "sft"),
            "validation_fraction": 0.2,
            "decontaminate": {
                "benchmarks": {"humaneval": True},
                "fields": ["prompt", "completion", "program"],
            },
            "funnel_dir": str(tmp / "funnel"),
            "decontamination_dir": str(tmp / "decont"),
        },
        "train": {"models_root": str(model.parent)},
    }
    return build(TrainingParams, raw, where="training")


def test_lintseq_and_baseline_share_splits_keep_lineage_and_load(tmp_path, tiny_model):
    from datasets import load_dataset

    from stages.build_sft import run
    from stages.records.benchmarks import humaneval

    pairs = instruction_rows(40)
    leak = humaneval()[0]  # a HumanEval solution as a response: decontamination must drop it
    pairs.append({**pairs[0], "id": "leak", "output": leak["prompt"] + leak["canonical_solution"]})
    write_rows(tmp_path / "pairs", pairs)
    write_rows(tmp_path / "edits", lintseq_rows(pairs[:40], s=2))
    params = params_for(
        tmp_path,
        tiny_model,
        {
            "edits": {
                "data": [{"rows": str(tmp_path / "edits"), "format": "lintseq"}],
                "recipe": {"preset": "lintseq"},
            },
            "base": {
                "data": [{"rows": str(tmp_path / "pairs"), "format": "lintseq_baseline", "weight": 2.0}],
                "recipe": {"preset": "lintseq-baseline"},
            },
        },
    )
    edits = run(params.sft_stage(), Context(), "edits")
    base = run(params.sft_stage(), Context(), "base")
    assert edits.rows_in == 80 and edits.rows_out == 80 and not edits.extra["skipped"]
    assert base.rows_in == 41 and base.rows_out == 40 and base.dropped == {"benchmark_substring": 1}
    assert edits.extra["licenses"] == {"MIT": 80} and edits.extra["tokens"]["train"] > 0
    data = load_dataset(str(tmp_path / "sft" / "edits"))
    assert set(data) == {"train", "validation"} and len(data["train"]) + len(data["validation"]) == 80
    # A program's edit sequences and its baseline row land in the same split (the split key is the program's id).
    val_programs = {r["program"] for r in read_rows(tmp_path / "sft" / "edits" / "validation")}
    base_val = {r["program"] for r in read_rows(tmp_path / "sft" / "base" / "validation")}
    assert val_programs == base_val and 0 < len(base_val) < 40
    # Weight 2 doubles the training rows only; every row points back at its source row.
    base_train = list(read_rows(tmp_path / "sft" / "base" / "train"))
    assert len(base_train) == 2 * (40 - len(base_val)) and len({r["id"] for r in base_train}) == len(
        base_train
    )
    ids = {p["id"] for p in pairs}
    assert all(
        r["lineage"]["parent_id"] in ids and r["lineage"]["source"]["license"] == "MIT" for r in base_train
    )
    row = next(r for r in read_rows(tmp_path / "sft" / "edits" / "train"))
    assert row["prompt"].startswith("Write a function") and row["completion"].startswith("\n<|diff|>")
    assert row["completion"].endswith("\n<|diff|>\n<|diff|>")


def test_split_is_stable_when_rows_are_added(tmp_path, tiny_model):
    from stages.build_sft import run

    def validation(n: int) -> set[str]:
        write_rows(tmp_path / f"pairs{n}", instruction_rows(n))
        exp = {
            "data": [{"rows": str(tmp_path / f"pairs{n}"), "format": "alpaca"}],
            "recipe": {"preset": "codem"},
        }
        run(params_for(tmp_path, tiny_model, {f"e{n}": exp}).sft_stage(), Context(), f"e{n}")
        return {r["program"] for r in read_rows(tmp_path / "sft" / f"e{n}" / "validation")}

    small, big = validation(30), validation(60)
    assert small and small <= big


def test_empty_sources_are_skipped_with_a_reason(tmp_path, tiny_model):
    from stages.build_sft import run

    write_rows(tmp_path / "none", [])
    exp = {"data": [{"rows": str(tmp_path / "none"), "format": "text"}], "recipe": {"preset": "multipl-t-1b"}}
    funnel = run(params_for(tmp_path, tiny_model, {"lua": exp}).sft_stage(), Context(), "lua")
    assert funnel.extra["skipped"] == "empty_sources" and funnel.rows_out == 0
    assert (tmp_path / "sft" / "lua" / "meta.json").exists()


def test_chat_format_uses_the_models_template(tmp_path, tiny_model):
    from transformers import AutoTokenizer

    from stages.training.formats import FORMATS

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    row = instruction_rows(1)[0]
    example = FORMATS["chat"].make(row, FORMATS["chat"].fields, tokenizer)
    assert example.prompt.startswith("<|im_start|>user\n") and example.prompt.endswith(
        "<|im_start|>assistant\n"
    )
    assert example.completion == row["output"] + "<|im_end|>\n"


@pytest.mark.parametrize(
    "override,message",
    [
        ({"learnin_rate": 1e-4}, "unknown key"),
        ({"packing": "zip"}, "recipe.packing"),
        ({"global_batch": 6, "per_device_batch": 4}, "not a multiple"),
    ],
)
def test_bad_recipe_overrides_fail_at_load(override, message):
    from stages.params import ParamsError

    with pytest.raises(ParamsError, match=message):
        build(
            TrainingParams,
            {
                "experiments": {
                    "x": {"data": [{"rows": "d"}], "recipe": {"preset": "lintseq", "overrides": override}}
                }
            },
            where="training",
        )

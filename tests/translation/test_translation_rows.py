"""Passing programs to training text: harness cut, canonical Python removed; rows and the SFT view."""

from __future__ import annotations

from stages import languages
from stages.translation.rows import clean, funnel_plot, sft_view, translation_row
from stages.translation.tasks import CANONICAL_HEADER, build_task

ROW = {
    "id": "fn-1",
    "name": "add",
    "code": 'def add(a, b):\n    "Same as a + b."\n    return a + b\n',
    "prompt": 'def add(a, b):\n    "Same as a + b."\n',
    "tests": ["assert add(1, 2) == 3"],
    "param_types": ["int", "int"],
    "return_type": "int",
    "lineage": {
        "source": {
            "dataset": "stdlib",
            "repo": None,
            "path": "operator.py",
            "license": "PSF-2.0",
            "sha": None,
        },
        "parent_id": "fn-0",
        "stage": "generate_tests",
    },
}


def test_clean_program_is_clean_prompt_plus_completion_without_harness():
    lua = languages.get("lua")
    task = build_task(lua, ROW)
    cleaned = clean(lua, task, "    return a + b\nend")
    assert cleaned.completion == "    return a + b\nend\n"
    assert cleaned.program == "-- Same as a + b.\nlocal function add(a, b)\n    return a + b\nend\n"
    assert CANONICAL_HEADER not in cleaned.program and "luaunit" not in cleaned.program
    assert cleaned.dedup_text == "local function add(a, b)\n    return a + b\nend\n"


def test_a_completion_that_writes_its_own_harness_is_cut_there():
    lua = languages.get("lua")
    task = build_task(lua, ROW)
    completion = "    return a + b\nend\n\nlu = require('luaunit')\nprint(add(1, 2))"
    assert clean(lua, task, completion).completion == "    return a + b\nend\n"


def test_racket_cut_at_require_rackunit():
    racket = languages.get("racket")
    task = build_task(racket, ROW)
    cleaned = clean(racket, task, "  (+ a b))")
    assert cleaned.program == "#lang racket\n\n;; Same as a + b.\n(define (add a b)\n  (+ a b))\n"


def test_row_fields_lineage_and_sft_view():
    lua = languages.get("lua")
    task = build_task(lua, ROW)
    cleaned = clean(lua, task, "    return a + b\nend")
    row = translation_row(
        ROW, task, cleaned, stage="translate@lua", status="OK", index=3, cache_key="k", finish_reason="stop"
    )
    assert row["lineage"] == {
        "source": ROW["lineage"]["source"],
        "parent_id": "fn-1",
        "stage": "translate@lua",
    }
    assert row["function_id"] == "fn-1" and row["language"] == "lua" and row["status"] == "OK"
    assert row["prompt"] == task.clean_prompt and row["generation_prompt"] == task.prompt
    assert row["program"] == row["prompt"] + row["completion"]
    assert row["tests"] == task.tests and row["python_tests"] == ["assert candidate(1, 2) == 3"]
    assert row["sample_index"] == 3
    # Same program from another sample: a different row id (the index is part of it), the same dedup key.
    other = translation_row(
        ROW, task, cleaned, stage="translate@lua", status="OK", index=4, cache_key="k2", finish_reason="stop"
    )
    assert other["id"] != row["id"] and other["dedup_key"] == row["dedup_key"]
    assert list(sft_view([row])) == [{"prompt": row["prompt"], "completion": row["completion"]}]


def test_funnel_plot_rows_keep_their_order():
    assert funnel_plot([("functions in", 5), ("passing", 2)]) == [
        {"step": "1. functions in", "count": 5},
        {"step": "2. passing", "count": 2},
    ]

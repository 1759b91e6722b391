"""LintSeq edit sequences: properties over real programs in every mode (every function the embedded extraction
keeps, with pyflakes; a fixed sample with pylint), the decoder, bad input, and the stage's independence from
worker count."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sequence_properties
from sequence_properties import ENCODE_SETTINGS, check_sequence

from stages.common import CommonParams
from stages.editseq import (
    DIFF_TOKEN,
    INITIAL_ERRORS,
    apply_edits,
    backward_sample,
    edit_path,
    linter_for,
    state_lines,
    states,
    training_text,
)
from stages.editseq.linters import LinterCrash
from stages.editseq.task import encode
from stages.extract.dedup import DedupParams
from stages.extract.filters import FilterParams
from stages.extract.pipeline import extract
from stages.extract.sources import SourceParams, iter_source
from stages.lintseq import LintSeqParams, LintSeqSource, run
from stages.records import Funnel, Source, new_row, read_rows, write_rows
from stages.stage import Context


@pytest.fixture(scope="module")
def stdlib_functions() -> list[str]:
    """Every function the embedded default's extraction keeps (~300 from the running Python's stdlib)."""
    rows = extract(iter_source(SourceParams()), FilterParams(), DedupParams(), Funnel("f"), Funnel("g"))
    programs = [row["code"] for row in rows]
    assert len(programs) > 200
    return programs


@pytest.fixture(scope="module")
def stdlib_as_written() -> list[str]:
    return list(sequence_properties.stdlib_as_written())


def _sample(linter_name: str, extracted: list[str], written: list[str], every: int) -> list[str]:
    """Real programs for a mode: pylint lints in ~20 ms, so it gets a sparser sample of short ones. Every
    function that declares `nonlocal` is in pyflakes' sample."""
    if linter_name == "pylint":
        return [*extracted[:: every * 6], *[p for p in written[:: every * 16] if p.count("\n") < 40]]
    return [*extracted, *[p for i, p in enumerate(written) if i % every == 0 or "nonlocal" in p]]


@pytest.mark.parametrize("initial_errors", INITIAL_ERRORS)
@pytest.mark.parametrize("linter_name", ["pyflakes", "pylint"])
def test_every_state_of_real_programs_compiles_and_adds_no_message(
    stdlib_functions, stdlib_as_written, linter_name, initial_errors
):
    for program in _sample(linter_name, stdlib_functions, stdlib_as_written, every=20):
        check_sequence(program, linter_name, seed=1, initial_errors=initial_errors)


@pytest.mark.slow
@pytest.mark.parametrize("initial_errors", INITIAL_ERRORS)
@pytest.mark.parametrize("linter_name", ["pyflakes", "pylint"])
def test_every_state_of_more_real_programs_compiles_and_adds_no_message(
    stdlib_functions, stdlib_as_written, linter_name, initial_errors
):
    for program in _sample(linter_name, stdlib_functions, stdlib_as_written, every=1):
        for seed in range(2):
            check_sequence(program, linter_name, seed, initial_errors=initial_errors)


ORIGINAL_ERROR = "def f(x):\n    y = x + 1\n    z = undefined_name + y\n    return y\n"


@pytest.mark.parametrize("linter_name", ["pyflakes", "pylint"])
def test_ignore_mode_subtracts_the_originals_messages_not_its_lines(linter_name):
    # Deleting `y = x + 1` leaves `z = undefined_name + y` a new error (undefined y) on a line that had one.
    new_error = "def f(x):\n    z = undefined_name + y"
    for seed in range(20):
        sampled = backward_sample(
            ORIGINAL_ERROR, linter_for(linter_name), random.Random(seed), initial_errors="ignore"
        )
        assert new_error not in states(ORIGINAL_ERROR, sampled.deletions), seed
    for seed in range(20):
        check_sequence(ORIGINAL_ERROR, linter_name, seed, initial_errors="ignore")
        check_sequence(ORIGINAL_ERROR, linter_name, seed, initial_errors="delete")


def test_the_format_is_the_references():
    program = "import math\n\ndef f(x):\n    y = math.sqrt(x)\n    return y\n"
    sampled = backward_sample(program, linter_for("pyflakes"), random.Random(3))
    edits = edit_path(program.split("\n"), state_lines(program, sampled.deletions))
    text = training_text("Compute a root.", edits)
    assert text.startswith(f"Compute a root.\n{DIFF_TOKEN}\n@@ -0,0 +1")
    assert text.endswith(f"\n{DIFF_TOKEN}\n{DIFF_TOKEN}")
    assert text.count(DIFF_TOKEN) == len(edits) + 2


def test_the_decoder_skips_and_counts_malformed_hunks():
    good = "@@ -0,0 +1,2 @@\n+def f():\n+    return 1"
    sep = f"\n{DIFF_TOKEN}\n"
    text = f"x{sep}{good}{sep}@@ nonsense @@\n+junk{sep}@@ -1 +1 @@\n-gone\n+new"
    decoded = apply_edits(text)
    assert decoded.program == "def f():\n    return 1" and decoded.malformed == 2


SETTINGS = {**ENCODE_SETTINGS, "max_lines": 50}


class CrashingLinter:
    name = "crash"

    def error_lines(self, source: str) -> set[int]:
        raise LinterCrash("boom")


@pytest.mark.parametrize(
    "program,reason",
    [
        ("def f(:\n    return 1\n", "syntax_error"),
        ("# only a comment\n\n# and another\n", "no_candidate_line"),
        ("x = '\udcff'\n", "not_utf8"),
        ("x = 1\n" * 60, "too_long"),
        ("def outer():\n    nonlocal count\n", "syntax_error"),
    ],
)
def test_bad_programs_are_named_drops(program, reason):
    assert encode({"id": "r", "program": program, "instruction": ""}, SETTINGS) == {"drop": reason}


def test_a_linter_crash_is_a_named_drop(monkeypatch):
    monkeypatch.setattr("stages.editseq.task.linter_for", lambda name: CrashingLinter())
    item = {"id": "r", "program": "def f(x):\n    return x\n", "instruction": ""}
    assert encode(item, SETTINGS) == {"drop": "linter_crash"}


def test_a_field_that_is_not_text_is_a_named_drop(tmp_path):
    src = Source(dataset="d", path="m.py")
    good = "def f(x):\n    return x + 1\n"
    texts = [
        new_row({"instruction": "kept", "output": good}, stage="s", source=src),
        new_row({"instruction": "null program", "output": None}, stage="s", source=src),
        new_row({"instruction": None, "output": good}, stage="s", source=src),
    ]
    # A binary column (a row id is a hash of JSON, which bytes are not: the bytes go in after).
    blobs = [new_row({"instruction": n, "blob": n}, stage="s", source=src) for n in ("utf-8", "utf-16")]
    blobs[0]["blob"], blobs[1]["blob"] = good.encode(), good.encode("utf-16")
    write_rows(tmp_path / "texts", texts)
    write_rows(tmp_path / "blobs", blobs)
    out = tmp_path / "out"
    params = LintSeqParams(
        sources=(
            LintSeqSource(rows=str(tmp_path / "texts")),
            LintSeqSource(rows=str(tmp_path / "blobs"), program="blob"),
        ),
        s=2,
        out_dir=str(out),
        funnel=str(out / "funnel.json"),
        plot=str(out / "plot.json"),
    )
    funnel = run(params, Context(common=CommonParams(cache_dir=str(tmp_path / "cache"), workers=1)))
    assert (funnel.rows_in, funnel.rows_out) == (5, 2)
    assert dict(funnel.dropped) == {"no_program": 1, "no_instruction": 1, "not_utf8": 1}
    written = list(read_rows(out))
    assert {(r["instruction"], r["program"]) for r in written} == {("kept", good), ("utf-8", good)}


def test_the_stage_writes_the_same_bytes_with_one_and_two_workers(tmp_path, stdlib_functions):
    src = Source(dataset="stdlib", path="m.py")
    rows = [
        new_row({"instruction": f"task {i}", "output": p}, stage="s", source=src)
        for i, p in enumerate(stdlib_functions[:30])
    ]
    rows.append(new_row({"instruction": "broken", "output": "def f(:\n"}, stage="s", source=src))
    write_rows(tmp_path / "pairs", rows)
    outputs = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        params = LintSeqParams(
            sources=(LintSeqSource(rows=str(tmp_path / "pairs")),),
            s=2,
            out_dir=str(out),
            funnel=str(out / "funnel.json"),
            plot=str(out / "plot.json"),
        )
        common = CommonParams(cache_dir=str(tmp_path / f"cache{workers}"), workers=workers)
        funnel = run(params, Context(common=common))
        assert (funnel.rows_in, funnel.rows_out, dict(funnel.dropped)) == (31, 30, {"syntax_error": 1})
        outputs.append(sorted((p.name, p.read_bytes()) for p in Path(out).glob("*.parquet")))
        written = list(read_rows(out))
        assert len(written) == 60 and {r["lineage"]["parent_id"] for r in written} == {
            r["id"] for r in rows[:30]
        }
    assert outputs[0] == outputs[1]

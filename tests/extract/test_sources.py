"""Sources: bad files are skipped and counted by reason; The Stack's schema streams through `datasets`."""

import gzip
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stages.extract import sources
from stages.extract.dedup import DedupParams
from stages.extract.filters import LICENSE_NOT_ALLOWED, FilterParams
from stages.extract.pipeline import UNPARSEABLE, extract
from stages.extract.sources import (
    FilesSource,
    HubSource,
    LocalSource,
    Shard,
    SourceError,
    SourceParams,
    iter_source,
    local_files,
)
from stages.records import Funnel
from stages.records.io import RecordError

GOOD = '''\
import re


def split_words(text):
    """Split text into lower-case words."""
    words = re.findall(r"[a-z]+", text.lower())
    return words
'''

OTHER = '''\
def total(values):
    """Sum of the positive values."""
    result = 0
    for v in values:
        if v > 0:
            result += v
    return result
'''


FILTERS, DEDUP = FilterParams(), DedupParams()


def run(params: SourceParams, filters=FILTERS, dedup=DEDUP):
    functions, files = Funnel("f"), Funnel("f.files")
    rows = list(extract(iter_source(params), filters, dedup, functions, files))
    return rows, functions, files


def test_bad_local_files_are_skipped_and_counted_by_reason(tmp_path):
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "latin1.py").write_bytes('def f(x):\n    """Caf\xe9."""\n    return x\n'.encode("latin-1"))
    (tmp_path / "nul.py").write_bytes(b'def f(x):\n    """Doc."""\n    return x\0\n')
    (tmp_path / "huge.py").write_text("x = 1\n" * 200)
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing.py")
    (tmp_path / "notes.txt").write_text("not python")
    params = SourceParams(local=LocalSource(paths=(str(tmp_path),)), max_file_bytes=1000)
    rows, functions, files = run(params)
    assert [r["name"] for r in rows] == ["split_words"]
    assert files.rows_in == 6 and files.rows_out == 1
    assert dict(files.dropped) == {
        "not_utf8": 1,
        "null_byte": 1,
        "too_large": 1,
        UNPARSEABLE: 1,
        "unreadable": 1,
    }
    assert files.examples["not_utf8"] == "latin1.py"
    source = rows[0]["lineage"]["source"]
    assert source["dataset"] == "local" and source["path"] == "good.py" and len(source["sha"]) == 64
    assert functions.rows_in == functions.rows_out == 1


def test_local_globs_and_excludes(tmp_path):
    (tmp_path / "pkg" / "tests").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_text(GOOD)
    (tmp_path / "pkg" / "tests" / "test_a.py").write_text(OTHER)
    found = [rel for _, rel in local_files(LocalSource(paths=(str(tmp_path / "pkg"),)))]
    assert found == ["a.py"]
    found = [rel for _, rel in local_files(LocalSource(paths=(str(tmp_path / "**" / "*.py"),), exclude=()))]
    assert found == ["pkg/a.py", "pkg/tests/test_a.py"]
    with pytest.raises(SourceError, match="does not exist"):
        local_files(LocalSource(paths=(str(tmp_path / "nope"),)))


def test_default_local_source_is_the_running_stdlib_without_site_packages():
    files = local_files(LocalSource())
    rels = {rel for _, rel in files}
    assert "json/decoder.py" in rels and "textwrap.py" in rels
    assert not any(rel.startswith(("site-packages/", "test/")) for rel in rels)


def test_files_source_reads_jsonl_and_counts_records_of_the_wrong_shape(tmp_path):
    path = tmp_path / "docs.jsonl.gz"
    records = [
        {
            "content": GOOD,
            "max_stars_repo_name": "a/b",
            "max_stars_repo_path": "w.py",
            "max_stars_repo_licenses": ["MIT"],
        },
        {"text": "no content column"},
        {
            "content": OTHER,
            "max_stars_repo_name": "c/d",
            "max_stars_repo_path": "t.py",
            "max_stars_repo_licenses": ["GPL-3.0"],
        },
    ]
    lines = [json.dumps(r) for r in records]
    lines.insert(1, '["a record of the wrong shape"]')
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(lines) + "\n")
    params = SourceParams(kind="files", files=FilesSource(paths=(str(path),)))
    rows, functions, files = run(params, FilterParams(licenses=("mit",)))
    assert [r["name"] for r in rows] == ["split_words"]
    assert dict(files.dropped) == {"bad_record": 1, "no_content": 1}
    assert files.examples["bad_record"] == "docs.jsonl.gz:2"
    assert dict(functions.dropped) == {LICENSE_NOT_ALLOWED: 1}
    assert rows[0]["lineage"]["source"]["repo"] == "a/b"
    assert rows[0]["lineage"]["source"]["license"] == "MIT"


def test_files_source_fails_on_a_line_that_is_not_json_naming_file_and_line(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"content": GOOD}) + "\n\n{not json\n")
    with pytest.raises(RecordError, match=r"docs.jsonl:3: not valid JSON"):
        run(SourceParams(kind="files", files=FilesSource(paths=(str(path),))))
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(gzip.compress((json.dumps({"content": GOOD}) + "\n").encode() * 50)[:-20])
    with pytest.raises(RecordError, match=r"cut.jsonl.gz:\d+: corrupt or truncated gzip"):
        run(SourceParams(kind="files", files=FilesSource(paths=(str(truncated),))))


def stack_parquet(path, contents):
    """A Parquet file with the-stack-dedup's schema."""
    n = len(contents)
    table = pa.table(
        {
            "hexsha": [f"{i:040x}" for i in range(n)],
            "size": [len(c) for c in contents],
            "ext": ["py"] * n,
            "lang": ["Python"] * n,
            "max_stars_repo_path": [f"src/m{i}.py" for i in range(n)],
            "max_stars_repo_name": [f"owner/repo{i}" for i in range(n)],
            "max_stars_repo_head_hexsha": ["0" * 40] * n,
            "max_stars_repo_licenses": [["MIT"], ["Apache-2.0", "BSD-3-Clause"], ["GPL-2.0"]][:n],
            "max_stars_count": [1] * n,
            "content": contents,
            "avg_line_length": [10.0] * n,
            "max_line_length": [40] * n,
            "alphanum_fraction": [0.5] * n,
        }
    )
    pq.write_table(table, path)


def test_hf_source_streams_the_stack_schema_through_datasets(tmp_path):
    stack_parquet(tmp_path / "data-00000.parquet", [GOOD, OTHER, GOOD.replace("split_words", "gpl_words")])
    params = SourceParams(kind="hf", hf=HubSource(data_files=(str(tmp_path / "*.parquet"),)))
    rows, functions, files = run(params, FilterParams(licenses=("MIT", "Apache-2.0")))
    assert [r["name"] for r in rows] == ["split_words", "total"]
    assert files.rows_in == 3
    assert dict(functions.dropped) == {LICENSE_NOT_ALLOWED: 1}
    source = rows[1]["lineage"]["source"]
    assert source == {
        "dataset": "bigcode/the-stack-dedup",
        "repo": "owner/repo1",
        "path": "src/m1.py",
        "license": "Apache-2.0,BSD-3-Clause",
        "sha": f"{1:040x}",
    }
    limited = SourceParams(
        kind="hf", hf=HubSource(data_files=(str(tmp_path / "*.parquet"),)), max_documents=1
    )
    assert len(run(limited)[0]) == 1


def test_hub_without_a_token_says_so_in_one_sentence(monkeypatch, tmp_path):
    for name in sources.TOKEN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # no stored login either
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(SourceError) as info:
        list(iter_source(SourceParams(kind="hf")))
    message = str(info.value)
    assert "gated" in message and "HF_TOKEN" in message and message.count(". ") == 0


def test_files_source_needs_paths():
    from stages.params import ParamsError

    with pytest.raises(ParamsError, match="files.paths is empty"):
        SourceParams(kind="files")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_by_permission(tmp_path):
    path = tmp_path / "secret.py"
    path.write_text(GOOD)
    path.chmod(0)
    _, _, files = run(SourceParams(local=LocalSource(paths=(str(tmp_path),))))
    assert dict(files.dropped) == {"unreadable": 1}


def _idents(params: SourceParams, shard: Shard | None = None) -> list[str]:
    return [item.ident for item in iter_source(params, shard or Shard())]


def test_shards_split_every_source_into_disjoint_parts_that_cover_it(tmp_path):
    # 600 Parquet rows are 3 record batches of 256 (the unit a task takes), then 5 JSONL records; 4 .py files.
    contents = [OTHER.replace("total", f"total{i}") for i in range(600)]
    pq.write_table(
        pa.table({"hexsha": [f"{i:040x}" for i in range(600)], "content": contents}), tmp_path / "a.parquet"
    )
    (tmp_path / "b.jsonl").write_text("".join(json.dumps({"content": GOOD}) + "\n" for _ in range(5)))
    for i in range(4):
        (tmp_path / f"m{i}.py").write_text(GOOD)
    hub = HubSource(data_files=(str(tmp_path / "a.parquet"),))
    for params in (
        SourceParams(
            kind="files", files=FilesSource(paths=(str(tmp_path / "a.parquet"), str(tmp_path / "b.jsonl")))
        ),
        SourceParams(kind="local", local=LocalSource(paths=(str(tmp_path),))),
        SourceParams(kind="hf", hf=hub),
        SourceParams(
            kind="files", files=FilesSource(paths=(str(tmp_path / "a.parquet"),)), max_documents=300
        ),
    ):
        whole = _idents(params)
        parts = [_idents(params, Shard(rank, 2)) for rank in range(2)]
        assert all(parts), params.kind
        assert len(parts[0]) + len(parts[1]) == len(whole), params.kind
        if params.kind != "hf":  # the hub names a record by its place in the task's stream
            assert sorted(parts[0] + parts[1]) == sorted(whole)
    files = SourceParams(kind="files", files=FilesSource(paths=(str(tmp_path / "a.parquet"),)))
    assert len(_idents(files, Shard(0, 2))) == 256 + 88  # batches 0 and 2 of the file, batch 1 is task 1's

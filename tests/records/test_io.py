"""The one JSONL reader and the one atomic directory writer."""

import gzip

import pytest

from stages.records.io import RecordError, atomic_dir, read_jsonl, read_jsonl_lines


def test_read_jsonl_skips_blank_lines_and_reads_gzip(tmp_path):
    plain = tmp_path / "a.jsonl"
    plain.write_text('{"a": 1}\n\n   \n[2]\n"three"\n')
    assert list(read_jsonl(plain)) == [{"a": 1}, [2], "three"]
    assert [n for n, _ in read_jsonl_lines(plain)] == [1, 4, 5]
    packed = tmp_path / "a.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert list(read_jsonl(packed)) == [{"a": 1}, [2], "three"]


def test_a_bad_line_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n\n{"a": \n')
    with pytest.raises(RecordError, match=r"bad\.jsonl:3: not valid JSON") as info:
        list(read_jsonl(path))
    assert isinstance(info.value, ValueError)
    path.write_bytes(b'{"a": 1}\n{"b": "caf\xe9"}\n')
    with pytest.raises(RecordError, match=r"bad\.jsonl:2: not UTF-8"):
        list(read_jsonl(path))
    path.write_text("[" * 100_000 + "\n")
    with pytest.raises(RecordError, match=r"bad\.jsonl:1: "):
        list(read_jsonl(path))


def test_a_byte_order_mark_is_not_an_error(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n')
    assert list(read_jsonl(path)) == [{"a": 1}]


def test_a_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n' * 1000)[:-30])
    with pytest.raises(RecordError, match=r"cut\.jsonl\.gz:\d+: corrupt or truncated gzip"):
        list(read_jsonl(path))


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(read_jsonl(tmp_path / "missing.jsonl"))


def test_atomic_dir_swaps_the_new_dir_in_and_leaves_nothing_beside_it(tmp_path):
    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        (tmp / "a.txt").write_text("first")
    with atomic_dir(target) as tmp:
        (tmp / "b.txt").write_text("second")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_dir_leaves_the_old_dir_intact_when_writing_fails(tmp_path):
    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("old")
    with pytest.raises(RuntimeError, match="writer failed"), atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("half")
        raise RuntimeError("writer failed")
    assert (target / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_dir_creates_missing_parents(tmp_path):
    target = tmp_path / "deep" / "er" / "out"
    with atomic_dir(target) as tmp:
        (tmp / "x").write_text("x")
    assert (target / "x").read_text() == "x"


def test_atomic_dir_puts_the_old_dir_back_when_the_swap_fails(tmp_path, monkeypatch):
    import os

    from stages.records import io

    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("old")
    real_rename = os.rename

    def rename(src, dst):
        if ".tmp-" in str(src):
            raise OSError("disk gone")
        return real_rename(src, dst)

    monkeypatch.setattr(io.os, "rename", rename)
    with pytest.raises(OSError, match="disk gone"), atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("new")
    assert (target / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

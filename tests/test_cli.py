import json
from pathlib import Path

import pytest
import yaml

from stages.__main__ import main
from stages.params import ParamsError
from stages.presets import apply_preset
from stages.records import Funnel, Source, child_row, new_row, write_rows


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_funnel_and_lineage_commands(workdir, capsys):
    src = Source(dataset="stdlib", path="textwrap.py")
    root = new_row({"code": "def f(x): return x"}, stage="extract_functions", source=src)
    leaf = child_row(root, {"tests": "assert f(1) == 1"}, stage="generate_tests")
    write_rows("data/functions", [root])
    write_rows("data/tested", [leaf])
    funnel = Funnel("extract_functions")
    funnel.seen(3)
    funnel.kept(1)
    funnel.drop("no_return", root["id"], n=2)
    funnel.write("reports/funnel/extract_functions.json")

    assert main(["funnel"]) == 0
    out = capsys.readouterr().out
    assert "extract_functions: 3 in -> 1 out" in out and f"no_return: 2  (e.g. {root['id']})" in out

    assert main(["lineage", leaf["id"]]) == 0
    out = capsys.readouterr().out
    assert out.index(leaf["id"]) < out.index(root["id"]) and "path=textwrap.py" in out
    assert main(["lineage", "missing"]) == 1

    assert main(["show", "data/tested"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == leaf["id"]
    write_rows("data/empty", [])
    assert main(["show", "data/empty"]) == 0
    assert capsys.readouterr().err == "data/empty: no rows\n"


def test_preset_merges_validated_keys_and_keeps_comments(workdir):
    (workdir / "params.yaml").write_text("# top comment\ncommon:\n  seed: 0  # the seed\n  workers: 0\n")
    (workdir / "p.yaml").write_text("common:\n  seed: 7\n")
    assert apply_preset("p.yaml") == ["common.seed"]
    text = (workdir / "params.yaml").read_text()
    assert "# top comment" in text and "# the seed" in text
    assert yaml.safe_load(text)["common"] == {"seed": 7, "workers": 0}


def test_preset_with_a_typo_changes_nothing(workdir, capsys):
    original = "common:\n  seed: 0\n"
    (workdir / "params.yaml").write_text(original)
    (workdir / "bad.yaml").write_text("common:\n  sed: 7\n")
    with pytest.raises(ParamsError, match="unknown key\\(s\\) 'sed'"):
        apply_preset("bad.yaml")
    assert main(["preset", "bad.yaml"]) == 1
    assert (workdir / "params.yaml").read_text() == original
    assert sorted(p.name for p in workdir.iterdir()) == ["bad.yaml", "params.yaml"]


def test_params_command_prints_every_committed_section(capsys, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    assert main(["params"]) == 0
    resolved = json.loads(capsys.readouterr().out)
    assert resolved["llm"]["vllm"]["env"] == {} and resolved["translate"]["languages"]

"""The README stays true: its params table matches the dataclasses, its commands are what CI runs."""

from pathlib import Path

from stages.params_doc import BEGIN, END, render

ROOT = Path(__file__).resolve().parents[1]


def test_params_table_matches_the_dataclasses():
    text = (ROOT / "README.md").read_text()
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table == render().strip(), (
        "README params table is stale: python -m stages.params_doc --write README.md"
    )


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / "README.md").read_text()
    ci = [
        line
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert ci == ["make test"]

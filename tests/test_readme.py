"""The README stays true: its params table matches the dataclasses, its commands are what CI runs."""

from pathlib import Path

from stages.params_doc import BEGIN, END, render

ROOT = Path(__file__).resolve().parents[1]


def test_params_table_matches_the_dataclasses():
    text = (ROOT / "README.md").read_text()
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table == render().strip(), "README params table is stale: .venv/bin/python -m stages.readme"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / "README.md").read_text()
    ci = [
        line
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert ci == ["make test"]


def test_every_readme_command_names_its_interpreter():
    """A new shell has no environment activated: the README's commands call tools as .venv/bin/X (or make/git),
    never a bare `python`, `dvc` or `polyforge` that would resolve to whatever is on PATH."""
    import re

    text = (ROOT / "README.md").read_text()
    bare = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = line.split("  #", 1)[0].strip()
            for part in filter(None, (p.strip() for p in re.split(r"&&|\|\||;", command))):
                word = part.split()[0]
                if word not in ("make", "git", "source") and not word.startswith(".venv/bin/"):
                    bare.append(part)
    assert bare == [], f"README commands that depend on PATH: {bare}"


def test_readme_lists_the_files_a_new_language_needs():
    """The README's "Languages" section lists the files a language needs; each registered language has them."""
    import re

    from stages.languages import REGISTRY, get, names

    section = (ROOT / "README.md").read_text().split("\n## Languages\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^- `([^`]+)`", section.split("Adding a language", 1)[1], re.MULTILINE)
    assert listed == ["stages/languages/NAME.py", "tests/languages/fixtures/NAME/", "scripts/setup.sh"]
    setup = (ROOT / "scripts/setup.sh").read_text()
    for name in names():
        module = REGISTRY.targets[name].split(":", 1)[0]
        assert module.replace(".", "/") + ".py" == listed[0].replace("NAME", name), f"{name}: module {module}"
        assert (ROOT / listed[1].replace("NAME", name)).is_dir(), (
            f"{name}: no {listed[1].replace('NAME', name)}"
        )
        assert all(package in setup for package in get(name).debian_packages), (
            f"{name}: packages not in setup.sh"
        )

"""Every stage follows the one pattern (stages/stage.py), and the graph, the params and the imports agree:

- each dvc.yaml stage is one entry of stages/catalog.py's list, a module with `run`, whose params section names
  every path the stage reads (its data deps in dvc.yaml) and writes (its outs, metrics and plots in dvc.yaml);
- its `stages/` deps in dvc.yaml cover its import closure (stages/code_deps.py) and name nothing outside it;
- libraries never import stage modules, and no module imports itself through others (no import cycle).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

from stages import code_deps
from stages.catalog import BY_NAME, STAGES, section_class
from stages.params import build, read_yaml

ROOT = Path(__file__).resolve().parents[1]
GRAPH = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
PARAMS = read_yaml(ROOT / "params.yaml")


def stage_module(stage: dict) -> str:
    match = re.fullmatch(r"scripts/stage (\w+)(?: .*)?", stage["cmd"])
    assert match, f"{stage['cmd']!r}: a stage command is `scripts/stage MODULE [ARG]`"
    return match.group(1)


def paths(entries: list) -> set[str]:
    """dvc.yaml path entries (strings, or one-key mappings with options) as paths."""
    return {e if isinstance(e, str) else next(iter(e)) for e in entries or []}


def interpolate(stage: dict) -> dict:
    """`${section.key}` references to params.yaml (what DVC interpolates) replaced by their values."""

    def value(match: re.Match) -> str:
        found = PARAMS
        for part in match.group(1).split("."):
            found = found[part]
        return str(found)

    return yaml.safe_load(re.sub(r"\$\{([\w.]+)\}", value, yaml.safe_dump(stage)))


def instances() -> list[tuple[str, dict, list[str]]]:
    """(name, stage with ${item.X} substituted, extra run arguments) for every stage the graph expands to."""
    out = []
    for name, stage in GRAPH.items():
        if "foreach" in stage:  # foreach over a mapping of params: ${key} is each name
            section, _, rest = stage["foreach"].strip("${}").partition(".")
            names = PARAMS[section]
            for part in rest.split(".") if rest else []:
                names = names[part]
            for key in names:
                text = yaml.safe_dump(stage["do"]).replace("${key}", key)
                for field, value in (names[key] or {}).items():
                    if isinstance(value, str):
                        text = text.replace(f"${{item.{field}}}", value)
                out.append((f"{name}@{key}", interpolate(yaml.safe_load(text)), [key]))
            continue
        if "matrix" not in stage:
            out.append((name, interpolate(stage), []))
            continue
        ((key, values),) = stage["matrix"].items()
        section, _, field = values.strip("${}").partition(".")
        for value in PARAMS[section][field]:
            text = yaml.safe_dump(stage).replace(f"${{item.{key}}}", value)
            out.append((f"{name}@{value}", interpolate(yaml.safe_load(text)), [value]))
    return out


@pytest.mark.parametrize("name,stage,args", instances(), ids=[i[0] for i in instances()])
def test_dvc_yaml_and_the_stage_params_name_the_same_paths(name, stage, args):
    facts = BY_NAME[stage_module(stage)]
    module = importlib.import_module(f"stages.{facts.name}")
    assert callable(module.run), f"{name}: a stage module has run()"
    assert facts.run == f"stages.{facts.name}:run" and name.partition("@")[0] == facts.name
    assert bool(args) == bool(facts.argument), f"{name}: a NAME@KEY stage takes its key as its argument"
    section = facts.section
    params = build(section_class(section), PARAMS[section], section)
    if facts.view:  # stages sharing a section each read it through their own view
        params = getattr(params, facts.view)()
    data_deps = {d for d in paths(stage.get("deps")) if not d.startswith(("stages/", "scripts/"))}
    outs = paths(stage.get("outs")) | paths(stage.get("metrics")) | paths(stage.get("plots"))
    assert set(params.reads(*args)) == data_deps, f"{name}: dvc.yaml deps vs {section}.reads()"
    assert set(params.writes(*args)) == outs, f"{name}: dvc.yaml outs vs {section}.writes()"


def module_imports() -> dict[str, set[str]]:
    """Every module under stages/ -> the stages modules it imports at run time (at any depth of its code,
    registry strings included), leaving out the packages above it (importing a package's submodule runs the
    package's `__init__`, which may import that submodule: that is not a cycle)."""
    return {
        name: {m for m in imports if not name.startswith(f"{m}.")}
        for name, imports in code_deps.import_graph(ROOT).items()
    }


def test_the_graph_runs_every_stage_of_the_list_and_only_those():
    graph = [stage_module(s.get("do", s)) for s in GRAPH.values()]
    assert sorted(graph) == sorted(s.name for s in STAGES), "dvc.yaml stages vs stages/catalog.py STAGES"
    assert list(GRAPH) == graph, "a dvc.yaml stage is named after the module it runs"


def test_the_readme_stage_table_lists_the_stages_in_order():
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| stage | reads | writes | what it does |") :].split("\n\n")[0]
    rows = [re.match(r"\| `([\w@A-Z]+)`", line) for line in table.splitlines()[2:]]
    names = [m.group(1) for m in rows if m]
    assert [n.partition("@")[0] for n in names] == [s.name for s in STAGES], "README stage table vs STAGES"
    for row, stage in zip(names, STAGES, strict=True):
        assert ("@" in row) == bool(stage.argument), f"README: {row} vs the stage's argument {stage.argument}"


@pytest.mark.parametrize("name", list(GRAPH))
def test_dvc_yaml_code_deps_cover_the_stage_import_closure(name):
    stage = GRAPH[name].get("do", GRAPH[name])
    deps = [d for d in paths(stage.get("deps")) if d.startswith("stages/")]
    missing, extra = code_deps.coverage(deps, code_deps.closure(f"stages.{stage_module(stage)}", root=ROOT))
    assert (missing, extra) == ([], []), (
        f"{name}: dvc.yaml code deps miss {missing} and name {extra} outside its import closure; "
        "refresh them: .venv/bin/python -m stages.code_deps"
    )


def test_libraries_never_import_stage_modules():
    stage_modules = {f"stages.{stage_module(s.get('do', s))}" for s in GRAPH.values()}
    graph = module_imports()
    wrong = {
        (module, imported)
        for module, imports in graph.items()
        if module not in stage_modules and module not in ("stages.__main__", "stages.catalog")
        for imported in imports & stage_modules
    }
    assert wrong == set(), f"library -> stage module imports: {sorted(wrong)}"


def test_no_import_cycle():
    graph = module_imports()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycles.append(path[path.index(imported) :] + [imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == [], "import cycles (registry strings and lazy imports count): " + "; ".join(
        " -> ".join(c) for c in cycles
    )

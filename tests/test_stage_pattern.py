"""Every stage follows the one pattern (stages/stage.py), and the graph, the params and the imports agree:

- each dvc.yaml stage runs a module with `run` and `main`, whose params section names every path the stage
  reads (its data deps in dvc.yaml) and writes (its outs, metrics and plots in dvc.yaml);
- libraries never import stage modules, and no two modules import each other.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
import yaml

from stages.params import build, read_yaml, section_class

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
                out.append((f"{name}@{key}", yaml.safe_load(text), [key]))
            continue
        if "matrix" not in stage:
            out.append((name, stage, []))
            continue
        ((key, values),) = stage["matrix"].items()
        section, _, field = values.strip("${}").partition(".")
        for value in PARAMS[section][field]:
            text = yaml.safe_dump(stage).replace(f"${{item.{key}}}", value)
            out.append((f"{name}@{value}", yaml.safe_load(text), [value]))
    return out


@pytest.mark.parametrize("name,stage,args", instances(), ids=[i[0] for i in instances()])
def test_dvc_yaml_and_the_stage_params_name_the_same_paths(name, stage, args):
    module = importlib.import_module(f"stages.{stage_module(stage)}")
    assert callable(module.run) and callable(module.main), f"{name}: a stage module has run() and main()"
    section = module.main.section
    params = build(section_class(section), PARAMS[section], section)
    if getattr(module.main, "view", None):  # stages sharing a section each read it through their own view
        params = getattr(params, module.main.view)()
    data_deps = {d for d in paths(stage.get("deps")) if not d.startswith(("stages/", "scripts/"))}
    outs = paths(stage.get("outs")) | paths(stage.get("metrics")) | paths(stage.get("plots"))
    assert set(params.reads(*args)) == data_deps, f"{name}: dvc.yaml deps vs {section}.reads()"
    assert set(params.writes(*args)) == outs, f"{name}: dvc.yaml outs vs {section}.writes()"


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of `tree` except those under `if TYPE_CHECKING:` (imports for annotations only: no runtime
    edge, so no circle)."""
    out: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


def module_imports() -> dict[str, set[str]]:
    """Every module under stages/ -> the stages modules it imports at run time (at any depth of its code)."""
    modules = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
        for p in (ROOT / "stages").rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in runtime_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("stages")}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("stages"):
                for alias in node.names:
                    child = f"{node.module}.{alias.name}"
                    found.add(child if child in modules else node.module)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_libraries_never_import_stage_modules():
    stage_modules = {f"stages.{stage_module(s.get('do', s))}" for s in GRAPH.values()}
    graph = module_imports()
    wrong = {
        (module, imported)
        for module, imports in graph.items()
        if module not in stage_modules and module != "stages.__main__"
        for imported in imports & stage_modules
    }
    assert wrong == set(), f"library -> stage module imports: {sorted(wrong)}"


def test_no_two_modules_import_each_other():
    graph = module_imports()
    # a package's __init__ re-exporting its own submodules is not a circle
    circles = {
        tuple(sorted((a, b)))
        for a, imports in graph.items()
        for b in imports
        if a in graph.get(b, set()) and not (a.startswith(f"{b}.") or b.startswith(f"{a}."))
    }
    assert circles == set(), f"modules that import each other: {sorted(circles)}"

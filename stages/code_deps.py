"""What code a module runs: the static import closure of a module inside `stages/`.

One source for a stage's code deps: `tests/test_stage_pattern.py` checks that dvc.yaml's `stages/` deps cover
each stage's closure (and name nothing outside it), and `stages.common.code_version` hashes the same closure, so
a result cache's key changes exactly when code that made the result changes.

An edge is every import that can run: top-level, inside a function (lazy), a registry string
("stages.llm.hf:HFBackend", imported on first use by stages/registry.py) and a string that is exactly a module's
name (run as `python -m stages.training.worker`); not one under `if TYPE_CHECKING:`.
Importing `stages.a.b` runs `stages/__init__.py` and `stages/a/__init__.py` too, so those are edges. A package's
data files (e.g. `stages/training/accelerate/*.yaml`) count with its `__init__.py`.

This module imports nothing of the project: `stages.common` uses it.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "stages"
# "module:attribute", the form of a registry target (stages/registry.py), or a module's name alone
MODULE_STRING = re.compile(r"(stages(?:\.\w+)*)(?::\w+)?")


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module under root/stages, by dotted name (a package by its `__init__.py`)."""
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        out[".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")] = path
    return out


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of `tree` except those under `if TYPE_CHECKING:` (imports for annotations only)."""
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


def _with_parents(name: str, modules: dict[str, Path]) -> set[str]:
    """`name` and every package above it (importing a module runs their `__init__`)."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & set(modules)


def imports(name: str, modules: dict[str, Path]) -> set[str]:
    """The project modules that module `name` can import at run time, directly."""
    path = modules[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package `level - 1` steps above this one
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = MODULE_STRING.fullmatch(node.value)
            if match and match.group(1) in modules:
                found.add(match.group(1))
    edges: set[str] = set()
    for target in found:
        if target.split(".")[0] == PACKAGE:
            edges |= _with_parents(target, modules)
    return edges - {name}


def import_graph(root: Path = ROOT) -> dict[str, frozenset[str]]:
    """Every module under root/stages -> the project modules it imports directly (at run time). Parsed again
    only when a file under root/stages was added, removed or changed."""
    modules = module_files(root)
    stamp = tuple((name, path.stat().st_mtime_ns, path.stat().st_size) for name, path in modules.items())
    return _graph(root, stamp)


@functools.lru_cache(maxsize=8)
def _graph(root: Path, stamp: tuple) -> dict[str, frozenset[str]]:
    modules = module_files(root)
    return {name: frozenset(imports(name, modules)) for name in modules}


def closure_modules(*names: str, root: Path = ROOT) -> set[str]:
    """The modules `names` (and their packages) run, transitively."""
    graph = import_graph(root)
    modules = module_files(root)
    todo = set().union(*(_with_parents(n, modules) for n in names))
    unknown = [n for n in names if n not in graph]
    if unknown:
        raise ModuleNotFoundError(f"no module {', '.join(unknown)} under {root / PACKAGE}")
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo |= graph[name] - seen
    return seen


def closure(*names: str, root: Path = ROOT) -> list[str]:
    """The files (relative to root, sorted) that modules `names` run: their modules' sources and the data files
    of the packages among them."""
    modules = module_files(root)
    files: set[Path] = set()
    for name in closure_modules(*names, root=root):
        path = modules[name]
        files.add(path)
        if path.name == "__init__.py":
            files |= _package_data(path.parent)
    return sorted(p.relative_to(root).as_posix() for p in files)


def _package_data(package: Path) -> set[Path]:
    """Files of a package that are not Python, outside its subpackages and caches."""
    out: set[Path] = set()
    for path in package.iterdir():
        if path.is_dir():
            if path.name != "__pycache__" and not (path / "__init__.py").exists():
                out |= {p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
        elif path.suffix not in (".py", ".pyc"):
            out.add(path)
    return out


def coverage(deps: list[str], files: list[str], root: Path = ROOT) -> tuple[list[str], list[str]]:
    """(missing, extra) of code deps `deps` (files or directories, relative to root) against closure `files`:
    the files no dep covers, and the deps that name something outside the closure (a directory is fine only
    when every file in it is in the closure)."""
    wanted = set(files)
    covered: set[str] = set()
    extra = []
    for dep in deps:
        path = root / dep
        if path.is_dir():
            inside = {
                p.relative_to(root).as_posix()
                for p in path.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            }
        else:
            inside = {dep}
        if not inside <= wanted:
            extra.append(dep)
        covered |= inside
    return sorted(wanted - covered), extra


def as_deps(files: list[str], root: Path = ROOT) -> list[str]:
    """The shortest dep list for closure `files`: a directory below `stages/` wherever every file in it is in
    the closure, else the files themselves."""
    wanted = set(files)
    out: set[str] = set()
    for name in files:
        path = Path(name)
        best = name
        for parent in path.parents:
            if len(parent.parts) < 2:  # never `stages/` itself: it holds every stage module
                break
            inside = {
                p.relative_to(root).as_posix()
                for p in (root / parent).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            }
            if inside <= wanted:
                best = parent.as_posix()
        out.add(best)
    return sorted(out)


STAGE_CMD = re.compile(r"\s*cmd: scripts/stage (\w+)\b")
LIST_ITEM = re.compile(r"(\s*)- (\S+)\s*$")


def refresh(dvc_yaml: str, root: Path = ROOT) -> str:
    """dvc.yaml's text with each stage's `stages/` deps replaced by its closure (`as_deps`), in place of the
    first one; every other line (data deps, comments, other keys) is kept as it is."""
    lines = dvc_yaml.splitlines(keepends=True)
    out: list[str] = []
    module = None
    in_deps = False
    written = False
    for i, line in enumerate(lines):
        if re.match(r"  \w[\w-]*:\s*$", line):  # a new stage
            module, in_deps = None, False
        cmd = STAGE_CMD.match(line)
        if cmd:
            module = cmd.group(1)
        if re.match(r"\s*deps:\s*$", line):
            in_deps, written = True, False
            if module is None:  # cmd after deps: look ahead within this stage
                for later in lines[i + 1 :]:
                    if re.match(r"  \w[\w-]*:\s*$", later):
                        break
                    if STAGE_CMD.match(later):
                        module = STAGE_CMD.match(later).group(1)  # type: ignore[union-attr]
                        break
            out.append(line)
            continue
        item = LIST_ITEM.match(line)
        if in_deps and item:
            if item.group(2).startswith(f"{PACKAGE}/"):
                if not written and module is not None:
                    files = closure(f"{PACKAGE}.{module}", root=root)
                    out.extend(f"{item.group(1)}- {dep}\n" for dep in as_deps(files, root))
                    written = True
                continue
        elif in_deps and line.strip() and not line.lstrip().startswith("#"):
            in_deps = False
        out.append(line)
    return "".join(out)


def main() -> None:
    """`python -m stages.code_deps`: rewrite dvc.yaml's `stages/` deps from the import closures."""
    path = ROOT / "dvc.yaml"
    text = path.read_text()
    new = refresh(text)
    if new != text:
        path.write_text(new)
    print(f"{path}: code deps {'refreshed' if new != text else 'already current'}")


if __name__ == "__main__":
    main()

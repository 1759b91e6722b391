"""Ordinary code with no benchmark copy in it: the false-drop corpora of the decontamination tests and
benchmarks/bench_decont.py (top-level functions of the stdlib and of packages installed in the venv)."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

# Pure-Python packages of the venv (dependencies of dvc, the test tools and the model stack), read as files.
PACKAGES = (
    "click",
    "jinja2",
    "idna",
    "attr",
    "dateutil",
    "funcy",
    "isort",
    "packaging",
    "dpath",
    "configobj",
)


def top_level_functions(path: Path) -> list[str]:
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return []
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            segment = ast.get_source_segment(source, node)
            if segment:
                found.append(segment)
    return found


def stdlib_functions() -> list[str]:
    """Every top-level function of the running Python's stdlib modules (one directory level)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return [f for path in sorted(stdlib.glob("*.py")) for f in top_level_functions(path)]


def package_functions(packages: tuple[str, ...] = PACKAGES) -> list[tuple[str, str]]:
    """(package, source) of every top-level function of `packages` in the running venv's site-packages."""
    site = Path(sysconfig.get_paths()["purelib"])
    found = []
    for package in packages:
        for path in sorted((site / package).rglob("*.py")):
            found.extend((package, f) for f in top_level_functions(path))
    return found

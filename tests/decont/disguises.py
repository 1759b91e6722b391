"""Benchmark copies in disguise, for the decontamination tests and benchmarks/bench_decont.py.

A HumanEval problem's program (prompt + canonical solution) as a contaminated row would carry it:
- exact: as is;
- renamed: every function, parameter and local the program binds gets a new name, in the code and as a whole
  word in its docstrings (a refactoring tool's rename), e.g. `strlen` -> `f0_v`, `string` -> `a1_v`;
- reformatted: `ruff format` at line length 40, 2-space indents, single quotes (signatures and calls
  exploded one argument a line with magic trailing commas, long expressions wrapped in parentheses);
- no docstring: every docstring statement deleted;
- all three together.
`extracted` gives what the pipeline's extraction keeps of the programs (params.yaml's filters; the row's `code`:
the entry point and the imports it uses).
"""

from __future__ import annotations

import ast
import builtins
import io
import re
import subprocess
import sys
import tempfile
import tokenize
from collections.abc import Callable
from pathlib import Path

RUFF = Path(sys.executable).parent / "ruff"
RUFF_ARGS = [
    "format",
    "--isolated",
    "--line-length",
    "40",
    "--config",
    "indent-width = 2",
    "--config",
    "format.quote-style = 'single'",
]


def program(problem: dict[str, str]) -> str:
    return problem["prompt"] + problem["canonical_solution"]


def _bound_names(tree: ast.Module) -> list[str]:
    """Names the program defines itself (not imports, builtins or attributes), in order of appearance."""
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    found: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            found[node.name] = None
        elif isinstance(node, ast.arg):
            found[node.arg] = None
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found[node.id] = None
    return [n for n in found if n not in imported and not hasattr(builtins, n)]


def _replace_tokens(text: str, change: Callable[[tokenize.TokenInfo, str | None], str | None]) -> str:
    """`text` with each token that `change(token, previous significant string)` returns a new string for."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    prev: str | None = None
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        new = change(token, prev)
        if new is not None:
            (r0, c0), (r1, c1) = token.start, token.end
            edits.append((offsets[r0 - 1] + c0, offsets[r1 - 1] + c1, new))
        if token.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
            prev = token.string
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    return text


def renamed(text: str) -> str:
    names = _bound_names(ast.parse(text))
    mapping = {name: f"{'f' if i == 0 else 'a'}{i}_v" for i, name in enumerate(names)}
    if not mapping:
        return text
    words = re.compile(r"\b(" + "|".join(map(re.escape, sorted(mapping, key=len, reverse=True))) + r")\b")

    def change(token: tokenize.TokenInfo, prev: str | None) -> str | None:
        if token.type == tokenize.NAME and token.string in mapping and prev != ".":
            return mapping[token.string]
        if token.type in (tokenize.STRING, tokenize.COMMENT):
            return words.sub(lambda m: mapping[m.group()], token.string)
        return None

    return _replace_tokens(text, change)


def without_docstrings(text: str) -> str:
    tree = ast.parse(text)
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                keeps_body = len(node.body) > 1
                spans.append((first.lineno, first.end_lineno or first.lineno, keeps_body))
    lines = text.splitlines(keepends=True)
    for start, end, keeps_body in sorted(spans, reverse=True):
        indent = lines[start - 1][: len(lines[start - 1]) - len(lines[start - 1].lstrip())]
        lines[start - 1 : end] = [] if keeps_body else [f"{indent}pass\n"]
    return "".join(lines)


def reformatted(texts: list[str]) -> list[str]:
    """Every text through one `ruff format` run (a text ruff cannot parse comes back unchanged)."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"p{i}.py" for i in range(len(texts))]
        for path, text in zip(paths, texts, strict=True):
            path.write_text(text)
        subprocess.run([str(RUFF), *RUFF_ARGS, tmp], capture_output=True, check=False)
        return [path.read_text() for path in paths]


def disguises(exact: list[str]) -> dict[str, list[str]]:
    """Each disguise name -> the programs in that disguise, in the order of `exact`."""
    renamed_ = [renamed(t) for t in exact]
    bare = [without_docstrings(t) for t in exact]
    return {
        "exact": exact,
        "renamed": renamed_,
        "reformatted": reformatted(exact),
        "no docstring": bare,
        "reformatted, no docstring": reformatted(bare),
        "all three": reformatted([without_docstrings(t) for t in renamed_]),
    }


def extracted(problems: list[dict[str, str]]) -> list[tuple[str, str]]:
    """(task id, row code) of the problems whose entry point passes the default extraction filters."""
    from stages.catalog import load_section
    from stages.extract.filters import build_filters, first_failure
    from stages.extract.functions import candidates

    filters = build_filters(load_section("extract").filters)
    kept = []
    for problem in problems:
        for candidate in candidates(program(problem)):
            if candidate.name == problem["entry_point"] and first_failure(filters, candidate, None) is None:
                kept.append((problem["task_id"], candidate.code))
    return kept

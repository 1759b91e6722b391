"""Find top-level functions whose body starts with a docstring, and make each one stand alone.

A function is kept with exactly the module-level imports it uses, prepended, so a later stage can run it on
its own; names it takes from elsewhere in its file (helpers, constants, relative imports) are left undefined
for the self-contained filter to catch. Facts needed by the filters (arguments, returned value, modules used)
are computed here once, from the AST.
"""

from __future__ import annotations

import ast
import copy
import warnings
from dataclasses import dataclass


class Unparseable(ValueError):
    """The file is not Python this interpreter can parse."""


@dataclass(frozen=True)
class Binding:
    """A name bound by a module-level import: the statement that binds it alone, and its top-level module."""

    statement: str
    module: str | None  # None for relative imports: they point into a package, not at an importable module


@dataclass(frozen=True)
class Candidate:
    name: str
    code: str  # the imports it uses, then the function (decorators included)
    function: str  # the function's own source lines
    prompt: str  # imports + signature + docstring, as written (what a model is shown)
    signature: str  # normalised one-line `def name(args) -> ret:`
    docstring: str  # cleaned (inspect.cleandoc) docstring text
    imports: tuple[str, ...]
    modules: frozenset[str]  # top-level modules the function uses (through file imports or its own)
    lineno: int
    n_lines: int
    n_args: int  # positional parameters, *args included: what an `assert f(...) == ...` test can pass
    returns_value: bool
    is_generator: bool


def parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like: not our concern here
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            raise Unparseable(f"{type(exc).__name__}: {exc}") from None


def module_bindings(tree: ast.Module) -> dict[str, Binding]:
    """Names bound by the module's top-level import statements (later bindings win, as at run time)."""
    bindings: dict[str, Binding] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                stmt = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                bindings[bound] = Binding(stmt, alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if alias.name == "*":
                    continue
                bound = alias.asname or alias.name
                stmt = f"from {'.' * node.level}{module} import {alias.name}" + (
                    f" as {alias.asname}" if alias.asname else ""
                )
                top = module.split(".")[0] if node.level == 0 and module else None
                bindings[bound] = Binding(stmt, top)
    return bindings


def _own_nodes(function: ast.FunctionDef) -> list[ast.AST]:
    """Nodes of the function's body, not descending into nested functions, lambdas or classes."""
    scopes = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
    found: list[ast.AST] = []
    stack: list[ast.AST] = [node for node in function.body if not isinstance(node, scopes)]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, scopes))
    return found


def _parameters(args: ast.arguments) -> set[str]:
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    return names


def _uses(function: ast.FunctionDef, bindings: dict[str, Binding]) -> tuple[list[str], set[str]]:
    """Import statements the function needs (in file order of first use) and top-level modules it uses."""
    params = _parameters(function.args)
    loaded = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    modules: set[str] = set()
    statements: list[str] = []
    for name in sorted(loaded - params):
        binding = bindings.get(name)
        if binding is None:
            continue
        if binding.module is not None:
            modules.add(binding.module)
            statements.append(binding.statement)
    for node in ast.walk(function):  # imports written inside the function itself
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    order = {binding.statement: i for i, binding in enumerate(bindings.values())}
    return sorted(set(statements), key=lambda s: order.get(s, len(order))), modules


def _signature(function: ast.FunctionDef) -> str:
    header = copy.copy(function)
    header.body = [ast.Pass()]
    header.decorator_list = []
    return ast.unparse(header).split("\n", 1)[0]


def candidates(text: str) -> list[Candidate]:
    """Top-level (non-async) functions of a module whose first statement is a docstring."""
    tree = parse(text)
    lines = text.splitlines()
    bindings = module_bindings(tree)
    future = [
        f"from __future__ import {', '.join(a.name for a in node.names)}"
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "__future__"
    ]
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or ast.get_docstring(node, clean=False) is None:
            continue
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        end = node.end_lineno or node.lineno
        function = "\n".join(lines[start - 1 : end]) + "\n"
        statements, modules = _uses(node, bindings)
        imports = tuple(future + statements)
        header = "\n".join(imports) + "\n\n\n" if imports else ""
        doc_end = node.body[0].end_lineno or node.body[0].lineno
        own = _own_nodes(node)
        args = node.args
        found.append(
            Candidate(
                name=node.name,
                code=header + function,
                function=function,
                prompt=header + "\n".join(lines[start - 1 : doc_end]) + "\n",
                signature=_signature(node),
                docstring=ast.get_docstring(node, clean=True) or "",
                imports=imports,
                modules=frozenset(modules),
                lineno=start,
                n_lines=end - start + 1,
                n_args=len(args.posonlyargs) + len(args.args) + (1 if args.vararg else 0),
                returns_value=any(
                    isinstance(n, ast.Return)
                    and n.value is not None
                    and not (isinstance(n.value, ast.Constant) and n.value.value is None)
                    for n in own
                ),
                is_generator=any(isinstance(n, ast.Yield | ast.YieldFrom) for n in own),
            )
        )
    return found

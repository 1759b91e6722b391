"""Mutants of one function: small syntactic changes a good test suite should notice.

Our own small operator set, not a mutation library's: mutmut and cosmic-ray are runners (they write each mutant
to disk and run a test command per mutant, cosmic-ray through a session database), not a function from source
to mutant source that the sandbox's fork-per-snippet driver can take, and neither is a dependency here. The set
follows Offutt et al.'s "sufficient" operators (relational, arithmetic and logical operator replacement, unary
operator insertion/deletion) plus constant and return-value replacement:

    ror     a comparison: < <= > >= each to its boundary neighbour and its negation (< -> <=, >=), == <-> !=,
            is <-> is not, in <-> not in
    aor     an arithmetic or bitwise operator (binary or augmented): + <-> -, * <-> /, // -> *, % -> //,
            ** -> *, << <-> >>, & <-> |, ^ -> &; never + or % beside a string literal (concatenation and
            formatting would only raise TypeError, a kill that says nothing about the tests)
    lcr     `and` <-> `or`
    not     `not x` -> `x`
    neg     `-x` -> `x`
    const   an integer constant c -> c + 1; True <-> False
    return  `return e` -> `return None` (e not already None)
    constant  `return e` -> `return c` for each of (at most two) values the function was seen to return while
            its passing asserts ran (without observations: True and False for a test, else 0): the mutant a
            suite that asks one question survives (`neg`'s only assert `neg(1) == -1` passes `return -1`)
    abs     `return e` -> `return abs(e)` where e may be a number (a seen return value is int or float): a
            suite of non-negative answers survives it (`return -abs(a)` for `return -a`)
    string  a string literal respelled: its case swapped, else its last character dropped (`''` -> `'_'`);
            f-string parts are left alone
    swap    a call's first two positional arguments swapped (when they differ)

Each mutant is the whole mutated `def` as source (ast.unparse), to be run after the original module so that it
rebinds the function's name (recursive calls reach the mutant too). `line` counts from the function's first
line (its first decorator, else `def`), as in the row's `code`; `col` is the changed node's offset in it.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

OPERATORS = ("ror", "aor", "lcr", "not", "neg", "const", "return", "constant", "abs", "string", "swap")

_ROR: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
_AOR: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitAnd,
}
_STRING_OPS = (ast.Add, ast.Mod)


@dataclass(frozen=True)
class Mutant:
    operator: str  # one of OPERATORS
    line: int  # 1-based, counted from the function's first line
    col: int  # 0-based offset of the changed node in its line (two `0 -> 1` on one line differ here)
    before: str  # the changed expression or statement, as source
    after: str
    source: str  # the whole mutated def

    def site(self) -> dict[str, object]:
        """What a record keeps of a surviving mutant (enough to write a test that kills it)."""
        return {
            "operator": self.operator,
            "line": self.line,
            "col": self.col,
            "before": self.before,
            "after": self.after,
        }


def find_function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The last top-level def of `name` (the one a module binds), as the coverage measurement picks it."""
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name]
    return defs[-1] if defs else None


def _is_str(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


# A change: given the node (inside a copy of the def), mutate it in place and return the node to show as "after".
Change = Callable[[ast.AST], ast.AST]


def _changes(node: ast.AST, seen: Seen) -> Iterator[tuple[str, Change]]:
    """Every (operator, change) that applies to `node` (`seen`: what the function returned, see `Seen`)."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for new in _ROR.get(type(op), ()):
                yield "ror", _set_cmp(i, new)
    elif isinstance(node, ast.BinOp | ast.AugAssign):
        new_op = _AOR.get(type(node.op))
        operands = [node.left, node.right] if isinstance(node, ast.BinOp) else [node.target, node.value]
        if new_op and not (isinstance(node.op, _STRING_OPS) and any(_is_str(o) for o in operands)):
            yield "aor", _set_attr("op", new_op)
    elif isinstance(node, ast.BoolOp):
        yield "lcr", _set_attr("op", ast.Or if isinstance(node.op, ast.And) else ast.And)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        yield ("not" if isinstance(node.op, ast.Not) else "neg"), _unwrap
    elif isinstance(node, ast.Constant) and type(node.value) in (int, bool):
        yield "const", _bump
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield "string", _respell
    elif isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
        yield "return", _return_none
        for value in seen.constants(node.value):
            yield "constant", _return_constant(value)
        if seen.numeric(node.value):
            yield "abs", _wrap_abs
    elif isinstance(node, ast.Call) and len(node.args) >= 2:
        pair = node.args[:2]
        if not any(isinstance(a, ast.Starred) for a in pair) and ast.dump(pair[0]) != ast.dump(pair[1]):
            yield "swap", _swap_args


def _set_cmp(index: int, new: type[ast.cmpop]) -> Change:
    def change(node: ast.AST) -> ast.AST:
        assert isinstance(node, ast.Compare)
        node.ops[index] = new()
        return node

    return change


def _set_attr(attr: str, new: type[ast.AST]) -> Change:
    def change(node: ast.AST) -> ast.AST:
        setattr(node, attr, new())
        return node

    return change


def _unwrap(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.UnaryOp)
    return node.operand  # the parent's reference is swapped by the caller


def _bump(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Constant)
    node.value = (not node.value) if isinstance(node.value, bool) else node.value + 1
    return node


def _return_none(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Return)
    node.value = ast.Constant(value=None)
    return node


def _return_constant(value: ast.expr) -> Change:
    def change(node: ast.AST) -> ast.AST:
        assert isinstance(node, ast.Return)
        node.value = copy.deepcopy(value)
        return node

    return change


def _wrap_abs(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Return) and node.value is not None
    node.value = ast.Call(func=ast.Name(id="abs", ctx=ast.Load()), args=[node.value], keywords=[])
    return node


def _respell(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Constant) and isinstance(node.value, str)
    value = node.value
    node.value = value.swapcase() if value.swapcase() != value else value[:-1] if value else "_"
    return node


def _swap_args(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Call)
    node.args[0], node.args[1] = node.args[1], node.args[0]
    return node


_NOT_NUMBERS = (
    ast.Compare,
    ast.BoolOp,
    ast.JoinedStr,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
    ast.GeneratorExp,
)


def _is_test(node: ast.expr) -> bool:
    return isinstance(node, ast.Compare | ast.BoolOp) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
    )


@dataclass(frozen=True)
class Seen:
    """What the function returned while its passing asserts ran (literals; empty when nothing was observed)."""

    returned: tuple[Any, ...] = ()

    def constants(self, expr: ast.expr) -> list[ast.expr]:
        """The constants `return expr` is replaced with: up to two distinct seen values, else a default."""
        values: dict[str, Any] = {}
        for value in self.returned:
            values.setdefault(repr(value), value)
        picked = list(values.values())[:2]
        if not picked:
            picked = [True, False] if _is_test(expr) else [0]
        found = []
        for value in picked:
            try:
                node = ast.parse(repr(value), mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            if ast.dump(node) != ast.dump(expr):
                found.append(node)
        return found

    def numeric(self, expr: ast.expr) -> bool:
        if isinstance(expr, _NOT_NUMBERS) or _is_test(expr) or _is_str(expr):
            return False
        if not self.returned:
            return True
        return any(type(v) in (int, float) for v in self.returned)


def returns_constant(prelude: str, name: str) -> bool:
    """Whether function `name`'s body (its docstring aside) is one `return` of a literal: nothing to test."""
    try:
        func = find_function(ast.parse(prelude), name)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if func is None:
        return False
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return False
    value = body[0].value
    if value is None:
        return True
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _sites(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """Nodes of the body in a fixed order (the docstring and nested annotations are never mutated)."""
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    out: list[ast.AST] = []
    for stmt in body:
        nodes = list(ast.walk(stmt))
        inside_fstrings = {id(n) for j in nodes if isinstance(j, ast.JoinedStr) for n in ast.walk(j)}
        out.extend(n for n in nodes if not isinstance(n, ast.arg) and id(n) not in inside_fstrings)
    return out


def _replace_child(root: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Point whichever field of `root`'s subtree held `old` at `new` (for changes that return another node)."""
    for parent in ast.walk(root):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return


def mutants_of(prelude: str, name: str, max_mutants: int = 0, seen: Seen = Seen()) -> list[Mutant]:
    """The mutants of top-level function `name` of `prelude`, by line, without duplicates.

    More than `max_mutants` (0: no bound) are thinned to that many, evenly spread over the list, so a long
    function is sampled over its whole body rather than its first lines."""
    tree = ast.parse(prelude)
    func = find_function(tree, name)
    if func is None:
        return []
    first = min([func.lineno, *(d.lineno for d in func.decorator_list)])
    original = ast.unparse(func)
    sites = _sites(func)
    found: dict[str, Mutant] = {}
    for index, node in enumerate(sites):
        for operator, change in _changes(node, seen):
            twin = copy.deepcopy(func)
            target = _sites(twin)[index]
            before = ast.unparse(target)
            changed = change(target)
            if changed is not target:
                _replace_child(twin, target, changed)
            source = ast.unparse(twin)
            if source == original or source in found:
                continue
            after = ast.unparse(changed)
            line = getattr(node, "lineno", func.lineno) - first + 1
            found[source] = Mutant(operator, line, getattr(node, "col_offset", 0), before, after, source)
    mutants = sorted(found.values(), key=lambda m: (m.line, m.col))
    if max_mutants and len(mutants) > max_mutants:
        step = len(mutants) / max_mutants
        mutants = [mutants[int(i * step)] for i in range(max_mutants)]
    return mutants

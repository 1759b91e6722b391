"""Meaning-preserving rewrites of benchmark programs, for the decontamination tests and bench_decont.py.

A small AST rewriter, one kind per family of issue 31 (each applied to a renamed copy, disguises.renamed):
- flipped: every one-operator comparison mirrored (`a < b` -> `b > a`, `x == y` -> `y == x`), each pair of
  adjacent independent assignments swapped, every if/else's test negated and its branches swapped;
- compared: the comparisons mirrored alone;
- loops: a returned or assigned list comprehension with one `for` <-> an append loop, `sum(genexp)` -> an
  accumulator loop, `x += e` <-> `x = x + e`, `range(0, n)` <-> `range(n)`;
- strings: `''` -> `str()`, a one-character literal -> `chr(N)`, a longer one -> two literals added.
Output is `ast.unparse` of the rewritten tree (comments go; docstrings stay).
"""

from __future__ import annotations

import ast

_MIRROR = {
    ast.Lt: ast.Gt,
    ast.Gt: ast.Lt,
    ast.LtE: ast.GtE,
    ast.GtE: ast.LtE,
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
}
_INVERT = {
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
KINDS = ("flipped", "compared", "loops", "strings")


def rewrite(text: str, kind: str) -> str:
    tree = ast.parse(text)
    if kind in ("flipped", "compared"):
        tree = _Mirror().visit(tree)
    if kind == "flipped":
        tree = _Branches().visit(tree)
        _swap_assignments(tree)
    elif kind == "loops":
        tree = _Loops().visit(tree)
    elif kind == "strings":
        tree = _Strings().visit(tree)
    elif kind != "compared":
        raise ValueError(f"unknown rewrite {kind!r}: choose one of {', '.join(KINDS)}")
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


class _Mirror(ast.NodeTransformer):
    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) == 1 and type(node.ops[0]) in _MIRROR:
            return ast.Compare(
                left=node.comparators[0], ops=[_MIRROR[type(node.ops[0])]()], comparators=[node.left]
            )
        return node


def _negate(test: ast.expr) -> ast.expr:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return ast.Compare(left=test.left, ops=[_INVERT[type(test.ops[0])]()], comparators=test.comparators)
    return ast.UnaryOp(op=ast.Not(), operand=test)


class _Branches(ast.NodeTransformer):
    def visit_If(self, node: ast.If) -> ast.AST:
        self.generic_visit(node)
        if node.orelse:
            node.test, node.body, node.orelse = _negate(node.test), node.orelse, node.body
        return node


def _independent(a: ast.stmt, b: ast.stmt) -> bool:
    if not (isinstance(a, ast.Assign) and isinstance(b, ast.Assign)):
        return False
    if len(a.targets) != 1 or len(b.targets) != 1:
        return False
    ta, tb = a.targets[0], b.targets[0]
    if not (isinstance(ta, ast.Name) and isinstance(tb, ast.Name)) or ta.id == tb.id:
        return False
    reads_a = {n.id for n in ast.walk(a.value) if isinstance(n, ast.Name)}
    reads_b = {n.id for n in ast.walk(b.value) if isinstance(n, ast.Name)}
    return ta.id not in reads_b and tb.id not in reads_a


def _swap_assignments(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            i = 0
            while i + 1 < len(block):
                if _independent(block[i], block[i + 1]):
                    block[i], block[i + 1] = block[i + 1], block[i]
                    i += 2
                else:
                    i += 1


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


class _Loops(ast.NodeTransformer):
    """Comprehension <-> loop, sum -> accumulator, `+=` <-> `= x +`, range(0, n) <-> range(n)."""

    def __init__(self) -> None:
        self.fresh = 0
        self.made: set[int] = set()  # loops this rewriter wrote (not folded back)

    def _name(self) -> str:
        self.fresh += 1
        return f"acc{self.fresh}_r"

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                block = [new for stmt in block for new in self._statement(stmt)]
                setattr(node, field, self._fold(block))
        return node

    def _fold(self, block: list[ast.stmt]) -> list[ast.stmt]:
        """`r = []` then a loop appending to r (one that was in the program) -> `r = [e for ...]`."""
        out: list[ast.stmt] = []
        for stmt in block:
            prev = out[-1] if out else None
            if (
                isinstance(stmt, ast.For)
                and id(stmt) not in self.made
                and not stmt.orelse
                and len(stmt.body) == 1
                and isinstance(prev, ast.Assign)
                and len(prev.targets) == 1
                and isinstance(prev.targets[0], ast.Name)
                and isinstance(prev.value, ast.List)
                and not prev.value.elts
            ):
                body, ifs = stmt.body[0], []
                if isinstance(body, ast.If) and not body.orelse and len(body.body) == 1:
                    ifs, body = [body.test], body.body[0]
                call = body.value if isinstance(body, ast.Expr) else None
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "append"
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == prev.targets[0].id
                    and len(call.args) == 1
                ):
                    gen = ast.comprehension(target=stmt.target, iter=stmt.iter, ifs=ifs, is_async=0)
                    out[-1] = ast.Assign(
                        targets=prev.targets, value=ast.ListComp(elt=call.args[0], generators=[gen])
                    )
                    continue
            out.append(stmt)
        return out

    def _statement(self, stmt: ast.stmt) -> list[ast.stmt]:
        value = stmt.value if isinstance(stmt, ast.Return | ast.Assign) else None
        if (
            isinstance(value, ast.ListComp)
            and len(value.generators) == 1
            and not value.generators[0].is_async
        ):
            acc = self._name()
            gen = value.generators[0]
            inner: ast.stmt = ast.Expr(
                value=ast.Call(
                    func=ast.Attribute(value=ast.Name(id=acc, ctx=ast.Load()), attr="append", ctx=ast.Load()),
                    args=[value.elt],
                    keywords=[],
                )
            )
            for test in reversed(gen.ifs):
                inner = ast.If(test=test, body=[inner], orelse=[])
            return self._replace(stmt, acc, ast.List(elts=[], ctx=ast.Load()), gen, inner)
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "sum"
            and len(value.args) == 1
            and isinstance(value.args[0], ast.GeneratorExp | ast.ListComp)
            and len(value.args[0].generators) == 1
        ):
            acc = self._name()
            gen = value.args[0].generators[0]
            inner = ast.AugAssign(
                target=ast.Name(id=acc, ctx=ast.Store()), op=ast.Add(), value=value.args[0].elt
            )
            for test in reversed(gen.ifs):
                inner = ast.If(test=test, body=[inner], orelse=[])
            return self._replace(stmt, acc, ast.Constant(value=0), gen, inner)
        return [stmt]

    def _replace(
        self, stmt: ast.stmt, acc: str, start: ast.expr, gen: ast.comprehension, inner: ast.stmt
    ) -> list[ast.stmt]:
        loop = ast.For(target=gen.target, iter=gen.iter, body=[inner], orelse=[])
        self.made.add(id(loop))
        out: list[ast.stmt] = [ast.Assign(targets=[ast.Name(id=acc, ctx=ast.Store())], value=start), loop]
        result = ast.Name(id=acc, ctx=ast.Load())
        if isinstance(stmt, ast.Return):
            out.append(ast.Return(value=result))
        else:
            assert isinstance(stmt, ast.Assign)
            out.append(ast.Assign(targets=stmt.targets, value=result))
        return out

    def visit_For(self, node: ast.For) -> ast.AST:
        return self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.target, ast.Name):
            left = ast.Name(id=node.target.id, ctx=ast.Load())
            return ast.Assign(targets=[node.target], value=ast.BinOp(left=left, op=node.op, right=node.value))
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        self.generic_visit(node)
        value = node.value
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(value, ast.BinOp)
            and isinstance(value.left, ast.Name)
            and value.left.id == node.targets[0].id
        ):
            return ast.AugAssign(target=node.targets[0], op=value.op, value=value.right)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "range" and not node.keywords:
            if len(node.args) == 2 and isinstance(node.args[0], ast.Constant) and node.args[0].value == 0:
                node.args = node.args[1:]
            elif len(node.args) == 1:
                node.args = [ast.Constant(value=0), node.args[0]]
        return node


class _Strings(ast.NodeTransformer):
    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        return node if isinstance(node.value, ast.Constant) else self.generic_visit(node)  # docstrings stay

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return node  # annotations stay

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        returns = node.returns
        node.returns = None
        self.generic_visit(node)
        node.returns = returns
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if not isinstance(value, str):
            return node
        if value == "":
            return _call("str")
        if len(value) == 1:
            return _call("chr", ast.Constant(value=ord(value)))
        cut = len(value) // 2
        return ast.BinOp(
            left=ast.Constant(value=value[:cut]), op=ast.Add(), right=ast.Constant(value=value[cut:])
        )

"""Python code rewritten to one form per meaning-preserving rewrite, before the `shingles` method lexes it.

A contaminated row need not copy a benchmark solution token for token: `a < b` may read `b > a`, `x += e`
`x = x + e`, a comprehension an accumulator loop. Each such pair is mapped to one form here (on the AST, bottom
up, then `ast.unparse`), so the pair differs in no token:

- comparisons: `>`/`>=` (and all-descending chains) mirrored to `<`/`<=`; `==`, `!=` and the commutative
  operators (`+ * & | ^`, `and`, `or`) take their operands in one order (a rename-blind sort key);
- an `if`/`else` (statement or expression) whose test is `not c`, `a <= b`, `!=`, `not in` or `is not` is
  inverted with its branches swapped, so a swapped pair of branches reads as the original;
- `x op= e` -> `x = x op e`; `range(0, n)` -> `range(n)`; a list comprehension passed to `sum`/`any`/`all`/
  `min`/`max`/`sorted`/... -> a generator;
- an accumulator loop (`r = []` / `r = 0` then a one-statement `for`, optionally under one `if`, appending
  to or adding into `r`) -> `r = [e for ...]` / `r = sum(e for ...)`; `v = e` followed by `return v` ->
  `return e`; runs of adjacent independent assignments in one order;
- string spellings: `str()` -> `''`, `chr(32)` -> `' '`, `'a' + 'b'` -> `'ab'` (the lexer then makes every
  string literal one class token).

The result is for comparison only: it need not run, nor mean exactly what the input meant (`+` on strings is
not commutative; sorting operands of `and` ignores short-circuiting). Unparseable text gives None.
"""

from __future__ import annotations

import ast
import re
import warnings

_MIRROR: dict[type[ast.cmpop], type[ast.cmpop]] = {ast.Gt: ast.Lt, ast.GtE: ast.LtE}
# A negative test and what its negation reads as (`a <= b` is `not b < a`: operands swapped).
_NEGATE: dict[type[ast.cmpop], tuple[type[ast.cmpop], bool]] = {
    ast.LtE: (ast.Lt, True),
    ast.NotEq: (ast.Eq, False),
    ast.NotIn: (ast.In, False),
    ast.IsNot: (ast.Is, False),
}
_SYMMETRIC = (ast.Eq, ast.NotEq)
_COMMUTATIVE = (ast.Add, ast.Mult, ast.BitAnd, ast.BitOr, ast.BitXor)
# Calls whose list-comprehension argument reads the same as a generator.
_CONSUMERS = frozenset({"sum", "any", "all", "min", "max", "sorted", "set", "tuple", "list", "frozenset"})
_NAMES = re.compile(r"(Name|arg)\('[^']*'")


def canonical(text: str) -> str | None:
    """`text` in canonical form (source), or None when it is not Python."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(text)
            return ast.unparse(ast.fix_missing_locations(_Canon().visit(tree)))
        except (SyntaxError, ValueError, RecursionError, MemoryError, TypeError):
            return None


def _key(node: ast.AST) -> str:
    """A sort key blind to the names a rename changes."""
    return _NAMES.sub(r"\1(", ast.dump(node, annotate_fields=False))


def _name(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _load(node: ast.expr) -> ast.expr:
    """A copy of an assignment target to read (Load context)."""
    return ast.parse(ast.unparse(node), mode="eval").body


class _Canon(ast.NodeTransformer):
    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, field, _block(block))
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        return _compare(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return _binop(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        node.values.sort(key=_key)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        value = _binop(ast.BinOp(left=_load(node.target), op=node.op, right=node.value))
        return ast.Assign(targets=[node.target], value=value, lineno=node.lineno)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = _name(node.func)
        if node.keywords:
            return node
        if name == "range" and len(node.args) == 2:
            first = node.args[0]
            if isinstance(first, ast.Constant) and first.value == 0 and type(first.value) is int:
                node.args = node.args[1:]
        elif name == "str" and not node.args:
            return ast.Constant(value="")
        elif name == "chr" and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and type(arg.value) is int and 0 <= arg.value < 0x110000:
                return ast.Constant(value=chr(arg.value))
        elif name in _CONSUMERS and len(node.args) == 1 and isinstance(node.args[0], ast.ListComp):
            comp = node.args[0]
            node.args = [ast.GeneratorExp(elt=comp.elt, generators=comp.generators)]
        return node

    def visit_If(self, node: ast.If) -> ast.AST:
        self.generic_visit(node)
        if node.orelse:
            test = _positive(node.test)
            if test is not None:
                node.test, node.body, node.orelse = test, node.orelse, node.body
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        test = _positive(node.test)
        if test is not None:
            node.test, node.body, node.orelse = test, node.orelse, node.body
        return node


def _compare(node: ast.Compare) -> ast.expr:
    ops = node.ops
    if all(type(op) in _MIRROR for op in ops):
        operands = [node.left, *node.comparators][::-1]
        node = ast.Compare(
            left=operands[0], ops=[_MIRROR[type(op)]() for op in ops[::-1]], comparators=operands[1:]
        )
    if len(node.ops) == 1 and isinstance(node.ops[0], _SYMMETRIC):
        a, b = sorted((node.left, node.comparators[0]), key=_key)
        node.left, node.comparators = a, [b]
    return node


def _binop(node: ast.BinOp) -> ast.expr:
    left, right = node.left, node.right
    strings = [n.value for n in (left, right) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    if isinstance(node.op, ast.Add) and len(strings) == 2:
        return ast.Constant(value=strings[0] + strings[1])
    if isinstance(node.op, _COMMUTATIVE):
        node.left, node.right = sorted((left, right), key=_key)
    return node


def _positive(test: ast.expr) -> ast.expr | None:
    """The negation of a negative test (`not c`, `a <= b`, `!=`, `not in`, `is not`), else None."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _NEGATE:
        op, swap = _NEGATE[type(test.ops[0])]
        left, right = test.left, test.comparators[0]
        if swap:
            left, right = right, left
        return _compare(ast.Compare(left=left, ops=[op()], comparators=[right]))
    return None


def _block(stmts: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in stmts:
        prev = out[-1] if out else None
        if isinstance(stmt, ast.For) and isinstance(prev, ast.Assign):
            folded = _fold_loop(prev, stmt)
            if folded is not None:
                out[-1] = folded
                continue
        returned = _name(stmt.value) if isinstance(stmt, ast.Return) and stmt.value is not None else None
        if returned is not None and isinstance(prev, ast.Assign) and _single(prev) == returned:
            out[-1] = ast.Return(value=prev.value)
            continue
        out.append(stmt)
        _settle(out)
    return out


def _single(stmt: ast.Assign) -> str | None:
    return _name(stmt.targets[0]) if len(stmt.targets) == 1 else None


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _settle(out: list[ast.stmt]) -> None:
    """Move the last statement back past independent assignments while it sorts before them."""
    i = len(out) - 1
    while i > 0:
        a, b = out[i - 1], out[i]
        if not (isinstance(a, ast.Assign) and isinstance(b, ast.Assign)):
            return
        ta, tb = _single(a), _single(b)
        if ta is None or tb is None or ta == tb or ta in _names(b.value) or tb in _names(a.value):
            return
        if _key(b) >= _key(a):
            return
        out[i - 1], out[i] = b, a
        i -= 1


def _fold_loop(init: ast.Assign, loop: ast.For) -> ast.Assign | None:
    """`r = []` / `r = 0` + a one-statement loop appending to / adding into r -> one assignment, else None."""
    acc = _single(init)
    if acc is None or loop.orelse or len(loop.body) != 1:
        return None
    body, ifs = loop.body[0], []
    if isinstance(body, ast.If) and not body.orelse and len(body.body) == 1:
        ifs, body = [body.test], body.body[0]
    gen = ast.comprehension(target=loop.target, iter=loop.iter, ifs=ifs, is_async=0)
    start = init.value
    if isinstance(start, ast.List) and not start.elts:
        item = _appended(body, acc)
        return None if item is None else ast.Assign(targets=init.targets, value=ast.ListComp(item, [gen]))
    if isinstance(start, ast.Constant) and start.value == 0 and type(start.value) is int:
        term = _added(body, acc)
        if term is not None:
            total = ast.Call(ast.Name("sum", ast.Load()), [ast.GeneratorExp(term, [gen])], [])
            return ast.Assign(targets=init.targets, value=total)
    return None


def _appended(stmt: ast.stmt, acc: str) -> ast.expr | None:
    """e of `acc.append(e)` (e not reading acc), else None."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
        return None
    if call.func.attr != "append" or _name(call.func.value) != acc or len(call.args) != 1 or call.keywords:
        return None
    return None if acc in _names(call.args[0]) else call.args[0]


def _added(stmt: ast.stmt, acc: str) -> ast.expr | None:
    """e of `acc = acc + e` or `acc = e + acc` (e not reading acc), else None."""
    add = stmt.value if isinstance(stmt, ast.Assign) and _single(stmt) == acc else None
    if not (isinstance(add, ast.BinOp) and isinstance(add.op, ast.Add)):
        return None
    terms = [t for t in (add.left, add.right) if _name(t) != acc]
    return terms[0] if len(terms) == 1 and acc not in _names(terms[0]) else None

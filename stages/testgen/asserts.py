"""Keep only `assert NAME(args) == expected` statements (no keyword arguments, at least one argument).

Model output is often cut mid-statement (max tokens) or wanders into prose: statements are parsed one by one,
so one broken line costs only itself. Asserts are normalised with `ast.unparse` and de-duplicated in order.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable


def statements(text: str) -> list[str]:
    """Top-level statements of `text` that parse, greedily, skipping lines that do not."""
    lines = text.splitlines()
    out: list[str] = []
    start = 0
    while start < len(lines):
        # The shortest run of lines from `start` that parses as complete statements (asserts may span lines).
        for end in range(start + 1, min(len(lines), start + 20) + 1):
            chunk = "\n".join(lines[start:end])
            try:
                tree = ast.parse(chunk)
            except SyntaxError:
                continue
            out.extend(ast.unparse(node) for node in tree.body)
            start = end
            break
        else:
            start += 1
    return out


def is_test_of(node: ast.stmt, name: str) -> bool:
    if not isinstance(node, ast.Assert) or node.msg is not None:
        return False
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    call = test.left
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == name
        and len(call.args) >= 1
        and not call.keywords
        and not any(isinstance(a, ast.Starred) for a in call.args)
    )


def parse_asserts(texts: Iterable[str], name: str) -> list[str]:
    """Unique valid asserts of `name`, in first-seen order, across several completions."""
    seen: dict[str, None] = {}
    for text in texts:
        for source in statements(text):
            node = ast.parse(source).body[0]
            if is_test_of(node, name):
                seen.setdefault(ast.unparse(node), None)
    return list(seen)

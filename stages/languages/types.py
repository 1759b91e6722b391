"""Python types as the translators see them: parsed from annotations or inferred from observed test values.

Typed targets (OCaml, Julia, C++, ...) need a type for every argument and return value; untyped targets ignore
them. Types are always passed to the translation hooks as arguments, never looked up from module state, so the
same walker serves both kinds of language.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

# Names a type annotation may use, mapped to the canonical name kept in `PyType.name`.
_ALIASES = {
    "int": "int",
    "float": "float",
    "str": "str",
    "bool": "bool",
    "None": "None",
    "NoneType": "None",
    "list": "list",
    "List": "list",
    "tuple": "tuple",
    "Tuple": "tuple",
    "dict": "dict",
    "Dict": "dict",
    "set": "set",
    "Set": "set",
    "Optional": "Optional",
    "Union": "Union",
    "Any": "Any",
}


@dataclass(frozen=True)
class PyType:
    """A Python type: `name` is one of int, float, str, bool, None, list, tuple, dict, set, Optional, Union, Any.

    `args` are the parameters (element type of a list or set, key and value of a dict, the members of a tuple or
    a Union); `variadic` marks `tuple[T, ...]`, whose single arg is the element type.
    """

    name: str
    args: tuple[PyType, ...] = ()
    variadic: bool = False

    def __str__(self) -> str:
        if not self.args:
            return self.name
        inner = ", ".join(map(str, self.args)) + (", ..." if self.variadic else "")
        return f"{self.name}[{inner}]"

    def contains(self, name: str) -> bool:
        """Whether this type, or any type inside it, is `name`."""
        return self.name == name or any(a.contains(name) for a in self.args)

    @property
    def optional(self) -> bool:
        return self.name == "Optional" or (self.name == "Union" and NONE in self.args)

    def without_none(self) -> PyType:
        """`Optional[T]` -> T; `Union[A, B, None]` -> `Union[A, B]`; anything else unchanged."""
        if self.name == "Optional":
            return self.args[0]
        if self.name == "Union" and NONE in self.args:
            rest = tuple(a for a in self.args if a != NONE)
            return rest[0] if len(rest) == 1 else PyType("Union", rest)
        return self

    def element(self, index: int = 0) -> PyType | None:
        """The expected type of the `index`-th element of a value of this type (None when unknown)."""
        base = self.without_none()
        if base.name in ("list", "set") and base.args:
            return base.args[0]
        if base.name == "tuple" and base.args:
            if base.variadic:
                return base.args[0]
            return base.args[index] if index < len(base.args) else None
        return None

    def key_value(self) -> tuple[PyType | None, PyType | None]:
        base = self.without_none()
        if base.name == "dict" and len(base.args) == 2:
            return base.args[0], base.args[1]
        return None, None


INT = PyType("int")
FLOAT = PyType("float")
STR = PyType("str")
BOOL = PyType("bool")
NONE = PyType("None")
ANY = PyType("Any")


class TypeSyntaxError(ValueError):
    """An annotation uses a construct this module does not model; the message names it."""


def parse_annotation(annotation: ast.expr | str | None) -> PyType | None:
    """`List[int]`, `list[int]`, `typing.Tuple[int, ...]`, `Optional[str]`, `int | None`, ... -> PyType.

    None stays None (no annotation). Raises TypeSyntaxError for constructs outside the modelled set.
    """
    if annotation is None:
        return None
    node = ast.parse(annotation, mode="eval").body if isinstance(annotation, str) else annotation
    return _from_node(node)


def _from_node(node: ast.expr) -> PyType:
    if isinstance(node, ast.Constant) and node.value is None:
        return NONE
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a forward reference "List[int]"
        return parse_annotation(node.value) or ANY
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        members = _flatten_union([_from_node(node.left), _from_node(node.right)])
        return _union(members)
    if isinstance(node, ast.Name | ast.Attribute):
        name = _canonical(node)
        if name in ("list", "set"):
            return PyType(name, (ANY,))
        if name == "dict":
            return PyType(name, (ANY, ANY))
        if name == "tuple":
            return PyType(name, (ANY,), variadic=True)
        return PyType(name)
    if isinstance(node, ast.Subscript):
        name = _canonical(node.value)
        params = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if (
            name == "tuple"
            and len(params) == 2
            and isinstance(params[1], ast.Constant)
            and params[1].value is ...
        ):
            return PyType("tuple", (_from_node(params[0]),), variadic=True)
        args = tuple(_from_node(p) for p in params)
        if name == "Optional":
            if len(args) != 1:
                raise TypeSyntaxError(f"Optional takes one type, got {ast.unparse(node)!r}")
            return _union([args[0], NONE])
        if name == "Union":
            return _union(_flatten_union(list(args)))
        expected = {"list": 1, "set": 1, "dict": 2}.get(name)
        if expected is not None and len(args) != expected:
            raise TypeSyntaxError(f"{name} takes {expected} type argument(s), got {ast.unparse(node)!r}")
        if name not in ("list", "set", "dict", "tuple"):
            raise TypeSyntaxError(
                f"unsupported generic {ast.unparse(node)!r}; known: list, set, dict, tuple, Optional, Union"
            )
        return PyType(name, args)
    raise TypeSyntaxError(f"unsupported annotation {ast.unparse(node)!r}")


def _canonical(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):  # typing.List -> List
        raw = node.attr
    elif isinstance(node, ast.Name):
        raw = node.id
    else:
        raise TypeSyntaxError(f"unsupported annotation {ast.unparse(node)!r}")
    if raw not in _ALIASES:
        raise TypeSyntaxError(f"unknown type name {raw!r}; known: {', '.join(sorted(_ALIASES))}")
    return _ALIASES[raw]


def _flatten_union(members: list[PyType]) -> list[PyType]:
    out: list[PyType] = []
    for member in members:
        parts = (
            member.args
            if member.name == "Union"
            else (member.args[0], NONE)
            if member.name == "Optional"
            else (member,)
        )
        for part in parts:
            if part not in out:
                out.append(part)
    return out


def _union(members: list[PyType]) -> PyType:
    members = _flatten_union(members)
    if len(members) == 1:
        return members[0]
    if len(members) == 2 and NONE in members:
        return PyType("Optional", (next(m for m in members if m != NONE),))
    return PyType("Union", tuple(members))


# --- types observed from values ----------------------------------------------------------------------------


def infer_type(value: object) -> PyType:
    """The type of a Python value seen in a test; containers unify their elements' types."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STR
    if isinstance(value, list | set | frozenset):
        name = "list" if isinstance(value, list) else "set"
        return PyType(name, (unify(infer_type(v) for v in value),))
    if isinstance(value, tuple):
        return PyType("tuple", tuple(infer_type(v) for v in value))
    if isinstance(value, dict):
        return PyType(
            "dict", (unify(infer_type(k) for k in value), unify(infer_type(v) for v in value.values()))
        )
    return ANY


def unify(types: Iterable[PyType]) -> PyType:
    """The least type covering all `types`: int and float give float, T and None give Optional[T], lists unify
    their elements; an empty input gives Any (an empty list's element type is unknown)."""
    result: PyType | None = None
    for ty in types:
        result = ty if result is None else _unify2(result, ty)
    return result or ANY


def _unify2(a: PyType, b: PyType) -> PyType:
    if a == b or (b == ANY and a != NONE):
        return a
    if a == ANY and b != NONE:
        return b
    if {a, b} == {INT, FLOAT}:
        return FLOAT
    if a.optional or b.optional or NONE in (a, b):
        inner = [t.without_none() for t in (a, b) if t != NONE]
        return _union([unify(inner) if inner else ANY, NONE])
    if a.name == b.name and a.name in ("list", "set", "dict"):
        return PyType(a.name, tuple(_unify2(x, y) for x, y in zip(a.args, b.args, strict=True)))
    if a.name == b.name == "tuple" and len(a.args) == len(b.args) and a.variadic == b.variadic:
        return PyType("tuple", tuple(_unify2(x, y) for x, y in zip(a.args, b.args, strict=True)), a.variadic)
    if a.name == b.name == "tuple":
        return _homogeneous_tuple(a, b) or _union([a, b])
    if "Union" in (a.name, b.name):
        # A new type joins the member it unifies with (an int joins a float member), so the result does not
        # depend on the order the tests came in: int, str, float and int, float, str both give Union[float, str].
        members = list(a.args if a.name == "Union" else (a,))
        for ty in b.args if b.name == "Union" else (b,):
            for i, member in enumerate(members):
                joined = _unify2(member, ty)
                if joined.name != "Union":
                    members[i] = joined
                    break
            else:
                members.append(ty)
        return _union(members)
    return _union([a, b])


def _homogeneous_tuple(a: PyType, b: PyType) -> PyType | None:
    """Tuples of different lengths whose elements are all of one type are `tuple[T, ...]` (HumanEval/148
    returns `("Venus",)`, `("Saturn", "Uranus")` and `()`: MultiPL-E annotates it `Tuple[str, ...]`); None
    when the elements differ in type, which keeps the Union."""
    element = unify([*a.args, *b.args])
    if element.name in ("Union", "None") or (element.name == "Any" and (a.args or b.args)):
        return None
    return PyType("tuple", (element,), variadic=True)


def observed_types(
    arg_lists: Iterable[tuple[object, ...]], results: Iterable[object]
) -> tuple[list[PyType], PyType]:
    """Per-position argument types and the return type unified over every test's values."""
    columns: list[list[PyType]] = []
    for args in arg_lists:
        for i, value in enumerate(args):
            if i == len(columns):
                columns.append([])
            columns[i].append(infer_type(value))
    return [unify(c) for c in columns], unify(infer_type(r) for r in results)


def union_member(ty: PyType, value: object) -> PyType:
    """The member of the Union `ty` that `value` is written as: the member of the value's own type, else the
    first member that holds it (an int in `Union[float, str]` is the float member; `[]` fits `list[str]`).
    Targets that tag a Union's alternatives (C++ `std::variant`) need one member per value; raises ValueError
    when no member holds it."""
    own = infer_type(value)
    for test in (lambda m: m == own, lambda m: holds(m, own)):
        for member in _members(ty):
            if test(member):
                return member
    raise ValueError(f"{value!r} is no member of {ty}")


def holds(ty: PyType, own: PyType) -> bool:
    """Whether a value of the observed type `own` can be written as a `ty`: equal shapes, `Any` on either side
    (an empty list's elements), ints as floats, anything as an Optional's or a Union's member."""
    if ty == own or ty.name == "Any" or own.name == "Any":
        return True
    if ty.name in ("Optional", "Union"):
        return own == NONE or any(holds(m, own) for m in _members(ty))
    if (ty.name, own.name) == ("float", "int"):
        return True
    if ty.name != own.name:
        return False
    if ty.name == "tuple" and ty.variadic and not own.variadic:
        return all(holds(ty.args[0], a) for a in own.args)
    if len(ty.args) != len(own.args) or ty.variadic != own.variadic:
        return False
    return all(holds(t, o) for t, o in zip(ty.args, own.args, strict=True))


def _members(ty: PyType) -> tuple[PyType, ...]:
    """The alternatives of a Union or Optional besides None; a plain type is its own one alternative."""
    base = ty.without_none()
    return base.args if base.name == "Union" else (base,)

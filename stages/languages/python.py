"""Python, the source language: benchmark prompts and tests are kept as written; the hooks below serve
translations of tests written in other shapes (and check the walker against Python itself)."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence

from stages.languages.base import (
    FLOAT_TOLERANCE,
    EditSequences,
    Language,
    Lexicon,
    Signature,
    Terms,
    float_repr,
)
from stages.languages.types import PyType


class Python(Language):
    name = "python"
    display_name = "Python"
    multipl_e_name = "py"
    file_ext = "py"
    runtime = "python3"
    stop_tokens = ("\ndef", "\n#", "\nif", "\nclass", "\nprint")
    harness_marker = "\ndef check(candidate):"
    terms = Terms(
        list="list",
        array="array",
        tuple="tuple",
        dictionary="dictionary",
        none="None",
        true="True",
        false="False",
    )
    reserved = frozenset(keyword.kwlist)
    lexicon = Lexicon(
        keywords=frozenset(keyword.kwlist),
        line_comments=("#",),
        quotes=('"', "'"),
        prose_strings=(('"""', '"""'), ("'''", "'''")),
    )
    edit_sequences = EditSequences(linter=None, fence_tags=("python",))
    syntax_error_pattern = re.compile(r"^(SyntaxError|IndentationError|TabError)\b", re.MULTILINE)
    assertion_pattern = re.compile(r"^AssertionError\b", re.MULTILINE)
    verbatim_source = True
    # scripts/setup.sh runs on python3 itself, so there is nothing for it to install.
    debian_packages = ()
    probe_program = "print(1)\n"

    @property
    def install_hint(self) -> str:
        return "install Debian python3 (scripts/setup.sh needs it before anything else)"

    def run_argv(self, path: str) -> list[str]:
        # The sandbox's interpreter (sandbox.python) lives in a system dir: a venv or pyenv python is invisible
        # inside bwrap, and pyenv's shim costs 100-200 ms a spawn.
        from stages.sandbox import PYTHON

        return [PYTHON, path]

    def cut_harness(self, program: str) -> str:
        # HumanEval's test module starts with a METADATA assignment before `def check`.
        cuts = [i for i in (program.find("\nMETADATA"), program.find(self.harness_marker)) if i >= 0]
        return program[: min(cuts)] if cuts else program

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        params = ", ".join(
            p.name + (f": {annotation(p.type)}" if _annotatable(p.type) else "") for p in sig.params
        )
        returns = f" -> {annotation(sig.returns)}" if _annotatable(sig.returns) else ""
        doc = "\n".join(f"    {line}".rstrip() for line in description)
        return f'def {sig.name}({params}){returns}:\n    """\n{doc}\n    """\n'

    def placeholder_body(self, sig: Signature) -> str:
        return "    pass\n"

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        return "None"

    def gen_bool(self, value: bool, ty: PyType | None) -> str:
        return repr(value)

    def gen_int(self, value: int, ty: PyType | None) -> str:
        return repr(value)

    def gen_float(self, value: float, ty: PyType | None) -> str:
        return float_repr(value, inf="float('inf')")

    def gen_str(self, value: str, ty: PyType | None) -> str:
        return repr(value)

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return f"[{', '.join(items)}]"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"

    def gen_set(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return "{" + ", ".join(items) + "}" if items else "set()"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"{func}({', '.join(args)})"

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        if inexact:
            return f"assert abs({lhs} - {rhs}) < {FLOAT_TOLERANCE!r}"
        return f"assert {lhs} == {rhs}"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"    {a}" for a in assertions)
        return f"\n\ndef check(candidate):\n{body}\n\ndef test_check():\n    check({entry_point})\n\ntest_check()\n"


def annotation(ty: PyType | None) -> str:
    """A PyType as a Python 3.10+ annotation."""
    if ty is None or ty.name == "Any":
        return "Any"
    if ty.name == "Optional":
        return f"{annotation(ty.args[0])} | None"
    if ty.name == "Union":
        return " | ".join(annotation(a) for a in ty.args)
    if not ty.args:
        return ty.name
    inner = ", ".join(annotation(a) for a in ty.args) + (", ..." if ty.variadic else "")
    return f"{ty.name}[{inner}]"


def _annotatable(ty: PyType | None) -> bool:
    """Annotate only what needs no import: no `Any` anywhere inside."""
    return ty is not None and ty.name != "Any" and all(_annotatable(a) for a in ty.args)

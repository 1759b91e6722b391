"""What LintSeq needs to know about a program's language, read from the language's module
(`Language.edit_sequences` and `Language.comment_lines`, stages/languages/): which lines are only comments
(never picked for deletion), its syntax pre-check, its fenced blocks in a response, and its linter.

Syntax pre-check (a program that fails it is dropped before any sampling): the language's own parser, the one
the linter also runs first: `compile()` for Python (parse and symbol table: a `nonlocal` without a binding fails
it), `luac5.4 -p` for Lua, `ocamlc -stop-after parsing` for OCaml.
"""

from __future__ import annotations

import re
from functools import cache
from typing import cast

from stages.languages import REGISTRY, Language, get
from stages.languages.base import EditSequences


@cache
def edit_languages() -> tuple[str, ...]:
    """The languages LintSeq takes: those whose module declares `edit_sequences`."""
    return tuple(name for name, cls in REGISTRY.items() if cls.edit_sequences is not None)


def _language(language: str) -> tuple[Language, EditSequences]:
    if language not in edit_languages():
        raise ValueError(f"unknown language {language!r}; known: {', '.join(edit_languages())}")
    lang = get(language)
    return lang, cast(EditSequences, lang.edit_sequences)


def check_language(language: str) -> None:
    _language(language)


def linter_name(language: str, python_linter: str) -> str:
    """The linter of `language`'s states: its own, or the stage's `linter` parameter where it has none."""
    linter = _language(language)[1].linter
    return python_linter if linter is None else linter


def comment_lines(lines: list[str], language: str) -> set[int]:
    """0-based indices of the comment-only lines of `lines`."""
    return _language(language)[0].comment_lines(lines)


def fenced_program(response: str, language: str) -> str:
    """The program in a response: its fenced blocks of `language` joined (as LintSeq), else the text itself."""
    tags = "|".join(_language(language)[1].fence_tags)
    blocks = re.findall(rf"```(?:{tags})\n(.*?)```", response, re.S)
    return "\n".join(blocks).strip() if blocks else response


def has_syntax_error(program: str, language: str) -> bool:
    """The language's own parser rejects `program` (raises MissingTool without the Lua or OCaml tools)."""
    from stages.editseq.linters import LinterCrash, Parser, compile_error, linter_for

    linter = _language(language)[1].linter
    if linter is None:  # Python: compile() is its parser
        try:
            return compile_error(program) is not None
        except LinterCrash:  # NUL bytes, absurd nesting
            return True
    return cast(Parser, linter_for(linter)).syntax_error(program) is not None

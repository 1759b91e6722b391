"""What LintSeq needs to know about a program's language: which lines are only comments (never picked for
deletion), its syntax pre-check, its fenced blocks in a response, and its linter.

Comment-only lines: `#` lines for Python; `--` lines and lines that start inside a long bracket (`--[[ ... ]]`,
`[==[ ... ]==]`) for Lua; lines that start with `(*` or inside a (nested) `(* ... *)` comment for OCaml. The scans
are line-based approximations (a bracket inside a string literal fools them); a wrong guess only changes which
lines are picked, never whether a state lints clean.

Syntax pre-check (a program that fails it is dropped before any sampling): the language's own parser, the one
the linter also runs first: `compile()` for Python (parse and symbol table: a `nonlocal` without a binding fails
it), `luac5.4 -p` for Lua, `ocamlc -stop-after parsing` for OCaml.
"""

from __future__ import annotations

import re
from typing import cast

LANGUAGES = ("python", "lua", "ocaml")
# The linter of each language other than Python (whose linter is the stage's `linter` parameter).
FIXED_LINTERS = {"lua": "luacheck", "ocaml": "ocaml"}
# Fenced block tags whose contents are the program (LintSeq joins a response's ```python blocks).
FENCE_TAGS = {"python": ("python",), "lua": ("lua",), "ocaml": ("ocaml", "ml")}

# One Lua token that matters to the scan: a long comment or string opener, a line comment, a short string.
_LUA_TOKEN = re.compile(r"""--\[(=*)\[|\[(=*)\[|--|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'""")
_OCAML_COMMENT = re.compile(r"\(\*|\*\)")


def check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")


def linter_name(language: str, python_linter: str) -> str:
    return python_linter if language == "python" else FIXED_LINTERS[language]


def comment_lines(lines: list[str], language: str) -> set[int]:
    """0-based indices of the comment-only lines of `lines`."""
    check_language(language)
    if language == "lua":
        return _lua_comment_lines(lines)
    if language == "ocaml":
        return _ocaml_comment_lines(lines)
    return {i for i, line in enumerate(lines) if line.lstrip().startswith("#")}


def _lua_comment_lines(lines: list[str]) -> set[int]:
    out: set[int] = set()
    closing = ""  # the `]==]` that ends the long bracket the scan is inside ("" when outside)
    for i, line in enumerate(lines):
        if closing or line.lstrip().startswith("--"):
            out.add(i)
        position = 0
        while position <= len(line):
            if closing:
                end = line.find(closing, position)
                if end < 0:
                    break
                position, closing = end + len(closing), ""
                continue
            token = _LUA_TOKEN.search(line, position)
            if token is None or token.group(0) == "--":
                break  # the rest of the line is code without brackets, or a line comment
            level = token.group(1) if token.group(1) is not None else token.group(2)
            if level is not None:
                closing = "]" + level + "]"
            position = token.end()
    return out


def _ocaml_comment_lines(lines: list[str]) -> set[int]:
    out: set[int] = set()
    depth = 0  # OCaml comments nest
    for i, line in enumerate(lines):
        if depth > 0 or line.lstrip().startswith("(*"):
            out.add(i)
        for token in _OCAML_COMMENT.findall(line):
            depth = depth + 1 if token == "(*" else max(depth - 1, 0)
    return out


def fenced_program(response: str, language: str) -> str:
    """The program in a response: its fenced blocks of `language` joined (as LintSeq), else the text itself."""
    tags = "|".join(FENCE_TAGS[language])
    blocks = re.findall(rf"```(?:{tags})\n(.*?)```", response, re.S)
    return "\n".join(blocks).strip() if blocks else response


def has_syntax_error(program: str, language: str) -> bool:
    """The language's own parser rejects `program` (raises MissingTool without the Lua or OCaml tools)."""
    check_language(language)
    from stages.editseq.linters import LinterCrash, Parser, compile_error, linter_for

    if language == "python":
        try:
            return compile_error(program) is not None
        except LinterCrash:  # NUL bytes, absurd nesting
            return True

    parser = cast(Parser, linter_for(FIXED_LINTERS[language]))
    return parser.syntax_error(program) is not None

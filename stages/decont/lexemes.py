"""The lexeme kinds both lexers (pylex.py for Python, lexer.py for the other languages) produce."""

from __future__ import annotations

from typing import NamedTuple

ID = "ID"  # an identifier: normalised away, its spelling only used to spot it in the prose
KEYWORD = "KW"  # a keyword, or a name kept as written (Python builtins and attributes)
NUM = "NUM"
STR = "STR"
OP = "OP"  # one operator or punctuation character (Python: one operator token)
PROSE = "PROSE"  # a comment or docstring: its words are compared, not its characters
# Python's layout, so that a block on its header's line equals the same block indented below it.
OPEN, CLOSE, END = "{", "}", ";"


class Lexeme(NamedTuple):
    kind: str
    value: str

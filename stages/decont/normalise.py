"""Lexemes -> the token streams the `tokens` method compares, blind to names, literals and layout.

Every identifier becomes `ID`, every number `NUM`, every string `STR`; keywords, operators and (Python)
builtins and attribute names stay. Prose (docstrings, comments) becomes its lower-cased words, where a word that
is one of the text's own identifiers becomes `ID` too: a docstring's `>>> add(2, 3)` reads the same after `add`
was renamed. Two streams per text: `full` (code and prose, in order) and `code` (prose left out), so a copy whose
docstring was removed still matches the benchmark's code. `units` are the Python functions of a stream, each
from its `def` to the `}` that closes its body, compared whole when shorter than n tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stages.decont import lexer, pylex
from stages.decont.lexemes import CLOSE, ID, NUM, OPEN, PROSE, STR, Lexeme

KEEP_LITERALS = True
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Streams:
    full: list[str]
    code: list[str]


def lexemes(text: str, language: str) -> list[Lexeme]:
    """`text` lexed as `language` (a registry name or MultiPL-E's short name; UnknownLanguage for any other):
    Python by `tokenize` (its indentation blocks are the units), every other language by its lexicon."""
    name = lexer.language_name(language)
    if name == "python":
        return pylex.lex(text)
    return lexer.lex(text, name)


def streams(items: list[Lexeme]) -> Streams:
    names = {value.lower() for kind, value in items if kind == ID}
    full: list[str] = []
    code: list[str] = []
    for kind, value in items:
        if kind == PROSE:
            full.extend("ID" if word in names else word for word in WORD.findall(value.lower()))
        else:
            token = kind if kind == ID or (kind in (NUM, STR) and not KEEP_LITERALS) else value
            full.append(token)
            code.append(token)
    return Streams(full, code)


def units(tokens: list[str]) -> list[list[str]]:
    """Each `def ... { ... }` of a Python stream with a body, nested ones too (a unit ends at its block's `}`)."""
    found: list[list[str]] = []
    for start, token in enumerate(tokens):
        if token != "def":
            continue
        depth = 0
        for end in range(start + 1, len(tokens)):
            if tokens[end] == OPEN:
                depth += 1
            elif tokens[end] == CLOSE:
                depth -= 1
                if depth == 0:
                    if end - start > 1 and tokens[end - 1] != OPEN:
                        found.append(tokens[start : end + 1])
                    break
    return found

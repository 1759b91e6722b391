"""A small shared lexer for the target languages other than Python (Python goes through `tokenize`, pylex.py).

It only has to cut a program into the same lexemes on both sides of a comparison, never to parse: comments
become prose, string and character literals `STR`, numbers `NUM`, words identifiers (or keywords, kept as they
are), and every other non-space character one operator. What it knows of a language (comment and string
syntax, keywords, Racket's identifier characters) is the language's `lexicon` (stages/languages/base.py): a
language without one cannot be registered, and a name that is not registered is an UnknownLanguage error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from stages.decont.lexemes import ID, KEYWORD, NUM, OP, PROSE, STR, Lexeme
from stages.languages import canonical, get
from stages.languages.base import Lexicon

NUMBER = r"0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[A-Za-z]*|\.\d+(?:[eE][+-]?\d+)?"


def language_name(name: str) -> str:
    """The registry name of `name` (MultiPL-E's short names accepted), e.g. "rkt" -> "racket"; UnknownLanguage
    for a name that is neither."""
    return canonical(name)


@dataclass(frozen=True)
class _Compiled:
    pattern: re.Pattern[str]
    groups: tuple[str, ...]  # the lexeme kind of each alternative, in order
    lexicon: Lexicon


def _alternatives(spec: Lexicon) -> list[tuple[str, str]]:
    alts: list[tuple[str, str]] = []
    for open_, close in spec.block_comments:  # before line comments: "--[[" starts with "--"
        alts.append((PROSE, re.escape(open_) + r"[\s\S]*?(?:" + re.escape(close) + r"|\Z)"))
    for prefix in spec.line_comments:
        alts.append((PROSE, re.escape(prefix) + r"[^\n]*"))
    for open_, close in spec.prose_strings:
        alts.append((PROSE, re.escape(open_) + r"[\s\S]*?(?:" + re.escape(close) + r"|\Z)"))
    for open_, close in spec.raw_strings:
        alts.append((STR, re.escape(open_) + r"[\s\S]*?(?:" + re.escape(close) + r"|\Z)"))
    for quote in spec.quotes:
        q = re.escape(quote)
        alts.append((STR, q + r"(?:\\.|[^\\\n" + q + r"])*(?:" + q + r"|$)"))
    alts.append((NUM, NUMBER))
    alts.append((ID, spec.identifier))
    alts.append((OP, r"\S"))
    return alts


@cache
def _compiled(language: str) -> _Compiled:
    lexicon = get(canonical(language)).lexicon
    alts = _alternatives(lexicon)
    pattern = re.compile("|".join(f"({regex})" for _, regex in alts), re.MULTILINE)
    return _Compiled(pattern, tuple(kind for kind, _ in alts), lexicon)


def lex(text: str, language: str) -> list[Lexeme]:
    """The lexemes of `text` in `language` (a registry or MultiPL-E name); unknown characters become operators."""
    compiled = _compiled(language)
    keywords = compiled.lexicon.keywords
    brackets = compiled.lexicon.brackets_as_parens
    out: list[Lexeme] = []
    for match in compiled.pattern.finditer(text):
        kind = compiled.groups[match.lastindex - 1]  # type: ignore[operator]
        value = match.group()
        if kind == STR:
            value = value[1:-1] if len(value) > 1 else value  # the same text whatever the quotes
        if kind == ID and value in keywords:
            kind = KEYWORD
        elif kind == OP and brackets and value in "[]":
            value = "(" if value == "[" else ")"
        out.append(Lexeme(kind, value))
    return out

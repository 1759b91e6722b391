"""A small shared lexer for the target languages other than Python (Python goes through `tokenize`, pylex.py).

It only has to cut a program into the same lexemes on both sides of a comparison, never to parse: comments
become prose, string and character literals `STR`, numbers `NUM`, words identifiers (or keywords, kept as they
are), and every other non-space character one operator. Per language it knows the comment and string syntax,
which words are keywords, and (Racket) which characters may appear in an identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from stages.decont.lexemes import ID, KEYWORD, NUM, OP, PROSE, STR, Lexeme

_C_KEYWORDS = """break case char const continue default do double else enum extern float for goto if int long
    return short signed sizeof static struct switch typedef union unsigned void while bool true false NULL size_t
    include define"""
_KEYWORDS = {
    "lua": """and break do else elseif end false for function goto if in local nil not or repeat return then
        true until while""",
    "racket": """define lambda let let* letrec if cond else when unless and or not begin set! quote list cons car
        cdr null null? empty? + - * / = < > <= >= equal? eq? for for/list for/fold length append string-length
        #lang racket #t #f""",
    "r": """if else repeat while function for in next break TRUE FALSE NULL Inf NaN NA return c length""",
    "ocaml": """and as assert begin class do done downto else end exception external false for fun function if in
        include let match method module mutable new not of open or rec sig struct then to true try type val when
        while with list int float string bool unit option""",
    "julia": """begin break catch const continue do else elseif end export false finally for function global if
        import let local macro module quote return struct true try using while in Int64 Float64 String Bool
        Vector Dict Tuple Nothing nothing""",
    "javascript": """break case catch class const continue default delete do else export extends false finally
        for function if import in instanceof let new null return switch this throw true try typeof undefined var
        void while of length""",
    "typescript": """break case catch class const continue default delete do else export extends false finally
        for function if import in instanceof let new null return switch this throw true try typeof undefined var
        void while of length number string boolean any""",
    "c": _C_KEYWORDS,
    "cpp": _C_KEYWORDS
    + """ auto class namespace new delete private public std string vector map tuple using template typename
        this nullptr""",
    "java": """abstract boolean break byte case catch char class continue default do double else extends final
        finally float for if implements import instanceof int interface long new null package private protected
        public return short static super switch this throw throws true try void while false String ArrayList
        HashMap Arrays Optional Integer Long Double Boolean""",
    "go": """break case chan const continue default defer else fallthrough for func go goto if import interface
        map package range return select struct switch type var true false nil int float64 string bool len
        append make""",
}


@dataclass(frozen=True)
class LexSpec:
    """What the lexer needs of a language: its comments, strings, prose strings, identifiers and keywords."""

    line_comments: tuple[str, ...]
    block_comments: tuple[tuple[str, str], ...] = ()
    # Delimiters of string literals with backslash escapes ("'" only where it does not quote symbols).
    quotes: tuple[str, ...] = ('"',)
    # Delimiter pairs of literals whose text is documentation, lexed as prose (Julia's docstrings).
    prose_strings: tuple[tuple[str, str], ...] = ()
    # Delimiter pairs of raw strings without escapes (Lua long strings, Go/JS backticks).
    raw_strings: tuple[tuple[str, str], ...] = ()
    identifier: str = r"[A-Za-z_][A-Za-z0-9_]*"
    # Racket: [ and ] are interchangeable with ( and ).
    brackets_as_parens: bool = False


_C_LIKE = LexSpec(line_comments=("//",), block_comments=(("/*", "*/"),), quotes=('"', "'"))
SPECS: dict[str, LexSpec] = {
    "lua": LexSpec(
        line_comments=("--",),
        block_comments=(("--[[", "]]"),),
        quotes=('"', "'"),
        raw_strings=(("[[", "]]"),),
    ),
    "racket": LexSpec(
        line_comments=(";",),
        block_comments=(("#|", "|#"),),
        identifier=r"[^\s()\[\]{}\",'`;|0-9][^\s()\[\]{}\",'`;|]*",
        brackets_as_parens=True,
    ),
    "r": LexSpec(line_comments=("#",), quotes=('"', "'")),
    "ocaml": LexSpec(line_comments=(), block_comments=(("(*", "*)"),)),
    "julia": LexSpec(line_comments=("#",), block_comments=(("#=", "=#"),), prose_strings=(('"""', '"""'),)),
    "javascript": LexSpec(**{**_C_LIKE.__dict__, "raw_strings": (("`", "`"),)}),
    "typescript": LexSpec(**{**_C_LIKE.__dict__, "raw_strings": (("`", "`"),)}),
    "c": _C_LIKE,
    "cpp": _C_LIKE,
    "java": _C_LIKE,
    "go": LexSpec(**{**_C_LIKE.__dict__, "raw_strings": (("`", "`"),)}),
}
# MultiPL-E's short names, as benchmark rows carry them in `language`.
ALIASES = {
    "py": "python",
    "rkt": "racket",
    "ml": "ocaml",
    "jl": "julia",
    "js": "javascript",
    "ts": "typescript",
}
NUMBER = r"0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[A-Za-z]*|\.\d+(?:[eE][+-]?\d+)?"


def language_name(name: str) -> str:
    """The registry name of `name` (MultiPL-E's short names accepted), e.g. "rkt" -> "racket"."""
    return ALIASES.get(name, name)


@dataclass(frozen=True)
class _Compiled:
    pattern: re.Pattern[str]
    groups: tuple[str, ...]  # the lexeme kind of each alternative, in order
    keywords: frozenset[str]


def _alternatives(spec: LexSpec) -> list[tuple[str, str]]:
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
    spec = SPECS[language]
    alts = _alternatives(spec)
    pattern = re.compile("|".join(f"({regex})" for _, regex in alts), re.MULTILINE)
    return _Compiled(pattern, tuple(kind for kind, _ in alts), frozenset(_KEYWORDS[language].split()))


def lex(text: str, language: str) -> list[Lexeme]:
    """The lexemes of `text` in `language` (a name of SPECS); unknown characters become operators."""
    compiled = _compiled(language)
    brackets = SPECS[language].brackets_as_parens
    out: list[Lexeme] = []
    for match in compiled.pattern.finditer(text):
        kind = compiled.groups[match.lastindex - 1]  # type: ignore[operator]
        value = match.group()
        if kind == STR:
            value = value[1:-1] if len(value) > 1 else value  # the same text whatever the quotes
        if kind == ID and value in compiled.keywords:
            kind = KEYWORD
        elif kind == OP and brackets and value in "[]":
            value = "(" if value == "[" else ")"
        out.append(Lexeme(kind, value))
    return out

"""Python lexemes from the `tokenize` module, with the layout turned into structure a reformatter cannot move.

Blocks become `{` `}` and statements end in `;`, whether a body sits on its header's line (`if x: y`) or
indented below it, and whether statements are split by newlines or semicolons; blank lines, line breaks inside
brackets, a trailing comma before a closing bracket, grouping parentheses (`return (x)`, which formatters add
around long expressions) and the split of implicitly concatenated strings leave no trace. A string that is a
statement of its own (a docstring) and comments are prose. Builtins (`len`, `sorted`, ...) and attribute names
after `.` are kept as written: renaming a function's own names does not change them, and they tell short
functions apart. Text that stops tokenising (prose, a truncated snippet) keeps the lexemes read before it.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import tokenize

from stages.decont.lexemes import CLOSE, END, ID, KEYWORD, NUM, OP, OPEN, PROSE, STR, Lexeme

BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))
# First words of a compound statement: their header's last top-level ":" opens a block.
COMPOUND = frozenset(
    {"if", "elif", "else", "for", "while", "with", "try", "except", "finally", "def", "class", "async"}
)
_SKIP = {tokenize.ENCODING, tokenize.NL, tokenize.ENDMARKER}
_STRING_PREFIX = "rRbBuUfF"


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    tokens: list[tokenize.TokenInfo] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in _SKIP:
                tokens.append(token)
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        pass
    return tokens


def _literal(value: str) -> str:
    """A literal's value written one way (quotes, escapes, 0XFF vs 255), so a formatter does not change it."""
    try:
        return repr(ast.literal_eval(value))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return value  # f-strings, huge numbers


def _next_code(tokens: list[tokenize.TokenInfo], i: int) -> int:
    """The type of the first token after i that is not a comment (ENDMARKER at the end)."""
    for token in tokens[i + 1 :]:
        if token.type != tokenize.COMMENT:
            return token.type
    return tokenize.ENDMARKER


def lex(text: str) -> list[Lexeme]:
    tokens = _tokens(text)
    out: list[Lexeme] = []
    line_start, header, depth, lambdas, pending, docstring = True, False, 0, 0, 0, False
    dropped: list[bool] = []  # per open bracket: whether it was a grouping "(" left out

    def end() -> None:
        if out and out[-1].value != END:
            out.append(Lexeme(OP, END))

    for i, token in enumerate(tokens):
        kind, value = token.type, token.string
        if kind == tokenize.COMMENT:
            out.append(Lexeme(PROSE, value))
            continue
        if kind == tokenize.NEWLINE:
            if _next_code(tokens, i) != tokenize.INDENT:  # a header's newline: the block follows
                if not docstring:  # a docstring is prose, not a statement: removing it leaves no trace
                    end()
                out.extend([Lexeme(OP, CLOSE)] * pending)
            line_start, header, depth, lambdas, pending, docstring = True, False, 0, 0, 0, False
            continue
        if kind == tokenize.INDENT:
            out.append(Lexeme(OP, OPEN))
            continue
        if kind == tokenize.DEDENT:
            out.append(Lexeme(OP, CLOSE))
            continue
        prev = out[-1] if out else None
        if kind == tokenize.STRING:
            if line_start and _next_code(tokens, i) in (
                tokenize.NEWLINE,
                tokenize.DEDENT,
                tokenize.ENDMARKER,
            ):
                out.append(Lexeme(PROSE, value.lstrip(_STRING_PREFIX)))
                docstring = True
            elif prev is None or prev.kind != STR:  # "a" "b" is one literal
                out.append(Lexeme(STR, _literal(value)))
        elif kind == tokenize.NUMBER:
            out.append(Lexeme(NUM, _literal(value)))
        elif kind == tokenize.NAME:
            if line_start and value in COMPOUND:
                header = True
            if keyword.iskeyword(value):
                if value == "lambda" and depth == 0:
                    lambdas += 1
                out.append(Lexeme(KEYWORD, value))
            elif value in BUILTINS or (prev is not None and prev.value == "."):
                out.append(Lexeme(KEYWORD, value))
            else:
                out.append(Lexeme(ID, value))
        elif kind == tokenize.OP:
            if value in "([{":
                depth += 1
                called = prev is not None and (
                    (prev.kind in (ID, KEYWORD) and not keyword.iskeyword(prev.value)) or prev.value in ")]"
                )
                grouping = value == "(" and not called
                dropped.append(grouping)
                if not grouping:
                    out.append(Lexeme(OP, value))
            elif value in ")]}":
                depth = max(depth - 1, 0)
                if prev is not None and prev.value == ",":
                    out.pop()
                if not (dropped and dropped.pop()):
                    out.append(Lexeme(OP, value))
            elif value == ":" and header and depth == 0:
                out.append(Lexeme(OP, value))
                if lambdas:
                    lambdas -= 1
                else:
                    header = False
                    if _next_code(tokens, i) != tokenize.NEWLINE:  # `if x: y`: the same block as below
                        out.append(Lexeme(OP, OPEN))
                        pending += 1
            elif value == ";":
                end()
            else:
                out.append(Lexeme(OP, value))
        elif value.strip():  # ERRORTOKEN: a stray character or an unterminated quote
            out.append(Lexeme(OP, value.strip()))
        line_start = False
    return out

"""Reword Python's terms in a prompt's prose for a target language (MultiPL-E's "reworded" terminology).

"Return a list of tuples, or None" reads "Return a table of tables, or nil" for Lua. Only whole words in prose
are replaced (doctest lines are translated elsewhere), keeping case and plural, and the article before a replaced
noun is fixed up: "an array" becomes "a table" in Lua.
"""

from __future__ import annotations

import re

from stages.languages.base import Terms

# Python word (as written in prose) -> the Terms field that replaces it. Plurals are handled by the pattern.
_NOUNS = {"list": "list", "array": "array", "tuple": "tuple", "dictionary": "dictionary"}
_CONSTANTS = {"None": "none", "True": "true", "False": "false"}

_NOUN_RE = re.compile(
    r"\b(?:(?P<article>[Aa]n?)\s+)?(?P<word>[Ll]ist|[Aa]rray|[Tt]uple|[Dd]ictionar(?:y|ies))(?P<plural>s?)\b"
)
_CONSTANT_RE = re.compile(r"\b(None|True|False)\b")
_VOWEL_SOUND = re.compile(r"^[aeiouAEIOU]")


def reword(text: str, terms: Terms) -> str:
    """`text` with Python's nouns and constants replaced by the language's, keeping case and plural."""
    text = _NOUN_RE.sub(lambda m: _noun(m, terms), text)
    return _CONSTANT_RE.sub(lambda m: getattr(terms, _CONSTANTS[m.group(1)]), text)


def _noun(match: re.Match[str], terms: Terms) -> str:
    word = match.group("word")
    lower = word.lower()
    plural = bool(match.group("plural")) or lower == "dictionaries"
    key = "dictionary" if lower.startswith("dictionar") else lower
    new = getattr(terms, _NOUNS[key])
    if plural:
        new = _pluralise(new)
    if word[0].isupper():
        new = new[0].upper() + new[1:]
    article = match.group("article")
    if article is None:
        return new
    fixed = "an" if _VOWEL_SOUND.match(new) else "a"
    if article[0].isupper():
        fixed = fixed.capitalize()
    return f"{fixed} {new}"


def _pluralise(noun: str) -> str:
    """English plural of a (possibly multi-word) term: "named list" -> "named lists", "hash" -> "hashes"."""
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    if noun.endswith("y") and not noun.endswith(("ay", "ey", "oy", "uy")):
        return noun[:-1] + "ies"
    return noun + "s"

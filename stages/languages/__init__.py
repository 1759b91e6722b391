"""Target languages: one module each, registered here by name.

Adding a language is one module (a `Language` subclass) and one line in `REGISTRY`.
"""

from __future__ import annotations

from stages.languages.base import Language, Signature, Status, Untranslatable
from stages.languages.c import C
from stages.languages.cpp import Cpp
from stages.languages.go import Go
from stages.languages.java import Java
from stages.languages.javascript import JavaScript
from stages.languages.julia import Julia
from stages.languages.lua import Lua
from stages.languages.ocaml import OCaml
from stages.languages.python import Python
from stages.languages.r import R
from stages.languages.racket import Racket
from stages.languages.typescript import TypeScript

REGISTRY: dict[str, type[Language]] = {
    "python": Python,
    "lua": Lua,
    "racket": Racket,
    "r": R,
    "ocaml": OCaml,
    "julia": Julia,
    "javascript": JavaScript,
    "typescript": TypeScript,
    "c": C,
    "cpp": Cpp,
    "java": Java,
    "go": Go,
}


class UnknownLanguage(KeyError):
    """A language name that is not registered; the message lists the registered ones."""

    def __str__(self) -> str:
        return str(self.args[0])


def get(name: str) -> Language:
    """A fresh instance of the language registered as `name`."""
    try:
        return REGISTRY[name]()
    except KeyError:
        raise UnknownLanguage(f"unknown language {name!r}; registered: {', '.join(REGISTRY)}") from None


def names() -> list[str]:
    return list(REGISTRY)


__all__ = ["REGISTRY", "Language", "Signature", "Status", "UnknownLanguage", "Untranslatable", "get", "names"]

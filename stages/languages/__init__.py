"""Target languages: one module each, registered here by name.

Adding a language is one module (a `Language` subclass, which also declares its Debian packages, runtime probe
and translation defaults), its entry in `REGISTRY` and its test fixtures (tests/languages/fixtures/NAME/);
tests/languages/test_registry.py says what is missing.
"""

from __future__ import annotations

from stages.languages.base import Language, Signature, Status, TranslateDefaults, Untranslatable
from stages.registry import Registry


class UnknownLanguage(KeyError):
    """A language name that is not registered; the message lists the registered ones."""

    def __str__(self) -> str:
        return str(self.args[0])


# The one list of languages: params, translate's defaults, setup.sh's check and the tests all read it. Modules
# are imported when a language is first asked for.
REGISTRY: Registry[type[Language]] = Registry(
    "language",
    {
        "python": "stages.languages.python:Python",
        "lua": "stages.languages.lua:Lua",
        "racket": "stages.languages.racket:Racket",
        "r": "stages.languages.r:R",
        "ocaml": "stages.languages.ocaml:OCaml",
        "julia": "stages.languages.julia:Julia",
        "javascript": "stages.languages.javascript:JavaScript",
        "typescript": "stages.languages.typescript:TypeScript",
        "c": "stages.languages.c:C",
        "cpp": "stages.languages.cpp:Cpp",
        "java": "stages.languages.java:Java",
        "go": "stages.languages.go:Go",
    },
    error=UnknownLanguage,
)


def get(name: str) -> Language:
    """A fresh instance of the language registered as `name`."""
    return REGISTRY.load(name)()


def names() -> list[str]:
    return REGISTRY.names()


__all__ = [
    "REGISTRY",
    "Language",
    "Signature",
    "Status",
    "TranslateDefaults",
    "UnknownLanguage",
    "Untranslatable",
    "get",
    "names",
]

"""Target languages: one module each, registered here by name.

Adding a language is one module (a `Language` subclass, which also declares its display name, Debian packages,
runtime probe, lexicon for decontamination, status signs and translation defaults), its entry in `REGISTRY`, its
test fixtures (tests/languages/fixtures/NAME/) and its Debian packages in scripts/setup.sh (the README's
"Languages" section lists them); tests/languages/test_registry.py says what is missing.
"""

from __future__ import annotations

from stages.languages.base import (
    IncompleteLanguage,
    Language,
    Signature,
    Status,
    TranslateDefaults,
    Untranslatable,
)
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
    """A fresh instance of the language registered as `name`; IncompleteLanguage names what its class lacks."""
    cls = REGISTRY.load(name)
    cls.check_complete()
    return cls()


def display_name(name: str) -> str:
    """How prose names the language `name` (a registry or MultiPL-E name): "cpp" -> "C++"."""
    return REGISTRY.load(canonical(name)).display_name


def canonical(name: str) -> str:
    """The registry name of `name`, a registry name or MultiPL-E's short name ("rkt" -> "racket", as benchmark
    rows write it); UnknownLanguage for any other."""
    if name in REGISTRY:
        return name
    for key, cls in REGISTRY.items():
        if cls.multipl_e_name == name:
            return key
    REGISTRY.load(name)  # raises UnknownLanguage, naming the registered ones
    raise AssertionError(name)


def names() -> list[str]:
    return REGISTRY.names()


__all__ = [
    "REGISTRY",
    "IncompleteLanguage",
    "Language",
    "Signature",
    "Status",
    "TranslateDefaults",
    "UnknownLanguage",
    "Untranslatable",
    "canonical",
    "display_name",
    "get",
    "names",
]

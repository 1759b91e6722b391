"""Shared helpers for the language tests: runtimes (skipped by name when missing), HumanEval, fixtures."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from stages.languages import Language, get
from stages.languages.benchmark import Problem, compile_problem, humaneval_problems
from stages.languages.execute import execute

FIXTURES = Path(__file__).parent / "fixtures"
# How each runtime is installed, for skip messages.
PACKAGES = {
    "python": "Debian package python3",
    "lua": "Debian packages lua5.4 and lua-unit",
    "racket": "Debian package racket",
    "r": "Debian package r-base-core",
    "ocaml": "Debian package ocaml-nox",
    "julia": "no Debian package: Julia from julialang.org, with `julia` on PATH",
    "javascript": "Debian package nodejs",
    "typescript": "Debian package nodejs and npm typescript in .tools/",
    "c": "Debian package gcc",
    "cpp": "Debian package g++",
    "java": "Debian package default-jdk-headless",
    "go": "Debian package golang-go",
}
# A program that proves the runtime (and its test library) works, per language.
PROBES = {
    "python": "print(1)\n",
    "lua": "local lu = require('luaunit')\n",
    "racket": "#lang racket\n(require rackunit)\n",
    "r": "stopifnot(TRUE)\n",
    "ocaml": "let () = assert (1 + 1 = 2)\n",
    "julia": "using Test\n@test 1 + 1 == 2\n",
    "javascript": "require('node:assert').ok(true);\n",
    "typescript": "declare var require: any;\nrequire('node:assert').ok(true as boolean);\n",
    "c": "#include <assert.h>\nint main(void) { assert(1); return 0; }\n",
    "cpp": "#include <cassert>\nint main() { assert(true); }\n",
    "java": "class Problem { public static void main(String[] args) { assert true; } }\n",
    "go": "package main\n\nfunc main() {}\n",
}
_MARKER = re.compile(r"^\s*(?:--|;;|#|//|\(\*) ==== (HumanEval_\d+) (right|wrong)(?:\s*\*\))?\s*$")


@functools.cache
def runtime_problem(name: str) -> str | None:
    """Why `name`'s runtime cannot run programs here, or None when it can."""
    lang = get(name)
    result = execute(lang, PROBES[name])
    if result.raw.runtime_missing:
        return f"{name}: {result.raw.stderr[:200]} ({PACKAGES[name]}; run scripts/setup.sh)"
    if result.raw.exit_code != 0:
        return f"{lang.runtime} cannot load its test library ({PACKAGES[name]}): {result.raw.stderr[:200]}"
    return None


def require_runtime(name: str) -> Language:
    why = runtime_problem(name)
    if why is not None:
        pytest.skip(why)
    return get(name)


@functools.cache
def humaneval() -> dict[str, Problem]:
    """HumanEval problems keyed by MultiPL-E's short key, e.g. "HumanEval_0"."""
    return {f"HumanEval_{p.task_id.split('/')[1]}": p for p in humaneval_problems()}


def compiled(name: str, key: str) -> dict[str, object]:
    """The MultiPL-E row of HumanEval problem `key` in language `name`."""
    return compile_problem(get(name), humaneval()[key], doctests="transform", terminology="reworded").payload


def read_fixtures(name: str) -> dict[tuple[str, str], str]:
    """(problem key, "right" | "wrong") -> completion, from fixtures/<name>/solutions.*."""
    (path,) = (FIXTURES / name).glob("solutions.*")
    sections: dict[tuple[str, str], list[str]] = {}
    current: tuple[str, str] | None = None
    for line in path.read_text().splitlines():
        match = _MARKER.match(line)
        if match:
            current = (match.group(1), match.group(2))
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return {key: "\n".join(lines) + "\n" for key, lines in sections.items()}


def program(row: dict[str, object], completion: str) -> str:
    """What MultiPL-E runs: prompt + completion + "\\n" + tests."""
    return f"{row['prompt']}{completion}\n{row['tests']}"

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
_MARKER = re.compile(r"^\s*(?:--|;;|#|//|\(\*) ==== (HumanEval_\d+) (right|wrong)(?:\s*\*\))?\s*$")


@functools.cache
def runtime_problem(name: str) -> str | None:
    """Why `name`'s runtime cannot run programs here, or None when it can."""
    lang = get(name)
    result = execute(lang, lang.probe_program)
    if result.raw.runtime_missing:
        return f"{name}: {result.raw.stderr[:200]} ({lang.install_hint})"
    if result.raw.exit_code != 0:
        return f"{lang.runtime} cannot load its test library ({lang.install_hint}): {result.raw.stderr[:200]}"
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


def fixture_path(name: str) -> Path:
    """The right/wrong solution pairs of language `name`; fails the test, naming the file, when missing."""
    found = sorted((FIXTURES / name).glob("solutions.*"))
    if len(found) != 1:
        expected = (FIXTURES / name / f"solutions.{get(name).file_ext}").relative_to(FIXTURES.parents[2])
        pytest.fail(f"{name}: expected one fixture file {expected} (right/wrong pairs), found {len(found)}")
    return found[0]


def read_fixtures(name: str) -> dict[tuple[str, str], str]:
    """(problem key, "right" | "wrong") -> completion, from fixtures/<name>/solutions.*."""
    path = fixture_path(name)
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

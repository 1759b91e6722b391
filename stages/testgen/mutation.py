"""Mutation analysis of a function's passing asserts: would the tests notice a wrong line?

Runs through the sandbox's Python fast path: one interpreter per function, which loads the module once, and a
fork per snippet, under the sandbox's limits (each snippet's wall limit is `mutant_wall_s`).

The module is extended with extra inputs shaped like the observed arguments (`inputs.extra_inputs`) and the
original's outcome on each (its value, or the name of what it raised), computed once before the forks. Snippet
0 (the control) is the passing asserts run in order against the original; snippet 1 checks that the original's
outcomes were computed; snippet i is mutant i's `def` (rebinding the function's name in the forked copy, so
recursive calls reach the mutant too), the same asserts, then the mutant on every extra input, stopping at the
first outcome that differs. Its verdict:

- an assert fails, or it raises, or it runs out of CPU time: **killed**;
- the asserts pass and some extra input gives another outcome: **survived** (the tests are weak there);
- the asserts pass and every extra input agrees: **presumed equivalent**, not counted (the stated rule: no
  test could be expected to kill a mutant that agrees with the original on a few hundred inputs beyond the
  tests' own). Without extra inputs (no literal arguments were observed) nothing is presumed equivalent;
- it runs past the wall limit: judged again with the asserts alone (a second, rare driver): killed when they
  time out or fail there (a mutant that loops forever is a wrong line the tests noticed), else survived (it
  hung on an extra input where the original did not).

Per call on an extra input the original gets `CALL_CPU_S` of CPU time (inputs it needs longer for are left
out) and a mutant `MUTANT_CALL_CPU_S` (a mutant slower than that where the original was fast differs).

Should the control fail (asserts that pass alone but not together in one process: shared state, or together
slower than `mutant_wall_s`), the kill pass is redone with one snippet per (mutant, assert), each assert alone
as it was judged and under its own wall limit, and the survivors' equivalence checked in a second driver.

Score: killed / (killed + survived), presumed-equivalent mutants left out; 1.0 when nothing is left to count.
`isolated=True` runs the same snippets one process each (the reference path), for tests and the benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stages.sandbox import Limits, Sandbox
from stages.sandbox.pyfast import SnippetResult, run_snippets, run_snippets_isolated
from stages.testgen.inputs import extra_inputs
from stages.testgen.mutants import Mutant, Seen, mutants_of

CALL_CPU_S = 0.05
MUTANT_CALL_CPU_S = 0.5
# CPU seconds the driver spends computing the original's outcomes, at most; inputs past it are left out.
EXPECTED_BUDGET_S = 1.0
DIFFERS = "_PfDiffers"  # what a mutant's snippet raises at the first extra input it disagrees on

# Appended to the module (runs once, in the driver, before any fork). It never raises: an original that raises
# or is slow on an input has that as its outcome.
EQUIVALENCE_SETUP = """
import ast as _pf_ast
import copy as _pf_copy
import signal as _pf_signal
import time as _pf_time
class _PfSlow(BaseException):
    pass
class _PfDiffers(Exception):
    pass
def _pf_alarm(signum, frame):
    raise _PfSlow()
_pf_signal.signal(_pf_signal.SIGVTALRM, _pf_alarm)
def _pf_outcome(args, limit):
    try:
        try:
            _pf_signal.setitimer(_pf_signal.ITIMER_VIRTUAL, limit)
            value = {name}(*_pf_copy.deepcopy(args))
        finally:
            _pf_signal.setitimer(_pf_signal.ITIMER_VIRTUAL, 0)
    except _PfSlow:
        return ("slow", None)
    except BaseException as exc:
        return ("raise", type(exc).__name__)
    return ("value", value)
def _pf_same(got, want):
    if got[0] != want[0]:
        return False
    a, b = got[1], want[1]
    if got[0] == "raise":
        return a == b
    if a is b:
        return True
    try:
        return type(a) is type(b) and (bool(a == b) or repr(a) == repr(b))
    except BaseException:
        return False
_pf_inputs = _pf_ast.literal_eval({inputs!r})
_pf_expected = []
_pf_spent = _pf_time.process_time()
for _pf_args in _pf_inputs:
    if _pf_time.process_time() - _pf_spent > {budget}:
        break
    _pf_expected.append((_pf_args, _pf_outcome(_pf_args, {call_s})))
"""
# Run after a mutant's def (and asserts): raises _PfDiffers at the first different outcome.
EQUIVALENCE_CHECK = """
for _pf_args, _pf_want in _pf_expected:
    if _pf_want[0] != "slow" and not _pf_same(_pf_outcome(_pf_args, {call_s}), _pf_want):
        raise _PfDiffers()
"""


def analyse(
    prelude: str,
    name: str,
    tests: Sequence[str],
    examples: Sequence[tuple[Any, ...]],
    limits: Limits,
    sandbox: Sandbox,
    *,
    max_mutants: int,
    equivalence_inputs: int,
    mutant_wall_s: float,
    returned: Sequence[Any] = (),
    isolated: bool = False,
) -> dict[str, Any]:
    """Mutation analysis of `tests` (asserts that pass on the original, one by one) against `name`'s mutants.

    `examples`: argument tuples observed while the tests ran (literals), the shape of the extra inputs;
    `returned`: the values it returned there (literals), the constants of the `constant` operator; `limits`:
    the asserts' limits. Returns the counts, the score and the surviving mutants' sites."""
    mutants = mutants_of(prelude, name, max_mutants, Seen(tuple(returned)))
    result: dict[str, Any] = {
        "mutants": len(mutants),
        "killed": 0,
        "equivalent": 0,
        "survived": [],
        "score": 1.0,
        "mode": "none",
    }
    if not mutants or not tests:
        return result
    mutant_limits = limits.override(wall_s=min(limits.wall_s, mutant_wall_s))
    inputs = extra_inputs(examples, equivalence_inputs, seed=f"{name}\n{prelude}")
    verdicts, mode = (
        _one_driver(prelude, name, tests, mutants, inputs, mutant_limits, sandbox, isolated),
        "bundle",
    )
    if verdicts is None:
        alive, mode = _pairs(prelude, tests, mutants, limits, sandbox, isolated), "pairs"
        same = _equivalence_pass(prelude, name, alive, inputs, mutant_limits, sandbox, isolated)
        alive_same = {id(m): s for m, s in zip(alive, same, strict=True)}
        verdicts = [
            "killed" if id(m) not in alive_same else "equivalent" if alive_same[id(m)] else "survived"
            for m in mutants
        ]
    survived = [m for m, v in zip(mutants, verdicts, strict=True) if v == "survived"]
    killed = verdicts.count("killed")
    counted = killed + len(survived)
    result.update(
        killed=killed,
        equivalent=verdicts.count("equivalent"),
        survived=[m.site() for m in survived],
        score=round(killed / counted, 4) if counted else 1.0,
        mode=mode,
    )
    return result


def _run(
    prelude: str, snippets: list[str], limits: Limits, sandbox: Sandbox, isolated: bool
) -> list[SnippetResult]:
    if isolated:
        return run_snippets_isolated(prelude, snippets, limits, sandbox=sandbox)
    return run_snippets(prelude, snippets, limits, sandbox=sandbox)


def _setup(name: str, inputs: list[tuple[Any, ...]]) -> str:
    # The inputs as one string literal: the driver compiles the module once per snippet (its syntax check), and
    # a string compiles ~10x faster than the same values as a list display.
    text = repr(inputs)
    return EQUIVALENCE_SETUP.format(name=name, inputs=text, budget=EXPECTED_BUDGET_S, call_s=CALL_CPU_S)


def _one_driver(
    prelude: str,
    name: str,
    tests: Sequence[str],
    mutants: list[Mutant],
    inputs: list[tuple[Any, ...]],
    limits: Limits,
    sandbox: Sandbox,
    isolated: bool,
) -> list[str] | None:
    """Each mutant's verdict ("killed", "survived", "equivalent") from one driver, or None when the control
    failed (the asserts do not pass together)."""
    suite = "\n".join(tests)
    check = EQUIVALENCE_CHECK.format(call_s=MUTANT_CALL_CPU_S)
    snippets = [suite, "assert _pf_expected"] + [f"{m.source}\n{suite}\n{check}" for m in mutants]
    control, computed, *results = _run(
        f"{prelude}\n{_setup(name, inputs)}", snippets, limits, sandbox, isolated
    )
    if control.status != "ok":
        return None
    verdicts = []
    for r in results:
        if r.status == "ok":
            verdicts.append("equivalent" if computed.status == "ok" else "survived")
        elif r.status == "exception" and r.error == DIFFERS:
            verdicts.append("survived")
        else:
            verdicts.append("timeout" if r.status == "timeout" else "killed")
    hung = [i for i, v in enumerate(verdicts) if v == "timeout"]
    if hung:  # where did it hang: in the asserts (killed) or on an extra input (survived)?
        again = _run(prelude, [f"{mutants[i].source}\n{suite}" for i in hung], limits, sandbox, isolated)
        for i, r in zip(hung, again, strict=True):
            verdicts[i] = "survived" if r.status == "ok" else "killed"
    return verdicts


def _pairs(
    prelude: str,
    tests: Sequence[str],
    mutants: list[Mutant],
    limits: Limits,
    sandbox: Sandbox,
    isolated: bool,
) -> list[Mutant]:
    """The mutants that pass every assert, each (mutant, assert) in its own snippet under the asserts' limits."""
    pairs = [f"{m.source}\n{t}" for m in mutants for t in tests]
    results = _run(prelude, pairs, limits, sandbox, isolated)
    k = len(tests)
    return [m for i, m in enumerate(mutants) if all(r.status == "ok" for r in results[i * k : (i + 1) * k])]


def _equivalence_pass(
    prelude: str,
    name: str,
    alive: list[Mutant],
    inputs: list[tuple[Any, ...]],
    limits: Limits,
    sandbox: Sandbox,
    isolated: bool,
) -> list[bool]:
    """For each surviving mutant, whether it is presumed equivalent (agrees on every extra input)."""
    if not inputs or not alive:
        return [False] * len(alive)
    check = EQUIVALENCE_CHECK.format(call_s=MUTANT_CALL_CPU_S)
    # Control: the set-up ran and computed the original's outcome on at least one input.
    snippets = ["assert _pf_expected"] + [f"{m.source}\n{check}" for m in alive]
    control, *verdicts = _run(f"{prelude}\n{_setup(name, inputs)}", snippets, limits, sandbox, isolated)
    if control.status != "ok":
        return [False] * len(alive)
    return [r.status == "ok" for r in verdicts]

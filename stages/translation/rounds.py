"""Adaptive sampling: candidates are drawn in rounds, and a function stops drawing as soon as it has enough.

MultiPL-T drew 50 candidates for every function and then threw most away in de-duplication. Here round r draws
samples [r * round_size, (r + 1) * round_size) of every function still active, and a function stops after a
round when it has `keep_per_function` translations that survive de-duplication, when it has drawn `n`, or (with
`give_up_rounds`) when that many rounds brought not one passing candidate. `keep_per_function: 0` draws all `n`
and keeps every survivor: MultiPL-T's fixed-n schedule.

The driver knows nothing of models or sandboxes: `draw(functions, first_index, count)` returns, for each listed
function, the judged samples first_index .. first_index + count - 1. The stage draws through the generator and
the sandbox; the benchmark replays one cached large draw under any schedule, because the completion cache is
keyed by global sample index.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from stages.checks import ParamsError, check_range
from stages.translation.dedup import KEPT, Selector

KEPT_ENOUGH = "kept_enough"
N_REACHED = "n_reached"
GAVE_UP = "gave_up"
BEYOND_QUOTA = "beyond_keep_per_function"
NOT_PASSING = "not_passing"


@dataclass(frozen=True)
class RoundPolicy:
    n: int  # most candidates per function
    round_size: int  # candidates drawn per function per round
    keep_per_function: int = 0  # stop once this many survive de-dup (0: never stop early, keep all)
    give_up_rounds: int = 0  # stop after this many rounds without one passing candidate (0: never)

    def __post_init__(self) -> None:
        check_range("n", self.n, 1)
        check_range("round_size", self.round_size, 1)
        check_range("keep_per_function", self.keep_per_function, 0)
        check_range("give_up_rounds", self.give_up_rounds, 0)
        if self.round_size > self.n:
            raise ParamsError(
                f"round_size {self.round_size} exceeds n {self.n}: a round cannot draw more than n"
            )

    @classmethod
    def fixed(cls, n: int) -> RoundPolicy:
        """MultiPL-T's schedule: all n in one round, every survivor kept."""
        return cls(n=n, round_size=n)


@dataclass(frozen=True)
class Sample:
    index: int  # global sample index of the candidate for its function
    passed: bool  # its program ended with status OK
    text: str  # what de-duplication compares (the program without the harness and the Python comment)
    payload: Any = None  # whatever the caller needs back for kept samples


@dataclass
class FunctionDraw:
    """What happened to one function: counts, the kept samples in index order, why drawing stopped."""

    selector: Selector
    drawn: int = 0
    rounds: int = 0
    passing: int = 0
    kept: list[Sample] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)  # per sample: KEPT or the reason it was not
    stopped: str | None = None

    def add_round(self, samples: Sequence[Sample], policy: RoundPolicy) -> None:
        for sample in samples:
            self.drawn += 1
            if not sample.passed:
                self.outcomes[NOT_PASSING] += 1
                continue
            self.passing += 1
            if policy.keep_per_function and len(self.kept) >= policy.keep_per_function:
                self.outcomes[BEYOND_QUOTA] += 1
                continue
            verdict = self.selector.offer(sample.text)
            self.outcomes[verdict] += 1
            if verdict == KEPT:
                self.kept.append(sample)
        self.rounds += 1
        if policy.keep_per_function and len(self.kept) >= policy.keep_per_function:
            self.stopped = KEPT_ENOUGH
        elif self.drawn >= policy.n:
            self.stopped = N_REACHED
        elif policy.give_up_rounds and self.rounds >= policy.give_up_rounds and self.passing == 0:
            self.stopped = GAVE_UP


Draw = Callable[[list[int], int, int], Sequence[Sequence[Sample]]]


def run_rounds(
    functions: int, policy: RoundPolicy, draw: Draw, selector: Callable[[], Selector]
) -> list[FunctionDraw]:
    """Draw rounds for `functions` functions (numbered 0..functions-1) until every one has stopped."""
    states = [FunctionDraw(selector()) for _ in range(functions)]
    first = 0
    while first < policy.n:
        active = [i for i, state in enumerate(states) if state.stopped is None]
        if not active:
            break
        count = min(policy.round_size, policy.n - first)
        results = draw(active, first, count)
        if len(results) != len(active):
            raise RuntimeError(f"draw returned samples for {len(results)} functions, asked for {len(active)}")
        for i, samples in zip(active, results, strict=True):
            if len(samples) != count:
                raise RuntimeError(
                    f"draw returned {len(samples)} samples for function {i}, asked for {count}"
                )
            states[i].add_round(samples, policy)
        first += count
    return states

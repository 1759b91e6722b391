"""Adaptive rounds: which samples are drawn, and when each function stops."""

from __future__ import annotations

import pytest

from stages.params import ParamsError
from stages.translation.dedup import Selector
from stages.translation.rounds import (
    BEYOND_QUOTA,
    GAVE_UP,
    KEPT_ENOUGH,
    N_REACHED,
    NOT_PASSING,
    RoundPolicy,
    Sample,
    run_rounds,
)

# Per function, per global sample index: the candidate's text, or None for a failing candidate.
OUTCOMES = {
    0: [None, "a", "b", "c", None, None, None, None],  # passes from index 1
    1: [None] * 8,  # never passes
    2: ["x", "x", "y", None, "z", None, None, None],  # a duplicate at index 1
    3: [None, None, None, None, None, "w", None, None],  # passes late
}


class Replay:
    """A draw that reads outcomes from a table and records what was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[int], int, int]] = []

    def __call__(self, active: list[int], first: int, count: int) -> list[list[Sample]]:
        self.calls.append((list(active), first, count))
        out = []
        for f in active:
            texts = OUTCOMES[f][first : first + count]
            out.append([Sample(first + k, t is not None, f"program {t}") for k, t in enumerate(texts)])
        return out


def exact_only() -> Selector:
    return Selector(threshold=1.0, banned_words=())


def run(policy: RoundPolicy) -> tuple[list, Replay]:
    replay = Replay()
    return run_rounds(len(OUTCOMES), policy, replay, exact_only), replay


def test_fixed_n_draws_everything_in_one_round_and_keeps_every_survivor():
    states, replay = run(RoundPolicy.fixed(8))
    assert replay.calls == [([0, 1, 2, 3], 0, 8)]
    assert [s.drawn for s in states] == [8, 8, 8, 8]
    assert [[k.index for k in s.kept] for s in states] == [[1, 2, 3], [], [0, 2, 4], [5]]
    assert states[2].outcomes["exact_duplicate"] == 1
    assert {s.stopped for s in states} == {N_REACHED}


def test_adaptive_stops_each_function_once_it_keeps_enough():
    states, replay = run(RoundPolicy(n=8, round_size=2, keep_per_function=1))
    # Rounds draw samples [0,2), [2,4), ... of the functions still active, by global index.
    assert replay.calls == [([0, 1, 2, 3], 0, 2), ([1, 3], 2, 2), ([1, 3], 4, 2), ([1], 6, 2)]
    assert [s.drawn for s in states] == [2, 8, 2, 6]
    assert [s.stopped for s in states] == [KEPT_ENOUGH, N_REACHED, KEPT_ENOUGH, KEPT_ENOUGH]
    assert [[k.index for k in s.kept] for s in states] == [[1], [], [0], [5]]
    # Function 2's second sample passed but the quota was full: counted, not kept.
    assert states[2].outcomes[BEYOND_QUOTA] == 1


def test_adaptive_keeps_the_first_of_what_fixed_n_keeps():
    fixed, _ = run(RoundPolicy.fixed(8))
    for keep in (1, 2, 3):
        adaptive, _ = run(RoundPolicy(n=8, round_size=2, keep_per_function=keep))
        for f, a in zip(fixed, adaptive, strict=True):
            assert [k.index for k in a.kept] == [k.index for k in f.kept][:keep]


def test_give_up_stops_functions_without_a_pass_and_costs_the_late_ones():
    states, _ = run(RoundPolicy(n=8, round_size=2, keep_per_function=1, give_up_rounds=2))
    assert [s.stopped for s in states] == [KEPT_ENOUGH, GAVE_UP, KEPT_ENOUGH, GAVE_UP]
    assert [s.drawn for s in states] == [2, 4, 2, 4]
    assert states[3].kept == []  # its pass at index 5 is never drawn
    assert states[1].outcomes[NOT_PASSING] == 4


def test_last_round_is_cut_to_n():
    states, replay = run(RoundPolicy(n=5, round_size=2, keep_per_function=5))
    assert [call[1:] for call in replay.calls] == [(0, 2), (2, 2), (4, 1)]
    assert all(s.drawn == 5 for s in states)


def test_no_functions_draws_nothing():
    replay = Replay()
    assert run_rounds(0, RoundPolicy(n=4, round_size=2), replay, exact_only) == []
    assert replay.calls == []


def test_a_draw_returning_the_wrong_count_is_an_error():
    def short(active: list[int], first: int, count: int) -> list[list[Sample]]:
        return [[Sample(first, False, "")] for _ in active]

    with pytest.raises(RuntimeError, match="returned 1 samples"):
        run_rounds(1, RoundPolicy(n=4, round_size=2), short, exact_only)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0, "round_size": 1}, "n: 0 is outside"),
        ({"n": 4, "round_size": 5}, "round_size 5 exceeds n 4"),
        ({"n": 4, "round_size": 2, "keep_per_function": -1}, "keep_per_function: -1"),
        ({"n": 4, "round_size": 2, "give_up_rounds": -1}, "give_up_rounds: -1"),
    ],
)
def test_policy_rejects_bad_values(kwargs, message):
    with pytest.raises(ParamsError, match=message):
        RoundPolicy(**kwargs)

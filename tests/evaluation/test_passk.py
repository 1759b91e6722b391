"""The pass@k estimator against its closed form, bootstrap intervals under a seed, paired comparisons."""

from __future__ import annotations

import math
import random

import pytest

from stages.evaluation.passk import bootstrap_interval, ks_for, paired_difference, pass_at_k
from stages.evaluation.summary import pass_at, summarise


def closed_form(n: int, c: int, k: int) -> float:
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def test_estimator_equals_the_closed_form_on_random_draws() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        n = rng.randint(1, 200)
        c = rng.randint(0, n)
        k = rng.randint(1, n)
        assert pass_at_k(n, c, k) == pytest.approx(closed_form(n, c, k), abs=1e-12)


def test_estimator_edges() -> None:
    assert pass_at_k(200, 0, 100) == 0.0
    assert pass_at_k(200, 200, 1) == 1.0
    assert pass_at_k(200, 101, 100) == 1.0  # fewer than k wrong ones: every draw holds a right one
    assert pass_at_k(20, 5, 1) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="k=30"):
        pass_at_k(20, 5, 30)
    with pytest.raises(ValueError, match="c=21"):
        pass_at_k(20, 21, 1)


def test_reported_ks_follow_n() -> None:
    assert ks_for(1) == [1]
    assert ks_for(4) == [1, 2, 4]
    assert ks_for(20) == [1, 2, 4, 5, 8, 10, 16, 20]
    assert ks_for(200)[-3:] == [50, 64, 100]


def test_bootstrap_is_reproducible_under_a_seed_and_brackets_the_mean() -> None:
    rng = random.Random(3)
    values = [rng.random() for _ in range(50)]
    first = bootstrap_interval(values, seed=11)
    assert bootstrap_interval(values, seed=11) == first
    assert bootstrap_interval(values, seed=12) != first
    low, high = first
    assert low < sum(values) / len(values) < high


def test_pass_at_from_counts_averages_problems() -> None:
    result = pass_at({"a": (4, 2), "b": (4, 0), "c": (4, 4)})
    assert result["pass@1"]["estimate"] == pytest.approx(0.5)
    assert result["pass@2"]["estimate"] == pytest.approx((1 - 1 / 6 + 0 + 1) / 3)
    assert result["pass@4"]["estimate"] == pytest.approx(2 / 3)
    assert list(result) == ["pass@1", "pass@2", "pass@4"]


def test_only_status_ok_counts() -> None:
    rows = [
        {"problem": "p", "status": "OK", "tokens": 10},
        {"problem": "p", "status": "AssertionError", "tokens": 20},
        {"problem": "q", "status": "Undecodable", "tokens": 30},
        {"problem": "q", "status": "Timeout", "tokens": 40},
    ]
    summary = summarise(rows)
    assert summary["per_problem"] == {"p": {"n": 2, "c": 1}, "q": {"n": 2, "c": 0}}
    assert summary["pass"]["pass@1"]["estimate"] == pytest.approx(0.25)
    assert summary["mean_tokens"] == 25.0
    assert summary["statuses"] == {"AssertionError": 1, "OK": 1, "Timeout": 1, "Undecodable": 1}


def test_paired_difference_uses_shared_problems_only() -> None:
    run = {"a": 1.0, "b": 1.0, "c": 0.0, "only_run": 1.0}
    base = {"a": 0.0, "b": 1.0, "c": 0.0, "only_base": 0.0}
    paired = paired_difference(run, base, seed=0)
    assert paired["problems"] == 3
    assert paired["difference"] == pytest.approx(1 / 3)
    assert paired["low"] <= paired["difference"] <= paired["high"]


def test_one_set_of_verdicts_has_one_interval_whatever_order_it_is_read_in() -> None:
    # 161 greedy verdicts, 5 failures: the stage reads problems in benchmark order (HumanEval_0, _1, _2, ...),
    # `eval --score` in file-name order (HumanEval_0, _1, _10, _100, ...), and a resume may read them in any order
    failed = {3, 32, 38, 50, 129}
    rows = [
        {"problem": f"HumanEval_{i}_x", "status": "AssertionError" if i in failed else "OK"}
        for i in range(161)
    ]
    by_name = sorted(rows, key=lambda r: r["problem"])
    shuffled = random.Random(5).sample(rows, len(rows))
    stage, score, resumed = (summarise(r)["pass"] for r in (rows, by_name, shuffled))
    assert stage == score == resumed
    assert stage["pass@1"]["estimate"] == pytest.approx(156 / 161)
    assert stage["pass@1"]["low"] < 156 / 161 < stage["pass@1"]["high"]
    draw = random.Random(9)
    values = [draw.random() for _ in range(40)]
    assert bootstrap_interval(values) == bootstrap_interval(values[::-1])

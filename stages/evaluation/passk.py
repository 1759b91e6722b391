"""pass@k as Chen et al. (2021) define it, with the uncertainty a problem sample leaves.

`pass_at_k` is the unbiased estimator 1 - C(n-c, k) / C(n, k), written as a product so that it never forms the
binomials (C(200, 100) overflows a float): 1 - prod_{i=n-c+1..n} (1 - k/i), and exactly 1 when n - c < k.
Intervals are percentile bootstraps over problems (problems, not completions, are the sampled unit), reproducible
under a seed and independent of the order the values come in (they are sorted before resampling, so one set of
verdicts has one interval whichever path read them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BOOTSTRAP_SAMPLES = 2000


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k completions drawn without replacement from n (c of them correct)
    passes."""
    if not 0 <= c <= n:
        raise ValueError(f"pass@k: c={c} must lie in [0, n={n}]")
    if not 1 <= k <= n:
        raise ValueError(f"pass@k: k={k} must lie in [1, n={n}]")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


# The k reported, as far as n allows: MultiPL-E's 1, 10 and 100, and enough points between them to draw pass@k
# against k (LintSeq's claim is about how pass@k grows with test-time compute).
KS = (1, 2, 4, 5, 8, 10, 16, 20, 32, 50, 64, 100)


def ks_for(n: int) -> list[int]:
    return [k for k in KS if k <= n] or [1]


def per_problem(counts: Sequence[tuple[int, int]], k: int) -> np.ndarray:
    """pass@k of each problem from its (n, c)."""
    return np.array([pass_at_k(n, c, k) for n, c in counts], dtype=float)


def bootstrap_interval(
    values: Sequence[float], seed: int = 0, samples: int = BOOTSTRAP_SAMPLES, level: float = 0.95
) -> tuple[float, float]:
    """Percentile interval of the mean of `values`, resampling problems with replacement."""
    # canonical order: the interval belongs to the values, not to the order they came in
    data = np.sort(np.asarray(values, dtype=float))
    if data.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(samples, data.size))].mean(axis=1)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return (float(low), float(high))


def paired_difference(
    run: dict[str, float], reference: dict[str, float], seed: int = 0
) -> dict[str, float | int]:
    """Mean per-problem difference run - reference over the problems both scored, with a bootstrap interval
    (pairing removes the between-problem variance two independent intervals would carry)."""
    shared = sorted(set(run) & set(reference))
    diffs = [run[p] - reference[p] for p in shared]
    low, high = bootstrap_interval(diffs, seed=seed)
    return {
        "problems": len(shared),
        "difference": float(np.mean(diffs)) if diffs else float("nan"),
        "low": low,
        "high": high,
    }

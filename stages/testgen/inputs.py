"""Extra inputs for a function, shaped like the arguments its tests were seen to pass.

Used to presume a surviving mutant equivalent: one that agrees with the original on a few hundred such inputs
beyond the tests' own is not counted (no test could be expected to kill it). Each generated argument keeps the
type and shape of an observed one at the same position (ints stay ints, a list of strings stays a list of
strings) and varies its value: small and wide random numbers, round numbers (multiples of 10, 100, 1000: the
boundaries functions often test), neighbours of the observed value, edited strings, shorter and longer
containers. Everything is a literal (repr() reads back with ast.literal_eval), bounded in size, and seeded, so
the same function always gets the same inputs.
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Sequence
from typing import Any

MAX_DEPTH = 4
MAX_ABS_INT = 10**6
ALPHABET = string.ascii_letters + string.digits + " _-.,/:"


def extra_inputs(examples: Sequence[tuple[Any, ...]], n: int, seed: str) -> list[tuple[Any, ...]]:
    """Up to `n` distinct argument tuples like `examples` (the observed calls), none equal to one of them."""
    if not examples or n <= 0:
        return []
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    by_arity: dict[int, list[tuple[Any, ...]]] = {}
    for args in examples:
        by_arity.setdefault(len(args), []).append(args)
    seen = {repr(args) for args in examples}
    out: list[tuple[Any, ...]] = []
    for _ in range(n * 10):
        if len(out) >= n:
            break
        group = by_arity[len(rng.choice(examples))]
        args = tuple(vary(rng.choice(group)[j], rng) for j in range(len(group[0])))
        key = repr(args)
        if key not in seen:
            seen.add(key)
            out.append(args)
    return out


def vary(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """A random value of the same type and shape as `value`."""
    if isinstance(value, bool):
        return rng.random() < 0.5
    if isinstance(value, int):
        return _int(value, rng)
    if isinstance(value, float):
        return _float(value, rng)
    if isinstance(value, str):
        return _str(value, rng)
    if isinstance(value, bytes):
        return _str(value.decode("latin-1"), rng).encode("latin-1", "replace")
    if depth >= MAX_DEPTH:
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if not items:
            return value
        size = rng.randint(0, len(items) + 2)
        made = [vary(rng.choice(items), rng, depth + 1) for _ in range(size)]
        return type(value)(made)
    if isinstance(value, dict):
        pairs = list(value.items())
        if not pairs:
            return value
        size = rng.randint(0, len(pairs) + 2)
        made_pairs = [rng.choice(pairs) for _ in range(size)]
        return {vary(k, rng, depth + 1): vary(v, rng, depth + 1) for k, v in made_pairs}
    return value  # None and anything else: as observed


def _int(value: int, rng: random.Random) -> int:
    kind = rng.randrange(6)
    if kind == 0:
        made = rng.randint(-10, 10)
    elif kind == 1:
        made = rng.randint(-1000, 3000)
    elif kind == 2:  # round numbers: 10, 200, 1900, 3000, ...
        made = rng.randint(1, 40) * 10 ** rng.randint(1, 3)
    elif kind == 3:
        made = value + rng.randint(-3, 3)
    elif kind == 4:
        made = -value if rng.random() < 0.5 else value * rng.choice((2, 10))
    else:
        made = rng.randint(0, 100)
    return max(-MAX_ABS_INT, min(MAX_ABS_INT, made))


def _float(value: float, rng: random.Random) -> float:
    kind = rng.randrange(4)
    if kind == 0:
        return round(value + rng.uniform(-5, 5), 3)
    if kind == 1:
        return round(rng.uniform(-100, 100), 2)
    if kind == 2:
        return float(_int(int(value) if abs(value) < MAX_ABS_INT else 0, rng))
    return rng.choice((0.0, 0.5, -0.5, 1.0, -1.0, -value))


def _str(value: str, rng: random.Random) -> str:
    pool = sorted(set(value)) + list(ALPHABET)
    kind = rng.randrange(5)
    if kind == 0:
        return "".join(rng.choice(pool) for _ in range(rng.randint(0, len(value) + 3)))
    if kind == 1 and value:  # one edit: delete, replace or insert a character
        i = rng.randrange(len(value))
        edit = rng.randrange(3)
        if edit == 0:
            return value[:i] + value[i + 1 :]
        if edit == 1:
            return value[:i] + rng.choice(pool) + value[i + 1 :]
        return value[:i] + rng.choice(pool) + value[i:]
    if kind == 2:
        return rng.choice((value.upper(), value.lower(), value.swapcase(), value.strip(), value[::-1]))
    if kind == 3:
        return rng.choice(("", " ", value + value, value[: len(value) // 2]))
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 8)))

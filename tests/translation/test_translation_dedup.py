"""De-duplication within a function: banned words, exact duplicates, ROUGE-L near duplicates (rouge-score)."""

from __future__ import annotations

import pytest

from stages.translation.dedup import BANNED_WORD, EXACT_DUPLICATE, KEPT, NEAR_DUPLICATE, RougeL, Selector

ADD = "local function add(a, b)\n    return a + b\nend\n"
ADD_SPACED = "local function add(a, b)   \n\n    return a + b\nend"
ADD_RENAMED = "local function add(a, b)\n    local s = a + b\n    return s\nend\n"
ADD_LOOP = (
    "local function add(a, b)\n    local total = a\n    for i = 1, b do\n        total = total + 1\n    end\n"
    "    if b < 0 then\n        total = a - (0 - b)\n    end\n    return total\nend\n"
)


@pytest.fixture(scope="module")
def rouge() -> RougeL:
    return RougeL()


def test_rouge_l_is_rougelsum_f_from_rouge_score(rouge):
    from rouge_score import rouge_scorer

    expected = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=True).score(ADD, ADD_RENAMED)
    assert rouge.f(ADD, ADD_RENAMED) == pytest.approx(expected["rougeLsum"].fmeasure)
    assert rouge.f(ADD, ADD) == pytest.approx(1.0)
    assert 0.6 <= rouge.f(ADD, ADD_RENAMED) < 1.0  # a near duplicate at MultiPL-T's threshold
    assert rouge.f(ADD, ADD_LOOP) < 0.6  # a different solution


def test_exact_duplicates_ignore_trailing_blanks_and_blank_lines(rouge):
    selector = Selector(0.6, ("TODO",), rouge)
    assert selector.offer(ADD) == KEPT
    assert selector.offer(ADD_SPACED) == EXACT_DUPLICATE
    assert selector.kept == ["local function add(a, b)\n    return a + b\nend"]


def test_near_duplicates_by_rouge_l_at_the_threshold(rouge):
    selector = Selector(0.6, (), rouge)
    assert [selector.offer(t) for t in (ADD, ADD_RENAMED, ADD_LOOP)] == [KEPT, NEAR_DUPLICATE, KEPT]
    strict = Selector(0.99, (), rouge)  # a higher threshold lets the renamed variant through
    assert [strict.offer(t) for t in (ADD, ADD_RENAMED)] == [KEPT, KEPT]


def test_banned_words_are_dropped_before_anything_else(rouge):
    selector = Selector(0.6, ("TODO",), rouge)
    assert selector.offer("local function f(x)\n    -- TODO\n    return x\nend") == BANNED_WORD
    assert selector.kept == []


def test_kept_from_a_prefix_of_samples_is_a_prefix_of_kept_from_all(rouge):
    """What adaptive sampling relies on: stopping early keeps the first of what a full draw would keep."""
    texts = [ADD, ADD_RENAMED, ADD_SPACED, ADD_LOOP, ADD]
    full = Selector(0.6, (), rouge)
    for text in texts:
        full.offer(text)
    for k in range(len(texts) + 1):
        part = Selector(0.6, (), rouge)
        for text in texts[:k]:
            part.offer(text)
        assert full.kept[: len(part.kept)] == part.kept

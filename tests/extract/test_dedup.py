from stages.extract.dedup import (
    DUPLICATE_EXACT,
    DUPLICATE_NEAR,
    Deduplicator,
    DedupParams,
    exact_key,
    normalise,
)

BASE = '''\
def mean(values):
    """Arithmetic mean of a non-empty sequence of numbers."""
    total = 0.0
    count = 0
    for value in values:
        total += value
        count += 1
    return total / count
'''


def test_formatting_and_comments_do_not_make_a_new_function():
    reformatted = BASE.replace("    total = 0.0\n", "    total = 0.0   # running sum\n\n").replace(
        '"""', "'''"
    )
    assert normalise(BASE) == normalise(reformatted)
    assert exact_key(normalise(BASE)) == exact_key(normalise(reformatted))


def test_exact_then_near_then_distinct():
    dedup = Deduplicator(DedupParams(near_threshold=0.7))
    # one line edited: most 5-token shingles survive (a renamed variable would change too many of them)
    renamed = BASE.replace("    total = 0.0\n", "    total = 0\n")
    other = '''\
def clamp(x, lo, hi):
    """Clamp x into the closed interval [lo, hi]."""
    if x < lo:
        return lo
    return hi if x > hi else x
'''
    assert dedup.check("a", normalise(BASE)) is None
    assert dedup.check("b", normalise(BASE + "\n# trailing comment\n")) == DUPLICATE_EXACT
    assert dedup.check("c", normalise(renamed)) == DUPLICATE_NEAR
    assert dedup.check("d", normalise(other)) is None


def test_near_dedup_can_be_turned_off():
    dedup = Deduplicator(DedupParams(near_threshold=0.0))
    assert dedup.check("a", normalise(BASE)) is None
    assert dedup.check("c", normalise(BASE.replace("    total = 0.0\n", "    total = 0\n"))) is None
    assert dedup.near is None


def test_pipeline_drops_verbatim_and_reformatted_copies_across_files():
    from stages.extract.filters import FilterParams
    from stages.extract.pipeline import extract
    from stages.extract.sources import Document
    from stages.records import Funnel, Source

    docs = [
        Document(BASE, Source(path="a.py"), "a.py"),
        Document(BASE, Source(path="b.py"), "b.py"),
        Document(BASE.replace("    count = 0\n", "    count = 0  # n\n"), Source(path="c.py"), "c.py"),
    ]
    functions, files = Funnel("f"), Funnel("f.files")
    rows = list(extract(docs, FilterParams(), DedupParams(), functions, files))
    assert [r["lineage"]["source"]["path"] for r in rows] == ["a.py"]
    assert dict(functions.dropped) == {DUPLICATE_EXACT: 2}

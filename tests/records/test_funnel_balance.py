"""Every funnel balances: rows in = rows out + rows dropped, for every committed funnel (reports/funnel/, read as
committed, never regenerated here) and, in tests/e2e/test_pipeline.py, for every funnel of the e2e run; every
stage either writes a funnel or says in its `run` docstring why it has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from stages.catalog import STAGES
from stages.records.funnel import Funnel, balance_errors, unbalanced
from stages.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = sorted((ROOT / "reports" / "funnel").glob("*.json"))


def test_every_committed_funnel_balances() -> None:
    assert unbalanced(ROOT / "reports" / "funnel") == []


def test_an_unbalanced_funnel_is_named() -> None:
    funnel = Funnel("demo")
    funnel.seen(3)
    funnel.kept(1)
    funnel.drop("too_long")
    assert balance_errors(funnel.to_dict()) == ["demo: 3 in != 1 out + 1 dropped (1 rows unaccounted for)"]
    funnel.drop("too_short")
    assert balance_errors(funnel.to_dict()) == []
    assert balance_errors({"stage": "x", "rows_in": 1}) == ["x: no rows_out, dropped"]
    assert unbalanced(ROOT / "no-such-dir") == [f"no funnels under {ROOT / 'no-such-dir'}"]


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_every_stage_writes_a_funnel_or_says_why_not(stage) -> None:
    stems = {p.stem.split("-")[0].split(".")[0] for p in COMMITTED}
    if stage.name in stems:
        return
    run = Registry("run", {"run": stage.run}).load("run")
    assert "no funnel" in (run.__doc__ or ""), (
        f"{stage.name} writes no committed funnel: its run() docstring must say why it has none ('no funnel')"
    )

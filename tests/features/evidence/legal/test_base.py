"""features.evidence.legal.base: the shared pieces of the legal flags: one finding's shape, blank cells, shared values
between two bids of a tender, generic values left out, and how many bidders carry a value."""
from __future__ import annotations

import dataclasses

import pandas as pd

from features.core.settings import FlagsSettings
from features.evidence.legal.base import (LegalContext, bidders_per_value, finding, generic_values, same_field_findings,
                                          text, texts)
from tests.features.evidence.legal.bids_with_flags import bid, bids_frame


def _ctx(**settings):
    bids = bids_frame([bid("T1", "A", 100, agent_id="AG1", file_creator="Admin"), bid("T1", "B", 101, agent_id="AG1", file_creator="Admin"),
                       bid("T1", "C", 150, agent_id=" ", file_creator="li"), bid("T2", "A", 90, agent_id="AG2"),
                       bid("T2", "D", 95, agent_id="AG2"), bid("T3", "E", 70, agent_id="AG2")])
    return LegalContext(tables={"bids": bids}, settings=dataclasses.replace(FlagsSettings(), **settings))


def test_finding_and_cell_text():
    f = finding("A40.2", "Art. 40(2)", "T1", ("B", "A"), "same agent", value=2)
    assert f == {"code": "A40.2", "article": "Art. 40(2)", "level": "pair", "tender_id": "T1", "bidders": "A;B",
                 "value": 2.0, "evidence": "same agent"}
    assert [text(v) for v in (None, float("nan"), pd.NA, "  ", " x ", 5)] == [None, None, None, None, "x", "5"]
    assert texts(pd.Series([" a", None, "a ", ""])).tolist() == ["a", None, "a", None]


def test_shared_values_per_pair_with_their_reach():
    ctx = _ctx()
    found = same_field_findings(ctx, {"agent_id": "were handled by the same agent"}, "A40.2", "Art. 40(2)", "Article 40(2)",
                                reach=True)
    pairs = {(f["tender_id"], f["bidders"]) for f in found}
    assert pairs == {("T1", "A;B"), ("T2", "A;D")}  # a blank agent is never shared
    t2 = next(f for f in found if f["tender_id"] == "T2")
    assert "'AG2' (who acts for 3 bidders in this dataset)" in t2["evidence"]
    assert bidders_per_value(ctx, "agent_id").to_dict() == {"AG1": 2, "AG2": 3}


def test_generic_values_are_left_out():
    ctx = _ctx(generic_bidders=3)
    g = generic_values(ctx, ["agent_id", "file_creator"])
    assert g["agent_id"] == {"AG2"} and set(FlagsSettings().generic_values) <= g["file_creator"]
    found = same_field_findings(ctx, {"agent_id": "agent"}, "A40.2", "Art. 40(2)", "Article 40(2)", generic=g)
    assert {f["tender_id"] for f in found} == {"T1"}  # AG2 acts for 3 bidders: generic, not evidence
